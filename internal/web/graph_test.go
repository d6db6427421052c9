package web

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/web/apidoc"
	"github.com/callboard/callboard/internal/web/graph"
	"github.com/callboard/callboard/plugin"
)

// diagramSite is the UI with the Definition and Graph tabs and the
// standalone graph page, wired as the app wires them.
func diagramSite(t *testing.T) http.Handler {
	t.Helper()
	graphs := graph.New(graph.NewRenderer(0), nil)
	return testSite(t, sampleCatalog(), &fakeUnprocessed{}, func(o *Options) {
		o.Tabs = []plugin.EntityTab{apidoc.NewTab(), graphs.Tab()}
		o.Pages = []Page{{Path: graph.PagePath, Render: func(ctx context.Context, req *PageRequest) (*PageContent, error) {
			title, body, err := graphs.Page(ctx, req.Request.URL.Query(), req.Catalog, req.Link)
			if err != nil {
				return nil, err
			}
			return &PageContent{Title: title, Body: body}, nil
		}}}
	})
}

// pageUnsafe is what none of these pages may hold: the policy forbids
// inline script and style, and links must not run script.
var pageUnsafe = regexp.MustCompile(`(?i)<script>|<script [^>]*>[^<]|\son[a-z]+=|\sstyle=|javascript:`)

func TestDefinitionAndGraphPages(t *testing.T) {
	h := diagramSite(t)
	for _, c := range []struct {
		name, target string
		tabs         []string
		want         []string
	}{
		{
			name: "definition-tab", target: "/catalog/default/api/fares-api/definition",
			tabs: []string{
				"Overview /catalog/default/api/fares-api",
				"Relations /catalog/default/api/fares-api/relations",
				"Definition /catalog/default/api/fares-api/definition *",
				"Graph /catalog/default/api/fares-api/graph",
				"History /catalog/default/api/fares-api/history",
				"Inspect /catalog/default/api/fares-api/inspect",
			},
			want: []string{`<article class="apidoc apidoc--proto">`, `Raw definition <span class="badge">Protocol Buffers</span>`},
		},
		{
			name: "graph-tab", target: "/catalog/default/component/booking-service/graph?maxDepth=2",
			tabs: []string{
				"Overview /catalog/default/component/booking-service",
				"Relations /catalog/default/component/booking-service/relations",
				"Graph /catalog/default/component/booking-service/graph *",
				"History /catalog/default/component/booking-service/history",
				"Inspect /catalog/default/component/booking-service/inspect",
			},
			want: []string{`<svg`, `xlink:href="/catalog/default/api/booking-api"`, `<option value="2" selected>2</option>`},
		},
		{
			name: "graph-page", target: "/catalog-graph?rootEntityRefs[]=group:default/harbour&selectedRelations[]=ownerOf&selectedRelations[]=hasMember",
			want: []string{`<h1 id="graph-heading">Catalog graph</h1>`, `xlink:href="/catalog/default/user/jane.doe"`, `<title>Catalog graph · Callboard</title>`},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := send(t, as(jane, h), http.MethodGet, c.target, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d:\n%s", rec.Code, rec.Body)
			}
			body := rec.Body.String()
			if c.tabs != nil {
				if diff := cmp.Diff(c.tabs, tabLabels(body)); diff != "" {
					t.Errorf("tabs (-want +got):\n%s", diff)
				}
			}
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("missing %q", w)
				}
			}
			if m := pageUnsafe.FindString(body); m != "" {
				t.Errorf("page contains %q", m)
			}
			if strings.Count(body, "<h1") != 1 {
				t.Errorf("%d h1 elements", strings.Count(body, "<h1"))
			}
			compareGolden(t, c.name, body)
		})
	}
	// The Definition tab is for APIs only.
	if rec := send(t, h, http.MethodGet, "/catalog/default/component/booking-service/definition", nil); rec.Code != http.StatusNotFound {
		t.Errorf("definition tab of a component: %d", rec.Code)
	}
}

func TestGraphPageForTheReader(t *testing.T) {
	cat := sampleCatalog()
	graphs := graph.New(graph.NewRenderer(0), nil)
	h := testSite(t, cat, &fakeUnprocessed{}, func(o *Options) {
		o.Tabs = []plugin.EntityTab{graphs.Tab()}
		// The reader may not see the harbour group.
		o.ReaderFor = func(context.Context) (CatalogReader, error) {
			return hidingCatalog{fakeCatalog: cat, hidden: "group:default/harbour"}, nil
		}
	})
	body := send(t, as(jane, h), http.MethodGet, "/catalog/default/component/booking-service/graph?maxDepth=3", nil).Body.String()
	if strings.Contains(body, `xlink:href="/catalog/default/group/harbour"`) || strings.Contains(body, "/catalog/default/user/omar") {
		t.Error("the graph links to an entity the reader may not see, or walks through it")
	}
	if !strings.Contains(body, `xlink:href="/catalog/default/api/booking-api"`) {
		t.Error("the graph lost what the reader may see")
	}
}

// hidingCatalog is the catalog as a reader sees it who may not see one
// entity.
type hidingCatalog struct {
	*fakeCatalog
	hidden string
}

func (c hidingCatalog) EntitiesByRefs(ctx context.Context, req catalog.ByRefsRequest) ([]json.RawMessage, error) {
	items, err := c.fakeCatalog.EntitiesByRefs(ctx, req)
	for i, ref := range req.Refs {
		if ref == c.hidden && i < len(items) {
			items[i] = nil
		}
	}
	return items, err
}
