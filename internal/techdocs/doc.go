// Package techdocs stores, serves and keeps up to date the documentation
// sites of catalog entities, in Backstage's TechDocs layout.
//
// A built site is published into a blob.Bucket under the entity's
// lower-cased triplet, <namespace>/<kind>/<name>/ (Publisher), exactly as
// Backstage's publishers lay it out, so sites published by Backstage's
// techdocs-cli are served too and ours can be read by Backstage. Reads from
// a remote bucket go through a size-bounded cache (Cache) that publishing
// invalidates.
//
// With techdocs.builder: local, a Builder keeps sites up to date in the
// background: it watches the catalog for entities with a
// backstage.io/techdocs-ref annotation, resolves the annotation against
// the entity's source location (ResolveLocation), reads the source, builds
// it with the injected generator into a temporary directory and publishes
// the result. Readers always get the last good site; a failed build leaves
// it in place and its error is kept for the entity page. A source whose
// etag (commit, content hash) matches the published techdocs_metadata.json
// is not rebuilt.
//
// Page reads a published HTML page (ours, or MkDocs Material's) into the
// parts the portal shows: article, navigation, headings, previous and
// next pages, sanitised against script injection. Search answers queries
// over a site's search/search_index.json.
package techdocs
