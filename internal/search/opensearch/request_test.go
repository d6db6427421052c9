package opensearch

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/search"
)

// fakeCluster records requests and answers from a table of canned
// responses by "METHOD path".
type fakeCluster struct {
	mu       sync.Mutex
	requests []string
	bodies   map[string]string
	answers  map[string]string
}

func (f *fakeCluster) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	key := r.Method + " " + r.URL.Path
	f.mu.Lock()
	f.requests = append(f.requests, key)
	f.bodies[key] = string(b)
	ans, ok := f.answers[key]
	if !ok {
		for k, v := range f.answers {
			if p, found := strings.CutSuffix(k, "*"); found && strings.HasPrefix(key, p) {
				ans, ok = v, true
			}
		}
	}
	f.mu.Unlock()
	if user, pass, ok := r.BasicAuth(); !ok || user != "elastic" || pass != "secret" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":"not found"}`)
		return
	}
	io.WriteString(w, ans)
}

func newFake(t *testing.T, answers map[string]string) (*Engine, *fakeCluster) {
	t.Helper()
	f := &fakeCluster{bodies: map[string]string{}, answers: answers}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	e, err := New(Options{URL: srv.URL, Username: "elastic", Password: "secret", IndexPrefix: "cb"})
	if err != nil {
		t.Fatal(err)
	}
	return e, f
}

