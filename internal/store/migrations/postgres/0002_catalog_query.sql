-- Catalog query support.
--
-- Probes by entity ("does entity X have key K", "is this X's smallest
-- value for K") seek on (id, key). It replaces search (id), which is its
-- prefix, so writes pay no extra index. (SQLite needs it most; the index
-- is the same here so both dialects plan alike.)
CREATE INDEX search_id_key ON search (id, key);
DROP INDEX IF EXISTS search_id;

-- Facets count the original, case-preserving values. The originals that
-- differ from the lower-cased value (kind "Component", titles) are in this
-- partial index, so facets read indexes only, never the table.
CREATE INDEX search_original ON search (key, value, original_value) WHERE original_value IS NOT NULL;

-- A trigram index for full-text filters (by-query fullTextFilterTerm) on
-- the keys searched most, so a substring search does not scan every search
-- row. It needs the pg_trgm extension; where that cannot be installed the
-- migration still succeeds and those filters scan, as they do for every
-- other key.
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pg_trgm is not available; full-text filters will scan the search table';
END
$$;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    CREATE INDEX search_trigram ON search USING gin (value gin_trgm_ops)
      WHERE key IN ('metadata.name', 'metadata.title', 'spec.profile.displayname');
  END IF;
END
$$;

-- Filters probe search by (key, value); the two columns are strongly
-- correlated, so the planner needs their joint most-common values to
-- estimate how many entities a condition matches (without them it takes
-- kind = 'component' for a handful of rows and hashes where it should walk).
CREATE STATISTICS search_key_value_stats (mcv, ndistinct) ON key, value FROM search;
