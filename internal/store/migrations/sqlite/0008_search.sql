-- Search (internal/search/sqlite): the index of the embedded engine.
--
-- Each document type has its own index: the documents of one generation.
-- A rebuild writes a new generation beside the live one and swaps it in by
-- changing search_indexes, in one short transaction; the old generation
-- is deleted afterwards. Generations come from one sequence, so a
-- generation number names its type and queries select documents by
-- generation alone.
CREATE TABLE search_generations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

-- The live generation of each type.
CREATE TABLE search_indexes (
  type TEXT PRIMARY KEY,
  generation INTEGER NOT NULL,
  built_at INTEGER NOT NULL
);

-- One row per document. id is the rowid of its search_fts row, with the
-- generation in its high 32 bits, so that FTS5 limits a query to the live
-- generations by rowid ranges, without reading this table. res_ref is the
-- entity a permission check is about.
CREATE TABLE search_documents (
  id INTEGER PRIMARY KEY,
  generation INTEGER NOT NULL,
  type TEXT NOT NULL,
  doc_id TEXT NOT NULL,
  grp TEXT NOT NULL,
  name_key TEXT NOT NULL,
  title_key TEXT NOT NULL,
  long_text INTEGER NOT NULL,
  res_ref TEXT NOT NULL,
  document TEXT NOT NULL,
  UNIQUE (generation, doc_id)
);
CREATE INDEX search_documents_group ON search_documents (generation, grp);
CREATE INDEX search_documents_name ON search_documents (name_key);
CREATE INDEX search_documents_title ON search_documents (title_key);

-- The searched text by weight: title, name, description, tags, body;
-- meta holds tokens standing for the document's owners, its entity's
-- kind and its fields' values (search.Document.Meta), so that filters
-- and permission conditions are part of the match expression.
CREATE VIRTUAL TABLE search_fts USING fts5(
  title, name, description, tags, body, meta,
  tokenize = 'unicode61 remove_diacritics 2'
);

-- The words of names and titles, for typo tolerance: a word close to one
-- typed is found by the trigrams they share.
CREATE TABLE search_terms (term TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE VIRTUAL TABLE search_terms_trigram USING fts5(term, tokenize = 'trigram');

-- The indexer's state: its place in the catalog's change feed.
CREATE TABLE search_state (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
