// Package catalog is Callboard's software catalog engine. Locations and
// entity providers feed unprocessed entities in; the orchestrator runs the
// processors over each (placeholders, validation, location reading,
// relations); the engine writes the results in batches and stitches final
// entities with their relations, status and search rows; the query side
// answers Backstage's filter, predicate, paging and facet semantics from the
// stitched data. Storage is reached through interfaces this package declares
// and internal/store implements.
package catalog
