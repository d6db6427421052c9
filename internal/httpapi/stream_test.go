package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog"
)

// pagedReader serves QueryEntities from fixed pages chained by cursors
// "1", "2", ... and records the requests. Every other reader method is left
// to the nil embedded interface: calling one fails the test with a panic.
type pagedReader struct {
	CatalogReader
	pages [][]json.RawMessage
	// before, when set, runs before page i is served; an error fails it.
	before func(i int) error

	mu   sync.Mutex
	reqs []catalog.QueryRequest
}

func (p *pagedReader) QueryEntities(ctx context.Context, req catalog.QueryRequest) (*catalog.QueryResult, error) {
	p.mu.Lock()
	p.reqs = append(p.reqs, req)
	p.mu.Unlock()
	i := 0
	if req.Cursor != "" {
		i = int(req.Cursor[0] - '0')
	}
	if p.before != nil {
		if err := p.before(i); err != nil {
			return nil, err
		}
	}
	res := &catalog.QueryResult{Items: p.pages[i]}
	if i+1 < len(p.pages) {
		res.NextCursor = string(rune('0' + i + 1))
	}
	return res, nil
}

func rawItems(ss ...string) []json.RawMessage {
	out := make([]json.RawMessage, len(ss))
	for i, s := range ss {
		out[i] = json.RawMessage(s)
	}
	return out
}

func TestStreamEntitiesPages(t *testing.T) {
	reader := &pagedReader{pages: [][]json.RawMessage{
		rawItems(`{"metadata":{"name":"a"}}`, `{"metadata":{"name":"b"}}`),
		rawItems(`{"metadata":{"name":"c"}}`),
		rawItems(),
	}}
	srv := httptest.NewServer(New(Options{Reader: reader}))
	defer srv.Close()

	res, err := http.Get(srv.URL + "/api/catalog/entities?filter=kind=component&fields=metadata.name&order=desc:metadata.name&order=asc:kind")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	want := `[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}},{"metadata":{"name":"c"}}]`
	if string(body) != want {
		t.Errorf("body = %s, want %s", body, want)
	}
	if res.Header.Get("Link") != "" {
		t.Errorf("unexpected Link header on an unpaged list: %s", res.Header.Get("Link"))
	}

	size := streamPageSize
	filter, _ := catalog.ParseFilterParams([]string{"kind=component"})
	wantReqs := []catalog.QueryRequest{
		{Filter: filter, Fields: []string{"metadata.name"}, Order: &catalog.Order{Field: "metadata.name", Desc: true}, Limit: &size, SkipTotal: true},
		{Cursor: "1", Fields: []string{"metadata.name"}, Limit: &size, SkipTotal: true},
		{Cursor: "2", Fields: []string{"metadata.name"}, Limit: &size, SkipTotal: true},
	}
	if diff := cmp.Diff(wantReqs, reader.reqs); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// TestStreamEntitiesWritesAsItGoes holds the second page back until the
// client has read the first page's items: only a streamed response lets
// that finish.
func TestStreamEntitiesWritesAsItGoes(t *testing.T) {
	firstRead := make(chan struct{})
	reader := &pagedReader{
		pages: [][]json.RawMessage{rawItems(`{"n":1}`), rawItems(`{"n":2}`)},
		before: func(i int) error {
			if i != 1 {
				return nil
			}
			select {
			case <-firstRead:
				return nil
			case <-time.After(5 * time.Second):
				t.Error("the client never saw the first page before the second was fetched")
				return errors.New("not streamed")
			}
		},
	}
	srv := httptest.NewServer(New(Options{Reader: reader}))
	defer srv.Close()

	res, err := http.Get(srv.URL + "/api/catalog/entities")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	head := make([]byte, len(`[{"n":1}`))
	if _, err := io.ReadFull(br, head); err != nil {
		t.Fatalf("read first page: %v", err)
	}
	close(firstRead)
	rest, _ := io.ReadAll(br)
	if got := string(head) + string(rest); got != `[{"n":1},{"n":2}]` {
		t.Errorf("body = %s", got)
	}
}

func TestStreamEntitiesFailureCutsResponse(t *testing.T) {
	reader := &pagedReader{
		pages: [][]json.RawMessage{rawItems(`{"n":1}`), rawItems(`{"n":2}`)},
		before: func(i int) error {
			if i == 1 {
				return errors.New("database went away")
			}
			return nil
		},
	}
	srv := httptest.NewServer(New(Options{Reader: reader}))
	defer srv.Close()

	res, err := http.Get(srv.URL + "/api/catalog/entities")
	if err != nil {
		return // cut before the headers: the client sees the failure
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err == nil && json.Valid(body) {
		t.Errorf("a failed stream ended as valid JSON %s; the client cannot tell it is incomplete", body)
	}
}

func TestStreamEntitiesFirstPageErrorIsErrorBody(t *testing.T) {
	reader := &pagedReader{
		pages:  [][]json.RawMessage{rawItems()},
		before: func(int) error { return errors.New("no database") },
	}
	w := httptest.NewRecorder()
	New(Options{Reader: reader}).ServeHTTP(w, httptest.NewRequest("GET", "/api/catalog/entities", nil))
	want := `{"error":{"name":"Error","message":"Internal server error"},"request":{"method":"GET","url":"/entities"},"response":{"statusCode":500}}`
	if w.Code != 500 || w.Body.String() != want {
		t.Errorf("got %d %s", w.Code, w.Body.String())
	}
}
