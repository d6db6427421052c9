package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

// TestEntityCacheFollowsHashes reads pages whose JSON the reader keeps by
// entity id, hash and catalog generation: after the generation moved with
// nothing changed, and after an entity was rewritten with a new hash, the
// pages must come back as the catalog holds them, sorted and unsorted, and
// JSON asked for at a generation the catalog is no longer at is reported
// as a changed page.
func TestEntityCacheFollowsHashes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ws := writeEntities(t, db, ent("Component", "a", map[string]any{"type": "service"}), ent("Component", "b", map[string]any{"type": "service"}))
		r := store.NewCatalogReader(db)
		ctx := context.Background()
		pages := []catalog.EntityPage{
			{Limit: 10, Matches: -1, SortKeyMatches: -1, SourceRows: -1},
			{EntitySet: catalog.EntitySet{SortKey: "metadata.name"}, Limit: 10, Matches: -1, SortKeyMatches: -1, SourceRows: -1},
		}
		read := func() []string {
			t.Helper()
			var out []string
			for _, p := range pages {
				rows, err := r.EntityPage(ctx, p)
				if err != nil {
					t.Fatal(err)
				}
				for _, row := range rows {
					var e struct {
						Spec struct{ Type string } `json:"spec"`
					}
					if err := json.Unmarshal(row.Entity, &e); err != nil {
						t.Fatalf("entity %d: %v", row.ID, err)
					}
					out = append(out, e.Spec.Type)
				}
			}
			return out
		}
		// A page too large for the cache (the unpaginated list reads
		// 10,000 at a time) leaves it alone.
		big := pages[0]
		big.Limit = 10000
		if _, err := r.EntityPage(ctx, big); err != nil {
			t.Fatal(err)
		}
		if n := store.EntityCacheLen(r); n != 0 {
			t.Errorf("a page of 10,000 put %d entities in the cache", n)
		}
		for range 2 { // the second time from the cache on SQLite
			if diff := cmp.Diff([]string{"service", "service", "service", "service"}, read()); diff != "" {
				t.Fatalf("before the change (-want +got):\n%s", diff)
			}
		}
		if _, err := db.Exec(`UPDATE catalog_state SET generation = generation + 1 WHERE id = 1`); err != nil {
			t.Fatal(err)
		}
		for range 2 { // entries confirmed by their hashes, then current
			if diff := cmp.Diff([]string{"service", "service", "service", "service"}, read()); diff != "" {
				t.Fatalf("after the generation moved (-want +got):\n%s", diff)
			}
		}
		w := newWriter(t, db, 0)
		w.exec(`UPDATE final_entities SET final_entity = $1, hash = $2 WHERE id = $3`,
			`{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"b","namespace":"default"},"spec":{"type":"website"}}`, "changed", ws[1].ID)
		w.done()
		for range 2 {
			if diff := cmp.Diff([]string{"service", "website", "service", "website"}, read()); diff != "" {
				t.Errorf("after the change (-want +got):\n%s", diff)
			}
		}
		if db.Dialect != store.SQLite {
			return
		}
		var (
			gen  int64
			hash string
		)
		if err := db.QueryRow(`SELECT generation FROM catalog_state WHERE id = 1`).Scan(&gen); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT hash FROM final_entities WHERE id = $1`, ws[0].ID).Scan(&hash); err != nil {
			t.Fatal(err)
		}
		// A new reader, whose cache knows nothing: JSON comes from the
		// statement by id, which checks generation and hash.
		r = store.NewCatalogReader(db)
		for _, c := range []struct {
			gen  int64
			hash string
		}{{gen - 1, "not its hash"}, {gen, "not its hash"}} {
			rows := []catalog.EntityRow{{ID: ws[0].ID}}
			if err := store.FillPage(ctx, r, rows, c.gen, []string{c.hash}); !errors.Is(err, store.ErrPageChanged) {
				t.Errorf("JSON at generation %d (now %d), hash %q: %v, want ErrPageChanged", c.gen, gen, c.hash, err)
			}
		}
		rows := []catalog.EntityRow{{ID: ws[0].ID}}
		if err := store.FillPage(ctx, r, rows, gen, []string{hash}); err != nil || len(rows[0].Entity) == 0 {
			t.Errorf("JSON at the current generation and hash: %q, %v", rows[0].Entity, err)
		}
	})
}
