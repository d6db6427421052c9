package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDocsInBrowser reads the demo's docs in Chromium, built in the
// background by the local builder: from the entity's Docs tab into the
// reader, through the site navigation, the in-page table of contents,
// previous and next links, tabbed content and the site search, and
// checks the reader and the index with the accessibility audit at laptop
// and phone widths in both colour schemes.
func TestDocsInBrowser(t *testing.T) {
	shots := needBrowser(t)
	base := startPortalEnv(t, "APP_CONFIG_techdocs_publisher_local_publishDirectory="+t.TempDir())
	docs := base + "/docs/default/component/tidewater-ui-kit/"
	waitBuilt(t, docs)
	browser := newBrowser(t)

	t.Run("from the entity page", func(t *testing.T) {
		ctx := newTab(t, browser)
		navigate(t, ctx, base+"/catalog/default/component/tidewater-ui-kit")
		clickAndLoad(t, ctx, `nav.tabs a[href$="/docs"]`)
		if got := eval[string](t, ctx, `document.querySelector(".docs-tab h2").textContent.trim()`); got != "Tidewater UI kit" {
			t.Errorf("tab heading %q", got)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll(".docs-tab .docs-article table").length`); n != 1 {
			t.Errorf("the tab shows %d tables of the home page", n)
		}
		audit(t, ctx, "docs tab")
		screenshot(t, ctx, shots, "docs-tab")
		clickAndLoad(t, ctx, `.docs-tab a.btn--primary`)
		if got := eval[string](t, ctx, `location.pathname`); got != "/docs/default/component/tidewater-ui-kit/" {
			t.Errorf("Open the docs led to %s", got)
		}
		if got := docH1(t, ctx); got != "Tidewater UI kit" {
			t.Errorf("reader h1 %q", got)
		}
	})

	t.Run("navigation, contents, tabs and neighbours", func(t *testing.T) {
		ctx := newTab(t, browser)
		navigate(t, ctx, docs)
		nav := eval[[]string](t, ctx, `[...document.querySelectorAll(".docs__nav a, .docs__nav .docs-nav__section")].map((e) => e.textContent.trim())`)
		if strings.Join(nav, "|") != "Overview|Using the kit|Guides|Theming|Accessibility checklist" {
			t.Errorf("site navigation %q", nav)
		}
		clickAndLoad(t, ctx, `.docs__nav a[href$="/guides/theming/"]`)
		if got := docH1(t, ctx); got != "Theming" {
			t.Fatalf("the nav led to %q", got)
		}
		if cur := eval[string](t, ctx, `document.querySelector(".docs__nav [aria-current=page]").textContent`); cur != "Theming" {
			t.Errorf("current nav entry %q", cur)
		}
		toc := eval[[]string](t, ctx, `[...document.querySelectorAll(".docs-toc a")].map((a) => a.textContent.trim())`)
		if strings.Join(toc, "|") != "Colour tokens|Dark mode|How a theme reaches the page" {
			t.Errorf("table of contents %q", toc)
		}
		run(t, ctx, chromedp.Click(chromedp.CSS(`.docs-toc a[href="#dark-mode"]`)))
		waitFor(t, ctx, `location.hash === "#dark-mode"`, 5*time.Second)
		if top := eval[float64](t, ctx, `document.getElementById("dark-mode").getBoundingClientRect().top`); top < -1 || top > 200 {
			t.Errorf("the heading is at %.0f px after following the contents", top)
		}
		// Tabbed content switches without script.
		visible := `getComputedStyle(document.querySelectorAll(".tabbed-set .tabbed-content")[%d]).display !== "none"`
		if !eval[bool](t, ctx, strings.Replace(visible, "%d", "0", 1)) || eval[bool](t, ctx, strings.Replace(visible, "%d", "1", 1)) {
			t.Error("the first tab is not the one shown")
		}
		run(t, ctx, chromedp.Click(chromedp.CSS(`.tabbed-set label:nth-of-type(2)`)))
		waitFor(t, ctx, strings.Replace(visible, "%d", "1", 1), 5*time.Second)
		if n := eval[int](t, ctx, `document.querySelectorAll("main [style], main script, main [onclick], main a[href^='javascript']").length`); n != 0 {
			t.Errorf("%d elements with inline style, script or script links", n)
		}
		screenshot(t, ctx, shots, "docs-theming")
		clickAndLoad(t, ctx, `.docs-pager a[rel=next]`)
		if got := docH1(t, ctx); got != "Accessibility checklist" {
			t.Errorf("next page %q", got)
		}
		clickAndLoad(t, ctx, `.docs-pager a[rel=prev]`)
		if got := docH1(t, ctx); got != "Theming" {
			t.Errorf("previous page %q", got)
		}
		// A link between pages, with its anchor.
		navigate(t, ctx, docs+"guides/accessibility/")
		clickAndLoad(t, ctx, `.docs-article a[href$="/guides/theming/#colour-tokens"]`)
		if got := eval[string](t, ctx, `location.pathname + location.hash`); got != "/docs/default/component/tidewater-ui-kit/guides/theming/#colour-tokens" {
			t.Errorf("link between pages led to %s", got)
		}
	})

	t.Run("search", func(t *testing.T) {
		ctx := newTab(t, browser)
		navigate(t, ctx, docs)
		run(t, ctx, chromedp.SendKeys(chromedp.CSS("#docs-q"), "contrast"))
		loadBy(t, ctx, chromedp.Submit(chromedp.CSS("#docs-q")))
		if got := docH1(t, ctx); got != "Search results for “contrast”" {
			t.Fatalf("search page %q", got)
		}
		hits := eval[[]string](t, ctx, `[...document.querySelectorAll(".docs-hits a")].map((a) => a.getAttribute("href"))`)
		if len(hits) == 0 {
			t.Fatal("no search results")
		}
		audit(t, ctx, "docs search")
		screenshot(t, ctx, shots, "docs-search")
		clickAndLoad(t, ctx, `.docs-hits a`)
		if got := eval[string](t, ctx, `location.pathname`); got != "/docs/default/component/tidewater-ui-kit/guides/accessibility/" {
			t.Errorf("the first hit opened %s (hits %v)", got, hits)
		}
	})

	t.Run("pages", func(t *testing.T) {
		auditViews(t, browser, base, shots, []webPage{
			{"docs-index", "/docs"},
			{"docs-reader", "/docs/default/component/tidewater-ui-kit/guides/theming/"},
			{"docs-checklist", "/docs/default/component/tidewater-ui-kit/guides/accessibility/"},
		})
	})
}

// waitBuilt waits for the background builder to publish the docs page.
func waitBuilt(t *testing.T, page string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get(page)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the docs at %s were not built (%v)", page, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// docH1 is the page's h1 without its permalink mark.
func docH1(t *testing.T, ctx context.Context) string {
	t.Helper()
	return eval[string](t, ctx, `(() => { const h = document.querySelector("main h1").cloneNode(true); h.querySelectorAll(".headerlink").forEach((a) => a.remove()); return h.textContent.trim(); })()`)
}
