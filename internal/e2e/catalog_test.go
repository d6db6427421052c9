package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// tideClock is the catalog file the register test serves and registers:
// a component of the demo's Keel team.
const tideClock = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: tide-clock
  title: Tide clock
  description: Tells every vessel when the tide turns.
spec:
  type: service
  lifecycle: experimental
  owner: group:keel-team
`

// catalogFiles serves catalog files over HTTP, as a forge would.
func catalogFiles(t *testing.T, files map[string]string) *httptest.Server {
	t.Helper()
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		body, ok := files[r.URL.Path]
		mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/yaml")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// waitFor polls a JavaScript condition until it is true.
func waitFor(t *testing.T, ctx context.Context, js string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not true within %v: %s (%v)", within, js, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// navigate loads a page and waits for its heading.
func navigate(t *testing.T, ctx context.Context, u string) {
	t.Helper()
	run(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS("main h1")))
}

// clickAndLoad clicks what sel finds and waits for the page it loads.
// A live page (a task following its events) may swap the element for a
// fresh copy between finding it and clicking it; the click is then tried
// again on the new one.
func clickAndLoad(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		_, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
		if err == nil {
			break
		}
		if attempt < 5 && strings.Contains(err.Error(), "Could not find node with given id") {
			continue
		}
		t.Fatalf("click %s: %v", sel, err)
	}
	run(t, ctx, chromedp.WaitVisible(chromedp.CSS("main h1")))
}

func h1(t *testing.T, ctx context.Context) string {
	t.Helper()
	return eval[string](t, ctx, `document.querySelector("main h1").textContent.trim()`)
}

// tableNames lists the names in the catalog table.
const tableNamesJS = `[...document.querySelectorAll("#results tbody th a")].map((a) => a.textContent.trim())`

func TestCatalogInBrowser(t *testing.T) {
	shots := needBrowser(t)
	files := catalogFiles(t, map[string]string{"/tide/catalog-info.yaml": tideClock})
	host := strings.TrimPrefix(files.URL, "http://")
	base := startPortalEnv(t, `APP_CONFIG_backend_reading_allow=[{"host":"`+host+`"}]`)
	browser := newBrowser(t)

	t.Run("pages", func(t *testing.T) {
		auditViews(t, browser, base, shots, []webPage{
			{"catalog", "/catalog"},
			{"catalog-filtered", "/catalog?type=service&lifecycle=production&sort=owner"},
			{"catalog-all", "/catalog?kind=all&limit=50"},
			{"entity", "/catalog/default/component/booking-service"},
			{"entity-relations", "/catalog/default/component/booking-service/relations"},
			{"entity-history", "/catalog/default/component/booking-service/history"},
			{"entity-inspect", "/catalog/default/component/booking-service/inspect"},
			{"entity-api", "/catalog/default/api/booking-api"},
			{"entity-group", "/catalog/default/group/harbour-team"},
			{"entity-user", "/catalog/default/user/dana.okafor"},
			{"entity-system", "/catalog/default/system/ticketing"},
			{"import", "/catalog-import"},
			{"unregister", "/catalog-unregister?entity=component:default/booking-service"},
		})
	})

	t.Run("filter the table in place", func(t *testing.T) {
		ctx := newTab(t, browser)
		navigate(t, ctx, base+"/catalog")
		all := eval[[]string](t, ctx, tableNamesJS)
		if len(all) < 10 {
			t.Fatalf("the component table lists %v", all)
		}
		run(t, ctx, chromedp.Evaluate[chromedp.Void](`window.__noReload = true`))
		run(t, ctx, chromedp.Click(chromedp.CSS(`#facets input[name=type][value=website]`)))
		waitFor(t, ctx, `location.search.includes("type=website")`, 5*time.Second)
		waitFor(t, ctx, `document.querySelectorAll("#results tbody tr").length === 2`, 5*time.Second)
		if got := eval[[]string](t, ctx, tableNamesJS); strings.Join(got, ",") != "Operations console,Traveller website" {
			t.Errorf("websites: %v", got)
		}
		if !eval[bool](t, ctx, `window.__noReload === true`) {
			t.Errorf("the filter reloaded the page")
		}
		// Typing narrows further.
		run(t, ctx, chromedp.SendKeys(chromedp.ID("f-text"), "ops"))
		waitFor(t, ctx, `location.search.includes("text=ops")`, 5*time.Second)
		waitFor(t, ctx, `document.querySelectorAll("#results tbody tr").length === 1`, 5*time.Second)
		audit(t, ctx, "filtered in place")
		screenshot(t, ctx, shots, "catalog-live-filter")
		// Back goes to the previous view.
		run(t, ctx, chromedp.NavigateBack())
		waitFor(t, ctx, `!location.search.includes("text=")`, 5*time.Second)
		waitFor(t, ctx, `document.querySelectorAll("#results tbody tr").length === 2`, 5*time.Second)
		// Another kind starts over, without the websites filter.
		run(t, ctx, chromedp.SetValue(chromedp.ID("f-kind"), "api"),
			chromedp.Evaluate[chromedp.Void](`document.getElementById("f-kind").dispatchEvent(new Event("change", {bubbles: true}))`))
		waitFor(t, ctx, `location.search.includes("kind=api") && !location.search.includes("type=")`, 5*time.Second)
		waitFor(t, ctx, `document.querySelector("main h1").textContent === "APIs"`, 5*time.Second)
		if !eval[bool](t, ctx, `window.__noReload === true`) {
			t.Errorf("changing the kind reloaded the page")
		}
	})

	t.Run("filter and sort without script", func(t *testing.T) {
		ctx := newTab(t, browser)
		run(t, ctx, noScript())
		navigate(t, ctx, base+"/catalog")
		run(t, ctx, chromedp.Click(chromedp.CSS(`#facets input[name=lifecycle][value=production]`)))
		clickAndLoad(t, ctx, `form.filters button[type=submit]`)
		if !strings.Contains(eval[string](t, ctx, `location.search`), "lifecycle=production") {
			t.Errorf("the form did not submit the filter")
		}
		clickAndLoad(t, ctx, `#results th a.sort[href*="sort=owner"]`)
		clickAndLoad(t, ctx, `#results th a.sort[href*="sort=owner"]`)
		if got := eval[string](t, ctx, `document.querySelector("#results th[aria-sort]").textContent.trim() + " " + document.querySelector("#results th[aria-sort]").getAttribute("aria-sort")`); got != "Owner descending" {
			t.Errorf("sorted column: %q", got)
		}
		owners := eval[[]string](t, ctx, `[...document.querySelectorAll("#results tbody tr td:nth-child(3)")].map((td) => td.textContent.trim())`)
		for i := 1; i < len(owners); i++ {
			if owners[i] > owners[i-1] {
				t.Errorf("owners not descending: %v", owners)
				break
			}
		}
	})

	t.Run("page through the table", func(t *testing.T) {
		ctx := newTab(t, browser)
		navigate(t, ctx, base+"/catalog?kind=all&limit=5")
		first := eval[[]string](t, ctx, tableNamesJS)
		run(t, ctx, chromedp.Click(chromedp.CSS(`a[rel=next]`)))
		waitFor(t, ctx, `location.search.includes("cursor=")`, 5*time.Second)
		waitFor(t, ctx, `document.querySelector(".pager__status").textContent.includes("Rows 6–10")`, 5*time.Second)
		second := eval[[]string](t, ctx, tableNamesJS)
		if len(second) != 5 || first[0] == second[0] {
			t.Errorf("pages %v then %v", first, second)
		}
		// The address holds the view: loading it again shows the same page.
		navigate(t, ctx, eval[string](t, ctx, `location.href`))
		if again := eval[[]string](t, ctx, tableNamesJS); strings.Join(again, ",") != strings.Join(second, ",") {
			t.Errorf("reloaded page %v, want %v", again, second)
		}
	})

	t.Run("open an entity and follow a relation", func(t *testing.T) {
		ctx := newTab(t, browser)
		navigate(t, ctx, base+"/catalog?text=booking")
		clickAndLoad(t, ctx, `#results tbody th a`)
		if got := h1(t, ctx); got != "Booking service" {
			t.Fatalf("opened %q", got)
		}
		about := eval[string](t, ctx, `document.getElementById("card-about").innerText.replace(/\s+/g, " ")`)
		for _, want := range []string{"Creates, changes and cancels bookings", "Owner harbour-team", "System ticketing", "Lifecycle production"} {
			if !strings.Contains(about, want) {
				t.Errorf("about card lacks %q: %s", want, about)
			}
		}
		clickAndLoad(t, ctx, `#card-relations a[href="/catalog/default/api/booking-api"]`)
		if got := h1(t, ctx); got != "Booking API" {
			t.Errorf("the relation led to %q", got)
		}
		screenshot(t, ctx, shots, "entity-followed-relation")
		// Its owner's page lists what the team owns.
		clickAndLoad(t, ctx, `#card-about a[href="/catalog/default/group/harbour-team"]`)
		owned := eval[string](t, ctx, `document.getElementById("card-ownership").textContent`)
		if !strings.Contains(owned, "Booking service") || !strings.Contains(owned, "APIs") {
			t.Errorf("ownership card: %s", owned)
		}
		if tabs := eval[[]string](t, ctx, `[...document.querySelectorAll(".tabs a")].map((a) => a.textContent)`); !containsString(tabs, "Graph") {
			t.Logf("no graph tab installed: %v", tabs)
		} else {
			clickAndLoad(t, ctx, `.tabs a[href$="/graph"]`)
			waitFor(t, ctx, `!!document.querySelector(".tab-panel svg")`, 10*time.Second)
			screenshot(t, ctx, shots, "entity-graph")
		}
	})

	t.Run("star an entity", func(t *testing.T) {
		ctx := newTab(t, browser)
		navigate(t, ctx, base+"/catalog/default/component/fares-engine")
		clickAndLoad(t, ctx, `button.star`)
		if got := eval[string](t, ctx, `document.querySelector("button.star").getAttribute("aria-pressed")`); got != "true" {
			t.Errorf("after starring, aria-pressed = %s", got)
		}
		navigate(t, ctx, base+"/")
		starred := eval[string](t, ctx, `(document.querySelector("[aria-labelledby=starred-heading]") || {textContent: ""}).textContent`)
		if !strings.Contains(starred, "Fares engine") {
			t.Errorf("home's starred list: %q", starred)
		}
		audit(t, ctx, "home with a star")
		screenshot(t, ctx, shots, "home-starred-1440")
	})

	t.Run("register a location, find its entity, unregister it", func(t *testing.T) {
		ctx := newTab(t, browser)
		target := files.URL + "/tide/catalog-info.yaml"
		navigate(t, ctx, base+"/catalog-import")
		run(t, ctx, chromedp.SendKeys(chromedp.ID("import-url"), target))
		clickAndLoad(t, ctx, `form.filter button[type=submit]`)
		preview := eval[string](t, ctx, `document.querySelector("[aria-labelledby=preview-heading]").textContent.replace(/\s+/g, " ")`)
		if !strings.Contains(preview, "1 entity would be added") || !strings.Contains(preview, "Tide clock") {
			t.Fatalf("preview: %s", preview)
		}
		audit(t, ctx, "register preview")
		screenshot(t, ctx, shots, "import-preview-1440")
		clickAndLoad(t, ctx, `form.confirm button[type=submit]`)
		if got := eval[string](t, ctx, `document.querySelector(".alert--success").textContent`); !strings.Contains(got, "Registered") {
			t.Fatalf("no confirmation: %q", got)
		}
		// The entity is processed in the background; the page links it once
		// it is in the catalog.
		deadline := time.Now().Add(30 * time.Second)
		for !eval[bool](t, ctx, `!!document.querySelector('a[href="/catalog/default/component/tide-clock"]')`) {
			if time.Now().After(deadline) {
				t.Fatal("tide-clock never appeared in the catalog")
			}
			time.Sleep(200 * time.Millisecond)
			navigate(t, ctx, eval[string](t, ctx, `location.href`))
		}
		screenshot(t, ctx, shots, "import-done-1440")
		clickAndLoad(t, ctx, `a[href="/catalog/default/component/tide-clock"]`)
		if got := h1(t, ctx); got != "Tide clock" {
			t.Fatalf("opened %q", got)
		}
		navigate(t, ctx, base+"/catalog?text=tide")
		if names := eval[[]string](t, ctx, tableNamesJS); !containsString(names, "Tide clock") {
			t.Errorf("the table does not find it: %v", names)
		}

		// Unregister from the entity page: the page lists what goes, and
		// the script asks before it removes anything.
		navigate(t, ctx, base+"/catalog/default/component/tide-clock")
		clickAndLoad(t, ctx, `a[href^="/catalog-unregister"]`)
		goes := eval[string](t, ctx, `document.querySelector("main").textContent.replace(/\s+/g, " ")`)
		if !strings.Contains(goes, "1 entity goes with it") || !strings.Contains(goes, "tide-clock") {
			t.Errorf("unregister page: %s", goes)
		}
		audit(t, ctx, "unregister page")
		screenshot(t, ctx, shots, "unregister-tide-clock-1440")
		asked := acceptDialog(ctx)
		clickAndLoad(t, ctx, `form[action="/catalog-unregister"] button[type=submit]`)
		checkAsked(t, asked, "Unregister "+target)
		if got := h1(t, ctx); got != "Unregistered" {
			t.Errorf("after unregistering: %q", got)
		}
		deadline = time.Now().Add(30 * time.Second)
		for {
			res, err := http.Get(base + "/catalog/default/component/tide-clock")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode == http.StatusNotFound {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("tide-clock still answers %d", res.StatusCode)
			}
			time.Sleep(200 * time.Millisecond)
		}
	})

	t.Run("keyboard: slash focuses the search", func(t *testing.T) {
		ctx := newTab(t, browser)
		navigate(t, ctx, base+"/catalog")
		run(t, ctx, chromedp.KeyEvent("/"))
		if got := eval[string](t, ctx, `document.activeElement.id`); got != "f-text" {
			t.Errorf("after /, focus is on %q", got)
		}
		for i := range 8 {
			pressTab(t, ctx, i+1)
		}
	})
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
