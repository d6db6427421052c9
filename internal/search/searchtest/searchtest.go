// Package searchtest is the conformance suite every search engine runs:
// indexing by type and group, rebuilds with an atomic swap, the query
// syntax, filters, permission conditions, paging, highlights,
// suggestions, typo tolerance and a relevance corpus with expected top
// results.
package searchtest

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/callboard/callboard/internal/search"
)

// Open returns a fresh, empty engine for one test.
type Open func(t *testing.T) search.Engine

// Run runs the whole suite, each part as a subtest with its own engine.
func Run(t *testing.T, open Open) {
	tests := []struct {
		name string
		fn   func(t *testing.T, e search.Engine)
	}{
		{"Replace", testReplace},
		{"Rebuild", testRebuild},
		{"RebuildBatches", testRebuildBatches},
		{"Syntax", testSyntax},
		{"Filters", testFilters},
		{"Access", testAccess},
		{"Paging", testPaging},
		{"DeepPaging", testDeepPaging},
		{"Highlight", testHighlight},
		{"Suggest", testSuggest},
		{"Fuzzy", testFuzzy},
		{"State", testState},
		{"Relevance", testRelevance},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

// Doc is a compact way to write a test document.
type Doc struct {
	Type, ID, Group             string
	Title, Name, Text, Location string
	Tags                        []string
	Keywords                    string
	LongText                    bool
	Extra                       map[string]any
	Owners                      []string
	Kind                        string
}

// Document turns d into a search.Document, defaulting what it leaves out:
// type software-catalog, group and resource ref from the id, kind
// component.
func (d Doc) Document() search.Document {
	if d.Type == "" {
		d.Type = search.TypeCatalog
	}
	if d.Group == "" {
		d.Group = d.ID
	}
	if d.Kind == "" {
		d.Kind = "component"
	}
	if d.Location == "" {
		d.Location = "/x/" + d.ID
	}
	return search.Document{
		Type: d.Type, ID: d.ID, Group: d.Group, Title: d.Title, Text: d.Text, Location: d.Location,
		Extra: d.Extra, Name: d.Name, Tags: d.Tags, Keywords: d.Keywords, LongText: d.LongText,
		Auth: search.Auth{ResourceRef: d.Group, Kind: d.Kind, Owners: d.Owners},
	}
}

func docs(ds ...Doc) []search.Document {
	out := make([]search.Document, len(ds))
	for i, d := range ds {
		out[i] = d.Document()
	}
	return out
}

// put indexes docs of one type, grouped by their groups.
func put(t *testing.T, e search.Engine, typ string, ds ...Doc) {
	t.Helper()
	all := docs(ds...)
	var groups []string
	for i := range all {
		all[i].Type = typ
		if !slices.Contains(groups, all[i].Group) {
			groups = append(groups, all[i].Group)
		}
	}
	if err := e.Replace(context.Background(), typ, groups, all); err != nil {
		t.Fatalf("Replace: %v", err)
	}
}

// ids runs q and returns the location-free ids of the hits (the "id"
// extra field every test document carries).
func ids(t *testing.T, e search.Engine, q search.EngineQuery) []string {
	t.Helper()
	res := run(t, e, q)
	return HitIDs(t, res.Hits)
}

func run(t *testing.T, e search.Engine, q search.EngineQuery) *search.EngineResult {
	t.Helper()
	if q.Types == nil {
		q.Types = []string{search.TypeCatalog, search.TypeTechDocs, search.TypeTemplate}
	}
	if q.Limit == 0 {
		q.Limit = 25
	}
	res, err := e.Search(context.Background(), &q)
	if err != nil {
		t.Fatalf("Search(%s): %v", q.Query, err)
	}
	return res
}

// HitIDs reads the id each test document has in its location (/x/<id>).
func HitIDs(t *testing.T, hits []search.Hit) []string {
	t.Helper()
	out := []string{}
	for _, h := range hits {
		var d struct {
			Location string `json:"location"`
		}
		if err := json.Unmarshal(h.Document, &d); err != nil {
			t.Fatalf("hit document %s: %v", h.Document, err)
		}
		out = append(out, strings.TrimPrefix(d.Location, "/x/"))
	}
	return out
}

// q builds a query of a term.
func q(term string) search.EngineQuery { return search.EngineQuery{Query: search.ParseQuery(term)} }

// sorted returns a sorted copy.
func sorted(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	return out
}

func check(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
