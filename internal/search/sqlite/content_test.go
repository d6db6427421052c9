package sqlite

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/search"
	"github.com/callboard/callboard/internal/search/searchtest"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

// TestContentColumns checks that FTS5's content table holds the columns
// where ranking and restrictions read them (ftsTitle ... ftsMeta).
func TestContentColumns(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	e := New(db.DB, Options{})
	d := searchtest.Doc{ID: "a", Title: "Alpha title", Name: "alpha-name", Text: "Alpha description", Tags: []string{"go"},
		Owners: []string{"group:default/team-a"}}.Document()
	if err := e.Replace(ctx, search.TypeCatalog, []string{"a"}, []search.Document{d}); err != nil {
		t.Fatal(err)
	}
	read := func(stmt string) []string {
		t.Helper()
		got := make([]string, 6)
		dest := make([]any, len(got))
		for i := range got {
			dest[i] = &got[i]
		}
		if err := db.QueryRowContext(ctx, stmt).Scan(dest...); err != nil {
			t.Fatal(err)
		}
		return got
	}
	want := read(`SELECT title, name, description, tags, body, meta FROM search_fts`)
	got := read(`SELECT ` + ftsTitle + `, ` + ftsName + `, ` + ftsDescription + `, ` + ftsTags + `, ` + ftsBody + `, ` + ftsMeta + ` FROM ` + ftsContent)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("content table columns (-virtual table +content table):\n%s", diff)
	}
	if want[0] != "Alpha title" || want[5] == "" {
		t.Errorf("virtual table columns = %q", want)
	}
}
