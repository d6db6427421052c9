-- PostgreSQL's 0017 adds an index of a sample of its search documents,
-- for counting matches; SQLite's engine counts through FTS5, so this
-- file keeps the two dialects' migration numbers in step.
SELECT 1;
