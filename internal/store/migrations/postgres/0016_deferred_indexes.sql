-- The definitions of indexes that a bulk load into an empty catalog set
-- aside (ADR 0010): the search table's indexes that only readers use are
-- dropped while the first load inserts its rows and built once, by a
-- sort, when the engine is idle. A row here means its index is missing;
-- a migration that drops or changes one of those indexes deletes its row.
CREATE TABLE catalog_deferred_indexes (
  name TEXT PRIMARY KEY,
  definition TEXT NOT NULL
);
