-- Search (internal/search/postgres): an index of a sample of the
-- documents, for counting matches.
--
-- A query's total is counted up to 1,000 (search.MaxCount). For words
-- common in the index, counting them reads every document holding each
-- word from the fields' and the body's indexes (GIN builds a bitmap of
-- each posting list, about 150 ns a posting), the most of such a query's
-- time. Document ids are spread evenly over [0, 2^63) (the engine
-- scrambles them), so the documents with an id below 2^60 are an eighth
-- of them, drawn without regard to their words: their fields and body
-- joined in one vector are indexed here, and the engine counts a query of
-- common words from them first, reading an eighth of the postings, in
-- one lookup of all its words. It counts every document only when the
-- sample holds fewer than the total needs.
CREATE INDEX search_documents_sample ON search_documents
  USING gin ((tsv_fields || tsv_body)) WHERE id < 1152921504606846976;
