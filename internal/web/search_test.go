package web

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/search"
)

func TestParseSearchView(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  searchView
		url   string
	}{
		{name: "empty", query: "", want: searchView{Filters: map[string][]string{}}, url: "/search"},
		{name: "query trimmed", query: "query=++payments+api+", want: searchView{Query: "payments api", Filters: map[string][]string{}},
			url: "/search?query=payments+api"},
		{name: "term as Backstage's API names it", query: "term=docs", want: searchView{Query: "docs", Filters: map[string][]string{}},
			url: "/search?query=docs"},
		{name: "types and filters as the form writes them",
			query: "query=x&types%5B%5D=techdocs&types%5B%5D=software-catalog&filters%5Bkind%5D=Component&filters%5Bkind%5D=API&filters%5Bowner%5D=harbour&pageCursor=MQ%3D%3D",
			want: searchView{Query: "x", Types: []string{"techdocs", "software-catalog"},
				Filters: map[string][]string{"kind": {"Component", "API"}, "owner": {"harbour"}}, Cursor: "MQ=="},
			url: "/search?filters%5Bkind%5D=Component&filters%5Bkind%5D=API&filters%5Bowner%5D=harbour&pageCursor=MQ%3D%3D&query=x&types%5B%5D=techdocs&types%5B%5D=software-catalog"},
		{name: "qs indexes, duplicates and blanks",
			query: "types%5B1%5D=techdocs&types%5B0%5D=software-catalog&types=techdocs&filters%5Blifecycle%5D%5B0%5D=production&filters%5Blifecycle%5D%5B1%5D=+&filters%5Bkind%5D=",
			want:  searchView{Types: []string{"techdocs", "software-catalog"}, Filters: map[string][]string{"lifecycle": {"production"}}},
			url:   "/search?filters%5Blifecycle%5D=production&types%5B%5D=techdocs&types%5B%5D=software-catalog"},
		{name: "filters the page does not offer are left out",
			query: "filters%5Bauthorization%5D=x&filters%5Btags%5D=go&filters%5B%3Cb%3E%5D=1&kind=component",
			want:  searchView{Filters: map[string][]string{}}, url: "/search"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got := parseSearchView(q)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("view (-want +got):\n%s", diff)
			}
			if u := got.URL(); u != tt.url {
				t.Errorf("URL = %s, want %s", u, tt.url)
			}
			// The address reads back as the same view.
			back, _ := url.Parse(got.URL())
			if diff := cmp.Diff(got, parseSearchView(back.Query())); diff != "" {
				t.Errorf("round trip (-first +again):\n%s", diff)
			}
		})
	}
}

func TestSearchViewWithout(t *testing.T) {
	v := searchView{Query: "q", Types: []string{"techdocs", "software-catalog"},
		Filters: map[string][]string{"kind": {"Component", "API"}, "owner": {"harbour"}}, Cursor: "Mg=="}
	if got, want := v.without("types", "techdocs").URL(),
		"/search?filters%5Bkind%5D=Component&filters%5Bkind%5D=API&filters%5Bowner%5D=harbour&query=q&types%5B%5D=software-catalog"; got != want {
		t.Errorf("without type = %s, want %s", got, want)
	}
	if got, want := v.without("owner", "harbour").URL(),
		"/search?filters%5Bkind%5D=Component&filters%5Bkind%5D=API&query=q&types%5B%5D=techdocs&types%5B%5D=software-catalog"; got != want {
		t.Errorf("without owner = %s, want %s", got, want)
	}
	// The original is untouched.
	if len(v.Types) != 2 || len(v.Filters["owner"]) != 1 || v.Cursor == "" {
		t.Errorf("without changed the view: %+v", v)
	}
}

