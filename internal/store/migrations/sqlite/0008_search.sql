-- Search (internal/search/sqlite): the index of the embedded engine.
--
-- Each document type has its own index: the documents of one generation.
-- A rebuild writes a new generation beside the live one and swaps it in by
-- changing search_indexes, in one short transaction; the old generation
-- is deleted afterwards. Generations come from one sequence, so a
-- generation number names its type and queries select documents by
-- generation alone.
CREATE TABLE search_generations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

-- The live generation of each type.
CREATE TABLE search_indexes (
  type TEXT PRIMARY KEY,
  generation INTEGER NOT NULL,
  built_at INTEGER NOT NULL
);

-- One row per document; id is the rowid of its search_fts row. The f_*
-- columns hold the fields filtered on most (lower-cased); other filters
-- read the document. res_ref, res_kind and search_document_owners are
-- what permission conditions test.
CREATE TABLE search_documents (
  id INTEGER PRIMARY KEY,
  generation INTEGER NOT NULL,
  type TEXT NOT NULL,
  doc_id TEXT NOT NULL,
  grp TEXT NOT NULL,
  name_key TEXT NOT NULL,
  title_key TEXT NOT NULL,
  long_text INTEGER NOT NULL,
  f_kind TEXT,
  f_type TEXT,
  f_lifecycle TEXT,
  f_owner TEXT,
  f_namespace TEXT,
  res_ref TEXT NOT NULL,
  res_kind TEXT NOT NULL,
  document TEXT NOT NULL,
  UNIQUE (generation, doc_id)
);
CREATE INDEX search_documents_group ON search_documents (generation, grp);
CREATE INDEX search_documents_name ON search_documents (name_key);
CREATE INDEX search_documents_title ON search_documents (title_key);

CREATE TABLE search_document_owners (
  owner TEXT NOT NULL,
  doc INTEGER NOT NULL,
  PRIMARY KEY (owner, doc)
) WITHOUT ROWID;
CREATE INDEX search_document_owners_doc ON search_document_owners (doc);

-- The searched text by weight: title, name, description, tags, body.
CREATE VIRTUAL TABLE search_fts USING fts5(
  title, name, description, tags, body,
  tokenize = 'unicode61 remove_diacritics 2'
);

-- The words of names and titles, for typo tolerance: a word close to one
-- typed is found by the trigrams they share.
CREATE TABLE search_terms (term TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE VIRTUAL TABLE search_terms_trigram USING fts5(term, tokenize = 'trigram');

-- The indexer's state: its place in the catalog's change feed.
CREATE TABLE search_state (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
