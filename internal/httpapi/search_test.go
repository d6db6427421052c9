package httpapi

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/search"
	"github.com/callboard/callboard/internal/search/sqlite"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

// backstageSearchSpecPath is Backstage's search OpenAPI spec beside the
// repository.
var backstageSearchSpecPath = filepath.Join("..", "..", "..", "shared", "backstage-ref", "openapi", "search-backend.openapi.yaml")

// searchFixture is the search API over an SQLite index of a few
// documents, every response checked against api/search.openapi.yaml
// and, for /query, Backstage's search spec.
type searchFixture struct {
	api    *apiClient
	engine search.Engine
	access search.Access
}

func newSearchFixture(t *testing.T) *searchFixture {
	t.Helper()
	f := &searchFixture{engine: sqlite.New(storetest.Open(t, store.SQLite).DB, sqlite.Options{})}
	put := func(typ string, docs ...search.Document) {
		var groups []string
		for i := range docs {
			docs[i].Type = typ
			groups = append(groups, docs[i].Group)
		}
		if err := f.engine.Replace(context.Background(), typ, groups, docs); err != nil {
			t.Fatal(err)
		}
	}
	entity := func(kind, name, title, lifecycle, owner string) search.Document {
		ref := strings.ToLower(kind) + ":default/" + name
		return search.Document{ID: ref, Group: ref, Title: title, Text: "The " + title + " of the shop", Name: name,
			Location: "/catalog/default/" + kind + "/" + name,
			Extra:    map[string]any{"kind": kind, "lifecycle": lifecycle, "owner": owner, "namespace": "default", "type": "service", "componentType": "service"},
			Auth:     search.Auth{ResourceRef: ref, Kind: strings.ToLower(kind), Owners: []string{"group:default/" + owner}}}
	}
	var catalog []search.Document
	for _, e := range []struct{ kind, name, title, lifecycle, owner string }{
		{"Component", "payments", "Payments", "production", "team-a"},
		{"Component", "payments-api", "Payments API", "production", "team-a"},
		{"Component", "payments-worker", "Payments worker", "experimental", "team-b"},
		{"API", "payments-openapi", "Payments OpenAPI", "production", "team-b"},
		{"Component", "orders", "Orders", "production", "team-b"},
	} {
		catalog = append(catalog, entity(e.kind, e.name, e.title, e.lifecycle, e.owner))
	}
	put(search.TypeCatalog, catalog...)
	put(search.TypeTechDocs, search.Document{ID: "component:default/payments#", Group: "component:default/payments",
		Title: "Payments guide", Text: "How payments flow from checkout to settlement", LongText: true,
		Location: "/docs/default/component/payments/", Extra: map[string]any{"kind": "component", "namespace": "default", "name": "payments"},
		Auth: search.Auth{ResourceRef: "component:default/payments", Kind: "component", Owners: []string{"group:default/team-a"}}})
	svc, err := search.NewService(search.ServiceOptions{
		Engine: f.engine,
		Types:  []string{search.TypeCatalog, search.TypeTechDocs, search.TypeTemplate},
		Access: func(context.Context) (search.Access, error) { return f.access, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	f.api = &apiClient{handler: New(Options{Search: svc}), validator: newSpecValidator(t)}
	return f
}

// get sends a search request and checks a 200 response against
// Backstage's search spec as well.
func (f *searchFixture) get(t *testing.T, target string) response {
	t.Helper()
	res := f.api.do(t, "GET", target, "")
	if strings.HasPrefix(target, searchMount+"/query") {
		checkBackstageSearch(t, target, res)
	}
	return res
}

// checkBackstageSearch validates a /query response against Backstage's
// search-backend spec, when the reference data is there.
func checkBackstageSearch(t *testing.T, target string, res response) {
	t.Helper()
	if _, err := os.Stat(backstageSearchSpecPath); err != nil {
		return
	}
	doc := loadSpec(t, backstageSearchSpecPath)
	route := findRoute(doc, "/query", "GET")
	if route == nil {
		t.Fatal("Backstage's search spec has no GET /query")
	}
	req, _ := http.NewRequest("GET", "http://callboard.test"+target, nil)
	opts := &openapi3filter.Options{IncludeResponseStatus: false, MultiError: true}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route, Options: opts},
		Status:                 res.status, Header: res.header, Options: opts,
	}
	input.SetBodyBytes(res.body)
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		t.Errorf("%s → %d does not match Backstage's search spec: %v\n%s", target, res.status, err, res.body)
	}
}

type searchBody struct {
	Results []struct {
		Type      string         `json:"type"`
		Document  map[string]any `json:"document"`
		Rank      int            `json:"rank"`
		Highlight *struct {
			PreTag  string            `json:"preTag"`
			PostTag string            `json:"postTag"`
			Fields  map[string]string `json:"fields"`
		} `json:"highlight"`
	} `json:"results"`
	NextPageCursor     string `json:"nextPageCursor"`
	PreviousPageCursor string `json:"previousPageCursor"`
	NumberOfResults    *int   `json:"numberOfResults"`
}

