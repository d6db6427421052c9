-- PostgreSQL's 0007 makes its (id, key) index of search covering, for
-- sorted pages. SQLite reads the sort values of the keys sorted most from
-- the small search_trigram table instead, and a wider index would slow
-- every ingestion, so its schema stays; this file keeps the two dialects'
-- migration numbers in step.
SELECT 1;
