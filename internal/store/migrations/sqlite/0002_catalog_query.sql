-- Catalog query support.
--
-- Probes by entity ("does entity X have key K", "is this X's smallest
-- value for K") seek on (id, key). Without that index SQLite picks
-- search_key_value for them and walks every row of the key. It replaces
-- search (id), which is its prefix, so writes pay no extra index.
CREATE INDEX search_id_key ON search (id, key);
DROP INDEX IF EXISTS search_id;

-- Facets count the original, case-preserving values. The originals that
-- differ from the lower-cased value (kind "Component", titles) are in this
-- partial index, so facets read indexes only, never the table.
CREATE INDEX search_original ON search (key, value, original_value) WHERE original_value IS NOT NULL;

-- A trigram index for full-text filters (by-query fullTextFilterTerm) on
-- the keys searched most, so a substring search does not scan every search
-- row. Other keys, and terms shorter than three characters, are answered
-- by scanning. search_trigram mirrors the values of those keys' search rows
-- and triggers on search keep it current in the same transaction. Its
-- rowid is the entity's id times four plus the key's slot (1
-- metadata.name, 2 metadata.title, 3 spec.profile.displayname; the store's
-- reader uses the same numbers), so a match names its entity without a
-- lookup, rows come in entity order, and a name is read from this small
-- table rather than from search. Each key holds one value per entity (a
-- second value for the same key replaces the first).
CREATE VIRTUAL TABLE search_trigram USING fts5(value, tokenize = 'trigram');

CREATE TRIGGER search_trigram_insert AFTER INSERT ON search
WHEN new.value IS NOT NULL
  AND new.key IN ('metadata.name', 'metadata.title', 'spec.profile.displayname')
BEGIN
  INSERT OR REPLACE INTO search_trigram (rowid, value) VALUES (
    new.id * 4 + CASE new.key WHEN 'metadata.name' THEN 1 WHEN 'metadata.title' THEN 2 ELSE 3 END,
    new.value);
END;

CREATE TRIGGER search_trigram_delete AFTER DELETE ON search
WHEN old.value IS NOT NULL
  AND old.key IN ('metadata.name', 'metadata.title', 'spec.profile.displayname')
BEGIN
  DELETE FROM search_trigram
  WHERE rowid = old.id * 4 + CASE old.key WHEN 'metadata.name' THEN 1 WHEN 'metadata.title' THEN 2 ELSE 3 END;
END;

CREATE TRIGGER search_trigram_update AFTER UPDATE ON search
WHEN (old.value IS NOT NULL AND old.key IN ('metadata.name', 'metadata.title', 'spec.profile.displayname'))
  OR (new.value IS NOT NULL AND new.key IN ('metadata.name', 'metadata.title', 'spec.profile.displayname'))
BEGIN
  DELETE FROM search_trigram
  WHERE old.value IS NOT NULL
    AND old.key IN ('metadata.name', 'metadata.title', 'spec.profile.displayname')
    AND rowid = old.id * 4 + CASE old.key WHEN 'metadata.name' THEN 1 WHEN 'metadata.title' THEN 2 ELSE 3 END;
  INSERT OR REPLACE INTO search_trigram (rowid, value)
  SELECT new.id * 4 + CASE new.key WHEN 'metadata.name' THEN 1 WHEN 'metadata.title' THEN 2 ELSE 3 END, new.value
  WHERE new.value IS NOT NULL
    AND new.key IN ('metadata.name', 'metadata.title', 'spec.profile.displayname');
END;

INSERT OR REPLACE INTO search_trigram (rowid, value)
SELECT id * 4 + CASE key WHEN 'metadata.name' THEN 1 WHEN 'metadata.title' THEN 2 ELSE 3 END, value
FROM search
WHERE value IS NOT NULL
  AND key IN ('metadata.name', 'metadata.title', 'spec.profile.displayname');
