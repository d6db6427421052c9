-- Sorted and permission-filtered pages read each candidate entity's value
-- for one key. With (id, key) the value came from the heap, a random read
-- per entity; with the value in the index the read is index-only. The new
-- index has (id, key) as its prefix, so it replaces that index and writes
-- pay for one index, as before.
CREATE INDEX search_id_key_value ON search (id, key, value);
DROP INDEX IF EXISTS search_id_key;
