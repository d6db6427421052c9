-- Search (internal/search/postgres): the body gets a vector and an index
-- of its own, in place of the whole text's.
--
-- A document matches a query when each of its terms matches in the
-- document's fields or body. With one GIN index over the whole text
-- (tsv), a phrase of common words ("checkout service") made every
-- document holding those words anywhere a candidate, each read from the
-- table to check the words' positions. tsv_body holds the body (for the
-- catalog, its keywords) and the meta tokens; the engine looks each term
-- up in the fields' and the body's indexes, so the candidates of a phrase
-- are the documents with all its words in one of the two. Without the
-- whole text, which repeated the fields, a catalog row stays small enough
-- to keep its vectors in the table rather than in TOAST.
--
-- Rows written before this migration take the whole text as their body:
-- they match as they did until the next rebuild of their type writes the
-- body alone.
ALTER TABLE search_documents ADD COLUMN tsv_body TSVECTOR;
UPDATE search_documents SET tsv_body = tsv;
ALTER TABLE search_documents ALTER COLUMN tsv_body SET NOT NULL;
ALTER TABLE search_documents DROP COLUMN tsv;
CREATE INDEX search_documents_tsv_body ON search_documents USING gin (tsv_body);
