package web

import (
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
)

func TestEmbeddedBundle(t *testing.T) {
	b, err := loadBundle(embedded)
	if err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"home", "unprocessed", "error", "catalog", "entity", "import", "unregister", "plugin"} {
		if b.pages[page] == nil {
			t.Errorf("no %s page", page)
		}
	}
	// Pages are parsed on first use: every embedded one must parse.
	for name, parse := range b.pages {
		if _, err := parse(); err != nil {
			t.Errorf("page %s: %v", name, err)
		}
	}
	for _, name := range []string{"app.css", "app.js", "favicon.svg"} {
		u, err := b.assetURL(name)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^/static/[a-z]+\.[0-9a-f]{12}\.[a-z]+$`).MatchString(u) {
			t.Errorf("%s: URL %s has no content hash", name, u)
		}
	}
}

func TestStaticFiles(t *testing.T) {
	h := testSite(t, &fakeCatalog{}, &fakeUnprocessed{})
	b, err := loadBundle(embedded)
	if err != nil {
		t.Fatal(err)
	}
	css, _ := b.assetURL("app.css")
	js, _ := b.assetURL("app.js")

	rec := send(t, h, http.MethodGet, css, nil)
	if rec.Code != 200 || rec.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Errorf("hashed css: %d, Cache-Control %q", rec.Code, rec.Header().Get("Cache-Control"))
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/css; charset=utf-8" {
		t.Errorf("css Content-Type = %q", ct)
	}
	if !strings.Contains(rec.Body.String(), "--accent") {
		t.Errorf("css body is not the stylesheet")
	}
	etag := rec.Header().Get("ETag")

	rec = send(t, h, http.MethodGet, css, nil, "If-None-Match", etag)
	if rec.Code != http.StatusNotModified {
		t.Errorf("revalidation with the ETag: %d, want 304", rec.Code)
	}
	rec = send(t, h, http.MethodGet, "/static/app.css", nil)
	if rec.Code != 200 || rec.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("plain name: %d, Cache-Control %q", rec.Code, rec.Header().Get("Cache-Control"))
	}
	rec = send(t, h, http.MethodGet, js, nil)
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("js Content-Type = %q", ct)
	}
	for _, bad := range []string{"/static/app.000000000000.css", "/static/nope.css", "/static/"} {
		if rec := send(t, h, http.MethodGet, bad, nil); rec.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", bad, rec.Code)
		}
	}
}

// copyTree copies the package's templates and static files to a temporary
// directory for development-mode tests to edit.
func copyTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	err := fs.WalkDir(os.DirFS("."), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !strings.HasPrefix(p, "templates") && !strings.HasPrefix(p, "static") && p != "." {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, p), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, p), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestDevModeReadsFromDisk(t *testing.T) {
	dir := copyTree(t)
	h := testSite(t, &fakeCatalog{}, &fakeUnprocessed{}, func(o *Options) { o.Dev = true; o.DevDir = dir })
	cssURL := func() string {
		m := regexp.MustCompile(`href="(/static/app\.[0-9a-f]+\.css)"`).FindStringSubmatch(send(t, h, http.MethodGet, "/", nil).Body.String())
		if m == nil {
			t.Fatal("no stylesheet link")
		}
		return m[1]
	}
	before := cssURL()
	if err := os.WriteFile(filepath.Join(dir, "static", "app.css"), []byte("body { color: red }"), 0o644); err != nil {
		t.Fatal(err)
	}
	after := cssURL()
	if before == after {
		t.Errorf("stylesheet URL did not change after an edit: %s", after)
	}
	rec := send(t, h, http.MethodGet, after, nil)
	// Other stylesheets of static/ follow app.css in the same file.
	if !strings.HasPrefix(rec.Body.String(), "body { color: red }") || rec.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("edited stylesheet: %q, Cache-Control %q", rec.Body.String(), rec.Header().Get("Cache-Control"))
	}

	home := filepath.Join(dir, "templates", "pages", "home.html")
	if err := os.WriteFile(home, []byte(`{{define "content"}}<h1>Edited</h1>{{end}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if body := send(t, h, http.MethodGet, "/", nil).Body.String(); !strings.Contains(body, "<h1>Edited</h1>") {
		t.Errorf("edited template not used:\n%s", body)
	}

	// A broken template is shown to the developer, not hidden.
	if err := os.WriteFile(home, []byte(`{{define "content"}}{{.Nope`), 0o644); err != nil {
		t.Fatal(err)
	}
	rec = send(t, h, http.MethodGet, "/", nil)
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "home.html") {
		t.Errorf("broken template: %d\n%s", rec.Code, rec.Body.String())
	}
}

