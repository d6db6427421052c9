package e2e

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/callboard/callboard/internal/app"
	"github.com/callboard/callboard/internal/config"
)

// chromiumPath is where Debian's chromium package installs the browser.
const chromiumPath = "/usr/bin/chromium"

// Catalog files that fail, next to the demo organisation: a file that is
// not YAML, and components that fail validation.
var brokenFiles = map[string]string{
	"broken.yaml": `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: tide-tables
  tags: [unclosed
spec:
  type: service
`,
	"invalid.yaml": `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ferry-announcements
spec:
  type: service
  owner: harbour
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: pier-lights
spec:
  lifecycle: production
  owner: team-lights
`,
}

// startPortal runs the whole app, as `callboard serve` does, on a
// temporary SQLite database with the demo organisation and the broken
// files, and returns its base URL once the catalog is idle.
func startPortal(t *testing.T) string {
	t.Helper()
	return startPortalEnv(t)
}

// startPortalEnv is startPortal with more APP_CONFIG_ variables.
func startPortalEnv(t *testing.T, env ...string) string {
	t.Helper()
	return servePortal(t, nil, brokenFiles, env...)
}

// servePortal runs the whole app on the demo configuration with a
// temporary SQLite database, as the guest without signing in (sign-in has
// its own tests in internal/auth and internal/app). The catalog reads the
// demo organisation, the extra targets (relative to the repository) and
// files, each written to a temporary directory; env adds APP_CONFIG_
// variables. It returns the base URL once the catalog is idle.
func servePortal(t *testing.T, targets []string, files map[string]string, env ...string) string {
	t.Helper()
	dir := t.TempDir()
	locations := []map[string]string{{"type": "file", "target": "examples/catalog/all.yaml"}}
	for _, target := range targets {
		locations = append(locations, map[string]string{"type": "file", "target": target})
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		locations = append(locations, map[string]string{"type": "file", "target": p})
	}
	locJSON, err := json.Marshal(locations)
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(root) // the demo's relative file targets resolve against the working directory
	cfg, warnings, err := config.LoadEnviron([]string{"examples/app-config.yaml"}, append([]string{
		"PWD=" + root,
		"APP_CONFIG_backend_database_connection=" + filepath.Join(dir, "callboard.db"),
		"APP_CONFIG_catalog_locations=" + string(locJSON),
		"APP_CONFIG_backend_auth_dangerouslyDisableDefaultAuthPolicy=true",
	}, env...))
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) > 0 {
		t.Fatalf("config warnings: %v", warnings)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, app.Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		a.Close()
	})
	waitCtx, stop := context.WithTimeout(ctx, 60*time.Second)
	defer stop()
	if err := a.Engine().WaitIdle(waitCtx); err != nil {
		t.Fatalf("WaitIdle: %v", err)
	}
	return "http://" + ln.Addr().String()
}

// newBrowser starts headless Chromium with a fresh profile and returns a
// context that opens tabs in it.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(1440, 900),
	}
	// A browser that dies while starting (seen once in CI, with nothing
	// in its output but the launcher's noise) is started again, up to
	// three times.
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		// A fresh profile each time: a dead browser may leave its lock.
		profile := chromedp.UserDataDir(t.TempDir())
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(opts, profile)...)
		ctx, cancel := chromedp.NewContext(allocCtx)
		// The first run starts the browser, which lives as long as ctx.
		if err = chromedp.Do(ctx); err == nil {
			t.Cleanup(func() { cancel(); cancelAlloc() })
			return ctx
		}
		cancel()
		cancelAlloc()
		t.Logf("start %s, attempt %d: %v", chromiumPath, attempt, err)
		time.Sleep(time.Second)
	}
	t.Fatalf("start %s: %v", chromiumPath, err)
	return nil
}

