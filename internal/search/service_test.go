package search_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/search"
	"github.com/callboard/callboard/internal/search/sqlite"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

func newEngine(t *testing.T) *sqlite.Engine {
	t.Helper()
	return sqlite.New(storetest.Open(t, store.SQLite).DB, sqlite.Options{})
}

// doc is a catalog document whose location is /x/<id>.
func doc(id, title string, owners ...string) search.Document {
	return search.Document{Type: search.TypeCatalog, ID: id, Group: id, Title: title, Name: id, Location: "/x/" + id,
		Auth: search.Auth{ResourceRef: "component:default/" + id, Kind: "component", Owners: owners}}
}

func index(t *testing.T, e search.Engine, typ string, docs ...search.Document) {
	t.Helper()
	var groups []string
	for i := range docs {
		docs[i].Type = typ
		groups = append(groups, docs[i].Group)
	}
	if err := e.Replace(context.Background(), typ, groups, docs); err != nil {
		t.Fatal(err)
	}
}

func newService(t *testing.T, e search.Engine, acc search.Access) *search.Service {
	t.Helper()
	s, err := search.NewService(search.ServiceOptions{
		Engine: e,
		Types:  []string{search.TypeCatalog, search.TypeTechDocs},
		Access: func(context.Context) (search.Access, error) { return acc, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func locations(t *testing.T, rs []search.Result) []string {
	t.Helper()
	out := []string{}
	for _, r := range rs {
		var d struct{ Location string }
		if err := json.Unmarshal(r.Document, &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.TrimPrefix(d.Location, "/x/"))
	}
	return out
}

func TestServiceInputErrors(t *testing.T) {
	e := newEngine(t)
	index(t, e, search.TypeCatalog, doc("a", "Alpha"))
	s := newService(t, e, search.AccessAll)
	tests := []struct {
		name string
		req  search.Request
		want string
	}{
		{"term length", search.Request{Term: strings.Repeat("x", 101)}, "The term length exceeds the maximum length of 100 characters."},
		{"unknown type", search.Request{Types: []string{"software-catalog", "nope"}}, `Unknown search type "nope"; the known types are software-catalog, techdocs`},
		{"cursor", search.Request{PageCursor: "%%%"}, `Invalid page cursor "%%%"`},
		{"page limit", search.Request{PageLimit: 101}, "The page limit 101 is greater than 100"},
		{"negative page limit", search.Request{PageLimit: -1}, "The page limit must be a positive number, got -1"},
		{"filter name", search.Request{Filters: map[string][]string{"a.b": {"x"}}}, `Invalid filter "a.b": filters name a top-level field of the documents`},
		{"authorization filter", search.Request{Filters: map[string][]string{"authorization": {"x"}}}, `Invalid filter "authorization": filters name a top-level field of the documents`},
	}
	for _, tt := range tests {
		_, err := s.Query(context.Background(), tt.req)
		p, ok := problem.As(err)
		if !ok || p.Name != problem.InputError || p.Message != tt.want {
			t.Errorf("%s: %v, want InputError %q", tt.name, err, tt.want)
		}
	}
	if _, err := s.Query(context.Background(), search.Request{Term: strings.Repeat("é", 100)}); err != nil {
		t.Errorf("100 characters (not bytes) are allowed: %v", err)
	}
}

func TestServiceMissingIndex(t *testing.T) {
	e := newEngine(t)
	s := newService(t, e, search.AccessAll)
	resp, err := s.Query(context.Background(), search.Request{Term: "x"})
	if err != nil || len(resp.Results) != 0 {
		t.Errorf("no index at all: %v, %v", resp, err)
	}
	index(t, e, search.TypeCatalog, doc("a", "Alpha"))
	_, err = s.Query(context.Background(), search.Request{Term: "alpha", Types: []string{search.TypeTechDocs}})
	var mi *search.MissingIndexError
	if !errors.As(err, &mi) || mi.Type != search.TypeTechDocs || !errors.Is(err, search.ErrMissingIndex) {
		t.Errorf("techdocs never built: %v", err)
	}
	resp, err = s.Query(context.Background(), search.Request{Term: "alpha"})
	if err != nil || len(resp.Results) != 1 {
		t.Errorf("all types, one built: %+v, %v", resp, err)
	}
}

func TestServicePaging(t *testing.T) {
	e := newEngine(t)
	var docs []search.Document
	for i := range 30 {
		docs = append(docs, doc(fmt.Sprintf("w%02d", i), fmt.Sprintf("Widget %02d", i)))
	}
	index(t, e, search.TypeCatalog, docs...)
	s := newService(t, e, search.AccessAll)
	var all []string
	cursor := ""
	for page := 0; ; page++ {
		resp, err := s.Query(context.Background(), search.Request{Term: "widget", PageLimit: 10, PageCursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		if resp.NumberOfResults == nil || *resp.NumberOfResults != 30 {
			t.Errorf("page %d: numberOfResults %v", page, resp.NumberOfResults)
		}
		wantPrev := ""
		if page > 0 {
			wantPrev = search.EncodeCursor(page - 1)
		}
		if resp.PreviousPageCursor != wantPrev {
			t.Errorf("page %d: previous %q, want %q", page, resp.PreviousPageCursor, wantPrev)
		}
		for i, r := range resp.Results {
			if r.Rank != page*10+i+1 {
				t.Errorf("page %d result %d: rank %d", page, i, r.Rank)
			}
		}
		all = append(all, locations(t, resp.Results)...)
		if resp.NextPageCursor == "" {
			if page != 2 {
				t.Errorf("last page is %d, want 2", page)
			}
			break
		}
		cursor = resp.NextPageCursor
	}
	if len(all) != 30 {
		t.Errorf("%d results over the pages: %v", len(all), all)
	}
	resp, err := s.Query(context.Background(), search.Request{Term: "widget"})
	if err != nil || len(resp.Results) != 25 || resp.NextPageCursor != "MQ==" {
		t.Errorf("default page: %d results, next %q, %v", len(resp.Results), resp.NextPageCursor, err)
	}
}

func TestServiceAccess(t *testing.T) {
	e := newEngine(t)
	var docs []search.Document
	for i := range 40 {
		owner := "group:default/a"
		if i%4 == 0 {
			owner = "group:default/b"
		}
		docs = append(docs, doc(fmt.Sprintf("d%02d", i), fmt.Sprintf("Shared %02d", i), owner))
	}
	index(t, e, search.TypeCatalog, docs...)
	ctx := context.Background()

	resp, err := newService(t, e, search.Access{Deny: true}).Query(ctx, search.Request{Term: "shared"})
	if err != nil || len(resp.Results) != 0 || resp.Results == nil {
		t.Errorf("deny: %+v, %v", resp, err)
	}

	owned := search.Access{Cond: &search.Condition{Rule: search.RuleOwner, Values: []string{"group:default/b"}}}
	resp, err = newService(t, e, owned).Query(ctx, search.Request{Term: "shared"})
	if err != nil || len(resp.Results) != 10 || *resp.NumberOfResults != 10 {
		t.Errorf("owner condition: %d results, %v", len(resp.Results), err)
	}

	// An opaque condition: the engine gets everything, the check keeps
	// even-numbered documents; pages are filled from the allowed ones.
	checked := 0
	opaque := search.Access{
		Cond: &search.Condition{Rule: search.RuleOpaque},
		Check: func(_ context.Context, refs []string) (map[string]bool, error) {
			checked += len(refs)
			ok := map[string]bool{}
			for _, r := range refs {
				var n int
				fmt.Sscanf(strings.TrimPrefix(r, "component:default/d"), "%d", &n)
				ok[r] = n%2 == 0
			}
			return ok, nil
		},
	}
	s := newService(t, e, opaque)
	var got []string
	cursor := ""
	for range 5 {
		resp, err := s.Query(ctx, search.Request{Term: "shared", PageLimit: 7, PageCursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		if resp.NumberOfResults != nil {
			t.Errorf("post-filtered results count %d", *resp.NumberOfResults)
		}
		got = append(got, locations(t, resp.Results)...)
		if cursor = resp.NextPageCursor; cursor == "" {
			break
		}
	}
	want := []string{}
	for i := 0; i < 40; i += 2 {
		want = append(want, fmt.Sprintf("d%02d", i))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("post-filtered pages (-want +got):\n%s", diff)
	}
	if checked == 0 {
		t.Error("the check never ran")
	}
	sug, err := s.Suggest(ctx, "shar", 3)
	if err != nil || len(sug) != 3 || !strings.HasSuffix(locations(t, sug)[0], "0") && !strings.HasSuffix(locations(t, sug)[0], "2") {
		t.Errorf("post-filtered suggestions: %v, %v", locations(t, sug), err)
	}
}

func TestServiceTypoRetry(t *testing.T) {
	e := newEngine(t)
	index(t, e, search.TypeCatalog, doc("payments", "Payments"), doc("orders", "Orders"))
	s := newService(t, e, search.AccessAll)
	resp, err := s.Query(context.Background(), search.Request{Term: "paymnets"})
	if err != nil || !cmp.Equal(locations(t, resp.Results), []string{"payments"}) {
		t.Errorf("typo: %v, %v", resp, err)
	}
	resp, err = s.Query(context.Background(), search.Request{Term: "order"})
	if err != nil || !cmp.Equal(locations(t, resp.Results), []string{"orders"}) {
		t.Errorf("plural folding: %v, %v", resp, err)
	}
}

func TestServiceSuggest(t *testing.T) {
	e := newEngine(t)
	index(t, e, search.TypeCatalog, doc("payments", "Payments"), doc("payouts", "Payouts"), doc("orders", "Orders"))
	s := newService(t, e, search.AccessAll)
	ctx := context.Background()
	for _, p := range []string{"", "p", " p "} {
		got, err := s.Suggest(ctx, p, 5)
		if err != nil || len(got) != 0 {
			t.Errorf("Suggest(%q) = %v, %v; want none below two characters", p, got, err)
		}
	}
	got, err := s.Suggest(ctx, "PAY", 0)
	if err != nil || !cmp.Equal(locations(t, got), []string{"payments", "payouts"}) || got[0].Rank != 1 || got[1].Highlight == nil {
		t.Errorf("Suggest(PAY) = %+v, %v", got, err)
	}
	got, err = newService(t, e, search.Access{Deny: true}).Suggest(ctx, "pay", 5)
	if err != nil || len(got) != 0 {
		t.Errorf("denied suggestions: %v, %v", got, err)
	}
}

// failing is an engine whose searches fail.
type failing struct{ search.Engine }

func (failing) Search(context.Context, *search.EngineQuery) (*search.EngineResult, error) {
	return nil, errors.New("disk on fire")
}

func TestServiceEngineError(t *testing.T) {
	e := newEngine(t)
	index(t, e, search.TypeCatalog, doc("a", "Alpha"))
	_, err := newService(t, failing{e}, search.AccessAll).Query(context.Background(), search.Request{Term: "alpha"})
	p, ok := problem.As(err)
	if !ok || p.Name != "Error" || p.Message != "There was a problem performing the search query" || problem.Status(err) != 500 {
		t.Errorf("engine failure = %v", err)
	}
	if !strings.Contains(err.Error(), "There was a problem") || !errors.Is(err, p.Cause) {
		t.Errorf("cause lost: %v", err)
	}
}
