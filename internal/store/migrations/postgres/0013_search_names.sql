-- SQLite's 0013 gives its search engine an index of titles and names
-- alone, as PostgreSQL's tsv_names (0008) already is, so this file keeps
-- the two dialects' migration numbers in step.
SELECT 1;
