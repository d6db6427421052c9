package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/callboard/callboard/entity"
)

// Restrict returns a view of q that reads only the entities matching
// authz, the reader's permission filter: every statement the view runs
// (pages, counts and totalItems, facets, by-refs, by-name, by-uid,
// ancestry, history and streaming) has authz ANDed into its filter, at the
// store boundary. Nothing of authz goes into cursors, so a cursor made by
// another caller, or forged, cannot widen what the view reads. Entities
// outside authz look as if they did not exist: lists leave them out,
// by-refs answers null, lookups NotFound, ancestry stops before them.
//
// A nil authz returns q. Counts and facets of a view are cached per
// distinct authz until the catalog changes.
func (q *Query) Restrict(authz *Predicate) *Query {
	if authz == nil {
		return q
	}
	base, root := q.store, q
	if s, ok := base.(*authzStore); ok {
		base, authz, root = s.QueryStore, AllOf(s.authz, authz), s.root
	}
	key, err := canonicalKey(authz)
	var cache *resultCache
	if err == nil {
		cache = q.views.cache(key)
	} else {
		// An unencodable predicate cannot be a cache key; such a view
		// works uncached.
		cache = newResultCache(viewCacheEntries)
	}
	store := &authzStore{QueryStore: base, authz: authz, root: root, selective: selective(authz)}
	view := &Query{store: store, log: q.log, cache: cache, views: q.views}
	store.view = view
	return view
}

// selective reports whether a filter has a top-level equality marked
// selective, which the store reads first.
func selective(p *Predicate) bool {
	for _, c := range flattenAll(*p) {
		if c.Op == OpField && c.Match.Kind == MatchEq && c.Match.Selective {
			return true
		}
	}
	return false
}

// RestrictConditions is Restrict for the criteria of a conditional
// decision (Backstage's JSON form; see ConditionsPredicate). Views are
// kept per distinct criteria, so the same question asked again (the same
// rule for the same ownership) costs one map lookup, not a parse.
func (q *Query) RestrictConditions(conditions json.RawMessage) (*Query, error) {
	key := string(conditions)
	root := !q.Restricted() // views of views are not kept: their key would need both
	if root {
		if v := q.views.conditionsView(key); v != nil {
			return v, nil
		}
	}
	p, err := ConditionsPredicate(conditions)
	if err != nil {
		return nil, err
	}
	v := q.Restrict(p)
	if root {
		q.views.putConditionsView(key, v)
	}
	return v, nil
}

// Restricted reports whether q is a view made by Restrict.
func (q *Query) Restricted() bool {
	_, ok := q.store.(*authzStore)
	return ok
}

// Bounds of the per-view caches.
const (
	viewCacheEntries = 64
	maxViews         = 512
)

// viewCaches holds the result caches of restricted views, one per
// permission filter: users with the same ownership share one.
type viewCaches struct {
	mu     sync.Mutex
	caches map[string]*resultCache
	// byConditions are RestrictConditions' views of the root query, by
	// criteria JSON.
	byConditions map[string]*Query
}

func newViewCaches() *viewCaches {
	return &viewCaches{caches: map[string]*resultCache{}, byConditions: map[string]*Query{}}
}