// newTab opens a tab with a time limit.
func newTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancelTimeout := context.WithTimeout(browser, 60*time.Second)
	ctx, cancel := chromedp.NewContext(ctx)
	t.Cleanup(func() { cancel(); cancelTimeout() })
	return ctx
}

func run(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate: %v\n%s", err, js)
	}
	return v
}

// colourScheme makes the page's prefers-color-scheme light or dark, and
// its prefers-reduced-motion reduce.
func colourScheme(scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			// Reduced motion turns the stylesheet's colour transitions
			// off, so that an audit reads each element's colours at rest,
			// not halfway through a change the page made while loading.
			Features: []*emulation.MediaFeature{
				{Name: "prefers-color-scheme", Value: scheme},
				{Name: "prefers-reduced-motion", Value: "reduce"},
			},
		})
		return err
	})
}

// noScript turns JavaScript off in the tab, to check pages work without it.
func noScript() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	})
}

// screenshot saves the whole page as testdata/screenshots/<name>.png, for
// a person to look at.
func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// auditJS checks a page for the accessibility basics and returns what is
// wrong: exactly one h1, headings in order, a name for every form control,
// button and link, alt text on images, the landmarks, unique ids, no
// sideways scrolling, and text contrast (WCAG AA: 4.5:1, 3:1 for large
// text) against the background it is drawn on.
const auditJS = `(() => {
  const problems = [];
  const h1s = document.querySelectorAll("h1").length;
  if (h1s !== 1) problems.push(h1s + " h1 elements, want 1");
  let prev = 0;
  for (const h of document.querySelectorAll("h1, h2, h3, h4, h5, h6")) {
    const level = Number(h.tagName[1]);
    if (level > prev + 1) problems.push(h.tagName + " '" + h.textContent.trim() + "' follows h" + prev);
    prev = level;
  }
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (["hidden", "submit", "button", "reset"].includes(el.type)) continue;
    if (el.labels.length === 0 && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby")) {
      problems.push("form control without a label: " + el.outerHTML);
    }
  }
  for (const el of document.querySelectorAll("button, a[href]")) {
    if (!el.textContent.trim() && !el.getAttribute("aria-label")) problems.push("no accessible name: " + el.outerHTML);
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push("image without alt: " + img.outerHTML);
  }
  for (const sel of ["header", "nav", "main", "footer", "form[role=search]"]) {
    if (!document.querySelector(sel)) problems.push("missing landmark " + sel);
  }
  if (!document.documentElement.lang) problems.push("no lang on <html>");
  const ids = new Set();
  for (const el of document.querySelectorAll("[id]")) {
    if (ids.has(el.id)) problems.push("duplicate id " + el.id);
    ids.add(el.id);
  }
  const skip = document.querySelector("a.skip-link");
  if (!skip || !document.getElementById(skip.getAttribute("href").slice(1))) problems.push("skip link without a target");
  const overflow = document.documentElement.scrollWidth - window.innerWidth;
  if (overflow > 0) problems.push("page scrolls sideways by " + overflow + "px at " + window.innerWidth + "px");

  const rgba = (s) => {
    const m = s.match(/rgba?\(([\d.]+),? ([\d.]+),? ([\d.]+)(?:,? \/?\s*([\d.]+))?\)/);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] : null;
  };
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0.5) return c;
    }
    return rgba(getComputedStyle(document.documentElement).backgroundColor) || [255, 255, 255, 1];
  };
  const seen = new Set();
  for (const el of document.body.querySelectorAll("*")) {
    const text = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
    if (!text || el.closest(".visually-hidden") || el.getClientRects().length === 0) continue;
    if (el.matches(".skip-link") && el !== document.activeElement) continue;
    const st = getComputedStyle(el);
    const fg = rgba(st.color), bg = background(el);
    if (!fg || !bg) { problems.push("unreadable colour on " + el.tagName + ": " + st.color); continue; }
    const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(st.fontSize), bold = Number(st.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    const key = el.tagName + "." + el.className + " " + st.color + " on " + bg;
    if (ratio < need && !seen.has(key)) {
      seen.add(key);
      problems.push("contrast " + ratio.toFixed(2) + " < " + need + " for '" + text.slice(0, 40) + "' (" + key + ")");
    }
  }
  return problems;
})()`