func (b searchBody) titles() []string {
	out := []string{}
	for _, r := range b.Results {
		out = append(out, r.Document["title"].(string))
	}
	return out
}

func TestSearchQuery(t *testing.T) {
	f := newSearchFixture(t)
	var body searchBody
	res := f.get(t, "/api/search/query?term=payments")
	decode(t, res, &body)
	if res.status != 200 || res.header.Get("Content-Type") != jsonContentType {
		t.Fatalf("status %d, %s", res.status, res.header.Get("Content-Type"))
	}
	if got := body.titles(); len(got) != 5 || got[0] != "Payments" {
		t.Errorf("titles %v: want 5 with the exact name first", got)
	}
	r := body.Results[0]
	if r.Type != "software-catalog" || r.Rank != 1 || r.Document["location"] != "/catalog/default/Component/payments" || r.Document["authorization"] != nil {
		t.Errorf("first result: %+v", r)
	}
	if r.Highlight == nil || r.Highlight.PreTag != "<>" || r.Highlight.PostTag != "</>" || r.Highlight.Fields["title"] != "<>Payments</>" {
		t.Errorf("highlight: %+v", r.Highlight)
	}
	if body.NumberOfResults == nil || *body.NumberOfResults != 5 || body.NextPageCursor != "" || body.PreviousPageCursor != "" {
		t.Errorf("paging: %+v", body)
	}

	tests := []struct {
		query string
		want  []string
	}{
		{"term=payments&types[0]=techdocs", []string{"Payments guide"}},
		{"term=payments&types[]=techdocs", []string{"Payments guide"}},
		{"term=payments&types=techdocs&types=software-catalog", nil},
		{"term=payments&filters[kind]=API", []string{"Payments OpenAPI"}},
		{"term=payments&filters[lifecycle][0]=experimental&filters[lifecycle][1]=nope", []string{"Payments worker"}},
		{"term=payments&filters[kind]=component&filters[owner]=team-a&types[0]=software-catalog", []string{"Payments", "Payments API"}},
		{"term=%22payments+api%22", []string{"Payments API"}},
		{"term=payments+-worker+-guide&types%5B0%5D=software-catalog", []string{"Payments", "Payments API", "Payments OpenAPI"}},
		{"term=pay*&filters[kind]=component&types[0]=software-catalog", []string{"Payments", "Payments API", "Payments worker"}},
		{"term=&filters[kind]=Component", []string{"Orders", "Payments", "Payments API", "Payments guide", "Payments worker"}},
		{"term=paymnets&types[0]=techdocs", []string{"Payments guide"}},
	}
	for _, tt := range tests {
		var body searchBody
		res := f.get(t, "/api/search/query?"+tt.query)
		decode(t, res, &body)
		got := body.titles()
		if tt.want == nil {
			if len(got) != 5 {
				t.Errorf("%s: %v, want all five", tt.query, got)
			}
			continue
		}
		if strings.HasPrefix(tt.query, "term=&") || strings.Contains(tt.query, "-worker") {
			got = sortedCopy(got)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.query, diff)
		}
	}
}

