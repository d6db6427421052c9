-- Search (internal/search/sqlite): an FTS5 index of the titles and names
-- alone, with the meta tokens, beside search_fts. A word common in
-- bodies (a word of the prose of docs pages, "team" in every entity's
-- owner) has a doclist of most documents in search_fts, and a match
-- limited to the title or name column reads all of it to find the few
-- documents that hold the word there; this index holds only those. It is
-- contentless (the text is in search_fts_content) and rows are deleted by
-- rowid, which is the document's id as in search_fts.
CREATE VIRTUAL TABLE search_names_fts USING fts5(
  title, name, meta,
  content = '', contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO search_names_fts (rowid, title, name, meta) SELECT rowid, title, name, meta FROM search_fts;
