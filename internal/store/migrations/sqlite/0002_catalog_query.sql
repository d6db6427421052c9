-- Catalog query support.
--
-- Probes by entity ("does entity X have key K", "is this X's smallest
-- value for K") seek on (id, key). Without that index SQLite picks
-- search_key_value for them and walks every row of the key. It replaces
-- search (id), which is its prefix, so writes pay no extra index.
CREATE INDEX search_id_key ON search (id, key);
DROP INDEX IF EXISTS search_id;

-- A trigram index for full-text filters (by-query fullTextFilterTerm) on
-- the keys searched most, so a substring search does not scan every search
-- row. Other keys, and terms shorter than three characters, are answered
-- by scanning. search_trigram mirrors the search rows of those keys and is
-- kept current by triggers on search. Its rowid is the search row's rowid:
-- search has no INTEGER PRIMARY KEY, so the database must not be VACUUMed
-- (which may renumber rowids) without rebuilding search_trigram.
CREATE VIRTUAL TABLE search_trigram USING fts5(
  value,
  key UNINDEXED,
  id UNINDEXED,
  tokenize = 'trigram'
);

CREATE TRIGGER search_trigram_insert AFTER INSERT ON search
WHEN new.value IS NOT NULL
  AND new.key IN ('metadata.name', 'metadata.title', 'spec.profile.displayname')
BEGIN
  INSERT INTO search_trigram (rowid, value, key, id) VALUES (new.rowid, new.value, new.key, new.id);
END;

CREATE TRIGGER search_trigram_delete AFTER DELETE ON search
WHEN old.value IS NOT NULL
  AND old.key IN ('metadata.name', 'metadata.title', 'spec.profile.displayname')
BEGIN
  DELETE FROM search_trigram WHERE rowid = old.rowid;
END;

CREATE TRIGGER search_trigram_update AFTER UPDATE ON search
WHEN (old.value IS NOT NULL AND old.key IN ('metadata.name', 'metadata.title', 'spec.profile.displayname'))
  OR (new.value IS NOT NULL AND new.key IN ('metadata.name', 'metadata.title', 'spec.profile.displayname'))
BEGIN
  DELETE FROM search_trigram WHERE rowid = old.rowid;
  INSERT INTO search_trigram (rowid, value, key, id)
  SELECT new.rowid, new.value, new.key, new.id
  WHERE new.value IS NOT NULL
    AND new.key IN ('metadata.name', 'metadata.title', 'spec.profile.displayname');
END;

INSERT INTO search_trigram (rowid, value, key, id)
SELECT rowid, value, key, id FROM search
WHERE value IS NOT NULL
  AND key IN ('metadata.name', 'metadata.title', 'spec.profile.displayname');
