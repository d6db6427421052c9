package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/internal/app"
	"github.com/callboard/callboard/internal/config"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

// The pages over the real catalog engine and query service, on SQLite and
// (with CALLBOARD_TEST_POSTGRES) PostgreSQL: the demo organisation, the
// health counts, and a location registered and unregistered through the
// forms.

const tideClock = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: tide-clock
  title: Tide clock
spec:
  type: service
  lifecycle: experimental
  owner: group:ghost-team
`

// demoPortal runs the whole app on a fresh database of dialect d with the
// demo catalog, reading catalog files from files.
func demoPortal(t *testing.T, d store.Dialect, files *httptest.Server) (http.Handler, *app.App) {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	opts := storetest.Options(t, d)
	db := fmt.Sprintf("client: better-sqlite3\n    connection: %q", opts.DSN)
	if d == store.Postgres {
		db = fmt.Sprintf("client: pg\n    connection: %q", opts.DSN)
	}
	cfgPath := filepath.Join(t.TempDir(), "app-config.yaml")
	cfgText := fmt.Sprintf(`backend:
  baseUrl: http://127.0.0.1:7007
  database:
    %s
  auth:
    dangerouslyDisableDefaultAuthPolicy: true
  reading:
    allow:
      - host: %q
catalog:
  locations:
    - type: file
      target: %q
  rules:
    - allow: [Component, API, Resource, System, Domain, Group, User, Location, Template]
  orphanStrategy: delete
`, db, strings.TrimPrefix(files.URL, "http://"), filepath.Join(root, "examples", "catalog", "all.yaml"))
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, warnings, err := config.LoadEnviron([]string{cfgPath}, nil)
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
	done := make(chan error, 1)
	go func() { done <- a.Engine().Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		a.Close()
	})
	idle(t, a)
	return a.Handler(), a
}

func idle(t *testing.T, a *app.App) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := a.Engine().WaitIdle(ctx); err != nil {
		t.Fatalf("WaitIdle: %v", err)
	}
}

// get fetches a page whole: it waits for the page's slow parts (counts),
// which a loaded machine may not finish within the part budget.
func get(t *testing.T, h http.Handler, target string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Header.Set("Callboard-Parts", "wait")
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func post(t *testing.T, h http.Handler, target string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

var rowName = regexp.MustCompile(`<th scope="row"><a href="[^"]+">([^<]+)</a></th>`)

func names(body string) []string {
	var out []string
	for _, m := range rowName.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestPagesOverTheRealCatalog(t *testing.T) {
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/tide/catalog-info.yaml" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, tideClock)
	}))
	defer files.Close()
	target := files.URL + "/tide/catalog-info.yaml"

	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h, a := demoPortal(t, db.Dialect, files)
		pages := []struct {
			target string
			want   []string
		}{
			{"/", []string{"Catalog health", `<a href="/catalog?kind=api">API</a>`}},
			{"/catalog", []string{"11 components", `value="group:default/harbour-team"`, "Booking service"}},
			{"/catalog?type=website&sort=owner&dir=desc", []string{"2 components", "Operations console", "Traveller website"}},
			{"/catalog?kind=all&text=booking", []string{"Booking API", "Booking service"}},
			{"/catalog?owner=group:default/keel-team&lifecycle=deprecated", []string{"1 component", "Schedule importer"}},
			{"/catalog/default/component/booking-service", []string{"<h1>Booking service</h1>", `href="/catalog/default/api/booking-api"`}},
			{"/catalog/default/component/booking-service/relations", []string{"Provides APIs", "Booking API"}},
			{"/catalog/default/component/booking-service/history", []string{`<span class="badge badge--ok">created</span>`}},
			{"/catalog/default/component/booking-service/inspect", []string{"name: booking-service"}},
			{"/catalog/default/component/booking-service/graph", []string{"<svg"}},
			{"/catalog/default/api/booking-api/definition", []string{"<h1>Booking API</h1>"}},
			{"/catalog/default/group/harbour-team", []string{"card-members", "card-ownership", "Booking service"}},
			{"/catalog/default/user/dana.okafor", []string{"Dana Okafor", "Engineering"}},
			{"/catalog-graph?rootEntityRefs[]=component:default/booking-service", []string{"<svg"}},
			{"/catalog-unregister?entity=component:default/booking-service", []string{"does not come from a registered location"}},
		}
		for _, p := range pages {
			code, body := get(t, h, p.target)
			if code != 200 {
				t.Errorf("%s: status %d", p.target, code)
				continue
			}
			for _, w := range p.want {
				if !strings.Contains(body, w) {
					t.Errorf("%s lacks %q", p.target, w)
				}
			}
		}
		if _, body := get(t, h, "/catalog?type=website&sort=owner&dir=desc"); strings.Join(names(body), ",") != "Traveller website,Operations console" {
			t.Errorf("websites by owner, descending: %v", names(body))
		}

		// Register through the form, find the entity, then unregister it.
		rec := post(t, h, "/catalog-import", url.Values{"url": {target}})
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "1 entity would be added") {
			t.Fatalf("preview: %d\n%s", rec.Code, rec.Body.String())
		}
		rec = post(t, h, "/catalog-import", url.Values{"url": {target}, "action": {"register"}, "entity": {"component:default/tide-clock"}})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("register: %d\n%s", rec.Code, rec.Body.String())
		}
		idle(t, a)
		if _, body := get(t, h, rec.Header().Get("Location")); !strings.Contains(body, `<a href="/catalog/default/component/tide-clock">Tide clock</a>`) {
			t.Errorf("result page does not link the new entity")
		}
		if _, body := get(t, h, "/catalog?text=clock"); strings.Join(names(body), ",") != "Tide clock" {
			t.Errorf("table finds %v", names(body))
		}
		// Its owner is no entity: it shows on the health list.
		if _, body := get(t, h, "/catalog?kind=all&health=unowned"); !strings.Contains(strings.Join(names(body), ","), "Tide clock") {
			t.Errorf("unowned list: %v", names(body))
		}
		_, body := get(t, h, "/catalog-unregister?entity=component:default/tide-clock")
		m := regexp.MustCompile(`name="location" value="([^"]+)"`).FindStringSubmatch(body)
		if m == nil || !strings.Contains(body, "1 entity goes with it") {
			t.Fatalf("unregister page:\n%s", body)
		}
		rec = post(t, h, "/catalog-unregister", url.Values{"location": {m[1]}, "target": {"url:" + target}})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("unregister: %d\n%s", rec.Code, rec.Body.String())
		}
		idle(t, a)
		if code, _ := get(t, h, "/catalog/default/component/tide-clock"); code != 404 {
			t.Errorf("after unregistering, the entity page answers %d", code)
		}
	})
}
