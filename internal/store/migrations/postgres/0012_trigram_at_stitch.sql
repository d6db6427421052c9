-- SQLite's 0012 replaces its trigram triggers; PostgreSQL has no trigram
-- table (a GIN index on search answers full-text filters), so this file
-- keeps the two dialects' migration numbers in step.
SELECT 1;
