// Package search is Callboard's search: one search box over the catalog,
// TechDocs pages and software templates, with Backstage's search API on
// top.
//
// Collators turn catalog entities and published docs sites into Documents
// (Backstage's document shapes); an Engine indexes them by type and
// answers ranked queries with highlights and prefix suggestions. Engines
// live in subpackages: sqlite (FTS5, the embedded default), postgres
// (tsvector with GIN) and opensearch (plain HTTP). One conformance suite,
// searchtest, holds them to the same behaviour.
//
// The Indexer keeps the index fresh: a full rebuild per type with an
// atomic swap (at start, on a schedule and on demand), entity changes
// taken from the catalog's change feed as they are stitched, and docs
// sites as they are published. The Service answers queries: it parses the
// query syntax (words, "phrases", -exclusions, prefix*), expands synonyms,
// retries with typo tolerance when nothing matches, and applies the
// caller's permission filter inside the engine's query, falling back to a
// bounded post-filter for conditions an engine cannot express.
package search
