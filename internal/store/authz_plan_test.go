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

// TestSelectiveEqualityPlansAgree checks that a permission filter marked
// selective (an IS_ENTITY_OWNER over several claims), which the store
// reads first, gives the same pages and counts as the same filter tested
// entity by entity, with and without sorting, hints and other conditions,
// including entities owned through two of the claims at once.
func TestSelectiveEqualityPlansAgree(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var es []map[string]any
		for i := range 80 {
			opts := []func(map[string]any){withRelation("ownedBy", fmt.Sprintf("group:default/team-%d", i%7))}
			if i%9 == 0 {
				opts = append(opts, withRelation("ownedBy", fmt.Sprintf("group:default/team-%d", (i+1)%7)))
			}
			if i%3 != 0 {
				opts = append(opts, withMeta("title", fmt.Sprintf("T%02d", 80-i)))
			}
			es = append(es, ent([]string{"Component", "API"}[i%2], fmt.Sprintf("e-%02d", i),
				map[string]any{"type": []string{"service", "website"}[i%2]}, opts...))
		}
		writeEntities(t, db, es...)
		r := store.NewCatalogReader(db)
		ctx := context.Background()
		owners := func(selective bool) catalog.Predicate {
			return catalog.Predicate{Op: catalog.OpField, Key: "relations.ownedby", Match: catalog.FieldMatch{
				Kind: catalog.MatchEq, Values: []string{"group:default/team-1", "group:default/team-2", "group:default/team-4"}, Selective: selective}}
		}
		kind := catalog.Predicate{Op: catalog.OpField, Key: "kind", Match: catalog.FieldMatch{Kind: catalog.MatchEq, Values: []string{"component"}}}
		for _, tc := range []struct {
			name     string
			filter   func(selective bool) *catalog.Predicate
			sortKey  string
			fullText *catalog.FullTextFilter
		}{
			// Full text with a selective filter: SQLite reads the owners
			// first, PostgreSQL the term; both agree with the plain plan.
			{"owners and full text sorted", func(s bool) *catalog.Predicate { p := owners(s); return &p }, "metadata.name",
				&catalog.FullTextFilter{Term: "e-1", Fields: []string{"metadata.name"}}},
			{"owners and full text in names and titles sorted by title", func(s bool) *catalog.Predicate { p := owners(s); return &p }, "metadata.title",
				&catalog.FullTextFilter{Term: "e-1", Fields: []string{"metadata.name", "metadata.title"}}},
			{"owners and full text in names and titles", func(s bool) *catalog.Predicate { p := owners(s); return &p }, "",
				&catalog.FullTextFilter{Term: "e-2", Fields: []string{"metadata.name", "metadata.title"}}},
			{"owners and full text in titles sorted by name", func(s bool) *catalog.Predicate { p := owners(s); return &p }, "metadata.name",
				&catalog.FullTextFilter{Term: "t1", Fields: []string{"metadata.title"}}},
			{"owners", func(s bool) *catalog.Predicate { p := owners(s); return &p }, "", nil},
			{"owners sorted", func(s bool) *catalog.Predicate { p := owners(s); return &p }, "metadata.name", nil},
			{"owners and kind sorted by title", func(s bool) *catalog.Predicate {
				return &catalog.Predicate{Op: catalog.OpAll, Children: []catalog.Predicate{kind, owners(s)}}
			}, "metadata.title", nil},
		} {
			for _, desc := range []bool{false, true} {
				var results [][]int64
				var counts []int
				for _, selective := range []bool{false, true} {
					set := catalog.EntitySet{Filter: tc.filter(selective), SortKey: tc.sortKey, FullText: tc.fullText}
					n, err := r.CountEntities(ctx, set)
					if err != nil {
						t.Fatal(err)
					}
					counts = append(counts, n)
					for _, hints := range [][3]int{{-1, -1, -1}, {n, 80, n}} {
						page := catalog.EntityPage{EntitySet: set, Desc: desc, Limit: 5, Matches: hints[0], SortKeyMatches: hints[1], SourceRows: hints[2]}
						walked, err := cursorRows(ctx, r, page, 40)
						if err != nil {
							t.Fatalf("%s: %v", tc.name, err)
						}
						var ids []int64
						for _, row := range walked {
							ids = append(ids, row.ID)
						}
						results = append(results, ids)
					}
				}
				if counts[0] != counts[1] || counts[0] == 0 {
					t.Errorf("%s: counts %v", tc.name, counts)
				}
				if len(results[0]) != counts[0] && tc.sortKey != "metadata.title" && tc.fullText == nil {
					t.Errorf("%s: %d rows, count %d", tc.name, len(results[0]), counts[0])
				}
				for j := 1; j < len(results); j++ {
					if diff := cmp.Diff(results[0], results[j]); diff != "" {
						t.Errorf("%s desc %v: plan %d differs (-0 +%d):\n%s", tc.name, desc, j, j, diff)
					}
				}
			}
		}
	})
}
