package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

// BenchmarkPermissionFilteredQuery measures by-query for a user whose
// permission policy lets them read only what they own (IS_ENTITY_OWNER
// over their ownership refs), in a synthetic catalog of 100,000 entities
// (CALLBOARD_BENCH_ENTITIES changes it) of which the user owns 1% through
// their groups. The filter goes through the same path as the REST API:
// criteria JSON, ConditionsPredicate, Query.Restrict. Each sub-benchmark
// reports p50 and p99; "cold" is the first request of a catalog
// generation, which counts the set before the count is cached. Run with:
//
//	go test ./internal/store -run '^$' -bench PermissionFilteredQuery -benchtime 2000x
func BenchmarkPermissionFilteredQuery(b *testing.B) {
	n := benchEntities(b)
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			db := benchDB(b, d)
			fillSynthetic(b, db, n)
			if d == store.Postgres {
				// As autovacuum would after a bulk load: statistics, and a
				// visibility map so index-only scans skip the heap.
				if _, err := db.Exec(`VACUUM ANALYZE`); err != nil {
					b.Fatal(err)
				}
			}
			claims, owned := ownershipOfOnePercent(b, db, n)
			b.Logf("%s: %d entities; the user owns %d through %d groups", d, n, owned, len(claims)-1)
			raw, err := json.Marshal(map[string]any{"rule": "IS_ENTITY_OWNER", "resourceType": "catalog-entity", "params": map[string]any{"claims": claims}})
			if err != nil {
				b.Fatal(err)
			}
			filter, err := catalog.ConditionsPredicate(raw)
			if err != nil {
				b.Fatal(err)
			}
			benchFiltered(b, db, filter, owned)
		})
	}
}

// ownershipOfOnePercent picks groups until they own 1% of n entities and
// returns the user's ownership refs (the user first) and what they own.
func ownershipOfOnePercent(b *testing.B, db *store.DB, n int) ([]string, int) {
	rows, err := db.Query(`SELECT value, count(*) FROM search WHERE key = 'relations.ownedby' GROUP BY value ORDER BY value`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	claims := []string{"user:default/bench-user"}
	owned := 0
	for rows.Next() && owned < n/100 {
		var (
			ref   string
			count int
		)
		if err := rows.Scan(&ref, &count); err != nil {
			b.Fatal(err)
		}
		claims = append(claims, ref)
		owned += count
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return claims, owned
}

func benchFiltered(b *testing.B, db *store.DB, filter *catalog.Predicate, owned int) {
	ctx := context.Background()
	newView := func() *catalog.Query {
		return catalog.NewQuery(store.NewCatalogReader(db), catalog.QueryOptions{}).Restrict(filter)
	}
	components, _ := catalog.ParseFilterParams([]string{"kind=component"})
	limit20 := 20
	requests := []struct {
		name string
		req  catalog.QueryRequest
	}{
		{"first page", catalog.QueryRequest{Limit: &limit20}},
		{"default page of 200", catalog.QueryRequest{}},
		{"sorted by name", catalog.QueryRequest{Limit: &limit20, Order: &catalog.Order{Field: "metadata.name"}}},
		{"components sorted by name", catalog.QueryRequest{Limit: &limit20, Filter: components, Order: &catalog.Order{Field: "metadata.name"}}},
		{"full text", catalog.QueryRequest{Limit: &limit20, Order: &catalog.Order{Field: "metadata.name"},
			FullText: &catalog.FullTextFilter{Term: "pay", Fields: []string{"metadata.name"}}}},
	}
	for _, rq := range requests {
		b.Run(rq.name, func(b *testing.B) {
			// Cold: a fresh query service has no cached counts.
			start := time.Now()
			first, err := newView().QueryEntities(ctx, rq.req)
			if err != nil {
				b.Fatal(err)
			}
			cold := time.Since(start)
			if rq.req.Filter == nil && rq.req.FullText == nil && first.TotalItems != owned {
				b.Fatalf("totalItems %d, want %d", first.TotalItems, owned)
			}
			view := newView()
			var lat []time.Duration
			for b.Loop() {
				t0 := time.Now()
				if _, err := view.QueryEntities(ctx, rq.req); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			reportLatency(b, lat)
			b.ReportMetric(float64(cold.Microseconds())/1000, "cold-ms")
		})
	}
	b.Run("next page", func(b *testing.B) {
		view := newView()
		first, err := view.QueryEntities(ctx, catalog.QueryRequest{Limit: &limit20})
		if err != nil || first.NextCursor == "" {
			b.Fatalf("first page: %v", err)
		}
		var lat []time.Duration
		for b.Loop() {
			t0 := time.Now()
			if _, err := view.QueryEntities(ctx, catalog.QueryRequest{Limit: &limit20, Cursor: first.NextCursor}); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		reportLatency(b, lat)
	})
}
