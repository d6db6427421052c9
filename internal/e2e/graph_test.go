package e2e

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDiagramsInBrowser opens the demo organisation's API definitions and
// dependency graphs in Chromium: every definition type renders beside its
// raw text, the graph draws linked entities, a node leads to its entity,
// the blast radius lists what depends on an entity, the graph's form works
// without script, and the pages pass the accessibility audit at laptop and
// phone widths in both colour schemes.
func TestDiagramsInBrowser(t *testing.T) {
	shots := needBrowser(t)
	base := startPortal(t)
	browser := newBrowser(t)

	t.Run("definitions", func(t *testing.T) {
		for _, c := range []struct {
			api, article, raw string
		}{
			{"booking-api", "apidoc--openapi", "YAML"},
			{"payments-api", "apidoc--openapi", ""},
			{"vessel-positions-api", "apidoc--openapi", ""},
			{"booking-events", "apidoc--asyncapi", "YAML"},
			{"traveller-graph", "apidoc--graphql", "GraphQL"},
			{"fares-api", "apidoc--proto", "Protocol Buffers"},
		} {
			t.Run(c.api, func(t *testing.T) {
				ctx := newTab(t, browser)
				navigate(t, ctx, base+"/catalog/default/api/"+c.api+"/definition")
				if n := eval[int](t, ctx, `document.querySelectorAll("article.`+c.article+`").length`); n != 1 {
					t.Fatalf("no rendered definition (article.%s)", c.article)
				}
				if msg := eval[string](t, ctx, `(document.querySelector(".apidoc-tab .alert--error") || {textContent: ""}).textContent.trim()`); msg != "" {
					t.Errorf("error box: %s", msg)
				}
				lang := eval[string](t, ctx, `document.querySelector("#apidoc-raw-heading .badge").textContent`)
				if c.raw != "" && lang != c.raw {
					t.Errorf("raw definition is %q, want %q", lang, c.raw)
				}
				if n := eval[int](t, ctx, `document.querySelectorAll(".apidoc-raw .hl-line").length`); n < 5 {
					t.Errorf("the raw definition has %d highlighted lines", n)
				}
				// The page's policy allows no inline style or script; nothing
				// the definition holds may have slipped one in.
				if n := eval[int](t, ctx, `document.querySelectorAll("main [style], main script, main [onclick], main a[href^='javascript']").length`); n != 0 {
					t.Errorf("%d elements with inline style, script or script links", n)
				}
				audit(t, ctx, c.api)
				screenshot(t, ctx, shots, "definition-"+c.api)
			})
		}

		// An operation opens, and its schema table links to the schema.
		ctx := newTab(t, browser)
		navigate(t, ctx, base+"/catalog/default/api/booking-api/definition")
		run(t, ctx, chromedp.Click(chromedp.CSS("details.apidoc-op > summary")))
		waitFor(t, ctx, `document.querySelector("details.apidoc-op").open`, 5*time.Second)
		screenshot(t, ctx, shots, "definition-booking-api-open")
	})

	t.Run("graph", func(t *testing.T) {
		ctx := newTab(t, browser)
		navigate(t, ctx, base+"/catalog/default/component/booking-service/graph")
		nodes := eval[int](t, ctx, `document.querySelectorAll(".graph-canvas svg g.node").length`)
		links := eval[[]string](t, ctx, `[...document.querySelectorAll(".graph-canvas svg a")].map((a) => a.getAttribute("xlink:href") || a.getAttribute("href")).filter(Boolean)`)
		if nodes < 3 || len(links) < 3 {
			t.Fatalf("graph has %d nodes and %d links", nodes, len(links))
		}
		var api string
		for _, l := range links {
			if strings.Contains(l, "/api/") {
				api = l
				break
			}
		}
		if api == "" {
			t.Fatalf("no API in the booking service's graph: %v", links)
		}
		audit(t, ctx, "graph")
		screenshot(t, ctx, shots, "graph-booking-service")

		// A node is a link to its entity's page.
		clickAndLoad(t, ctx, fmt.Sprintf(`.graph-canvas svg a[*|href=%q]`, api))
		if got := eval[string](t, ctx, `location.pathname`); got != api {
			t.Errorf("clicking the node opened %s, want %s", got, api)
		}

		// The blast radius of the payments API.
		navigate(t, ctx, base+"/catalog/default/api/payments-api/graph")
		clickAndLoad(t, ctx, `.graph-views a:not([aria-current])`)
		if h := eval[string](t, ctx, `document.querySelector("#graph-heading").textContent`); h != "Blast radius" {
			t.Errorf("heading %q after choosing the blast radius", h)
		}
		affected := eval[[]string](t, ctx, `[...document.querySelectorAll(".graph-table tbody th a")].map((a) => a.textContent.trim())`)
		if len(affected) < 2 {
			t.Errorf("blast radius lists %v", affected)
		}
		audit(t, ctx, "blast radius")
		screenshot(t, ctx, shots, "graph-blast-radius")
	})

	t.Run("graph form without script", func(t *testing.T) {
		ctx := newTab(t, browser)
		run(t, ctx, noScript())
		navigate(t, ctx, base+"/catalog/default/component/booking-service/graph")
		before := eval[int](t, ctx, `document.querySelectorAll(".graph-canvas svg g.node").length`)
		run(t, ctx, chromedp.SetValue(chromedp.CSS("#graph-depth"), "2"))
		clickAndLoad(t, ctx, `.graph-form button[type=submit]`)
		u, err := url.Parse(eval[string](t, ctx, `location.href`))
		if err != nil {
			t.Fatal(err)
		}
		if u.Query().Get("maxDepth") != "2" {
			t.Errorf("the form sent %s", u.RawQuery)
		}
		if after := eval[int](t, ctx, `document.querySelectorAll(".graph-canvas svg g.node").length`); after <= before {
			t.Errorf("depth 2 drew %d entities, depth 1 drew %d", after, before)
		}
		screenshot(t, ctx, shots, "graph-depth-2-noscript")
	})

	t.Run("catalog graph", func(t *testing.T) {
		forEachView(t, browser, "catalog-graph", func(t *testing.T, ctx context.Context, view string) {
			navigate(t, ctx, base+"/catalog-graph?rootEntityRefs[]=component:default/booking-service&rootEntityRefs[]=component:default/fares-engine&maxDepth=2")
			if h := h1(t, ctx); h != "Catalog graph" {
				t.Errorf("h1 %q", h)
			}
			if n := eval[int](t, ctx, `document.querySelectorAll(".graph-canvas svg g.node.root").length`); n != 2 {
				t.Errorf("%d roots drawn, want 2", n)
			}
			audit(t, ctx, view)
			screenshot(t, ctx, shots, view)
		})
	})

	t.Run("definition at phone width", func(t *testing.T) {
		for _, scheme := range []string{"light", "dark"} {
			ctx := newTab(t, browser)
			run(t, ctx, chromedp.EmulateViewport(360, 800), colourScheme(scheme))
			navigate(t, ctx, base+"/catalog/default/api/booking-events/definition")
			audit(t, ctx, "definition 360 "+scheme)
			screenshot(t, ctx, shots, "definition-booking-events-360-"+scheme)
		}
	})
}