func TestNewChecksTheURL(t *testing.T) {
	for _, u := range []string{"", "localhost:9200", "ftp://x", "http://"} {
		if _, err := New(Options{URL: u}); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
}

func TestTypesFromAliases(t *testing.T) {
	e, f := newFake(t, map[string]string{
		"GET /_alias/cb-*": `{"cb-software-catalog-1":{"aliases":{"cb-software-catalog":{}}},"cb-techdocs-2":{"aliases":{"cb-techdocs":{}}},"cb-techdocs-3":{"aliases":{}}}`,
	})
	types, err := e.Types(context.Background())
	if err != nil || !cmp.Equal(types, []string{"software-catalog", "techdocs"}) {
		t.Errorf("Types = %v, %v", types, err)
	}
	if f.requests[0] != "GET /_alias/cb-*" {
		t.Errorf("requests: %v", f.requests)
	}
	e, _ = newFake(t, map[string]string{})
	if types, err := e.Types(context.Background()); err != nil || len(types) != 0 {
		t.Errorf("no aliases: %v, %v", types, err)
	}
}

func TestSearchRequest(t *testing.T) {
	doc := `{"title":"Payments API","text":"Takes payments","location":"/x"}`
	e, f := newFake(t, map[string]string{
		"GET /_alias/cb-*":                  `{"cb-software-catalog-1":{"aliases":{"cb-software-catalog":{}}}}`,
		"POST /cb-software-catalog/_search": `{"hits":{"total":{"value":12},"hits":[{"_source":{"type":"software-catalog","res_ref":"component:default/payments-api","document":` + doc + `}}]}}`,
	})
	q := search.EngineQuery{
		Types:   []string{search.TypeCatalog, search.TypeTechDocs},
		Query:   search.ParseQuery(`payments -legacy "rest api" obs*`),
		Filters: []search.Filter{{Field: "kind", Values: []string{"component"}}},
		Access:  &search.Condition{Rule: search.RuleOwner, Values: []string{"group:default/a"}},
		Offset:  25, Limit: 26,
	}
	res, err := e.Search(context.Background(), &q)
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 12 || len(res.Hits) != 1 || res.Hits[0].ResourceRef != "component:default/payments-api" ||
		res.Hits[0].Highlight["title"] != "<>Payments</> <>API</>" {
		t.Errorf("result: %+v", res)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(f.bodies["POST /cb-software-catalog/_search"]), &body); err != nil {
		t.Fatal(err)
	}
	if body["from"] != 25.0 || body["size"] != 26.0 || body["track_total_hits"] != float64(search.MaxCount) {
		t.Errorf("paging: %v", body)
	}
	b := body["query"].(map[string]any)["bool"].(map[string]any)
	must, _ := json.Marshal(b["must"])
	for _, want := range []string{`"query":"payments"`, `"type":"phrase"`, `"query":"rest api"`, `"type":"phrase_prefix"`, `"query":"obs"`, `"title^10"`} {
		if !strings.Contains(string(must), want) {
			t.Errorf("must lacks %s: %s", want, must)
		}
	}
	mustNot, _ := json.Marshal(b["must_not"])
	if !strings.Contains(string(mustNot), `"query":"legacy"`) {
		t.Errorf("must_not: %s", mustNot)
	}
	filter, _ := json.Marshal(b["filter"])
	for _, want := range []string{search.MetaToken("field.kind", "component"), search.MetaToken("owner", "group:default/a")} {
		if !strings.Contains(string(filter), want) {
			t.Errorf("filter lacks %s: %s", want, filter)
		}
	}
	if b["should"] != nil {
		t.Errorf("a query with exclusions has no exact match boost: %v", b["should"])
	}
}

func TestExactAndFuzzyRequest(t *testing.T) {
	q := search.EngineQuery{Query: search.ParseQuery("Payments API"), Fuzzy: true, Limit: 5}
	raw, _ := json.Marshal(searchBody(&q))
	s := string(raw)
	for _, want := range []string{`"name_key":"payments api"`, `"title_key":"payments api"`, `"boost":1000`, `"fuzziness":"AUTO"`} {
		if !strings.Contains(s, want) {
			t.Errorf("body lacks %s: %s", want, s)
		}
	}
	browse := search.EngineQuery{Query: search.ParseQuery(""), Limit: 5}
	raw, _ = json.Marshal(searchBody(&browse))
	if !strings.Contains(string(raw), `"sort":[{"title_key":"asc"},{"doc_id":"asc"}]`) {
		t.Errorf("browse is not in title order: %s", raw)
	}
}

func TestMetaQuery(t *testing.T) {
	deny := search.Restriction(nil, &search.Condition{AnyOf: []search.Condition{}})
	raw, _ := json.Marshal(metaQuery(deny))
	if string(raw) != `{"bool":{"must_not":[{"match_all":{}}]}}` {
		t.Errorf("nothing: %s", raw)
	}
	not := search.Restriction(nil, &search.Condition{Not: &search.Condition{Rule: search.RuleKind, Values: []string{"user"}}})
	raw, _ = json.Marshal(metaQuery(not))
	want := `{"bool":{"must_not":[{"bool":{"minimum_should_match":1,"should":[{"term":{"meta":"` + search.MetaToken("kind", "user") + `"}}]}}]}}`
	if string(raw) != want {
		t.Errorf("not user:\n got %s\nwant %s", raw, want)
	}
}

func TestReplaceAndRebuildRequests(t *testing.T) {
	e, f := newFake(t, map[string]string{
		"GET /_alias/cb-techdocs":                `{"cb-techdocs-old":{"aliases":{"cb-techdocs":{}}}}`,
		"POST /_bulk":                            `{"errors":false,"items":[]}`,
		"POST /cb-techdocs-old/_delete_by_query": `{"deleted":1}`,
		"POST /_aliases":                         `{"acknowledged":true}`,
		"DELETE /cb-techdocs-old":                `{"acknowledged":true}`,
	})
	f.answers["PUT /"] = "{}"
	ctx := context.Background()
	doc := search.Document{Type: search.TypeTechDocs, ID: "component:default/x#", Group: "component:default/x", Title: "X", Location: "/docs/x"}
	if err := e.Replace(ctx, search.TypeTechDocs, []string{"component:default/x"}, []search.Document{doc}); err != nil {
		t.Fatal(err)
	}
	bulk := f.bodies["POST /_bulk"]
	if !strings.Contains(bulk, `{"index":{"_id":"component:default/x#","_index":"cb-techdocs-old"}}`) || strings.Count(bulk, "\n") != 2 {
		t.Errorf("bulk body: %s", bulk)
	}
	del := f.bodies["POST /cb-techdocs-old/_delete_by_query"]
	if !strings.Contains(del, `"terms":{"grp":["component:default/x"]}`) || !strings.Contains(del, `"ids":{"values":["component:default/x#"]}`) {
		t.Errorf("delete_by_query body: %s", del)
	}

	// A rebuild creates an index, swaps the alias in one request and
	// deletes the old index.
	f.mu.Lock()
	f.requests = nil
	f.answers["PUT /cb-techdocs-*"] = `{"acknowledged":true}`
	f.mu.Unlock()
	rb, err := e.Rebuild(ctx, search.TypeTechDocs)
	if err != nil {
		t.Fatal(err)
	}
	if err := rb.Add(ctx, []search.Document{doc}); err != nil {
		t.Fatal(err)
	}
	if err := rb.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	created := strings.TrimPrefix(f.requests[0], "PUT /")
	if !strings.HasPrefix(created, "cb-techdocs-") || created == "cb-techdocs-old" {
		t.Fatalf("requests: %v", f.requests)
	}
	if !strings.Contains(f.bodies[f.requests[0]], `"callboard_text"`) {
		t.Errorf("index settings: %s", f.bodies[f.requests[0]])
	}
	want := []string{"PUT /" + created, "POST /_bulk", "GET /_alias/cb-techdocs", "POST /_aliases", "DELETE /cb-techdocs-old"}
	if diff := cmp.Diff(want, f.requests); diff != "" {
		t.Errorf("rebuild requests (-want +got):\n%s", diff)
	}
	swap := f.bodies["POST /_aliases"]
	if !strings.Contains(swap, `{"add":{"alias":"cb-techdocs","index":"`+created+`"}}`) || !strings.Contains(swap, `{"remove":{"alias":"cb-techdocs","index":"cb-techdocs-old"}}`) {
		t.Errorf("alias swap: %s", swap)
	}
}

func TestState(t *testing.T) {
	e, f := newFake(t, map[string]string{
		"GET /cb--state/_doc/feed": `{"found":true,"_source":{"value":"42"}}`,
		"PUT /cb--state/_doc/feed": `{"result":"updated"}`,
	})
	v, ok, err := e.LoadState(context.Background(), "feed")
	if err != nil || !ok || v != "42" {
		t.Errorf("LoadState = %q %v %v", v, ok, err)
	}
	if _, ok, err := e.LoadState(context.Background(), "other"); err != nil || ok {
		t.Errorf("missing state: %v %v", ok, err)
	}
	if err := e.SaveState(context.Background(), "feed", "43"); err != nil || f.bodies["PUT /cb--state/_doc/feed"] != `{"value":"43"}` {
		t.Errorf("SaveState: %v %s", err, f.bodies["PUT /cb--state/_doc/feed"])
	}
}

func TestErrorsNameTheRequest(t *testing.T) {
	e, _ := newFake(t, map[string]string{})
	e.c.username = "wrong"
	_, err := e.Types(context.Background())
	if err == nil || !strings.Contains(err.Error(), "opensearch GET /_alias/cb-*: status 401") {
		t.Errorf("error: %v", err)
	}
}