func TestThemeSwitch(t *testing.T) {
	h := testSite(t, &fakeCatalog{}, &fakeUnprocessed{})
	tests := []struct {
		target     string
		wantCookie string
		wantTo     string
	}{
		{"/theme?set=dark&next=" + url.QueryEscape("/catalog-unprocessed?tab=pending"), "theme=dark; Path=/; Max-Age=31536000; SameSite=Lax", "/catalog-unprocessed?tab=pending"},
		{"/theme?set=light&next=/", "theme=light; Path=/; Max-Age=31536000; SameSite=Lax", "/"},
		{"/theme?set=auto&next=/", "theme=; Path=/; Max-Age=0; SameSite=Lax", "/"},
		{"/theme?set=purple&next=//evil.example", "theme=; Path=/; Max-Age=0; SameSite=Lax", "/"},
		{"/theme?set=dark&next=https://evil.example/", "theme=dark; Path=/; Max-Age=31536000; SameSite=Lax", "/"},
	}
	for _, tt := range tests {
		rec := send(t, h, http.MethodGet, tt.target, nil)
		if rec.Code != http.StatusSeeOther {
			t.Errorf("%s: status %d", tt.target, rec.Code)
		}
		if got := rec.Header().Get("Set-Cookie"); got != tt.wantCookie {
			t.Errorf("%s: Set-Cookie %q, want %q", tt.target, got, tt.wantCookie)
		}
		if got := rec.Header().Get("Location"); got != tt.wantTo {
			t.Errorf("%s: Location %q, want %q", tt.target, got, tt.wantTo)
		}
	}

	// The page carries the choice and links to the next one.
	for _, tt := range []struct{ cookie, attr, next string }{
		{"", "", "dark"},
		{"theme=dark", ` data-theme="dark"`, "light"},
		{"theme=light", ` data-theme="light"`, "auto"},
		{"theme=bogus", "", "dark"},
	} {
		var hdr []string
		if tt.cookie != "" {
			hdr = []string{"Cookie", tt.cookie}
		}
		body := send(t, h, http.MethodGet, "/catalog-unprocessed?tab=failed", nil, hdr...).Body.String()
		if !strings.Contains(body, `<html lang="en"`+tt.attr+`>`) {
			t.Errorf("cookie %q: html element wrong", tt.cookie)
		}
		want := `href="/theme?next=%2Fcatalog-unprocessed%3Ftab%3Dfailed&amp;set=` + tt.next + `"`
		if !strings.Contains(body, want) {
			t.Errorf("cookie %q: no switch link %s", tt.cookie, want)
		}
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/":                    "/",
		"/catalog?x=1":         "/catalog?x=1",
		"":                     "/",
		"catalog":              "/",
		"//evil.example":       "/",
		"/\\evil.example":      "/",
		"https://evil.example": "/",
		"javascript:alert(1)":  "/",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNavMarksTheSection(t *testing.T) {
	current := func(path string) []string {
		var out []string
		for _, l := range navFor(path) {
			if l.Current {
				out = append(out, l.Label)
			}
		}
		return out
	}
	for path, want := range map[string][]string{
		"/":                    {"Home"},
		"/catalog":             {"Catalog"},
		"/catalog/component/x": {"Catalog"},
		"/catalog-import":      {"Register"},
		"/catalog-unprocessed": nil,
		"/catalogue":           nil,
	} {
		if diff := cmp.Diff(want, current(path)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", path, diff)
		}
	}
}

func TestUnprocessedPageQueries(t *testing.T) {
	un := sampleUnprocessed()
	h := testSite(t, &fakeCatalog{}, un)
	send(t, h, http.MethodGet, "/catalog-unprocessed?tab=pending&owner=team-fares", nil)
	send(t, h, http.MethodGet, "/catalog-unprocessed", nil)
	want := []catalog.UnprocessedQuery{
		{Reason: catalog.UnprocessedPending, Owner: "team-fares", Limit: unprocessedListLimit + 1},
		{Reason: catalog.UnprocessedFailed, Limit: unprocessedListLimit + 1},
	}
	if diff := cmp.Diff(want, un.queries); diff != "" {
		t.Errorf("queries (-want +got):\n%s", diff)
	}
}

func TestUnprocessedPageTruncates(t *testing.T) {
	entry := sampleUnprocessed().lists[catalog.UnprocessedFailed][0]
	un := &fakeUnprocessed{lists: map[catalog.UnprocessedReason][]catalog.UnprocessedEntry{}}
	for range unprocessedListLimit + 1 {
		un.lists[catalog.UnprocessedFailed] = append(un.lists[catalog.UnprocessedFailed], entry)
	}
	body := send(t, testSite(t, &fakeCatalog{}, un), http.MethodGet, "/catalog-unprocessed", nil).Body.String()
	if n := strings.Count(body, `<article class="card entity"`); n != unprocessedListLimit {
		t.Errorf("%d entities shown, want %d", n, unprocessedListLimit)
	}
	if !strings.Contains(body, "500+ failed entities") || !strings.Contains(body, "Showing the first 500") {
		t.Errorf("truncation not reported")
	}
}

func TestUnprocessedDelete(t *testing.T) {
	tests := []struct {
		name   string
		form   url.Values
		wantTo string
	}{
		{"failed tab", url.Values{"tab": {"failed"}, "ref": {"component:default/a"}},
			"/catalog-unprocessed?tab=failed&deleted=component%3Adefault%2Fa"},
		{"pending tab with owner", url.Values{"tab": {"pending"}, "owner": {"team a"}, "ref": {"component:default/a"}},
			"/catalog-unprocessed?owner=team+a&tab=pending&deleted=component%3Adefault%2Fa"},
		{"unknown tab and no ref", url.Values{"tab": {"x"}}, "/catalog-unprocessed?tab=failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			un := &fakeUnprocessed{}
			h := testSite(t, &fakeCatalog{}, un)
			rec := send(t, h, http.MethodPost, "/catalog-unprocessed/uid-1/delete", tt.form, "Sec-Fetch-Site", "same-origin")
			if rec.Code != http.StatusSeeOther {
				t.Fatalf("status %d\n%s", rec.Code, rec.Body.String())
			}
			if got := rec.Header().Get("Location"); got != tt.wantTo {
				t.Errorf("Location = %q, want %q", got, tt.wantTo)
			}
			if diff := cmp.Diff([]string{"uid-1"}, un.deleted); diff != "" {
				t.Errorf("deleted (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("cross-site post refused", func(t *testing.T) {
		un := &fakeUnprocessed{}
		h := testSite(t, &fakeCatalog{}, un)
		rec := send(t, h, http.MethodPost, "/catalog-unprocessed/uid-1/delete", url.Values{"tab": {"failed"}}, "Sec-Fetch-Site", "cross-site")
		if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "sent from another site") {
			t.Errorf("status %d\n%s", rec.Code, rec.Body.String())
		}
		if len(un.deleted) != 0 {
			t.Errorf("deleted %v", un.deleted)
		}
	})

	t.Run("service error", func(t *testing.T) {
		un := &fakeUnprocessed{err: problem.Input("Missing entity id")}
		rec := send(t, testSite(t, &fakeCatalog{}, un), http.MethodPost, "/catalog-unprocessed/uid-1/delete", url.Values{})
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "Missing entity id") {
			t.Errorf("status %d\n%s", rec.Code, rec.Body.String())
		}
	})

	t.Run("get is not a delete", func(t *testing.T) {
		un := &fakeUnprocessed{}
		rec := send(t, testSite(t, &fakeCatalog{}, un), http.MethodGet, "/catalog-unprocessed/uid-1/delete", nil)
		if rec.Code != http.StatusNotFound || len(un.deleted) != 0 {
			t.Errorf("status %d, deleted %v", rec.Code, un.deleted)
		}
	})
}

func TestErrorPages(t *testing.T) {
	secret := errors.New("dial tcp 10.0.0.5:5432: connection refused")
	t.Run("unclassified errors are hidden", func(t *testing.T) {
		rec := send(t, testSite(t, &fakeCatalog{err: secret}, &fakeUnprocessed{}), http.MethodGet, "/", nil)
		body := rec.Body.String()
		if rec.Code != 500 || strings.Contains(body, "10.0.0.5") || !strings.Contains(body, "Something went wrong on our side") {
			t.Errorf("status %d\n%s", rec.Code, body)
		}
		if strings.Count(body, "<h1>") != 1 {
			t.Errorf("want exactly one h1")
		}
	})
	t.Run("development mode shows them", func(t *testing.T) {
		h := testSite(t, &fakeCatalog{err: secret}, &fakeUnprocessed{}, func(o *Options) { o.Dev = true; o.DevDir = "." })
		rec := send(t, h, http.MethodGet, "/", nil)
		if rec.Code != 500 || !strings.Contains(rec.Body.String(), "10.0.0.5") {
			t.Errorf("status %d\n%s", rec.Code, rec.Body.String())
		}
	})
	t.Run("classified errors keep their status and message", func(t *testing.T) {
		un := &fakeUnprocessed{err: problem.NotAllowed("You may not list unprocessed entities")}
		rec := send(t, testSite(t, &fakeCatalog{}, un), http.MethodGet, "/catalog-unprocessed", nil)
		if rec.Code != 403 || !strings.Contains(rec.Body.String(), "You may not list unprocessed entities") {
			t.Errorf("status %d\n%s", rec.Code, rec.Body.String())
		}
	})
	t.Run("panics become a 500 page", func(t *testing.T) {
		rec := send(t, testSite(t, &fakeCatalog{}, nil), http.MethodGet, "/catalog-unprocessed", nil)
		if rec.Code != 500 || !strings.Contains(rec.Body.String(), "Something went wrong") {
			t.Errorf("status %d\n%s", rec.Code, rec.Body.String())
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	h := testSite(t, &fakeCatalog{}, &fakeUnprocessed{})
	for _, target := range []string{"/", "/nope", "/static/app.css"} {
		rec := send(t, h, http.MethodGet, target, nil)
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("%s: Content-Security-Policy %q", target, csp)
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", target)
		}
	}
}

func TestHomeSignedOut(t *testing.T) {
	ui := sampleUI()
	rec := send(t, testSite(t, sampleCatalog(), &fakeUnprocessed{}, func(o *Options) { o.UI = ui }), http.MethodGet, "/", nil)
	body := rec.Body.String()
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	for _, absent := range []string{"owned-heading", "starred-heading"} {
		if strings.Contains(body, absent) {
			t.Errorf("signed-out home shows %s", absent)
		}
	}
	for _, want := range []string{
		`<tfoot><tr><th scope="row">All kinds</th><td class="num">16</td></tr></tfoot>`,
		`<a href="/catalog?kind=api">API</a>`,
		`href="/catalog?kind=all&amp;health=unowned"><span class="health__count health__count--warn">1</span>`,
		`<a href="/catalog/default/api/fares-api">fares-api</a>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("home lacks %s", want)
		}
	}
	// The deleted entity of the recent changes is not listed, and an
	// entity changed twice is listed once.
	if strings.Contains(body, "removed-thing") || strings.Count(body, `href="/catalog/default/component/booking-service"`) != 1 {
		t.Errorf("recent changes wrong:\n%s", body)
	}
}
