package publish

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// call is one API request as the fake forge saw it.
type call struct {
	Method string
	// Path is the request URI: path and query.
	Path string
	Auth string
	// Body is the decoded JSON body; nil when there is none.
	Body any
}

// answer makes the reply to an API request from its decoded body.
type answer func(body any) (status int, reply any)

// fakeForge is an httptest server that answers a forge's API routes the
// test registers, records every API request, and serves bare git
// repositories under /git/ with git http-backend.
type fakeForge struct {
	srv  *httptest.Server
	git  *gitServer
	mu   sync.Mutex
	seen []call
	// routes maps "METHOD /request/uri" to the answer.
	routes map[string]answer
}

func newFakeForge(t *testing.T) *fakeForge {
	t.Helper()
	f := &fakeForge{git: newGitServer(t, "/git"), routes: map[string]answer{}}
	mux := http.NewServeMux()
	mux.Handle("/git/", f.git)
	mux.HandleFunc("/", f.serveAPI)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// host is the server's host:port, the integration host in tests.
func (f *fakeForge) host() string { return strings.TrimPrefix(f.srv.URL, "http://") }

// on registers a fixed reply for "METHOD /uri".
func (f *fakeForge) on(route string, status int, reply any) {
	f.onFunc(route, func(any) (int, any) { return status, reply })
}

func (f *fakeForge) onFunc(route string, a answer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[route] = a
}

func (f *fakeForge) serveAPI(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var body any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &body); err != nil {
			body = "not JSON: " + string(raw)
		}
	}
	auth := r.Header.Get("Authorization")
	if auth == "" && r.Header.Get("Private-Token") != "" {
		auth = "PRIVATE-TOKEN " + r.Header.Get("Private-Token")
	}
	f.mu.Lock()
	f.seen = append(f.seen, call{Method: r.Method, Path: r.URL.RequestURI(), Auth: auth, Body: body})
	a, ok := f.routes[r.Method+" "+r.URL.RequestURI()]
	f.mu.Unlock()
	status, reply := http.StatusNotFound, any(map[string]any{"message": "Not Found"})
	if ok {
		status, reply = a(body)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if reply != nil && status != http.StatusNoContent {
		_ = json.NewEncoder(w).Encode(reply)
	}
}

// calls returns the API requests seen so far.
func (f *fakeForge) calls() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.seen...)
}
