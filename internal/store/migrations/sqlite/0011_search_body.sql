-- PostgreSQL's 0011 gives its search engine a vector and index of the
-- body alone. SQLite's FTS5 table already indexes each column on its own,
-- so its schema stays; this file keeps the two dialects' migration
-- numbers in step.
SELECT 1;
