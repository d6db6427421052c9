package web

import (
	"context"
	"encoding/json"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/blob"
	"github.com/callboard/callboard/internal/techdocs"
	"github.com/callboard/callboard/plugin"
)

// materialSite is a site as Backstage's techdocs-cli publishes it (MkDocs
// Material), kept in the techdocs package's test data.
var materialSite = filepath.Join("..", "techdocs", "testdata", "material-site")

// docsCatalog is a small organisation: two entities with docs, one
// without, one showing another's docs.
func docsCatalog(t *testing.T) *fakeCatalog {
	t.Helper()
	mk := func(kind, name, owner string, ann map[string]string) json.RawMessage {
		e := entity.Entity{APIVersion: "backstage.io/v1alpha1", Kind: kind,
			Metadata:  entity.Metadata{Name: name, Namespace: "default", Annotations: ann, Description: "About " + name, UID: "uid-" + name},
			Spec:      map[string]any{"type": "service", "owner": owner},
			Relations: []entity.Relation{{Type: entity.RelationOwnedBy, TargetRef: "group:default/" + owner}}}
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	docs := map[string]string{entity.AnnotationTechDocsRef: "dir:."}
	return &fakeCatalog{entities: []json.RawMessage{
		mk("Component", "harbour-tides", "harbour", docs),
		mk("System", "ferry-booking", "lighthouse", docs),
		mk("Component", "no-docs", "harbour", nil),
		mk("Component", "tides-alias", "harbour", map[string]string{entity.AnnotationTechDocsEntity: "component:harbour-tides"}),
	}}
}

// statusDocs overrides the build status of a service.
type statusDocs struct {
	*techdocs.Service
	status techdocs.Status
}

func (s statusDocs) Status(entity.Ref) techdocs.Status { return s.status }

// publishedDocs publishes the MkDocs Material site as harbour-tides' docs.
func publishedDocs(t *testing.T) *techdocs.Service {
	t.Helper()
	d, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	pub := techdocs.NewPublisher(d, techdocs.PublisherOptions{})
	ref := entity.Ref{Kind: "component", Namespace: "default", Name: "harbour-tides"}
	if _, err := os.Stat(materialSite); err != nil {
		t.Fatal(err)
	}
	if _, err := pub.Publish(context.Background(), ref, materialSite); err != nil {
		t.Fatal(err)
	}
	return techdocs.NewService(pub, nil, true)
}

func testDocs(t *testing.T, svc DocsService, mermaid string) *Docs {
	t.Helper()
	return NewDocs(DocsOptions{
		Docs:          svc,
		Catalog:       docsCatalog(t),
		MermaidScript: mermaid,
		Logger:        slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
}

func wantBody(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func TestDocsReader(t *testing.T) {
	h := testDocs(t, publishedDocs(t), "")
	rec := send(t, h, http.MethodGet, "/docs/default/component/harbour-tides/getting-started/", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	wantBody(t, "getting started", body,
		"<title>Getting started · Harbour Tides · Callboard</title>",
		`<a href="/docs/default/component/harbour-tides/getting-started/" aria-current="page">Getting started</a>`,
		`<span class="docs-nav__section">Guides</span>`,
		`<li class="docs-toc__h2"><a href="#requirements">Requirements</a></li>`,
		`<li class="docs-toc__h3"><a href="#on-call">On call</a></li>`,
		`<a class="docs-pager__prev" href="/docs/default/component/harbour-tides/" rel="prev"><span class="muted">Previous</span> Home</a>`,
		`<a class="docs-pager__next" href="/docs/default/component/harbour-tides/guides/setup/" rel="next">`,
		`<div class="admonition note">`,
		`docs of <a href="/catalog/default/component/harbour-tides">harbour-tides</a>`,
		`<form class="docs-search" role="search" action="/docs/default/component/harbour-tides/" method="get">`,
	)
	if strings.Contains(body, "window.tracking") || strings.Contains(body, "bundle.js") {
		t.Error("the site's own scripts reached the page")
	}
	home := send(t, h, http.MethodGet, "/docs/default/component/harbour-tides/", nil).Body.String()
	wantBody(t, "home", home, "Last updated March 1, 2024.", `src="/docs/default/component/harbour-tides/assets/images/chart.svg"`)
	for _, bad := range []string{"onclick", "javascript:alert", `alert("injected")`} {
		if strings.Contains(home, bad) {
			t.Errorf("home keeps %q", bad)
		}
	}
}

func TestDocsRedirects(t *testing.T) {
	h := testDocs(t, publishedDocs(t), "")
	tests := []struct{ path, to string }{
		{"/docs/default/component/harbour-tides", "/docs/default/component/harbour-tides/"},
		{"/docs/default/component/harbour-tides/guides/setup", "/docs/default/component/harbour-tides/guides/setup/"},
		{"/docs/default/Component/Harbour-Tides/guides/setup/?q=x", "/docs/default/component/harbour-tides/guides/setup/?q=x"},
		{"/docs/default/component/tides-alias/getting-started/", "/docs/default/component/harbour-tides/getting-started/"},
	}
	for _, tt := range tests {
		rec := send(t, h, http.MethodGet, tt.path, nil)
		if rec.Code/100 != 3 || rec.Header().Get("Location") != tt.to {
			t.Errorf("%s: %d to %q, want a redirect to %q", tt.path, rec.Code, rec.Header().Get("Location"), tt.to)
		}
	}
}

func TestDocsSearch(t *testing.T) {
	h := testDocs(t, publishedDocs(t), "")
	rec := send(t, h, http.MethodGet, "/docs/default/component/harbour-tides/?q=tide+gauge", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	wantBody(t, "search", rec.Body.String(),
		"Search results for “tide gauge”",
		`<a href="/docs/default/component/harbour-tides/getting-started/#requirements">Requirements</a><p>A berth. An on-call rota for the tide gauges.</p>`,
		`<a href="/docs/default/component/harbour-tides/guides/setup/">Setting up</a>`,
		`value="tide gauge"`,
	)
	none := send(t, h, http.MethodGet, "/docs/default/component/harbour-tides/?q=zebra", nil).Body.String()
	wantBody(t, "empty search", none, "Nothing in these docs matches “zebra”.")
}

func TestDocsAssetsAndMissing(t *testing.T) {
	h := testDocs(t, publishedDocs(t), "")
	rec := send(t, h, http.MethodGet, "/docs/default/component/harbour-tides/assets/images/chart.svg", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/svg+xml" {
		t.Errorf("asset: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("asset policy %q", csp)
	}
	tests := []struct {
		path string
		code int
		want string
	}{
		{"/docs/default/component/harbour-tides/nope/", 404, "These docs have no page <code>nope/</code>."},
		{"/docs/default/component/harbour-tides/img/none.png", 404, "have no file img/none.png"},
		{"/docs/default/system/ferry-booking/", 404, "No docs have been published for ferry-booking yet."},
		{"/docs/default/component/nobody/", 404, "No entity named"},
		{"/docs/default/component/harbour-tides/..%2f..%2fsystem/ferry-booking/x.png", 404, ""},
	}
	for _, tt := range tests {
		rec := send(t, h, http.MethodGet, tt.path, nil)
		if rec.Code != tt.code || !strings.Contains(rec.Body.String(), tt.want) {
			t.Errorf("%s: %d, want %d with %q:\n%s", tt.path, rec.Code, tt.code, tt.want, rec.Body)
		}
	}
}

func TestDocsMermaid(t *testing.T) {
	h := testDocs(t, publishedDocs(t), "https://cdn.example.com/mermaid@11/mermaid.min.js")
	rec := send(t, h, http.MethodGet, "/docs/default/component/harbour-tides/guides/setup/", nil)
	wantBody(t, "setup", rec.Body.String(), `<script src="https://cdn.example.com/mermaid@11/mermaid.min.js" defer></script>`)
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self' https://cdn.example.com") {
		t.Errorf("policy %q", csp)
	}
	// Pages without diagrams load no script.
	rec = send(t, h, http.MethodGet, "/docs/default/component/harbour-tides/", nil)
	if strings.Contains(rec.Body.String(), "mermaid.min.js") || strings.Contains(rec.Header().Get("Content-Security-Policy"), "cdn.example.com") {
		t.Error("the diagram script is loaded on a page without diagrams")
	}
}

func TestDocsBuildStatus(t *testing.T) {
	svc := statusDocs{Service: publishedDocs(t), status: techdocs.Status{Error: "build docs: index.md:3: unclosed admonition", ErrorAt: fixedTime, Log: []string{"Generating docs", "error: bad"}}}
	h := testDocs(t, svc, "")
	body := send(t, h, http.MethodGet, "/docs/default/component/harbour-tides/", nil).Body.String()
	wantBody(t, "failed build", body, "The last docs build failed", "build docs: index.md:3: unclosed admonition", "Generating docs\nerror: bad")
}

func TestDocsIndex(t *testing.T) {
	svc := statusDocs{Service: publishedDocs(t), status: techdocs.Status{Error: "x"}}
	h := testDocs(t, svc, "")
	body := send(t, h, http.MethodGet, "/docs", nil).Body.String()
	wantBody(t, "index", body,
		"2 sites",
		`<a href="/docs/default/component/harbour-tides/">harbour-tides</a> <span class="badge badge--error">build failed</span>`,
		`<a href="/docs/default/system/ferry-booking/">ferry-booking</a>`,
		`<option value="component">Component (1)</option>`,
		`<option value="group:default/lighthouse">lighthouse (1)</option>`,
	)
	if strings.Contains(body, "no-docs") || strings.Contains(body, "tides-alias") {
		t.Error("entities without docs are listed")
	}
	byKind := send(t, h, http.MethodGet, "/docs?kind=system", nil).Body.String()
	wantBody(t, "by kind", byKind, "1 site", "ferry-booking", `<option value="system" selected>`)
	if strings.Contains(byKind, `href="/docs/default/component/harbour-tides/"`) {
		t.Error("kind filter not applied")
	}
	byOwner := send(t, h, http.MethodGet, "/docs?owner=group:default/harbour", nil).Body.String()
	wantBody(t, "by owner", byOwner, "1 site", "harbour-tides")
	if strings.Contains(byOwner, `href="/docs/default/system/ferry-booking/"`) {
		t.Error("owner filter not applied")
	}
}

func TestDocsTab(t *testing.T) {
	docs := testDocs(t, publishedDocs(t), "")
	site := testSite(t, docsCatalog(t), &fakeUnprocessed{}, func(o *Options) { o.Tabs = []plugin.EntityTab{docs.Tab()} })
	rec := send(t, site, http.MethodGet, "/catalog/default/component/harbour-tides/docs", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	wantBody(t, "tab", rec.Body.String(),
		`<a class="btn btn--primary" href="/docs/default/component/harbour-tides/">Open the docs</a>`,
		"Harbour Tides predicts the water level at every berth.",
		`<a href="/docs/default/component/harbour-tides/getting-started/">Getting started</a>`,
	)
	alias := send(t, site, http.MethodGet, "/catalog/default/component/tides-alias/docs", nil).Body.String()
	wantBody(t, "alias tab", alias, `<a class="btn btn--primary" href="/docs/default/component/harbour-tides/">Read the docs</a>`)
	unbuilt := send(t, site, http.MethodGet, "/catalog/default/system/ferry-booking/docs", nil).Body.String()
	wantBody(t, "unbuilt tab", unbuilt, "No docs have been published for this entity yet.")
	if rec := send(t, site, http.MethodGet, "/catalog/default/component/no-docs/docs", nil); rec.Code != http.StatusNotFound {
		t.Errorf("an entity without docs has a Docs tab: %d", rec.Code)
	}
}

// TestDocsTemplatesParse keeps the docs templates in the bundle.
func TestDocsTemplatesParse(t *testing.T) {
	for _, f := range []string{"templates/docs.html", "templates/pages/docs-reader.html", "templates/pages/docs-index.html", "static/docs.css"} {
		if _, err := fs.Stat(embedded, f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestDemoteHeadings(t *testing.T) {
	in := `<h1 id="a">A</h1><p>h1 &lt;h2&gt;</p><h2>B</h2><h5>C</h5><h6>D</h6>`
	want := `<h2 id="a">A</h2><p>h1 &lt;h2&gt;</p><h3>B</h3><h6>C</h6><h6>D</h6>`
	if got := string(demoteHeadings(template.HTML(in))); got != want {
		t.Errorf("demoteHeadings = %s", got)
	}
}
