package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// needBrowser skips a browser test in -short mode or without Chromium,
// and returns the directory its screenshots go to.
func needBrowser(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("no browser at %s (apt-get install chromium): %v", chromiumPath, err)
	}
	shots, err := filepath.Abs(filepath.Join("testdata", "screenshots"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	return shots
}

// webPage is a page of the portal by the name its screenshots take.
type webPage struct{ name, path string }

// forEachView runs check in a subtest named <name>-<width>-<scheme>, at a
// laptop and a phone width in the light and the dark colour scheme, each
// in a fresh tab already that wide and in that scheme.
func forEachView(t *testing.T, browser context.Context, name string, check func(t *testing.T, ctx context.Context, view string)) {
	t.Helper()
	for _, width := range []int64{1440, 360} {
		for _, scheme := range []string{"light", "dark"} {
			view := fmt.Sprintf("%s-%d-%s", name, width, scheme)
			t.Run(view, func(t *testing.T) {
				ctx := newTab(t, browser)
				run(t, ctx, chromedp.EmulateViewport(width, 900), colourScheme(scheme))
				check(t, ctx, view)
			})
		}
	}
}

// auditViews opens each page in every view of forEachView, audits it and
// saves a screenshot named after the view.
func auditViews(t *testing.T, browser context.Context, base, shots string, pages []webPage) {
	t.Helper()
	for _, p := range pages {
		forEachView(t, browser, p.name, func(t *testing.T, ctx context.Context, view string) {
			navigate(t, ctx, base+p.path)
			audit(t, ctx, view)
			screenshot(t, ctx, shots, view)
		})
	}
}

// acceptDialog accepts the next JavaScript dialog the tab opens and sends
// its message on the returned channel. Call it before the step that opens
// the dialog.
func acceptDialog(ctx context.Context) <-chan string {
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	asked := make(chan string, 1)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			asked <- ev.Message
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
			return
		}
	}()
	return asked
}

// checkAsked checks that a dialog from acceptDialog opened within five
// seconds and that its message holds want.
func checkAsked(t *testing.T, asked <-chan string, want string) {
	t.Helper()
	select {
	case msg := <-asked:
		if !strings.Contains(msg, want) {
			t.Errorf("confirmation = %q", msg)
		}
	case <-time.After(5 * time.Second):
		t.Error("no confirmation was asked")
	}
}

// pressTab moves the focus on with Tab, the n-th time, checks that what
// it lands on shows a focus ring on screen, and returns it.
func pressTab(t *testing.T, ctx context.Context, n int) focusState {
	t.Helper()
	run(t, ctx, chromedp.KeyEvent("\t"))
	f := eval[focusState](t, ctx, focusJS)
	if !f.Ring || !f.OnScreen {
		t.Errorf("Tab %d: %s has ring=%v onScreen=%v", n, f.What, f.Ring, f.OnScreen)
	}
	return f
}

// loadBy runs a step that loads a page, such as submitting a form, and
// waits for the page's heading.
func loadBy(t *testing.T, ctx context.Context, step chromedp.Action[chromedp.Void]) {
	t.Helper()
	if _, err := chromedp.RunResponse(ctx, step); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, chromedp.WaitVisible(chromedp.CSS("main h1")))
}
