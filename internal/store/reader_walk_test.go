package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/entity"
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
				page := catalog.EntityPage{EntitySet: set, Desc: desc, Limit: 7, Matches: hints[0], SortKeyMatches: hints[1], SourceRows: hints[2]}
				walked, err := cursorRows(ctx, r, page, 40)
				if err != nil {
					t.Fatal(err)
				}
				var names []string
				for _, row := range walked {
					names = append(names, row.SortValue)
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

// TestIntersectedCountsAgree checks that counting with the
// IntersectDrivers hint gives the same counts as without it, with further
// conditions, a full-text filter and a sort key beside the equalities.
func TestIntersectedCountsAgree(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var es []map[string]any
		for i := range 120 {
			es = append(es, ent([]string{"Component", "API", "Resource"}[i%3], fmt.Sprintf("e-%03d", i),
				map[string]any{"type": []string{"service", "website"}[i%2], "lifecycle": []string{"production", "experimental", "deprecated", "x"}[i%7%4]},
				withRelation("ownedBy", fmt.Sprintf("group:default/team-%d", i%5))))
		}
		writeEntities(t, db, es...)
		r := store.NewCatalogReader(db)
		ctx := context.Background()
		eq := func(key, value string) catalog.Predicate {
			return catalog.Predicate{Op: catalog.OpField, Key: key, Match: catalog.FieldMatch{Kind: catalog.MatchEq, Values: []string{value}}}
		}
		all := func(ps ...catalog.Predicate) *catalog.Predicate {
			return &catalog.Predicate{Op: catalog.OpAll, Children: ps}
		}
		for _, set := range []catalog.EntitySet{
			{Filter: all(eq("kind", "component"), eq("spec.type", "service"))},
			{Filter: all(eq("spec.type", "website"), eq("kind", "api"), eq("spec.lifecycle", "production"))},
			{Filter: all(eq("kind", "resource"), eq("relations.ownedby", "group:default/team-2")), SortKey: "spec.lifecycle"},
			{Filter: all(eq("kind", "component"), eq("spec.type", "service")), FullText: &catalog.FullTextFilter{Term: "e-0", Fields: []string{"metadata.name"}}},
			{Filter: all(eq("kind", "component"), eq("spec.type", "nothing"))},
		} {
			plain, err := r.CountEntities(ctx, set)
			if err != nil {
				t.Fatal(err)
			}
			set.IntersectDrivers = true
			intersected, err := r.CountEntities(ctx, set)
			if err != nil {
				t.Fatal(err)
			}
			if plain != intersected {
				t.Errorf("filter %+v: %d entities, intersected %d", set.Filter, plain, intersected)
			}
			if plain == 0 && set.Filter.Children[1].Match.Values[0] != "nothing" {
				t.Errorf("filter %+v: no entities", set.Filter)
			}
		}
	})
}

// TestTrigramContentMirrorsTrigramTable pins what the reader assumes of
// SQLite's FTS5: the content shadow table of search_trigram holds each
// row's value under the same id, so names can be read there by rowid.
func TestTrigramContentMirrorsTrigramTable(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	var finals []catalog.FinalEntity
	for i, e := range []map[string]any{
		ent("Component", "alpha", map[string]any{"type": "service"}, withMeta("title", "Alpha Service")),
		ent("User", "jo", map[string]any{"profile": map[string]any{"displayName": "Jo Smith"}}),
	} {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		var x entity.Entity
		if err := json.Unmarshal(b, &x); err != nil {
			t.Fatal(err)
		}
		rows, err := catalog.BuildSearchRows(&x)
		if err != nil {
			t.Fatal(err)
		}
		finals = append(finals, catalog.FinalEntity{ID: int64(i + 1), UID: fmt.Sprintf("uid-%d", i), Ref: x.Ref().String(), JSON: string(b), SearchInsert: rows})
	}
	stitchSearch(t, db, finals...)
	rows, err := db.Query(`SELECT t.rowid, t.value, c.c0 FROM search_trigram t LEFT JOIN search_trigram_content c ON c.id = t.rowid ORDER BY t.rowid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var (
			id      int64
			value   string
			content *string
		)
		if err := rows.Scan(&id, &value, &content); err != nil {
			t.Fatal(err)
		}
		if content == nil || *content != value {
			t.Errorf("row %d: trigram value %q, content %v", id, value, content)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 4 { // two names, a title, a display name
		t.Errorf("%d trigram rows, want 4", n)
	}
}

// TestSortKeyRowEstimate checks the planning estimate of a sort key's
// entities: its rows, so an entity with two tags counts twice, while the
// exact count counts it once.
func TestSortKeyRowEstimate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		writeEntities(t, db,
			ent("Component", "two-tags", map[string]any{"type": "service"}, withMeta("tags", []any{"a", "b"})),
			ent("Component", "one-tag", map[string]any{"type": "service"}, withMeta("tags", []any{"a"})),
			ent("Component", "no-tags", map[string]any{"type": "service"}))
		r := store.NewCatalogReader(db)
		ctx := context.Background()
		for _, tc := range []struct {
			set  catalog.EntitySet
			want int
		}{
			{catalog.EntitySet{SortKey: "metadata.tags"}, 2},
			{catalog.EntitySet{SortKey: "metadata.tags", RowEstimate: true}, 3},
			{catalog.EntitySet{SortKey: "metadata.name", RowEstimate: true}, 3},
		} {
			n, err := r.CountEntities(ctx, tc.set)
			if err != nil {
				t.Fatal(err)
			}
			if n != tc.want {
				t.Errorf("%+v: %d, want %d", tc.set, n, tc.want)
			}
		}
	})
}

// cursorRows reads page and the pages after it by cursor, at most max
// pages, and returns their rows in order.
func cursorRows(ctx context.Context, r *store.CatalogReader, page catalog.EntityPage, max int) ([]catalog.EntityRow, error) {
	var out []catalog.EntityRow
	for range max {
		rows, err := r.EntityPage(ctx, page)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
		if len(rows) < page.Limit {
			break
		}
		last := rows[len(rows)-1]
		page.After = &catalog.EntityPosition{Value: last.SortValue, ID: last.ID}
	}
	return out, nil
}