func (v *viewCaches) conditionsView(key string) *Query {
	if v == nil {
		return nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.byConditions[key]
}

func (v *viewCaches) putConditionsView(key string, q *Query) {
	if v == nil {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.byConditions) >= maxViews {
		clear(v.byConditions)
	}
	v.byConditions[key] = q
}

func (v *viewCaches) cache(key string) *resultCache {
	if v == nil {
		return newResultCache(viewCacheEntries)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	c, ok := v.caches[key]
	if !ok {
		if len(v.caches) >= maxViews {
			clear(v.caches)
		}
		c = newResultCache(viewCacheEntries)
		v.caches[key] = c
	}
	return c
}

// authzStore is a QueryStore that ANDs a permission filter into every
// read of the store beneath it.
type authzStore struct {
	QueryStore
	authz *Predicate
	// root is the unrestricted query service and view the restricted one
	// this store serves; their cached counts correct the planning hints.
	root, view *Query
	selective  bool
}

var _ QueryStore = (*authzStore)(nil)

func (s *authzStore) CountEntities(ctx context.Context, set EntitySet) (int, error) {
	set.Filter = AllOf(set.Filter, s.authz)
	return s.QueryStore.CountEntities(ctx, set)
}

// EntityPage reads the page with the filter. A selective filter is where
// the store starts (the entities the reader owns), so a sorted page's
// hints are made to say so: the source yields what the filter lets
// through, and a walk along the sort key would read all of the catalog's
// rows for it, not only the reader's.
func (s *authzStore) EntityPage(ctx context.Context, page EntityPage) ([]EntityRow, error) {
	page.Filter = AllOf(page.Filter, s.authz)
	if s.selective && page.SortKey != "" && page.Matches >= 0 {
		n, err := s.view.count(ctx, EntitySet{})
		if err != nil {
			return nil, err
		}
		k, err := s.root.count(ctx, EntitySet{SortKey: page.SortKey, RowEstimate: true})
		if err != nil {
			return nil, err
		}
		page.SourceRows, page.SortKeyMatches = n, k
	}
	return s.QueryStore.EntityPage(ctx, page)
}

func (s *authzStore) ListPage(ctx context.Context, page ListPage) ([]json.RawMessage, error) {
	page.Filter = AllOf(page.Filter, s.authz)
	return s.QueryStore.ListPage(ctx, page)
}

func (s *authzStore) EntitiesByRefs(ctx context.Context, refs []string, filter *Predicate) (map[string]json.RawMessage, error) {
	return s.QueryStore.EntitiesByRefs(ctx, refs, AllOf(filter, s.authz))
}

func (s *authzStore) Facets(ctx context.Context, keys []string, filter *Predicate) (map[string][]FacetCount, error) {
	return s.QueryStore.Facets(ctx, keys, AllOf(filter, s.authz))
}

// EntityByRef looks the entity up through by-refs, which takes a filter.
func (s *authzStore) EntityByRef(ctx context.Context, ref string) (json.RawMessage, error) {
	m, err := s.QueryStore.EntitiesByRefs(ctx, []string{ref}, s.authz)
	if err != nil {
		return nil, err
	}
	return m[ref], nil
}

// EntityByUID reads a one-entity page of metadata.uid = uid and the filter.
func (s *authzStore) EntityByUID(ctx context.Context, uid string) (json.RawMessage, error) {
	byUID := fieldEq("metadata.uid", uid)
	rows, err := s.QueryStore.EntityPage(ctx, EntityPage{
		EntitySet: EntitySet{Filter: AllOf(&byUID, s.authz)},
		Limit:     1, Matches: -1, SortKeyMatches: -1, SourceRows: -1,
	})
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return rows[0].Entity, nil
}

// EntityParents keeps the parents the filter lets through, so an
// ancestry neither lists nor walks past the others.
func (s *authzStore) EntityParents(ctx context.Context, ref string) ([]EntityParent, error) {
	parents, err := s.QueryStore.EntityParents(ctx, ref)
	if err != nil || len(parents) == 0 {
		return parents, err
	}
	refs := make([]string, len(parents))
	for i, p := range parents {
		refs[i] = p.Ref
	}
	visible, err := s.QueryStore.EntitiesByRefs(ctx, refs, s.authz)
	if err != nil {
		return nil, err
	}
	kept := parents[:0:0]
	for _, p := range parents {
		if _, ok := visible[p.Ref]; ok {
			kept = append(kept, p)
		}
	}
	return kept, nil
}

// EntityHistory answers only for an entity the filter lets through: the
// history of one that is gone cannot be checked against the filter, so a
// restricted reader does not see it.
func (s *authzStore) EntityHistory(ctx context.Context, ref string, beforeID int64, limit int) ([]HistoryEntry, error) {
	visible, err := s.QueryStore.EntitiesByRefs(ctx, []string{ref}, s.authz)
	if err != nil || len(visible) == 0 {
		return nil, err
	}
	return s.QueryStore.EntityHistory(ctx, ref, beforeID, limit)
}

// ApplyConditions is the catalog's apply-conditions: whether the entity
// with resourceRef (an entity ref, lower-cased into its canonical form)
// meets a conditional decision's criteria (Backstage's JSON form). A
// missing entity does not. The criteria are evaluated in Go over the
// entity's search rows, with the same meaning as the filter they give.
func (q *Query) ApplyConditions(ctx context.Context, resourceRef string, conditions json.RawMessage) (bool, error) {
	p, err := ConditionsPredicate(conditions)
	if err != nil {
		return false, err
	}
	ref, err := entity.ParseRef(resourceRef, entity.RefDefaults{})
	if err != nil {
		return false, nil
	}
	e, err := q.store.EntityByRef(ctx, ref.String())
	if err != nil {
		return false, fmt.Errorf("read entity %s: %w", ref, err)
	}
	if e == nil {
		return false, nil
	}
	return MatchEntity(p, e)
}
