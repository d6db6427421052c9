package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"
	"sync/atomic"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/blob"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/search"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/techdocs"
)

// searchCatalog is the catalog as the search collators read it: all of
// it (documents carry their entity for the permission filter applied
// when searching), a page at a time.
type searchCatalog struct{ q *catalog.Query }

var _ search.Catalog = searchCatalog{}

func (c searchCatalog) Entities(ctx context.Context, f search.EntityFilter, size int, fn func([]*entity.Entity) error) error {
	var conds []string
	if f.Kind != "" {
		conds = append(conds, "kind="+f.Kind)
	}
	if f.Annotation != "" {
		conds = append(conds, "metadata.annotations."+f.Annotation)
	}
	req := catalog.QueryRequest{Limit: &size, SkipTotal: true}
	if len(conds) > 0 {
		filter, err := catalog.ParseFilterParams([]string{strings.Join(conds, ",")})
		if err != nil {
			return err
		}
		req.Filter = filter
	}
	for {
		res, err := c.q.QueryEntities(ctx, req)
		if err != nil {
			return fmt.Errorf("read catalog for search: %w", err)
		}
		batch, err := decodeEntities(res.Items)
		if err != nil {
			return err
		}
		if len(batch) > 0 {
			if err := fn(batch); err != nil {
				return err
			}
		}
		if res.NextCursor == "" {
			return nil
		}
		req = catalog.QueryRequest{Cursor: res.NextCursor, Limit: &size, SkipTotal: true}
	}
}

func (c searchCatalog) EntitiesByRefs(ctx context.Context, refs []string) ([]*entity.Entity, error) {
	items, err := c.q.EntitiesByRefs(ctx, catalog.ByRefsRequest{Refs: refs})
	if err != nil {
		return nil, fmt.Errorf("read catalog for search: %w", err)
	}
	return decodeEntities(items)
}

func decodeEntities(items []json.RawMessage) ([]*entity.Entity, error) {
	out := make([]*entity.Entity, 0, len(items))
	for _, raw := range items {
		if raw == nil {
			continue
		}
		var e entity.Entity
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("decode entity: %w", err)
		}
		out = append(out, &e)
	}
	return out, nil
}

// searchSites reads published docs sites' search indexes for the
// techdocs collator.
type searchSites struct{ pub *techdocs.Publisher }

var _ search.Sites = searchSites{}

func (s searchSites) SitePages(ctx context.Context, ref entity.Ref) ([]search.SitePage, bool, error) {
	b, _, err := s.pub.ReadFile(ctx, ref, techdocs.SearchIndexFile)
	if problem.Is(err, problem.NotFoundError) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	ix, err := techdocs.ParseSearchIndex(b)
	if err != nil {
		return nil, false, fmt.Errorf("site of %s: %w", ref, err)
	}
	pages := make([]search.SitePage, len(ix.Docs))
	for i, d := range ix.Docs {
		pages[i] = search.SitePage{Location: d.Location, Title: d.Title, Text: d.Text}
	}
	return pages, true, nil
}

// historyFeed is the catalog's change feed for search: the entity
// history, one row per stitched, updated or deleted entity, in id order.
type historyFeed struct{ db *store.DB }

var _ search.ChangeFeed = historyFeed{}

func (f historyFeed) Changes(ctx context.Context, after int64, limit int) ([]search.Change, error) {
	rows, err := f.db.QueryContext(ctx, `SELECT id, entity_ref FROM entity_history WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read entity history: %w", err)
	}
	defer rows.Close()
	var out []search.Change
	for rows.Next() {
		var c search.Change
		if err := rows.Scan(&c.Pos, &c.Ref); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (f historyFeed) Latest(ctx context.Context) (int64, error) {
	var n int64
	if err := f.db.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM entity_history`).Scan(&n); err != nil {
		return 0, fmt.Errorf("read entity history: %w", err)
	}
	return n, nil
}

// sitesPublished carries "a docs site was published" from the TechDocs
// publisher's bucket to the search indexer, which is built after it.
type sitesPublished struct {
	ix atomic.Pointer[search.Indexer]
}

func (p *sitesPublished) set(ix *search.Indexer) { p.ix.Store(ix) }

// published tells the indexer; sites published before it exists are in
// its first full build.
func (p *sitesPublished) published(ref string) {
	if ix := p.ix.Load(); ix != nil {
		ix.SitePublished(ref)
	}
}

// watch wraps the publisher's bucket: writing a site's
// techdocs_metadata.json, which the publisher writes last, means the site
// is published.
func (p *sitesPublished) watch(b blob.Bucket) blob.Bucket { return publishWatcher{b, p} }

type publishWatcher struct {
	blob.Bucket
	p *sitesPublished
}

func (w publishWatcher) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	if err := w.Bucket.Put(ctx, key, r, size); err != nil {
		return err
	}
	if path.Base(key) == techdocs.MetadataFile {
		// <namespace>/<kind>/<name>/techdocs_metadata.json
		if parts := strings.Split(key, "/"); len(parts) == 4 {
			w.p.published(entity.Ref{Kind: parts[1], Namespace: parts[0], Name: parts[2]}.String())
		}
	}
	return nil
}