func sortedCopy(ss []string) []string {
	out := append([]string(nil), ss...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestSearchPaging(t *testing.T) {
	f := newSearchFixture(t)
	var p0, p1, p2 searchBody
	decode(t, f.get(t, "/api/search/query?term=payments&pageLimit=2"), &p0)
	if p0.NextPageCursor != "MQ==" || p0.PreviousPageCursor != "" || len(p0.Results) != 2 {
		t.Fatalf("page 0: %+v", p0)
	}
	decode(t, f.get(t, "/api/search/query?term=payments&pageLimit=2&pageCursor="+p0.NextPageCursor), &p1)
	if p1.NextPageCursor != "Mg==" || p1.PreviousPageCursor != "MA==" || p1.Results[0].Rank != 3 {
		t.Fatalf("page 1: %+v", p1)
	}
	decode(t, f.get(t, "/api/search/query?term=payments&pageLimit=2&pageCursor=Mg%3D%3D"), &p2)
	if p2.NextPageCursor != "" || len(p2.Results) != 1 || p2.Results[0].Rank != 5 {
		t.Fatalf("page 2: %+v", p2)
	}
	all := append(append(p0.titles(), p1.titles()...), p2.titles()...)
	if len(sortedCopy(all)) != 5 || all[0] != "Payments" {
		t.Errorf("pages: %v", all)
	}
}

func TestSearchErrors(t *testing.T) {
	f := newSearchFixture(t)
	tests := []struct {
		query   string
		status  int
		name    string
		message string
	}{
		{"term=x&types[0]=nope", 400, "InputError", `Unknown search type "nope"; the known types are software-catalog, techdocs, software-template`},
		{"term=" + strings.Repeat("x", 101), 400, "InputError", "The term length exceeds the maximum length of 100 characters."},
		{"term=x&pageCursor=!!", 400, "InputError", `Invalid page cursor "!!"`},
		{"term=x&pageLimit=500", 400, "InputError", "The page limit 500 is greater than 100"},
		{"term=x&pageLimit=abc", 400, "InputError", `pageLimit must be an integer, got "abc"`},
		{"term[a]=x", 400, "InputError", "term must be a single string, got an object"},
		{"term=x&filters=kind", 400, "InputError", "filters must be an object, as filters[field]=value"},
		{"term=x&filters[kind][a]=b", 400, "InputError", "filters[kind] must be a value or a list of values"},
		{"term=x&types[0]=software-template", 400, "MissingIndexError",
			"Missing index for software-template. This could be because the index hasn't been created yet or there was a problem during index creation."},
	}
	for _, tt := range tests {
		res := f.get(t, "/api/search/query?"+tt.query)
		wantError(t, res, tt.status, tt.name, tt.message)
	}
	var body struct {
		Request struct {
			URL string `json:"url"`
		} `json:"request"`
	}
	res := f.get(t, "/api/search/query?term=x&types[0]=nope")
	decode(t, res, &body)
	if body.Request.URL != "/query?term=x&types[0]=nope" {
		t.Errorf("request url %q", body.Request.URL)
	}
}

// brokenEngine fails every search.
type brokenEngine struct{ search.Engine }

func (brokenEngine) Search(context.Context, *search.EngineQuery) (*search.EngineResult, error) {
	return nil, errors.New("index is on fire: /var/lib/callboard")
}

func TestSearchEngineFailure(t *testing.T) {
	f := newSearchFixture(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	svc, err := search.NewService(search.ServiceOptions{Engine: brokenEngine{f.engine}, Types: []string{search.TypeCatalog},
		Access: func(context.Context) (search.Access, error) { return search.AccessAll, nil }, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	f.api = &apiClient{handler: New(Options{Search: svc, Logger: log}), validator: f.api.validator}
	res := f.get(t, "/api/search/query?term=x")
	wantError(t, res, 500, "Error", "There was a problem performing the search query")
	if strings.Contains(string(res.body), "fire") {
		t.Errorf("the engine's error reached the caller: %s", res.body)
	}
	if !strings.Contains(logs.String(), "fire") {
		t.Errorf("the engine's error was not logged: %s", logs.String())
	}
}

// searchRolesCovered lists the search routes whose permission handling
// TestSearchPermissions checks here (the Service applies the caller's
// access inside the query) and the app checks end to end with the
// policy's decisions (internal/app search tests).
func searchRolesCovered() []string {
	return []string{"GET " + searchMount + "/query", "GET " + searchMount + "/suggest"}
}

func TestSearchPermissions(t *testing.T) {
	f := newSearchFixture(t)
	f.access = search.Access{Cond: &search.Condition{Rule: search.RuleOwner, Values: []string{"group:default/team-b"}}}
	var body searchBody
	decode(t, f.get(t, "/api/search/query?term=payments"), &body)
	if diff := cmp.Diff([]string{"Payments OpenAPI", "Payments worker"}, sortedCopy(body.titles())); diff != "" {
		t.Errorf("owned by team-b (-want +got):\n%s", diff)
	}
	decode(t, f.get(t, "/api/search/suggest?prefix=pay"), &body)
	if diff := cmp.Diff([]string{"Payments OpenAPI", "Payments worker"}, sortedCopy(body.titles())); diff != "" {
		t.Errorf("suggestions owned by team-b (-want +got):\n%s", diff)
	}
	f.access = search.Access{Deny: true}
	for _, target := range []string{"/api/search/query?term=payments", "/api/search/suggest?prefix=pay"} {
		decode(t, f.get(t, target), &body)
		if len(body.Results) != 0 {
			t.Errorf("denied %s: %v", target, body.titles())
		}
	}
}

func TestSearchSuggest(t *testing.T) {
	f := newSearchFixture(t)
	var body searchBody
	res := f.get(t, "/api/search/suggest?prefix=pay&limit=3")
	decode(t, res, &body)
	if res.status != 200 || len(body.Results) != 3 || body.Results[0].Document["title"] != "Payments" || body.Results[0].Highlight == nil {
		t.Errorf("suggest: %d %s", res.status, res.body)
	}
	decode(t, f.get(t, "/api/search/suggest?prefix=p"), &body)
	if len(body.Results) != 0 {
		t.Errorf("one character: %v", body.titles())
	}
	wantError(t, f.get(t, "/api/search/suggest?prefix=pay&limit=0"), 400, "InputError", `limit must be a positive integer, got "0"`)
}

func TestSearchOff(t *testing.T) {
	rec := &recorder{header: http.Header{}}
	req, _ := http.NewRequest("GET", "http://callboard.test/api/search/query?term=x", nil)
	New(Options{}).ServeHTTP(rec, req)
	if rec.status != 404 || rec.body.Len() != 0 {
		t.Errorf("search off: %d %s", rec.status, rec.body.String())
	}
}
