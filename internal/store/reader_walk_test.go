package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

// TestBudgetedWalkFallsBack checks sorted pages whose matches cluster at
// the far end of the sort key: with hints that make a walk of the key look
// cheap, the walk runs out of its budget and the page is read from the
// source. Every plan must give the same pages in both directions, through
// cursors and offsets.
func TestBudgetedWalkFallsBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var es []map[string]any
		for i := range 400 {
			es = append(es, ent("Component", fmt.Sprintf("a-%03d", i), map[string]any{"type": "service"}))
		}
		for i := range 200 {
			es = append(es, ent("Group", fmt.Sprintf("z-%03d", i), map[string]any{"type": "team"}))
		}
		writeEntities(t, db, es...)
		r := store.NewCatalogReader(db)
		ctx := context.Background()
		groups := &catalog.Predicate{Op: catalog.OpField, Key: "kind", Match: catalog.FieldMatch{Kind: catalog.MatchEq, Values: []string{"group"}}}
		set := catalog.EntitySet{Filter: groups, SortKey: "metadata.name"}
		for _, desc := range []bool{false, true} {
			var pages [][]string
			// Hints: none (a walk without budget), even-spread hints that
			// favour a walk (a budgeted walk that falls back), and hints
			// whose walk estimate is above the read (a read).
			for _, hints := range [][3]int{{-1, -1, -1}, {200, 600, 200}, {200, 200000, 200}} {
				var names []string
				page := catalog.EntityPage{EntitySet: set, Desc: desc, Limit: 7, Matches: hints[0], SortKeyMatches: hints[1], SourceRows: hints[2]}
				for range 40 {
					rows, err := r.EntityPage(ctx, page)
					if err != nil {
						t.Fatal(err)
					}
					for _, row := range rows {
						names = append(names, row.SortValue)
					}
					if len(rows) < page.Limit {
						break
					}
					last := rows[len(rows)-1]
					page.After = &catalog.EntityPosition{Value: last.SortValue, ID: last.ID}
				}
				// An offset page straight after the first.
				offset := catalog.EntityPage{EntitySet: set, Desc: desc, Limit: 5, Offset: 30, Matches: hints[0], SortKeyMatches: hints[1], SourceRows: hints[2]}
				rows, err := r.EntityPage(ctx, offset)
				if err != nil {
					t.Fatal(err)
				}
				for _, row := range rows {
					names = append(names, "offset "+row.SortValue)
				}
				pages = append(pages, names)
			}
			if len(pages[0]) != 200+5 {
				t.Fatalf("desc %v: %d names, want 205", desc, len(pages[0]))
			}
			for i := 1; i < len(pages); i++ {
				if diff := cmp.Diff(pages[0], pages[i]); diff != "" {
					t.Errorf("desc %v: plan %d differs (-unbudgeted walk +plan):\n%s", desc, i, diff)
				}
			}
		}
	})
}
