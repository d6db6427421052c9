package catalog

import (
	"context"
	"fmt"
	"sync"
)

// resultCache keeps entity counts and facets for one catalog generation.
// Counting a large set costs a scan, while the catalog changes far less
// often than it is read; every request reads the generation (one tiny
// row) and a newer one empties the cache. Results computed by a request
// that saw an older generation are not stored.
type resultCache struct {
	mu      sync.Mutex
	max     int
	gen     int64
	started bool
	counts  map[string]int
	facets  map[string][]FacetCount
}

func newResultCache(max int) *resultCache {
	return &resultCache{max: max, counts: map[string]int{}, facets: map[string][]FacetCount{}}
}

// sync moves the cache to gen and reports whether gen is current. The
// caller holds mu.
func (c *resultCache) sync(gen int64) bool {
	if !c.started || gen > c.gen {
		c.started, c.gen = true, gen
		clear(c.counts)
		clear(c.facets)
	}
	return gen == c.gen
}

// full empties the cache when it reached its bound; a simple reset keeps
// the hot entries coming back within a request or two.
func (c *resultCache) full() {
	if len(c.counts)+len(c.facets) >= c.max {
		clear(c.counts)
		clear(c.facets)
	}
}

func (c *resultCache) count(gen int64, key string) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.sync(gen) {
		return 0, false
	}
	n, ok := c.counts[key]
	return n, ok
}

func (c *resultCache) putCount(gen int64, key string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sync(gen) {
		c.full()
		c.counts[key] = n
	}
}

// facet returns a copy of a cached facet, so callers may keep it.
func (c *resultCache) facet(gen int64, key string) ([]FacetCount, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.sync(gen) {
		return nil, false
	}
	f, ok := c.facets[key]
	if !ok {
		return nil, false
	}
	return append([]FacetCount{}, f...), true
}

func (c *resultCache) putFacet(gen int64, key string, f []FacetCount) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sync(gen) {
		c.full()
		c.facets[key] = append([]FacetCount{}, f...)
	}
}

// generationKey carries the catalog generation a request reads at.
type generationKey struct{}

// withGeneration reads the catalog generation once for a request whose
// steps each consult the cache: a sorted, permission-filtered page made
// five round trips for it before its one statement.
func (q *Query) withGeneration(ctx context.Context) (context.Context, error) {
	if _, ok := ctx.Value(generationKey{}).(int64); ok {
		return ctx, nil
	}
	gen, err := q.generation(ctx)
	if err != nil {
		return nil, err
	}
	return context.WithValue(ctx, generationKey{}, gen), nil
}

// generation returns the generation withGeneration fixed for the request,
// or reads the store's.
func (q *Query) generation(ctx context.Context) (int64, error) {
	if gen, ok := ctx.Value(generationKey{}).(int64); ok {
		return gen, nil
	}
	gen, err := q.store.Generation(ctx)
	if err != nil {
		return 0, fmt.Errorf("read catalog generation: %w", err)
	}
	return gen, nil
}
