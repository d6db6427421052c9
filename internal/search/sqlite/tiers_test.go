package sqlite_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/search"
	"github.com/callboard/callboard/internal/search/searchtest"
	"github.com/callboard/callboard/internal/search/sqlite"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

func doc(id, title, name, text string) search.Document {
	return search.Document{Type: search.TypeCatalog, ID: id, Group: id, Title: title, Name: name, Text: text,
		Location: "/x/" + id, Auth: search.Auth{ResourceRef: "component:default/" + id, Kind: "component"}}
}

// locations runs q and returns the hits' ids and the total.
func locations(t *testing.T, e *sqlite.Engine, q search.EngineQuery) ([]string, int) {
	t.Helper()
	q.Types = []string{search.TypeCatalog}
	res, err := e.Search(context.Background(), &q)
	if err != nil {
		t.Fatalf("Search(%s): %v", q.Query, err)
	}
	return searchtest.HitIDs(t, res.Hits), res.Total
}

// everyone is a permission condition every test document meets.
var everyone = search.Condition{Not: &search.Condition{Rule: search.RuleKind, Values: []string{"nothing"}}}

// TestLargeSetTiers: when a word matches more documents than are ranked
// as a whole, the exact match comes first, then the title and name tiers
// (read from the names' index) ranked, then the description's tier by id;
// restricted and excluding queries page alike, and a deleted document
// leaves the names' index.
func TestLargeSetTiers(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	e := sqlite.New(db.DB, sqlite.Options{})
	ctx := context.Background()
	docs := []search.Document{
		doc("exact", "Widget", "exact", ""),
		doc("t1", "Widget widget board", "t1", ""),
		doc("t2", "Widget sync", "t2", ""),
		doc("t3", "Blue widget factory tools", "t3", ""),
		doc("n1", "Toolbox", "widget-tool", ""),
	}
	var described []string
	for i := range 1100 {
		id := fmt.Sprintf("d%04d", i)
		docs = append(docs, doc(id, "Doc "+id, id, "about a widget"))
		described = append(described, id)
	}
	groups := make([]string, len(docs))
	for i, d := range docs {
		groups[i] = d.Group
	}
	if err := e.Replace(ctx, search.TypeCatalog, groups, docs); err != nil {
		t.Fatal(err)
	}
	all := append([]string{"exact", "t1", "t2", "t3", "n1"}, described...)
	check := func(term string, access *search.Condition, want []string) {
		t.Helper()
		for _, page := range []struct{ off, lim int }{{0, 25}, {3, 5}, {4, 1}, {5, 10}, {30, 25}} {
			got, total := locations(t, e, search.EngineQuery{Query: search.ParseQuery(term), Offset: page.off, Limit: page.lim, Access: access})
			if diff := cmp.Diff(want[page.off:page.off+page.lim], got); diff != "" || total != search.MaxCount {
				t.Errorf("%q offset %d limit %d: total %d (-want +got):\n%s", term, page.off, page.lim, total, diff)
			}
		}
	}
	check("widget", nil, all)
	check("widget", &everyone, all)
	// An exclusion leaves no exact match: "Widget" ranks by its score.
	check("widget -sync", nil, append([]string{"t1", "exact", "t3", "n1"}, described...))

	if err := e.Replace(ctx, search.TypeCatalog, []string{"t1"}, nil); err != nil {
		t.Fatal(err)
	}
	check("widget", nil, append([]string{"exact", "t2", "t3", "n1"}, described...))
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM search_names_fts WHERE search_names_fts MATCH 'board'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("names' index rows of a deleted document: %d, %v", n, err)
	}
}
