package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog"
)

// streamReader serves StreamEntities from a fixed list and records the
// request. before, when set, runs before item i is emitted; an error stops
// the stream. Every other reader method is left to the nil embedded
// interface: calling one fails the test with a panic.
type streamReader struct {
	CatalogReader
	items  []json.RawMessage
	before func(i int) error
	req    catalog.ListRequest
}

func (sr *streamReader) StreamEntities(ctx context.Context, req catalog.ListRequest, emit func(json.RawMessage) error) error {
	sr.req = req
	for i, it := range sr.items {
		if sr.before != nil {
			if err := sr.before(i); err != nil {
				return err
			}
		}
		if err := emit(it); err != nil {
			return err
		}
	}
	if sr.before != nil {
		return sr.before(len(sr.items))
	}
	return nil
}

func rawItems(ss ...string) []json.RawMessage {
	out := make([]json.RawMessage, len(ss))
	for i, s := range ss {
		out[i] = json.RawMessage(s)
	}
	return out
}

func TestStreamEntities(t *testing.T) {
	tests := []struct {
		name  string
		query string
		items []json.RawMessage
		want  string
		req   catalog.ListRequest
	}{
		{
			name:  "several",
			query: "?filter=kind=component&fields=metadata.name&order=desc:metadata.name&order=asc:kind",
			items: rawItems(`{"metadata":{"name":"c"}}`, `{"metadata":{"name":"b"}}`, `{"metadata":{"name":"a"}}`),
			want:  `[{"metadata":{"name":"c"}},{"metadata":{"name":"b"}},{"metadata":{"name":"a"}}]`,
			req: catalog.ListRequest{
				Filter: mustFilter(t, "kind=component"),
				Fields: []string{"metadata.name"},
				Order:  []catalog.Order{{Field: "metadata.name", Desc: true}, {Field: "kind"}},
			},
		},
		{name: "none", items: nil, want: `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reader := &streamReader{items: tt.items}
			w := httptest.NewRecorder()
			New(Options{Reader: reader}).ServeHTTP(w, httptest.NewRequest("GET", "/api/catalog/entities"+tt.query, nil))
			if w.Code != 200 || w.Body.String() != tt.want {
				t.Errorf("got %d %s, want 200 %s", w.Code, w.Body.String(), tt.want)
			}
			if w.Header().Get("Link") != "" {
				t.Errorf("Link header on an unpaged list: %s", w.Header().Get("Link"))
			}
			if diff := cmp.Diff(tt.req, reader.req); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}
}

func mustFilter(t *testing.T, sets ...string) *catalog.Predicate {
	t.Helper()
	p, err := catalog.ParseFilterParams(sets)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestStreamEntitiesWritesAsItGoes holds the last item back until the
// client has read the first ones: only a streamed response lets that
// finish. The items are larger than the server's write buffer, which is
// what bounds memory for a large catalog.
func TestStreamEntitiesWritesAsItGoes(t *testing.T) {
	big := `{"pad":"` + strings.Repeat("x", 8<<10) + `"}`
	firstRead := make(chan struct{})
	reader := &streamReader{
		items: rawItems(big, big, `{"last":true}`),
		before: func(i int) error {
			if i != 2 {
				return nil
			}
			select {
			case <-firstRead:
				return nil
			case <-time.After(5 * time.Second):
				t.Error("the client never saw the first items before the last was produced")
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
	head := make([]byte, 1+len(big))
	if _, err := io.ReadFull(res.Body, head); err != nil {
		t.Fatalf("read first item: %v", err)
	}
	close(firstRead)
	rest, _ := io.ReadAll(res.Body)
	if got, want := string(head)+string(rest), "["+big+","+big+`,{"last":true}]`; got != want {
		t.Errorf("body of %d bytes, want %d", len(got), len(want))
	}
}

func TestStreamEntitiesLateFailureCutsResponse(t *testing.T) {
	big := `{"pad":"` + strings.Repeat("x", 8<<10) + `"}`
	reader := &streamReader{
		items: rawItems(big, big),
		before: func(i int) error {
			if i == 2 {
				return errors.New("database went away")
			}
			return nil
		},
	}
	srv := httptest.NewServer(New(Options{Reader: reader}))
	defer srv.Close()

	res, err := http.Get(srv.URL + "/api/catalog/entities")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	body, err := io.ReadAll(res.Body)
	if err == nil && json.Valid(body) {
		t.Errorf("a failed stream ended as valid JSON of %d bytes; the client cannot tell it is incomplete", len(body))
	}
}

func TestStreamEntitiesEarlyFailureIsErrorBody(t *testing.T) {
	reader := &streamReader{before: func(int) error { return errors.New("no database") }}
	w := httptest.NewRecorder()
	New(Options{Reader: reader}).ServeHTTP(w, httptest.NewRequest("GET", "/api/catalog/entities", nil))
	want := `{"error":{"name":"Error","message":"Internal server error"},"request":{"method":"GET","url":"/entities"},"response":{"statusCode":500}}`
	if w.Code != 500 || w.Body.String() != want {
		t.Errorf("got %d %s", w.Code, w.Body.String())
	}
}
