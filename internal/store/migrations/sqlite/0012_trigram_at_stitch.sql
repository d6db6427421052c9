-- Stitching writes the search_trigram rows of the search rows it inserts
-- itself, one multi-row statement per batch, before those rows. The insert
-- trigger of 0002 ran a trigger program with an FTS5 insert per name row,
-- and its IN list built a temporary index for every search row inserted:
-- more than a third of the writer's time at a cold start. The triggers
-- stay for every other writer of search, so the table follows any write;
-- the insert trigger now skips a row whose trigram row already holds its
-- value, and the keys are compared one by one (no temporary index).
DROP TRIGGER search_trigram_insert;
DROP TRIGGER search_trigram_delete;

CREATE TRIGGER search_trigram_insert AFTER INSERT ON search
WHEN (new.key = 'metadata.name' OR new.key = 'metadata.title' OR new.key = 'spec.profile.displayname')
  AND new.value IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM search_trigram_content
    WHERE id = new.id * 4 + CASE new.key WHEN 'metadata.name' THEN 1 WHEN 'metadata.title' THEN 2 ELSE 3 END
      AND c0 = new.value)
BEGIN
  INSERT OR REPLACE INTO search_trigram (rowid, value) VALUES (
    new.id * 4 + CASE new.key WHEN 'metadata.name' THEN 1 WHEN 'metadata.title' THEN 2 ELSE 3 END,
    new.value);
END;

CREATE TRIGGER search_trigram_delete AFTER DELETE ON search
WHEN (old.key = 'metadata.name' OR old.key = 'metadata.title' OR old.key = 'spec.profile.displayname')
  AND old.value IS NOT NULL
BEGIN
  DELETE FROM search_trigram
  WHERE rowid = old.id * 4 + CASE old.key WHEN 'metadata.name' THEN 1 WHEN 'metadata.title' THEN 2 ELSE 3 END;
END;
