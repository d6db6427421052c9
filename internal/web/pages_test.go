package web

import (
	"context"
	"html/template"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callboard/callboard/internal/problem"
)

func TestPagesOfOtherPackages(t *testing.T) {
	page := Page{Path: "/catalog-graph", Render: func(ctx context.Context, req *PageRequest) (*PageContent, error) {
		roots := req.Request.URL.Query()["rootEntityRefs[]"]
		if len(roots) == 0 {
			return nil, problem.Input("Choose an entity.")
		}
		ents, err := req.Catalog.EntitiesByRefs(ctx, roots)
		if err != nil {
			return nil, err
		}
		if ents[0] == nil {
			return nil, problem.NotFound("No entity %s", roots[0])
		}
		return &PageContent{Title: "Graph", Body: template.HTML("<h1>Graph of " + template.HTMLEscapeString(ents[0].Metadata.Name) + "</h1>" +
			template.HTMLEscapeString(req.Viewer+" "+req.Link(roots[0])))}, nil
	}}
	h := testSite(t, sampleCatalog(), &fakeUnprocessed{}, func(o *Options) { o.Pages = []Page{page} })
	rec := send(t, as(jane, h), http.MethodGet, "/catalog-graph?rootEntityRefs[]=component:default/booking-service", nil)
	body := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(body, "<h1>Graph of booking-service</h1>user:default/jane.doe /catalog/default/component/booking-service") ||
		!strings.Contains(body, "<title>Graph · Callboard</title>") || !strings.Contains(body, `class="site-header"`) {
		t.Errorf("page: %d\n%s", rec.Code, body)
	}
	if rec := send(t, h, http.MethodGet, "/catalog-graph", nil); rec.Code != 400 {
		t.Errorf("page error: %d", rec.Code)
	}
	if rec := send(t, h, http.MethodGet, "/catalog-graph?rootEntityRefs[]=component:default/nope", nil); rec.Code != 404 {
		t.Errorf("missing root: %d", rec.Code)
	}
}

func TestFeatureStylesheetsJoinTheMainOne(t *testing.T) {
	dir := copyTree(t)
	if err := os.WriteFile(filepath.Join(dir, "static", "zz-feature.css"), []byte(".feature { color: red }"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := loadBundle(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	css := string(b.assets[mainStylesheet].body)
	if !strings.Contains(css, "--accent") || !strings.HasSuffix(css, ".feature { color: red }") {
		t.Errorf("app.css does not end with the feature's stylesheet")
	}
	if u, _ := b.assetURL(mainStylesheet); b.assets[strings.TrimPrefix(u, "/static/")].asset != b.assets[mainStylesheet].asset {
		t.Errorf("the hashed URL serves another file")
	}
}
