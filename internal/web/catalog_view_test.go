package web

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/problem"
)

func TestParseCatalogView(t *testing.T) {
	tests := []struct {
		query string
		want  catalogView
		err   string
	}{
		{"", catalogView{Kind: "component", Sort: "name", Limit: 25, Page: 1, Filters: map[string][]string{}}, ""},
		{"kind=all&text=+fare+&user=owned&health=orphan",
			catalogView{Text: "fare", User: "owned", Health: "orphan", Sort: "name", Limit: 25, Page: 1, Filters: map[string][]string{}}, ""},
		{"kind=API&type=openapi&type=grpc&type=openapi&type=&owner=group:default/a&sort=owner&dir=desc&limit=50",
			catalogView{Kind: "api", Sort: "owner", Desc: true, Limit: 50, Page: 1,
				Filters: map[string][]string{"type": {"grpc", "openapi"}, "owner": {"group:default/a"}}}, ""},
		// A page number means something only with a cursor.
		{"page=7", catalogView{Kind: "component", Sort: "name", Limit: 25, Page: 1, Filters: map[string][]string{}}, ""},
		{"cursor=abc&page=7", catalogView{Kind: "component", Sort: "name", Limit: 25, Page: 7, Cursor: "abc", Filters: map[string][]string{}}, ""},
		{"user=everyone", catalogView{}, `There is no "everyone" choice for user`},
		{"health=bad", catalogView{}, `There is no "bad" health list`},
		{"sort=colour", catalogView{}, `cannot be sorted by "colour"`},
		{"dir=up", catalogView{}, "sort direction"},
		{"limit=0", catalogView{}, "page size"},
		{"limit=101", catalogView{}, "page size"},
		{"text=" + strings.Repeat("x", 101), catalogView{}, "longer than 100"},
		{"tag=" + strings.Repeat("x", 201), catalogView{}, "longer than 200"},
	}
	for _, tt := range tests {
		q, _ := url.ParseQuery(tt.query)
		got, err := parseCatalogView(q)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !problem.Is(err, problem.InputError) {
				t.Errorf("%q: error %v, want an InputError with %q", tt.query, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.query, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tt.query, diff)
		}
	}

	many := url.Values{}
	for i := range maxFilterValues + 1 {
		many.Add("owner", strings.Repeat("o", i+1))
	}
	if _, err := parseCatalogView(many); err == nil {
		t.Errorf("%d owner values accepted", maxFilterValues+1)
	}
}

func TestCatalogViewURL(t *testing.T) {
	for query, want := range map[string]string{
		"":                                   "/catalog",
		"kind=component":                     "/catalog",
		"kind=all":                           "/catalog?kind=all",
		"kind=Group&lifecycle=b&lifecycle=a": "/catalog?kind=group&lifecycle=a&lifecycle=b",
		"sort=name&dir=asc&limit=25":         "/catalog",
		"cursor=c1&page=2&text=x":            "/catalog?cursor=c1&page=2&text=x",
	} {
		q, _ := url.ParseQuery(query)
		v, err := parseCatalogView(q)
		if err != nil {
			t.Fatal(err)
		}
		if got := v.URL(); got != want {
			t.Errorf("%q: URL %s, want %s", query, got, want)
		}
	}
}

func TestCatalogViewFilter(t *testing.T) {
	q, _ := url.ParseQuery("kind=component&type=Service&owner=group:default/a&user=starred&health=unowned")
	v, err := parseCatalogView(q)
	if err != nil {
		t.Fatal(err)
	}
	sc := scope{Starred: []string{"api:default/x", "not a ref"}, Unresolved: []string{"group:default/ghosts"}}
	text := func(skip string) string {
		b, err := json.Marshal(v.filter(sc, skip))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	want := `{"$all":[{"kind":"component"},{"spec.type":"service"},{"relations.ownedby":"group:default/a"},` +
		`{"$any":[{"$all":[{"kind":"api"},{"metadata.namespace":"default"},{"metadata.name":"x"}]}]},` +
		`{"relations.ownedby":"group:default/ghosts"}]}`
	if diff := cmp.Diff(want, text("")); diff != "" {
		t.Errorf("filter (-want +got):\n%s", diff)
	}
	// A facet's counts leave out its own choice.
	if strings.Contains(text("type"), "spec.type") || !strings.Contains(text("owner"), "spec.type") {
		t.Errorf("skip: %s", text("type"))
	}
	// Nothing owned, starred or unresolved matches nothing.
	v.User = userOwned
	empty := v.filter(scope{}, "")
	if b, _ := json.Marshal(empty); !strings.Contains(string(b), `{"$any":[]}`) {
		t.Errorf("owned by nobody: %s", b)
	}
}

// FuzzParseCatalogView checks that any query string either is refused
// with an InputError or gives a view whose URL reads back as the same
// view.
func FuzzParseCatalogView(f *testing.F) {
	for _, s := range []string{"", "kind=all&type=a&type=b", "sort=owner&dir=desc&limit=7&cursor=x&page=3", "text=%00&tag=%E2%82%AC", "user=owned&health=orphan"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		v, err := parseCatalogView(q)
		if err != nil {
			if !problem.Is(err, problem.InputError) {
				t.Fatalf("%q: %v is not an InputError", raw, err)
			}
			return
		}
		u, err := url.Parse(v.URL())
		if err != nil {
			t.Fatalf("URL %q: %v", v.URL(), err)
		}
		again, err := parseCatalogView(u.Query())
		if err != nil {
			t.Fatalf("%q → %s: %v", raw, v.URL(), err)
		}
		if diff := cmp.Diff(v, again); diff != "" {
			t.Fatalf("%q → %s (-first +again):\n%s", raw, v.URL(), diff)
		}
	})
}
