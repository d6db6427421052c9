package forgetest

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

// Request is a request the server received.
type Request struct {
	Method string
	// Path is the escaped path, as sent.
	Path string
	// Query is the raw query, as sent.
	Query  string
	Header http.Header
	Body   string
}

// Line returns "METHOD path?query".
func (r Request) Line() string {
	if r.Query == "" {
		return r.Method + " " + r.Path
	}
	return r.Method + " " + r.Path + "?" + r.Query
}

// PathBelow returns the unescaped segments of r's path after prefix, as
// a fake forge routes them; ok is false when the path does not start
// with prefix.
func PathBelow(r *http.Request, prefix string) (segs []string, ok bool) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), prefix)
	if !ok {
		return nil, false
	}
	segs = strings.Split(rest, "/")
	for i, s := range segs {
		segs[i], _ = url.PathUnescape(s)
	}
	return segs, true
}

// Server is an httptest server that records every request before handing
// it to its handler.
type Server struct {
	*httptest.Server
	mu      sync.Mutex
	reqs    []Request
	handler http.Handler
}

// NewServer starts a recording server closed when the test ends.
func NewServer(t testing.TB, h http.Handler) *Server {
	s := &Server{handler: h}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.mu.Lock()
		s.reqs = append(s.reqs, Request{
			Method: r.Method,
			Path:   r.URL.EscapedPath(),
			Query:  r.URL.RawQuery,
			Header: r.Header.Clone(),
			Body:   string(body),
		})
		h := s.handler
		s.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// SetHandler replaces the handler, e.g. to make the forge fail.
func (s *Server) SetHandler(h http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handler = h
}

// Requests returns the requests received so far and forgets them.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.reqs
	s.reqs = nil
	return out
}

// Lines returns the request lines received so far, sorted (requests made
// concurrently arrive in any order), and forgets them.
func (s *Server) Lines() []string {
	var out []string
	for _, r := range s.Requests() {
		out = append(out, r.Line())
	}
	sort.Strings(out)
	return out
}

// Tree is the files of one commit: path (without a leading slash) to
// content.
type Tree map[string]string

// Commit is a stable fake commit SHA for the tree's content.
func (t Tree) Commit() string {
	h := sha1.New()
	for _, p := range t.Paths() {
		io.WriteString(h, p+"\x00"+t[p]+"\x00")
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Paths returns the file paths, sorted.
func (t Tree) Paths() []string {
	out := make([]string, 0, len(t))
	for p := range t {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// Dirs returns every directory holding a file, sorted, without "".
func (t Tree) Dirs() []string {
	seen := map[string]bool{}
	for p := range t {
		for i := strings.LastIndex(p, "/"); i > 0; i = strings.LastIndex(p[:i], "/") {
			seen[p[:i]] = true
		}
	}
	out := make([]string, 0, len(seen))
	for d := range seen {
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}

// BlobSHA is a fake blob SHA of content.
func BlobSHA(content string) string {
	sum := sha1.Sum([]byte("blob\x00" + content))
	return hex.EncodeToString(sum[:])
}

// ETag is the quoted ETag a fake forge sends for content.
func ETag(content string) string { return `"` + BlobSHA(content) + `"` }

// ServeFile answers with content and its ETag, or 304 when the request's
// If-None-Match names that ETag, as the forges do.
func ServeFile(w http.ResponseWriter, r *http.Request, content string) {
	etag := ETag(content)
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, content)
}

// JSON writes body as a JSON answer with the given status.
func JSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}
