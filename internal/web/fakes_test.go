package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
)

// fakeCatalog answers facet requests with fixed counts.
type fakeCatalog struct {
	kinds []catalog.FacetCount
	err   error
}

func (f *fakeCatalog) Facets(_ context.Context, req catalog.FacetsRequest) (map[string][]catalog.FacetCount, error) {
	if f.err != nil {
		return nil, f.err
	}
	return map[string][]catalog.FacetCount{"kind": f.kinds}, nil
}

// fakeUnprocessed serves fixed lists and records deletions and queries.
type fakeUnprocessed struct {
	lists   map[catalog.UnprocessedReason][]catalog.UnprocessedEntry
	queries []catalog.UnprocessedQuery
	deleted []string
	err     error
}

func (f *fakeUnprocessed) List(_ context.Context, q catalog.UnprocessedQuery) ([]catalog.UnprocessedEntry, error) {
	f.queries = append(f.queries, q)
	if f.err != nil {
		return nil, f.err
	}
	var out []catalog.UnprocessedEntry
	for _, e := range f.lists[q.Reason] {
		if q.Owner != "" && !strings.Contains(string(e.UnprocessedEntity), `"owner":"`+q.Owner+`"`) {
			continue
		}
		out = append(out, e)
	}
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

func (f *fakeUnprocessed) Delete(_ context.Context, id string) error {
	f.deleted = append(f.deleted, id)
	return f.err
}

var fixedTime = time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)

// sampleUnprocessed is a failed list with the cases the page distinguishes:
// a Location whose file does not parse (file and line known), an entity
// that fails validation with a cause, read from a URL, and one whose
// earlier version is still served.
func sampleUnprocessed() *fakeUnprocessed {
	yamlErr := catalog.UnprocessedEntry{
		EntityID:          "0b6f7d1e-1111-4f8e-9c51-000000000001",
		EntityRef:         "location:default/generated-3f2a",
		UnprocessedEntity: json.RawMessage(`{"kind":"Location","metadata":{"name":"generated-3f2a","annotations":{"backstage.io/managed-by-location":"file:/srv/catalog/all.yaml"}},"spec":{"target":"./broken.yaml"}}`),
		Errors: []entity.SerializedError{{
			Name:    "Error",
			Message: "YAML error at file:/srv/catalog/broken.yaml, did not find expected ',' or ']' (while parsing a flow sequence) at line 6, column 5",
		}},
		LocationKey:     "file:/srv/catalog/all.yaml",
		NextUpdateAt:    fixedTime.Add(100 * time.Second),
		LastDiscoveryAt: fixedTime,
	}
	invalid := catalog.UnprocessedEntry{
		EntityID:          "0b6f7d1e-1111-4f8e-9c51-000000000002",
		EntityRef:         "component:default/fares-engine",
		UnprocessedEntity: json.RawMessage(`{"kind":"Component","metadata":{"name":"fares-engine","annotations":{"backstage.io/managed-by-location":"url:https://git.example.com/fares/blob/main/catalog-info.yaml"}},"spec":{"type":"service","owner":"team-fares"}}`),
		Errors: []entity.SerializedError{{
			Name:    "InputError",
			Message: "Policy check failed for component:default/fares-engine; caused by Error: /spec must have required property 'lifecycle'",
			Cause:   &entity.SerializedError{Name: "Error", Message: "/spec must have required property 'lifecycle'"},
		}},
		LocationKey:     "url:https://git.example.com/fares/blob/main/catalog-info.yaml",
		NextUpdateAt:    fixedTime.Add(time.Hour),
		LastDiscoveryAt: fixedTime.Add(-time.Hour),
	}
	regressed := catalog.UnprocessedEntry{
		EntityID:          "0b6f7d1e-1111-4f8e-9c51-000000000003",
		EntityRef:         "component:default/<seat-allocator>",
		UnprocessedEntity: json.RawMessage(`{"kind":"Component","metadata":{"name":"seat-allocator"},"spec":{"owner":"team-seats"}}`),
		ProcessedEntity:   json.RawMessage(`{"kind":"Component"}`),
		Errors: []entity.SerializedError{
			{Name: "NotFoundError", Message: "Unable to read url, 404 Not Found"},
			{Name: "Error", Message: "second failure"},
		},
		LocationKey:     "file:/srv/catalog/seats.yaml",
		NextUpdateAt:    fixedTime,
		LastDiscoveryAt: fixedTime,
	}
	waiting := catalog.UnprocessedEntry{
		EntityID:          "0b6f7d1e-1111-4f8e-9c51-000000000004",
		EntityRef:         "group:default/team-fares",
		UnprocessedEntity: json.RawMessage(`{"kind":"Group","metadata":{"name":"team-fares"},"spec":{"type":"team"}}`),
		Errors:            []entity.SerializedError{},
		LocationKey:       "file:/srv/catalog/org.yaml",
		NextUpdateAt:      fixedTime,
		LastDiscoveryAt:   fixedTime,
	}
	return &fakeUnprocessed{lists: map[catalog.UnprocessedReason][]catalog.UnprocessedEntry{
		catalog.UnprocessedFailed:  {invalid, yamlErr, regressed},
		catalog.UnprocessedPending: {invalid, waiting},
	}}
}

// testSite builds the UI over fakes, with the embedded templates and
// static files as production serves them.
func testSite(t testing.TB, cat *fakeCatalog, un *fakeUnprocessed, mods ...func(*Options)) http.Handler {
	t.Helper()
	o := Options{
		Catalog:     cat,
		Unprocessed: un,
		Logger:      slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		BaseURL:     "https://portal.example.com",
	}
	for _, m := range mods {
		m(&o)
	}
	return New(o)
}

type testLog struct{ t testing.TB }

func (w testLog) Write(b []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// send sends a request and returns the recorded response.
func send(t testing.TB, h http.Handler, method, target string, form url.Values, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
