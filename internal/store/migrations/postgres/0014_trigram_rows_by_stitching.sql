-- SQLite's 0014 drops its trigram insert trigger; PostgreSQL has no trigram
-- table, so this file keeps the two dialects' migration numbers in step.
SELECT 1;
