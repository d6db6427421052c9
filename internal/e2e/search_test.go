package e2e

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestSearchInBrowser searches the demo organisation in Chromium: the
// header's search box (focused with "/", suggestions as one types,
// chosen with the keyboard or the mouse), the search page with script
// (the results follow the query and the filters in place, paging) and
// without it (a plain form), and the accessibility audit of the page and
// of the open suggestion list at laptop and phone widths in both colour
// schemes.
func TestSearchInBrowser(t *testing.T) {
	shots := needBrowser(t)
	base := startPortal(t)
	waitIndexed(t, base, "booking", "booking-service")
	browser := newBrowser(t)

	const (
		listOpen = `document.getElementById("site-search").getAttribute("aria-expanded") === "true"`
		options  = `[...document.querySelectorAll("#site-search-suggestions [role=option]")]`
	)

	t.Run("the box suggests as one types", func(t *testing.T) {
		ctx := newTab(t, browser)
		navigate(t, ctx, base+"/catalog/default/system/ticketing")
		run(t, ctx, chromedp.KeyEvent("/"))
		if got := eval[string](t, ctx, `document.activeElement.id`); got != "site-search" {
			t.Fatalf("after /, focus is on %q", got)
		}
		// chromedp sends the key's character on its own after the
		// keydown the page cancelled, so it lands in the box.
		run(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById("site-search").value = ""`))
		// One character asks nothing.
		run(t, ctx, chromedp.KeyEvent("b"))
		time.Sleep(400 * time.Millisecond)
		if eval[bool](t, ctx, listOpen) {
			t.Error("the list opened after one character")
		}
		run(t, ctx, chromedp.KeyEvent("ooki"))
		waitFor(t, ctx, listOpen, 5*time.Second)
		titles := eval[[]string](t, ctx, options+`.map((o) => o.querySelector(".suggest__title").textContent)`)
		if len(titles) < 2 || !containsString(titles, "Booking service") {
			t.Fatalf("suggestions %q", titles)
		}
		if last := titles[len(titles)-1]; last != "Search for “booki”" {
			t.Errorf("the last entry is %q, want the search page", last)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll("#site-search-suggestions mark").length`); n == 0 {
			t.Error("no match is highlighted")
		}
		if got := eval[string](t, ctx, `document.getElementById("site-search").getAttribute("aria-controls")`); got != "site-search-suggestions" {
			t.Errorf("aria-controls %q", got)
		}
		audit(t, ctx, "suggestions open")
		screenshot(t, ctx, shots, "search-suggestions")

		// The arrows move through the list; the box keeps the focus.
		run(t, ctx, chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown))
		active := eval[string](t, ctx, `document.getElementById("site-search").getAttribute("aria-activedescendant")`)
		if active != "site-search-suggestions-1" || !eval[bool](t, ctx, `document.getElementById("site-search-suggestions-1").getAttribute("aria-selected") === "true"`) {
			t.Errorf("after two arrows the active option is %q", active)
		}
		run(t, ctx, chromedp.KeyEvent(kb.ArrowUp))
		if got := eval[string](t, ctx, `document.getElementById("site-search").getAttribute("aria-activedescendant")`); got != "site-search-suggestions-0" {
			t.Errorf("after up the active option is %q", got)
		}
		if got := eval[string](t, ctx, `document.activeElement.id`); got != "site-search" {
			t.Errorf("the arrows moved the focus to %q", got)
		}
		// Escape closes the list and keeps what was typed.
		run(t, ctx, chromedp.KeyEvent(kb.Escape))
		if eval[bool](t, ctx, listOpen) || eval[string](t, ctx, `document.getElementById("site-search").value`) != "booki" {
			t.Error("Escape did not just close the list")
		}
		// Enter on a chosen entry opens it.
		run(t, ctx, chromedp.KeyEvent(kb.ArrowDown))
		waitFor(t, ctx, listOpen, 5*time.Second)
		want := eval[string](t, ctx, options+`[0].getAttribute("data-href")`)
		loadBy(t, ctx, chromedp.KeyEvent("\r"))
		if got := eval[string](t, ctx, `location.pathname`); got != want {
			t.Errorf("Enter opened %s, want %s", got, want)
		}
	})

	t.Run("Enter without a choice opens the search page", func(t *testing.T) {
		ctx := newTab(t, browser)
		navigate(t, ctx, base+"/docs")
		run(t, ctx, chromedp.SendKeys(chromedp.ID("site-search"), "payments"))
		waitFor(t, ctx, listOpen, 5*time.Second)
		loadBy(t, ctx, chromedp.KeyEvent("\r"))
		if got := eval[string](t, ctx, `location.pathname + location.search`); got != "/search?query=payments" {
			t.Errorf("Enter opened %s", got)
		}
		results := eval[[]string](t, ctx, resultTitlesJS)
		if len(results) < 2 || !strings.Contains(results[0], "Payments") {
			t.Errorf("results for payments: %q", results)
		}
	})

	t.Run("a click on a suggestion opens it", func(t *testing.T) {
		ctx := newTab(t, browser)
		navigate(t, ctx, base+"/")
		run(t, ctx, chromedp.SendKeys(chromedp.ID("home-search"), "fares"))
		waitFor(t, ctx, `document.getElementById("home-search").getAttribute("aria-expanded") === "true"`, 5*time.Second)
		want := eval[string](t, ctx, `document.querySelector("#home-search-suggestions [role=option]").getAttribute("data-href")`)
		clickAndLoad(t, ctx, `#home-search-suggestions [role=option]`)
		if got := eval[string](t, ctx, `location.pathname`); got != want || !strings.HasPrefix(got, "/catalog/default/") {
			t.Errorf("the click opened %s, want %s", got, want)
		}
	})

	t.Run("the page follows the query and filters in place", func(t *testing.T) {
		ctx := newTab(t, browser)
		navigate(t, ctx, base+"/search")
		if got := eval[string](t, ctx, `document.getElementById("results-heading").textContent`); got != "Nothing searched yet" {
			t.Errorf("empty page heading %q", got)
		}
		run(t, ctx, chromedp.Evaluate[chromedp.Void](`window.__noReload = true`))
		run(t, ctx, chromedp.KeyEvent("/"))
		if got := eval[string](t, ctx, `document.activeElement.id`); got != "f-text" {
			t.Errorf("after / on the search page, focus is on %q", got)
		}
		run(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById("f-text").value = ""`))
		run(t, ctx, chromedp.KeyEvent("booking"))
		waitFor(t, ctx, `location.search === "?query=booking"`, 5*time.Second)
		waitFor(t, ctx, `document.getElementById("results-heading").textContent.includes("for “booking”")`, 5*time.Second)
		all := eval[[]string](t, ctx, resultTitlesJS)
		if len(all) < 3 || all[0] != "Booking service" && all[0] != "Booking API" && all[0] != "Booking events" {
			t.Errorf("results for booking: %q", all)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll("#results .search-result__title mark").length`); n == 0 {
			t.Error("no title is highlighted")
		}
		// A kind narrows the results.
		run(t, ctx, chromedp.Click(chromedp.CSS(`#search-facets input[name="filters[kind]"][value=API]`)))
		waitFor(t, ctx, `location.search.includes("filters%5Bkind%5D=API")`, 5*time.Second)
		waitFor(t, ctx, `[...document.querySelectorAll("#results .search-result__meta")].every((m) => m.textContent.includes("API"))`, 5*time.Second)
		apis := eval[[]string](t, ctx, resultTitlesJS)
		if len(apis) == 0 || len(apis) >= len(all) {
			t.Errorf("APIs for booking: %q (all: %q)", apis, all)
		}
		if got := eval[[]string](t, ctx, `[...document.querySelectorAll("#results .chip > span")].map((c) => c.textContent)`); strings.Join(got, "|") != "Kind: API" {
			t.Errorf("chips %q", got)
		}
		// The query syntax: an exclusion leaves a result out.
		run(t, ctx, chromedp.SendKeys(chromedp.ID("f-text"), " -events"))
		waitFor(t, ctx, `location.search.includes("query=booking+-events")`, 5*time.Second)
		waitFor(t, ctx, `!`+resultTitlesJS+`.includes("Booking events") && document.querySelectorAll("#results .search-result").length > 0`, 5*time.Second)
		if !eval[bool](t, ctx, `window.__noReload === true`) {
			t.Error("the page reloaded")
		}
		audit(t, ctx, "search filtered in place")
		screenshot(t, ctx, shots, "search-live")
		// Back goes to the previous view.
		run(t, ctx, chromedp.NavigateBack())
		waitFor(t, ctx, `!location.search.includes("events")`, 5*time.Second)
		waitFor(t, ctx, resultTitlesJS+`.includes("Booking events")`, 5*time.Second)
	})

	t.Run("paging", func(t *testing.T) {
		ctx := newTab(t, browser)
		// Every document matches an exclusion of a word none has.
		navigate(t, ctx, base+"/search?query=-zzzz")
		first := eval[[]string](t, ctx, resultTitlesJS)
		if len(first) != 25 {
			t.Fatalf("the first page has %d results", len(first))
		}
		run(t, ctx, chromedp.Click(chromedp.CSS(`#results a[rel=next]`)))
		waitFor(t, ctx, `location.search.includes("pageCursor=")`, 5*time.Second)
		waitFor(t, ctx, `document.querySelector("#results ol").getAttribute("start") === "26"`, 5*time.Second)
		if got := eval[string](t, ctx, `document.querySelector("#results .pager__status").textContent`); !strings.HasPrefix(got, "Results 26–") {
			t.Errorf("pager status %q", got)
		}
		second := eval[[]string](t, ctx, resultTitlesJS)
		if len(second) == 0 || second[0] == first[0] {
			t.Errorf("the second page %q repeats the first %q", second, first)
		}
		run(t, ctx, chromedp.Click(chromedp.CSS(`#results a[rel=prev]`)))
		waitFor(t, ctx, `document.querySelector("#results ol").getAttribute("start") === "1"`, 5*time.Second)
		if got := eval[string](t, ctx, `location.search`); strings.Contains(got, "pageCursor") {
			t.Errorf("the first page's address %s keeps a cursor", got)
		}
	})

	t.Run("without script", func(t *testing.T) {
		ctx := newTab(t, browser)
		run(t, ctx, noScript())
		navigate(t, ctx, base+"/catalog")
		run(t, ctx, chromedp.SendKeys(chromedp.ID("site-search"), `"booking service"`))
		loadBy(t, ctx, chromedp.Submit(chromedp.ID("site-search")))
		if got := eval[string](t, ctx, `location.pathname`); got != "/search" {
			t.Fatalf("the header's box opened %s", got)
		}
		if got := eval[[]string](t, ctx, resultTitlesJS); len(got) == 0 || got[0] != "Booking service" {
			t.Errorf("phrase results %q", got)
		}
		if eval[string](t, ctx, `document.getElementById("site-search").getAttribute("role") || ""`) != "" {
			t.Error("the box became a combobox without script")
		}
		run(t, ctx, chromedp.Click(chromedp.CSS(`input[name="types[]"][value=techdocs]`)))
		clickAndLoad(t, ctx, `form.filters button[type=submit]`)
		if got := eval[string](t, ctx, `location.search`); !strings.Contains(got, "types%5B%5D=techdocs") {
			t.Errorf("the form did not submit the type: %s", got)
		}
		badges := eval[[]string](t, ctx, `[...document.querySelectorAll("#results .search-result .badge")].map((b) => b.textContent)`)
		for _, b := range badges {
			if b != "Documentation" {
				t.Errorf("a %s result among docs only", b)
			}
		}
	})

	t.Run("pages", func(t *testing.T) {
		auditViews(t, browser, base, shots, []webPage{
			{"search-start", "/search"},
			{"search-results", "/search?query=booking"},
			{"search-none", "/search?query=" + url.QueryEscape(`"no such words anywhere"`)},
		})
	})

	t.Run("suggestions on a phone", func(t *testing.T) {
		ctx := newTab(t, browser)
		run(t, ctx, chromedp.EmulateViewport(360, 800), colourScheme("dark"))
		navigate(t, ctx, base+"/catalog-unprocessed")
		run(t, ctx, chromedp.SendKeys(chromedp.ID("site-search"), "trav"))
		waitFor(t, ctx, listOpen, 5*time.Second)
		audit(t, ctx, "suggestions on a phone")
		screenshot(t, ctx, shots, "search-suggestions-360-dark")
	})
}

// resultTitlesJS lists the titles of the search page's results.
const resultTitlesJS = `[...document.querySelectorAll("#results .search-result__title")].map((h) => h.textContent.trim())`

// waitIndexed waits until the search box's suggestions for query list
// want: the index is built in the background after the catalog settles.
func waitIndexed(t *testing.T, base, query, want string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		body, err := get(base + "/search/suggest?query=" + url.QueryEscape(query))
		if err == nil && strings.Contains(body, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%q was not suggested for %q within a minute (%v):\n%s", want, query, err, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func get(u string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return string(b), err
}
