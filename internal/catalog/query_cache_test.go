package catalog_test

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

// generationCounter counts how often the catalog generation is read.
type generationCounter struct {
	catalog.QueryStore
	reads atomic.Int32
}

func (g *generationCounter) Generation(ctx context.Context) (int64, error) {
	g.reads.Add(1)
	return g.QueryStore.Generation(ctx)
}

// TestRequestReadsGenerationOnce checks that a sorted, permission-filtered
// by-query with totalItems reads the catalog generation once, however
// many cached counts it consults.
func TestRequestReadsGenerationOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		authzCatalog(t, db)
		counter := &generationCounter{QueryStore: store.NewCatalogReader(db)}
		q := catalog.NewQuery(counter, catalog.QueryOptions{})
		owner, err := catalog.ConditionsPredicate(json.RawMessage(conditionCases[0].criteria))
		if err != nil {
			t.Fatal(err)
		}
		view := q.Restrict(owner)
		components, _ := catalog.ParseFilterParams([]string{"kind=component"})
		limit := 1
		req := catalog.QueryRequest{Limit: &limit, Filter: components, Order: &catalog.Order{Field: "metadata.name"}}
		ctx := context.Background()
		for i := range 2 {
			counter.reads.Store(0)
			res, err := view.QueryEntities(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if res.TotalItems != 2 {
				t.Errorf("request %d: totalItems %d, want 2 (alpha, gamma)", i, res.TotalItems)
			}
			if n := counter.reads.Load(); n != 1 {
				t.Errorf("request %d read the generation %d times, want 1", i, n)
			}
		}
	})
}

// setCounter records the sets counted in the store and the pages read.
type setCounter struct {
	catalog.QueryStore
	mu    sync.Mutex
	sets  []catalog.EntitySet
	pages int
}

// countingQuery is a query over the authorization test catalog whose
// store reads are recorded.
func countingQuery(t *testing.T, db *store.DB) (*catalog.Query, *setCounter) {
	authzCatalog(t, db)
	counter := &setCounter{QueryStore: store.NewCatalogReader(db)}
	return catalog.NewQuery(counter, catalog.QueryOptions{}), counter
}

func (c *setCounter) CountEntities(ctx context.Context, set catalog.EntitySet) (int, error) {
	c.mu.Lock()
	c.sets = append(c.sets, set)
	c.mu.Unlock()
	return c.QueryStore.CountEntities(ctx, set)
}

func (c *setCounter) EntityPage(ctx context.Context, page catalog.EntityPage) ([]catalog.EntityRow, error) {
	c.mu.Lock()
	c.pages++
	c.mu.Unlock()
	return c.QueryStore.EntityPage(ctx, page)
}

// TestEmptySetReadsNoPage checks that a set counted empty is answered
// without reading a page.
func TestEmptySetReadsNoPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q, counter := countingQuery(t, db)
		limit := 5
		for _, f := range []string{"kind=component,spec.type=nothing", "kind=component"} {
			filter, _ := catalog.ParseFilterParams([]string{f})
			counter.pages = 0
			res, err := q.QueryEntities(context.Background(), catalog.QueryRequest{Limit: &limit, Filter: filter, Order: &catalog.Order{Field: "metadata.name"}})
			if err != nil {
				t.Fatal(err)
			}
			if want := min(len(res.Items), 1); counter.pages != want {
				t.Errorf("%s: %d items from %d page reads, want %d", f, len(res.Items), counter.pages, want)
			}
		}
	})
}

// TestExcludedTotalPlansFromBounds checks that totalItems=exclude on a
// sorted, filtered page plans from its equalities' sizes instead of
// counting the set, and still serves the same page.
func TestExcludedTotalPlansFromBounds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q, counter := countingQuery(t, db)
		filter, _ := catalog.ParseFilterParams([]string{"kind=component,spec.lifecycle=production"})
		limit := 5
		req := catalog.QueryRequest{Limit: &limit, Filter: filter, Order: &catalog.Order{Field: "metadata.name"}, SkipTotal: true}
		ctx := context.Background()
		res, err := q.QueryEntities(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if res.TotalItems != 0 {
			t.Errorf("totalItems %d, want 0", res.TotalItems)
		}
		for _, set := range counter.sets {
			if set.Filter != nil && set.SortKey != "" {
				t.Errorf("counted the page's set %+v", set)
			}
		}
		req.SkipTotal = false
		all, err := catalog.NewQuery(store.NewCatalogReader(db), catalog.QueryOptions{}).QueryEntities(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(refsOf(t, all.Items), refsOf(t, res.Items)); diff != "" {
			t.Errorf("page (-counted +bounded):\n%s", diff)
		}
		if all.TotalItems != 2 {
			t.Errorf("totalItems %d, want 2 (alpha, beta)", all.TotalItems)
		}
	})
}
