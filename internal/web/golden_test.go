package web

import (
	"flag"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

// assetHashRE matches the content hash in static file URLs; golden files
// hold a placeholder so that a stylesheet edit does not change every page.
var assetHashRE = regexp.MustCompile(`(/static/[a-z0-9-]+)\.[0-9a-f]{12}\.`)

// TestGoldenPages renders each page over fixed data and compares the HTML
// with testdata/golden/<name>.html. Run with -update to accept changes,
// then read the diff.
func TestGoldenPages(t *testing.T) {
	kinds := []catalog.FacetCount{{Value: "API", Count: 6}, {Value: "Component", Count: 11}, {Value: "Group", Count: 4}}
	tests := []struct {
		name   string
		cat    *fakeCatalog
		un     *fakeUnprocessed
		target string
		cookie string
		status int
	}{
		{name: "home", cat: &fakeCatalog{kinds: kinds}, un: sampleUnprocessed(), target: "/", status: 200},
		{name: "home-empty", cat: &fakeCatalog{}, un: &fakeUnprocessed{}, target: "/", cookie: "theme=dark", status: 200},
		{name: "unprocessed-failed", cat: &fakeCatalog{}, un: sampleUnprocessed(), target: "/catalog-unprocessed", status: 200},
		{name: "unprocessed-pending", cat: &fakeCatalog{}, un: sampleUnprocessed(), target: "/catalog-unprocessed?tab=pending", cookie: "theme=light", status: 200},
		{name: "unprocessed-empty-owner", cat: &fakeCatalog{}, un: sampleUnprocessed(),
			target: "/catalog-unprocessed?tab=failed&owner=nobody&deleted=" + url.QueryEscape("component:default/gone"), status: 200},
		{name: "not-found", cat: &fakeCatalog{}, un: &fakeUnprocessed{}, target: "/catalog/component/default/x", status: 404},
		{name: "bad-request", cat: &fakeCatalog{}, un: &fakeUnprocessed{}, target: "/catalog-unprocessed?tab=stuck", status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := testSite(t, tt.cat, tt.un)
			var hdr []string
			if tt.cookie != "" {
				hdr = []string{"Cookie", tt.cookie}
			}
			rec := send(t, h, http.MethodGet, tt.target, nil, hdr...)
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			got := assetHashRE.ReplaceAllString(rec.Body.String(), "$1.HASH.")
			path := filepath.Join("testdata", "golden", tt.name+".html")
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
		})
	}
}
