package store

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Two engines starting together on one empty PostgreSQL database: both
// find the load under way, one set of definitions is recorded, and both
// ending it at once builds each index once.
func TestBulkLoadTwoReplicas(t *testing.T) {
	eachCatalog(t, func(t *testing.T, c *Catalog) {
		if c.db.Dialect != Postgres {
			t.Skip("replicas share a PostgreSQL database")
		}
		ctx := context.Background()
		all := deferrableIndexes(t, c.db)
		other := NewCatalog(c.db)
		t.Cleanup(func() { other.Close() })
		both := []*Catalog{c, other}
		run := func(fn func(*Catalog) error) {
			t.Helper()
			var wg sync.WaitGroup
			errs := make([]error, len(both))
			for i, x := range both {
				wg.Go(func() { errs[i] = fn(x) })
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		for range 20 {
			run(func(x *Catalog) error {
				bulk, err := x.BeginBulkLoad(ctx)
				if err == nil && !bulk {
					t.Error("a replica found no load under way")
				}
				return err
			})
			var n int
			if err := c.db.QueryRowContext(ctx, `SELECT count(*) FROM catalog_deferred_indexes`).Scan(&n); err != nil || n != countDeferred(all) {
				t.Fatalf("%d definitions recorded (%v)", n, err)
			}
			run(func(x *Catalog) error { return x.EndBulkLoad(ctx) })
			if diff := cmp.Diff(all, deferrableIndexes(t, c.db)); diff != "" {
				t.Fatalf("indexes after the load (-before +after):\n%s", diff)
			}
		}
	})
}

// countDeferred is how many of PostgreSQL's deferred indexes are among
// all.
func countDeferred(all map[string]string) int {
	n := 0
	for _, name := range deferredIndexes[Postgres] {
		if _, ok := all[name]; ok {
			n++
		}
	}
	return n
}
