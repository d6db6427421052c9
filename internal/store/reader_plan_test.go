package store

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog"
)

// TestWalkSortKey pins how sorted pages are planned at 100,000 entities
// for a user who owns 1,027 of them (the permission benchmark's numbers).
func TestWalkSortKey(t *testing.T) {
	owners := &catalog.Predicate{Op: catalog.OpField, Key: "relations.ownedby", Match: catalog.FieldMatch{
		Kind: catalog.MatchEq, Values: []string{"group:default/a", "group:default/b"}, Selective: true}}
	kind := &catalog.Predicate{Op: catalog.OpField, Key: "kind", Match: catalog.FieldMatch{Kind: catalog.MatchEq, Values: []string{"component"}}}
	both := &catalog.Predicate{Op: catalog.OpAll, Children: []catalog.Predicate{*owners, *kind}}
	page := func(filter *catalog.Predicate, matches, sourceRows int, ft *catalog.FullTextFilter) catalog.EntityPage {
		return catalog.EntityPage{
			EntitySet: catalog.EntitySet{Filter: filter, SortKey: "metadata.name", FullText: ft},
			Limit:     20, Matches: matches, SortKeyMatches: 100000, SourceRows: sourceRows,
		}
	}
	for _, tc := range []struct {
		name     string
		page     catalog.EntityPage
		rest     []*catalog.Predicate
		hashable bool
		want     sortPlan
	}{
		{"owned sorted by name, hashed", page(owners, 1027, 1027, nil), nil, true, sortPlan{walk: true, budget: 7789, hashed: true}},
		{"owned components sorted by name, hashed", page(both, 784, 1027, nil), []*catalog.Predicate{kind}, true, sortPlan{walk: true, budget: 10204, hashed: true}},
		{"owned components sorted by name, probing", page(both, 784, 1027, nil), []*catalog.Predicate{kind}, false, sortPlan{}},
		{"owned names containing a term", page(owners, 40, 1027, &catalog.FullTextFilter{Term: "pay", Fields: []string{"metadata.name"}}), nil, true, sortPlan{}},
		{"too many owned to hash", page(owners, 30000, 30000, nil), nil, true, sortPlan{walk: true, budget: 30000}},
		{"few owned", page(owners, 30, 30, nil), nil, true, sortPlan{}},
		{"no hints", catalog.EntityPage{EntitySet: catalog.EntitySet{Filter: owners, SortKey: "metadata.name"}, Limit: 20, Matches: 1027, SortKeyMatches: -1, SourceRows: -1}, nil, true, sortPlan{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := walkSortKey(tc.page, &source{eq: owners}, tc.rest, tc.hashable)
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(sortPlan{})); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}

// TestHashedWalkPlan checks that PostgreSQL reads a hashed walk's source
// once into a hash: were the membership planned as a plain SubPlan, it
// would run again for every walked row.
func TestHashedWalkPlan(t *testing.T) {
	if os.Getenv("CALLBOARD_TEST_POSTGRES") == "" {
		t.Skip("CALLBOARD_TEST_POSTGRES not set")
	}
	db := catalogTestDB(t, Postgres)
	ctx := context.Background()
	owners := catalog.Predicate{Op: catalog.OpField, Key: "relations.ownedby", Match: catalog.FieldMatch{
		Kind: catalog.MatchEq, Values: []string{"group:default/a", "group:default/b"}, Selective: true}}
	kind := catalog.Predicate{Op: catalog.OpField, Key: "kind", Match: catalog.FieldMatch{Kind: catalog.MatchEq, Values: []string{"component"}}}
	page := catalog.EntityPage{
		EntitySet: catalog.EntitySet{Filter: &catalog.Predicate{Op: catalog.OpAll, Children: []catalog.Predicate{owners, kind}}, SortKey: "metadata.name"},
		Limit:     20, Matches: 784, SortKeyMatches: 100000, SourceRows: 1027,
	}
	query, args, budgeted, err := NewCatalogReader(db).pageSQL(page, false, nil, withJSON)
	if err != nil {
		t.Fatal(err)
	}
	if !budgeted {
		t.Fatalf("not a budgeted walk:\n%s", query)
	}
	rows, err := db.QueryContext(ctx, "EXPLAIN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if text := strings.Join(plan, "\n"); !strings.Contains(text, "hashed SubPlan") {
		t.Errorf("the source is not hashed:\n%s", text)
	}
}