func TestHighlightHTML(t *testing.T) {
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"plain", "payments api", 0, "payments api"},
		{"marked", "the <>payments</> <>api</>", 0, "the <mark>payments</mark> <mark>api</mark>"},
		{"markup in the text is escaped", `<>x</><img src=x onerror="alert(1)">&amp;`, 0,
			`<mark>x</mark>&lt;img src=x onerror=&#34;alert(1)&#34;&gt;&amp;amp;`},
		{"markup inside a match is escaped", "<><script>alert(1)</script></>", 0,
			"<mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark>"},
		{"a lone pre tag is text", "JSX <> fragments", 0, "JSX &lt;&gt; fragments"},
		{"a lone post tag is text", "ends </> here", 0, "ends &lt;/&gt; here"},
		{"pre without post after a match", "<>a</> b <>c", 0, "<mark>a</mark> b &lt;&gt;c"},
		{"empty match", "a<></>b", 0, "ab"},
		{"white space collapses", "line one\n\n  line two", 0, "line one line two"},
		{"cut at a space", "alpha beta gamma delta", 12, "alpha beta…"},
		{"cut inside a match keeps the mark whole", "alpha <>betagamma</> delta", 10, "alpha <mark>beta</mark>…"},
		{"no cut when short", "alpha", 10, "alpha"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(highlightHTML(tt.in, search.PreTag, search.PostTag, tt.max)); got != tt.want {
				t.Errorf("highlightHTML(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMarkPrefixes(t *testing.T) {
	tests := []struct {
		in    string
		words []string
		want  string
	}{
		{"Payments API", []string{"pay"}, "<mark>Pay</mark>ments API"},
		{"payments-api", []string{"payments", "ap"}, "<mark>payments</mark>-<mark>ap</mark>i"},
		{"Repayments", []string{"pay"}, "Repayments"},
		{"Ölfeld <b>", []string{"öl"}, "<mark>Öl</mark>feld &lt;b&gt;"},
		{"İstanbul", search.Words("İs"), "<mark>İs</mark>tanbul"},
		{"no words", nil, "no words"},
	}
	for _, tt := range tests {
		if got := string(markPrefixes(tt.in, tt.words)); got != tt.want {
			t.Errorf("markPrefixes(%q, %q) = %q, want %q", tt.in, tt.words, got, tt.want)
		}
	}
}

// markupRE finds the tags in rendered highlights.
var markupRE = regexp.MustCompile(`<[^>]*>`)

// FuzzHighlightHTML checks that highlighting is safe whatever the engine
// returns: the only tags are balanced <mark> pairs, and the text shown is
// the input (its white space collapsed) without the tags that were
// paired.
func FuzzHighlightHTML(f *testing.F) {
	for _, s := range []string{"", "a <>b</> c", "<>", "</>", "<><></></>", `<script>"&'`, "<>x</><>y", "\x00<>\xff</>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := string(highlightHTML(s, search.PreTag, search.PostTag, 0))
		depth := 0
		for _, tag := range markupRE.FindAllString(out, -1) {
			switch tag {
			case "<mark>":
				depth++
			case "</mark>":
				depth--
			default:
				t.Fatalf("tag %q in %q (from %q)", tag, out, s)
			}
			if depth < 0 || depth > 1 {
				t.Fatalf("unbalanced marks in %q", out)
			}
		}
		if depth != 0 {
			t.Fatalf("unclosed mark in %q", out)
		}
		var plain strings.Builder
		for _, sp := range highlightSpans(collapseSpace(s), search.PreTag, search.PostTag) {
			plain.WriteString(sp.text)
		}
		shown := html.UnescapeString(markupRE.ReplaceAllString(out, ""))
		// html/template writes NUL as U+FFFD.
		want := strings.ReplaceAll(plain.String(), "\x00", "\uFFFD")
		if shown != want {
			t.Fatalf("shows %q, want %q", shown, want)
		}
	})
}

func TestSearchPagesGolden(t *testing.T) {
	results := sampleSearchResults(t)
	total := 57
	tests := []struct {
		name, target string
		svc          *fakeSearch
		status       int
	}{
		{name: "search-start", target: "/search", svc: &fakeSearch{}, status: 200},
		{name: "search-results", target: "/search?query=booking", status: 200, svc: &fakeSearch{resp: &search.Response{
			Results: results, NextPageCursor: search.EncodeCursor(1), NumberOfResults: &total}}},
		{name: "search-filtered-page-2", status: 200,
			target: "/search?query=booking&types%5B%5D=software-catalog&filters%5Bkind%5D=Component&filters%5Bowner%5D=group%3Adefault%2Fharbour&pageCursor=" + url.QueryEscape(search.EncodeCursor(1)),
			svc: &fakeSearch{resp: &search.Response{Results: []search.Result{func() search.Result { r := results[0]; r.Rank = 26; return r }()},
				PreviousPageCursor: search.EncodeCursor(0)}}},
		{name: "search-none", target: "/search?query=nothing+matches", svc: &fakeSearch{}, status: 200},
		{name: "search-bad-query", target: "/search?query=" + strings.Repeat("x", 101), svc: &fakeSearch{err: errBadTerm}, status: 400},
		{name: "search-index-building", target: "/search?query=docs&types%5B%5D=techdocs", svc: &fakeSearch{err: &search.MissingIndexError{Type: "techdocs"}}, status: 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := searchSite(t, tt.svc, sampleCatalog())
			rec := send(t, h, http.MethodGet, tt.target, nil)
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			compareGolden(t, tt.name, rec.Body.String())
		})
	}
}

