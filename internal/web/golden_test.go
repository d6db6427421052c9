package web

import (
	"encoding/json"
	"flag"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/auth"
	"github.com/callboard/callboard/internal/catalog"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

// assetHashRE matches the content hash in static file URLs; golden files
// hold a placeholder so that a stylesheet edit does not change every page.
var assetHashRE = regexp.MustCompile(`(/static/[a-z0-9-]+)\.[0-9a-f]{12}\.`)

// compareGolden compares a page with testdata/golden/<name>.html, or
// rewrites the file with -update.
func compareGolden(t *testing.T, name, body string) {
	t.Helper()
	got := assetHashRE.ReplaceAllString(body, "$1.HASH.")
	path := filepath.Join("testdata", "golden", name+".html")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got); run go test -update if the change is intended:\n%s", path, diff)
	}
}

// TestGoldenPages renders each page over fixed data and compares the HTML
// with testdata/golden/<name>.html. Run with -update to accept changes,
// then read the diff.
func TestGoldenPages(t *testing.T) {
	dry := []json.RawMessage{
		json.RawMessage(`{"apiVersion":"backstage.io/v1alpha1","kind":"Location","metadata":{"name":"generated-1"},"spec":{"target":"https://git.example.com/tide/catalog-info.yaml"}}`),
		json.RawMessage(`{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"tide-clock","description":"Tells the tide."},"spec":{"type":"service","owner":"harbour","lifecycle":"production"}}`),
		json.RawMessage(`{"apiVersion":"backstage.io/v1alpha1","kind":"API","metadata":{"name":"booking-api"},"spec":{"type":"openapi","owner":"harbour","lifecycle":"production","definition":"x"}}`),
	}
	harbourLoc := catalog.Location{ID: "loc-1", Type: "url", Target: "https://git.example.com/harbour/blob/main/catalog-info.yaml"}
	tests := []struct {
		name   string
		method string
		target string
		form   url.Values
		who    *auth.Identity
		cat    *fakeCatalog
		un     *fakeUnprocessed
		cookie string
		status int
	}{
		{name: "home", target: "/", who: jane, status: 200},
		{name: "home-empty", cat: &fakeCatalog{}, target: "/", cookie: "theme=dark", status: 200},
		{name: "catalog", target: "/catalog", who: jane, status: 200},
		{name: "catalog-filtered", target: "/catalog?type=service&owner=group:default/harbour&sort=lifecycle&dir=desc&limit=1", status: 200},
		{name: "catalog-next-page", target: "/catalog?limit=2&cursor=cursor-0&page=2", status: 200},
		{name: "catalog-orphans", target: "/catalog?kind=all&health=orphan", status: 200},
		{name: "catalog-empty", target: "/catalog?kind=api&text=nothing-matches", status: 200},
		{name: "entity-overview", target: "/catalog/default/component/booking-service", who: jane, status: 200},
		{name: "entity-relations", target: "/catalog/default/component/booking-service/relations", status: 200},
		{name: "entity-history", target: "/catalog/default/component/booking-service/history", status: 200},
		{name: "entity-inspect", target: "/catalog/default/component/booking-service/inspect", status: 200},
		{name: "entity-orphan", target: "/catalog/default/component/old-importer", status: 200},
		{name: "entity-group", target: "/catalog/default/group/harbour", who: jane, status: 200},
		{name: "entity-user", target: "/catalog/default/user/jane.doe", status: 200},
		{name: "entity-system", target: "/catalog/default/system/ticketing", status: 200},
		{name: "import", target: "/catalog-import", who: jane, status: 200},
		{name: "import-preview", method: "POST", target: "/catalog-import", who: jane, status: 200,
			form: url.Values{"url": {"https://git.example.com/tide/catalog-info.yaml"}}},
		{name: "import-suggest", method: "POST", target: "/catalog-import", status: 200,
			form: url.Values{"url": {"https://git.example.com/tide"}}},
		{name: "import-bad-url", method: "POST", target: "/catalog-import", status: 400,
			form: url.Values{"url": {"javascript:alert(1)"}}},
		{name: "import-done", target: "/catalog-import?registered=" + url.QueryEscape("https://git.example.com/tide/catalog-info.yaml") +
			"&entity=component:default/tide-clock&entity=api:default/booking-api", status: 200},
		{name: "unregister", target: "/catalog-unregister?entity=component:default/booking-service", who: jane, status: 200},
		{name: "unregister-config", target: "/catalog-unregister?entity=group:default/harbour", status: 200},
		{name: "unregister-done", target: "/catalog-unregister?removed=" + url.QueryEscape("url:https://git.example.com/harbour/blob/main/catalog-info.yaml"), status: 200},
		{name: "unprocessed-failed", un: sampleUnprocessed(), target: "/catalog-unprocessed", status: 200},
		{name: "unprocessed-pending", un: sampleUnprocessed(), target: "/catalog-unprocessed?tab=pending", cookie: "theme=light", status: 200},
		{name: "unprocessed-empty-owner", un: sampleUnprocessed(),
			target: "/catalog-unprocessed?tab=failed&owner=nobody&deleted=" + url.QueryEscape("component:default/gone"), status: 200},
		{name: "not-found", target: "/catalog/default/component/nope", status: 404},
		{name: "bad-request", target: "/catalog-unprocessed?tab=stuck", status: 400},
		{name: "bad-view", target: "/catalog?sort=colour", status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cat := tt.cat
			if cat == nil {
				cat = sampleCatalog()
			}
			un := tt.un
			if un == nil {
				un = &fakeUnprocessed{}
			}
			locs := &fakeLocations{dryRun: dry, origin: map[string]catalog.Location{"component:default/booking-service": harbourLoc}}
			h := testSite(t, cat, un, func(o *Options) { o.UI = sampleUI(); o.Locations = locs })
			if tt.who != nil {
				h = as(tt.who, h)
			}
			if tt.name == "catalog-next-page" {
				// Make the first page, whose next cursor is cursor-0.
				send(t, h, http.MethodGet, "/catalog?limit=2", nil)
			}
			hdr := []string{"Sec-Fetch-Site", "same-origin"}
			if tt.cookie != "" {
				hdr = append(hdr, "Cookie", tt.cookie)
			}
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			rec := send(t, h, method, tt.target, tt.form, hdr...)
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			compareGolden(t, tt.name, rec.Body.String())
		})
	}
}