func audit(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	for _, p := range eval[[]string](t, ctx, auditJS) {
		t.Errorf("%s: %s", what, p)
	}
}

// focusJS describes the focused element and whether it shows a focus ring.
const focusJS = `(() => {
  const el = document.activeElement;
  const st = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  return {
    what: el.tagName + (el.className ? "." + el.className : "") + " " + (el.textContent || "").trim().slice(0, 30),
    ring: st.outlineStyle !== "none" && parseFloat(st.outlineWidth) >= 2,
    onScreen: r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0,
  };
})()`

type focusState struct {
	What     string `json:"what"`
	Ring     bool   `json:"ring"`
	OnScreen bool   `json:"onScreen"`
}

func TestBrowser(t *testing.T) {
	shots := needBrowser(t)
	base := startPortal(t)
	browser := newBrowser(t)

	t.Run("pages", func(t *testing.T) {
		auditViews(t, browser, base, shots, []webPage{
			{"home", "/"},
			{"unprocessed-failed", "/catalog-unprocessed"},
			{"unprocessed-pending", "/catalog-unprocessed?tab=pending"},
			{"not-found", "/no/such/page"},
		})
	})

	t.Run("keyboard focus is visible", func(t *testing.T) {
		ctx := newTab(t, browser)
		navigate(t, ctx, base+"/catalog-unprocessed")
		for i := range 12 {
			f := pressTab(t, ctx, i+1)
			if i == 0 {
				if !strings.Contains(f.What, "skip-link") {
					t.Errorf("first Tab focuses %s, want the skip link", f.What)
				}
				screenshot(t, ctx, shots, "focus-skip-link")
			}
		}
		screenshot(t, ctx, shots, "focus-after-tabs")
	})

	t.Run("theme switch with script", func(t *testing.T) {
		ctx := newTab(t, browser)
		run(t, ctx, colourScheme("light"), chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("main h1")))
		theme := func() string {
			return eval[string](t, ctx, `document.documentElement.getAttribute("data-theme") || "auto"`)
		}
		background := func() string {
			return eval[string](t, ctx, `getComputedStyle(document.body).backgroundColor`)
		}
		lightBg := background()
		for _, want := range []string{"dark", "light", "auto"} {
			// Colours ease for a tenth of a second; look once they settle.
			run(t, ctx, chromedp.Click(chromedp.CSS("a[data-theme-switch]")), chromedp.Sleep(300*time.Millisecond))
			if got := theme(); got != want {
				t.Fatalf("after a click the theme is %s, want %s", got, want)
			}
			if got := eval[string](t, ctx, `document.querySelector("[data-theme-name]").textContent`); got != want {
				t.Errorf("switch label says %s, want %s", got, want)
			}
			if want == "dark" {
				if bg := background(); bg == lightBg {
					t.Errorf("dark theme did not change the background (%s)", bg)
				}
				audit(t, ctx, "home in the dark theme chosen by the switch")
				screenshot(t, ctx, shots, "home-1440-switched-dark")
				// The choice is in the cookie, so the server renders it.
				run(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("main h1")))
				if got := theme(); got != "dark" {
					t.Errorf("after a reload the theme is %s, want dark", got)
				}
			}
		}
	})

	t.Run("theme switch without script", func(t *testing.T) {
		ctx := newTab(t, browser)
		run(t, ctx, noScript(), chromedp.Navigate(base+"/catalog-unprocessed?tab=pending"), chromedp.WaitVisible(chromedp.CSS("main h1")))
		if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("a[data-theme-switch]"))); err != nil {
			t.Fatal(err)
		}
		loc := eval[string](t, ctx, `location.pathname + location.search`)
		if loc != "/catalog-unprocessed?tab=pending" {
			t.Errorf("the switch sent the reader to %s", loc)
		}
		if got := eval[string](t, ctx, `document.documentElement.getAttribute("data-theme") || "auto"`); got != "dark" {
			t.Errorf("theme = %s, want dark", got)
		}
	})

	t.Run("owner filter", func(t *testing.T) {
		ctx := newTab(t, browser)
		run(t, ctx, noScript(), chromedp.Navigate(base+"/catalog-unprocessed"), chromedp.WaitVisible(chromedp.ID("owner")))
		if _, err := chromedp.RunResponse(ctx, chromedp.Steps(
			chromedp.SendKeys(chromedp.ID("owner"), "harbour"),
			chromedp.Submit(chromedp.ID("owner")),
		)); err != nil {
			t.Fatal(err)
		}
		refs := eval[[]string](t, ctx, `[...document.querySelectorAll("article.entity h3")].map((h) => h.textContent)`)
		if len(refs) != 1 || refs[0] != "component:default/ferry-announcements" {
			t.Errorf("owner=harbour lists %v", refs)
		}
		audit(t, ctx, "filtered list")
		screenshot(t, ctx, shots, "unprocessed-owner-1440")
	})

	t.Run("errors show file and line", func(t *testing.T) {
		ctx := newTab(t, browser)
		navigate(t, ctx, base+"/catalog-unprocessed")
		at := eval[[]string](t, ctx, `[...document.querySelectorAll(".error__at")].map((p) => p.textContent.replace(/\s+/g, " ").trim())`)
		found := false
		for _, s := range at {
			if strings.Contains(s, "broken.yaml") && strings.Contains(s, "line 6, column 5") {
				found = true
			}
		}
		if !found {
			t.Errorf("no error placed at broken.yaml line 6, column 5: %q", at)
		}
	})

	t.Run("delete without script", func(t *testing.T) {
		ctx := newTab(t, browser)
		run(t, ctx, noScript(), chromedp.Navigate(base+"/catalog-unprocessed"), chromedp.WaitVisible(chromedp.CSS("main h1")))
		// The Location of the file that is not YAML: its provider does not
		// emit it again, so it stays deleted.
		ref := eval[string](t, ctx, `[...document.querySelectorAll("article.entity")]
			.find((a) => a.textContent.includes("broken.yaml")).querySelector("h3").textContent`)
		button := `article.entity:has(input[name=ref][value="` + ref + `"]) button`
		if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(button))); err != nil {
			t.Fatal(err)
		}
		notice := eval[string](t, ctx, `(document.querySelector(".alert--success") || {textContent: ""}).textContent`)
		if !strings.Contains(notice, "Deleted "+ref) {
			t.Errorf("notice = %q", notice)
		}
		left := eval[[]string](t, ctx, `[...document.querySelectorAll("article.entity h3")].map((h) => h.textContent)`)
		for _, r := range left {
			if r == ref {
				t.Errorf("%s is still listed after deleting it", ref)
			}
		}
		audit(t, ctx, "after delete")
		screenshot(t, ctx, shots, "unprocessed-deleted-1440")
	})

	t.Run("delete with script asks first", func(t *testing.T) {
		ctx := newTab(t, browser)
		navigate(t, ctx, base+"/catalog-unprocessed")
		asked := acceptDialog(ctx)
		button := `article.entity:has(input[name=ref][value="component:default/pier-lights"]) button`
		if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(button))); err != nil {
			t.Fatal(err)
		}
		checkAsked(t, asked, "Delete component:default/pier-lights?")
		notice := eval[string](t, ctx, `(document.querySelector(".alert--success") || {textContent: ""}).textContent`)
		if !strings.Contains(notice, "Deleted component:default/pier-lights") {
			t.Errorf("notice = %q", notice)
		}
	})
}