func TestSearchPageAsksTheService(t *testing.T) {
	svc := &fakeSearch{}
	h := as(jane, searchSite(t, svc, sampleCatalog()))
	send(t, h, http.MethodGet, "/search", nil)
	if len(svc.requests) != 0 {
		t.Errorf("the empty page queried the service: %+v", svc.requests)
	}
	rec := send(t, h, http.MethodGet, "/search?query=%22release+notes%22+-old+pay*&types%5B%5D=techdocs&filters%5Blifecycle%5D=production&pageCursor=Mg%3D%3D", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	want := []search.Request{{Term: `"release notes" -old pay*`, Types: []string{"techdocs"},
		Filters: map[string][]string{"lifecycle": {"production"}}, PageCursor: "Mg=="}}
	if diff := cmp.Diff(want, svc.requests); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{jane.UserEntityRef}, svc.callers); diff != "" {
		t.Errorf("the service was not asked as the reader (-want +got):\n%s", diff)
	}
	// The header's box holds the query on the search page.
	wantBody(t, "search page", rec.Body.String(),
		`<input id="site-search" type="search" name="query" value="&#34;release notes&#34; -old pay*"`,
		`<input id="f-text" type="search" name="query" value="&#34;release notes&#34; -old pay*"`)
}

func TestSearchPageFailure(t *testing.T) {
	svc := &fakeSearch{err: errors.New("engine on fire")}
	rec := send(t, searchSite(t, svc, sampleCatalog()), http.MethodGet, "/search?query=x", nil)
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500", rec.Code)
	}
	if strings.Contains(rec.Body.String(), "on fire") {
		t.Error("the engine's error reached the page")
	}
}

func TestSearchFiltersFollowTheReader(t *testing.T) {
	cat := sampleCatalog()
	var asked []string
	h := NewSearch(SearchOptions{
		Search:  &fakeSearch{},
		Catalog: &fakeCatalog{},
		ReaderFor: func(ctx context.Context) (CatalogReader, error) {
			asked = append(asked, viewerOf((&http.Request{}).WithContext(ctx)).Ref)
			return cat, nil
		},
		PartBudget: 5 * 1e9,
	})
	body := send(t, as(jane, h), http.MethodGet, "/search", nil).Body.String()
	if diff := cmp.Diff([]string{jane.UserEntityRef}, asked); diff != "" {
		t.Errorf("catalog readers (-want +got):\n%s", diff)
	}
	wantBody(t, "filters", body,
		`<input type="checkbox" name="filters[kind]" value="Component">`,
		`<input type="checkbox" name="filters[lifecycle]" value="production">`,
		`<input type="checkbox" name="types[]" value="techdocs">`)
}

func TestSuggestions(t *testing.T) {
	results := sampleSearchResults(t)
	// A suggestion without highlights gets its typed prefix marked.
	results[2].Highlight = nil
	svc := &fakeSearch{suggest: results}
	h := as(jane, searchSite(t, svc, sampleCatalog()))
	rec := send(t, h, http.MethodGet, "/search/suggest?query=book", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q", got)
	}
	compareGolden(t, "search-suggestions", rec.Body.String())
	if diff := cmp.Diff([]string{"book"}, svc.prefixes); diff != "" {
		t.Errorf("prefixes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{jane.UserEntityRef}, svc.callers); diff != "" {
		t.Errorf("callers (-want +got):\n%s", diff)
	}
	// One character is not asked for: the list holds the search page alone.
	body := send(t, h, http.MethodGet, "/search/suggest?query=b", nil).Body.String()
	if len(svc.prefixes) != 1 {
		t.Errorf("a one-character prefix was asked for: %q", svc.prefixes)
	}
	if n := strings.Count(body, `role="option"`); n != 1 || !strings.Contains(body, `data-href="/search?query=b"`) {
		t.Errorf("one character gives %d options:\n%s", n, body)
	}
	// A link the engine holds with a script scheme never becomes one.
	svc.suggest = []search.Result{{Type: search.TypeCatalog, Rank: 1, Document: doc(t, map[string]any{"title": "x", "location": "javascript:alert(1)"})}}
	body = send(t, h, http.MethodGet, "/search/suggest?query=xx", nil).Body.String()
	if strings.Contains(body, "javascript:") {
		t.Errorf("script link in suggestions:\n%s", body)
	}
}
