package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"testing"

	"github.com/callboard/callboard/internal/auth"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/search"
)

// fakeSearch answers with fixed results and records what it was asked,
// and by whom.
type fakeSearch struct {
	resp    *search.Response
	suggest []search.Result
	err     error

	mu       sync.Mutex
	requests []search.Request
	prefixes []string
	callers  []string
}

var _ Searcher = (*fakeSearch)(nil)

func (f *fakeSearch) caller(ctx context.Context) {
	who := ""
	if id, ok := auth.IdentityFrom(ctx); ok {
		who = id.UserEntityRef
	}
	f.callers = append(f.callers, who)
}

func (f *fakeSearch) Query(ctx context.Context, req search.Request) (*search.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, req)
	f.caller(ctx)
	if f.err != nil {
		return nil, f.err
	}
	if f.resp == nil {
		return &search.Response{Results: []search.Result{}}, nil
	}
	return f.resp, nil
}

func (f *fakeSearch) Suggest(ctx context.Context, prefix string, n int) ([]search.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.prefixes = append(f.prefixes, prefix)
	f.caller(ctx)
	if f.err != nil {
		return nil, f.err
	}
	if len(f.suggest) > n {
		return f.suggest[:n], nil
	}
	return f.suggest, nil
}

func (f *fakeSearch) Types() []string {
	return []string{search.TypeCatalog, search.TypeTechDocs, search.TypeTemplate}
}

// doc encodes a document's fields.
func doc(t testing.TB, fields map[string]any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hl is a highlight with the engines' tags.
func hl(fields map[string]string) *search.Highlight {
	return &search.Highlight{PreTag: search.PreTag, PostTag: search.PostTag, Fields: fields}
}

// sampleSearchResults are a page of results of each type, with
// highlights, one holding markup that must come out escaped.
func sampleSearchResults(t testing.TB) []search.Result {
	t.Helper()
	return []search.Result{
		{Type: search.TypeCatalog, Rank: 1, Document: doc(t, map[string]any{
			"title": "booking-service", "text": "Books <b>ferry</b> crossings.", "location": "/catalog/default/component/booking-service",
			"kind": "Component", "type": "service", "componentType": "service", "lifecycle": "production", "owner": "harbour", "namespace": "default",
		}), Highlight: hl(map[string]string{"title": "<>booking</>-service", "text": "Books <b>ferry</b> <>crossings</>.<script>alert(1)</script>"})},
		{Type: search.TypeTechDocs, Rank: 2, Document: doc(t, map[string]any{
			"title": "Timetables", "text": "How the booking service reads the timetables of each route, and why.", "location": "/docs/default/component/booking-service/timetables/",
			"kind": "component", "namespace": "default", "name": "booking-service", "entityTitle": "Booking service", "owner": "group:default/harbour",
			"lifecycle": "production", "type": "service", "path": "timetables/",
		}), Highlight: hl(map[string]string{"text": "How the <>booking</> service reads the timetables"})},
		{Type: search.TypeTemplate, Rank: 3, Document: doc(t, map[string]any{
			"title": "Booking widget", "text": "A widget for booking pages.", "location": "/create/templates/default/booking-widget",
			"kind": "Template", "type": "website", "owner": "lighthouse", "namespace": "ops", "tags": []any{"web"},
		})},
	}
}

// searchSite builds the search pages over fakes.
func searchSite(t testing.TB, svc Searcher, cat *fakeCatalog) http.Handler {
	t.Helper()
	return NewSearch(SearchOptions{
		Search:     svc,
		Catalog:    cat,
		Logger:     slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		PartBudget: 5 * 1e9,
	})
}

var errBadTerm = problem.Input("The term length exceeds the maximum length of 100 characters.")
