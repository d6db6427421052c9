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
-- by scanning. search_trigram indexes the values of those keys' search rows
-- under the search row's rowid and stores nothing else (contentless);
-- triggers on search keep it current, and readers join back to search by
-- rowid and re-check the value, so a stale entry can only hide a match.
-- search has no INTEGER PRIMARY KEY: a VACUUM, which may renumber rowids,
-- needs search_trigram rebuilt ('rebuild' is not available for contentless
-- tables; delete and re-insert its rows).
CREATE VIRTUAL TABLE search_trigram USING fts5(
  value,
  content = '',
  contentless_delete = 1,
  tokenize = 'trigram'
);

CREATE TRIGGER search_trigram_insert AFTER INSERT ON search
WHEN new.value IS NOT NULL
  AND new.key IN ('metadata.name', 'metadata.title', 'spec.profile.displayname')
BEGIN
  INSERT INTO search_trigram (rowid, value) VALUES (new.rowid, new.value);
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
  INSERT INTO search_trigram (rowid, value)
  SELECT new.rowid, new.value
  WHERE new.value IS NOT NULL
    AND new.key IN ('metadata.name', 'metadata.title', 'spec.profile.displayname');
END;

INSERT INTO search_trigram (rowid, value)
SELECT rowid, value FROM search
WHERE value IS NOT NULL
  AND key IN ('metadata.name', 'metadata.title', 'spec.profile.displayname');
