-- Stitching writes the search_trigram rows of every search row it inserts
-- (catalog_stitch.go writeTrigrams), and nothing else inserts search rows,
-- so the insert trigger of 0012 only checked, per search row, that there
-- was nothing left for it to do: a trigger program run for each of the
-- twenty-odd rows of every entity stitched. Deletions and updates keep
-- their triggers, so removing or changing a search row still removes or
-- changes its trigram row.
DROP TRIGGER search_trigram_insert;
