-- PostgreSQL's 0015 turns off the autovacuum of its search table that
-- inserts alone started; SQLite has no autovacuum of the kind, so this
-- file keeps the two dialects' migration numbers in step.
SELECT 1;
