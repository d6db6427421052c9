package catalog_test

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"

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
