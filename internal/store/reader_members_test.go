package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

// TestMemberSetsGiveTheSamePages walks sorted pages whose equalities are
// tested by index seeks on the first pages of a generation and on member
// sets after: every pass, forwards and backwards, through cursors and an
// offset, must give the names the filter selects, also after the catalog
// changed under sets already built.
func TestMemberSetsGiveTheSamePages(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	var es []map[string]any
	// Groups sort first, so a walk passes all of them before a component.
	for i := range 300 {
		es = append(es, ent("Group", fmt.Sprintf("a-%03d", i), map[string]any{"type": "team"}))
	}
	lifecycles := []string{"production", "experimental", "deprecated"}
	for i := range 240 {
		es = append(es, ent("Component", fmt.Sprintf("m-%03d", i), map[string]any{"type": "service", "lifecycle": lifecycles[i%3]}))
	}
	writeEntities(t, db, es...)
	want := func() []string {
		var out []string
		for i := range 240 {
			if i%3 == 0 {
				out = append(out, fmt.Sprintf("m-%03d", i))
			}
		}
		return out
	}()

	r := store.NewCatalogReader(db)
	ctx := context.Background()
	filter, err := catalog.ParseFilterParams([]string{"kind=component,spec.lifecycle=production"})
	if err != nil {
		t.Fatal(err)
	}
	set := catalog.EntitySet{Filter: filter, SortKey: "metadata.name"}
	pass := func(desc bool, hints [3]int) []string {
		t.Helper()
		page := catalog.EntityPage{EntitySet: set, Desc: desc, Limit: 7, Matches: hints[0], SortKeyMatches: hints[1], SourceRows: hints[2]}
		walked, err := cursorRows(ctx, r, page, 100)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, row := range walked {
			names = append(names, row.SortValue)
		}
		if desc {
			slices.Reverse(names)
		}
		offset := catalog.EntityPage{EntitySet: set, Limit: 3, Offset: 10, Matches: hints[0], SortKeyMatches: hints[1], SourceRows: hints[2]}
		rows, err := r.EntityPage(ctx, offset)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			names = append(names, "offset "+row.SortValue)
		}
		return names
	}
	check := func(want []string) {
		t.Helper()
		want = append(slices.Clone(want), "offset "+want[10], "offset "+want[11], "offset "+want[12])
		// Hints: none (a walk without budget) and even-spread ones (a
		// budgeted walk); four passes each, the later ones on sets.
		for _, hints := range [][3]int{{-1, -1, -1}, {len(want), 600, 200}} {
			for i := range 4 {
				for _, desc := range []bool{false, true} {
					if diff := cmp.Diff(want, pass(desc, hints)); diff != "" {
						t.Fatalf("hints %v, pass %d, desc %v (-want +got):\n%s", hints, i, desc, diff)
					}
				}
			}
		}
		if n := store.MemberSetsBuilt(r); n != 2 {
			t.Errorf("%d member sets built, want 2 (kind and lifecycle)", n)
		}
	}
	check(want)

	// An empty set is a set: its pages are empty, not errors.
	none, err := catalog.ParseFilterParams([]string{"kind=component,spec.lifecycle=retired"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		rows, err := r.EntityPage(ctx, catalog.EntityPage{EntitySet: catalog.EntitySet{Filter: none, SortKey: "metadata.name"}, Limit: 5, Matches: -1, SortKeyMatches: -1, SourceRows: -1})
		if err != nil || len(rows) != 0 {
			t.Fatalf("pass %d over an empty set: %d rows, %v", i, len(rows), err)
		}
	}

	// A new generation: components that sort among the groups, some in
	// production. Sets of the old generation must not answer for it.
	var more []map[string]any
	for i := range 30 {
		more = append(more, ent("Component", fmt.Sprintf("a-%03d-x", i), map[string]any{"type": "service", "lifecycle": lifecycles[i%3]}))
	}
	writeEntities(t, db, more...)
	var added []string
	for i := range 30 {
		if i%3 == 0 {
			added = append(added, fmt.Sprintf("a-%03d-x", i))
		}
	}
	check(append(added, want...))
}

// TestMemberPagesOnOneConnection walks pages that use member sets on a
// pool of one connection (an in-memory database has no more): a page's
// read transaction holds that connection, so its statements must not need
// another one to be prepared on.
func TestMemberPagesOnOneConnection(t *testing.T) {
	opts := storetest.Options(t, store.SQLite)
	opts.MaxOpenConns = 1
	db, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	var es []map[string]any
	for i := range 20 {
		es = append(es, ent("Group", fmt.Sprintf("a-%03d", i), map[string]any{"type": "team"}))
		es = append(es, ent("Component", fmt.Sprintf("m-%03d", i), map[string]any{"type": "service"}))
	}
	writeEntities(t, db, es...)
	filter, err := catalog.ParseFilterParams([]string{"kind=component"})
	if err != nil {
		t.Fatal(err)
	}
	r := store.NewCatalogReader(db)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	page := catalog.EntityPage{EntitySet: catalog.EntitySet{Filter: filter, SortKey: "metadata.name"}, Limit: 5, Matches: -1, SortKeyMatches: -1, SourceRows: -1}
	for i := range 2 * 3 { // the later passes on a built set
		rows, err := r.EntityPage(ctx, page)
		if err != nil {
			t.Fatalf("pass %d: %v", i, err)
		}
		var names []string
		for _, row := range rows {
			names = append(names, row.SortValue)
		}
		if diff := cmp.Diff([]string{"m-000", "m-001", "m-002", "m-003", "m-004"}, names); diff != "" {
			t.Fatalf("pass %d (-want +got):\n%s", i, diff)
		}
	}
	if n := store.MemberSetsBuilt(r); n != 1 {
		t.Errorf("%d member sets built, want 1", n)
	}
}
