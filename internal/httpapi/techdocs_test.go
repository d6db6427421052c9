package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
)

func TestStaticContentType(t *testing.T) {
	plain := "text/plain; charset=utf-8"
	tests := map[string]string{
		".html":        plain,
		".HTM":         plain,
		".xhtml":       plain,
		".xml":         plain,
		".svg":         plain,
		".xsl":         plain,
		".appcache":    plain,
		".webmanifest": plain,
		".vtt":         plain,
		"":             plain,
		".bin":         plain,
		".css":         "text/css; charset=utf-8",
		".js":          "application/javascript; charset=utf-8",
		".json":        "application/json; charset=utf-8",
		".png":         "image/png",
		".JPG":         "image/jpeg",
		".woff2":       "font/woff2",
		".pdf":         "application/pdf",
		".txt":         plain,
	}
	for ext, want := range tests {
		if got := staticContentType(ext); got != want {
			t.Errorf("staticContentType(%q) = %q, want %q", ext, got, want)
		}
	}
}

func TestEtagMatches(t *testing.T) {
	tests := []struct {
		header, etag string
		want         bool
	}{
		{"", `"a"`, false},
		{`"a"`, `"a"`, true},
		{`W/"a"`, `"a"`, true},
		{`"b", "a"`, `"a"`, true},
		{`"b"`, `"a"`, false},
		{"*", `"a"`, true},
	}
	for _, tt := range tests {
		if got := etagMatches(tt.header, tt.etag); got != tt.want {
			t.Errorf("etagMatches(%q, %q) = %v", tt.header, tt.etag, got)
		}
	}
}

func TestTechdocsRef(t *testing.T) {
	if got := techdocsRef(entity.Ref{Kind: "Component", Namespace: "Default", Name: "Harbour-Tides"}); got != "component:default/Harbour-Tides" {
		t.Errorf("techdocsRef = %q", got)
	}
}

// oneEntity is a catalog holding one entity.
type oneEntity struct {
	CatalogReader
	raw json.RawMessage
}

func (o oneEntity) EntityByRef(_ context.Context, ref entity.Ref) (json.RawMessage, error) {
	if ref.Canonical() == (entity.Ref{Kind: "component", Namespace: "default", Name: "tides"}) {
		return o.raw, nil
	}
	return nil, problem.NotFound("No entity named '%s' found", ref.Name)
}

// syncingDocs answers Sync with log lines and a result.
type syncingDocs struct {
	TechDocs
	lines   []string
	updated bool
	err     error
}

func (s syncingDocs) Sync(_ context.Context, _ *entity.Entity, logf func(string)) (bool, error) {
	for _, l := range s.lines {
		logf(l)
	}
	return s.updated, s.err
}

func TestTechdocsSyncStream(t *testing.T) {
	raw := json.RawMessage(`{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"tides","namespace":"default","uid":"u1"}}`)
	tests := []struct {
		name string
		docs syncingDocs
		want string
	}{
		{"built", syncingDocs{lines: []string{"Preparing docs source", `say "hi"`}, updated: true},
			"event: log\ndata: \"Preparing docs source\"\n\nevent: log\ndata: \"say \\\"hi\\\"\"\n\nevent: finish\ndata: {\"updated\":true}\n\n"},
		{"failed", syncingDocs{lines: []string{"Generating docs"}, err: problem.Input("build docs: index.md:3: bad")},
			"event: log\ndata: \"Generating docs\"\n\nevent: error\ndata: \"build docs: index.md:3: bad\"\n\n"},
	}
	for _, tt := range tests {
		h := New(Options{Reader: oneEntity{raw: raw}, TechDocs: tt.docs})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/techdocs/sync/default/Component/tides", nil))
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/event-stream" || rec.Body.String() != tt.want {
			t.Errorf("%s: %d %q\n%s", tt.name, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
	}
	// Without TechDocs the routes are unknown.
	rec := httptest.NewRecorder()
	New(Options{Reader: oneEntity{raw: raw}}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/techdocs/sync/default/component/tides", nil))
	if rec.Code != http.StatusNotFound || rec.Body.Len() != 0 {
		t.Errorf("without TechDocs: %d %q", rec.Code, rec.Body)
	}
}
