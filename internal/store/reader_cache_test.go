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
// entity id and hash: an entity rewritten with a new hash must come back
// as written, sorted and unsorted, and JSON asked for at a hash the entity
// no longer has is reported as a changed page.
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
		for range 2 { // the second time from the cache on SQLite
			if diff := cmp.Diff([]string{"service", "service", "service", "service"}, read()); diff != "" {
				t.Fatalf("before the change (-want +got):\n%s", diff)
			}
		}
		w := newWriter(t, db, 0)
		w.exec(`UPDATE final_entities SET final_entity = $1, hash = $2 WHERE id = $3`,
			`{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"b","namespace":"default"},"spec":{"type":"website"}}`, "changed", ws[1].ID)
		w.done()
		if diff := cmp.Diff([]string{"service", "website", "service", "website"}, read()); diff != "" {
			t.Errorf("after the change (-want +got):\n%s", diff)
		}
		if db.Dialect != store.SQLite {
			return
		}
		rows := []catalog.EntityRow{{ID: ws[0].ID}}
		if err := store.FillPage(ctx, r, rows, []string{"not its hash"}); !errors.Is(err, store.ErrPageChanged) {
			t.Errorf("JSON at a stale hash: %v, want ErrPageChanged", err)
		}
	})
}
