package app

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/internal/config"
)

// searchResults is the body of GET /api/search/query.
type searchResults struct {
	Results []struct {
		Type      string         `json:"type"`
		Document  map[string]any `json:"document"`
		Rank      int            `json:"rank"`
		Highlight *struct {
			Fields map[string]string `json:"fields"`
		} `json:"highlight"`
	} `json:"results"`
	NumberOfResults *int   `json:"numberOfResults"`
	NextPageCursor  string `json:"nextPageCursor"`
}

func (r searchResults) titles() []string {
	out := []string{}
	for _, x := range r.Results {
		out = append(out, x.Type+": "+x.Document["title"].(string))
	}
	return out
}

// searchFor queries the search API until ok accepts the results or the
// deadline passes, and returns the last results.
func searchFor(t *testing.T, c *http.Client, base, query string, within time.Duration, ok func(searchResults) bool) searchResults {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var r searchResults
		if code := getJSON(t, c, base+"/api/search/query?"+query, &r); code != http.StatusOK && code != http.StatusBadRequest {
			t.Fatalf("search %s: status %d", query, code)
		}
		if ok(r) || time.Now().After(deadline) {
			return r
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func hasTitle(title string) func(searchResults) bool {
	return func(r searchResults) bool {
		for _, x := range r.Results {
			if x.Document["title"] == title {
				return true
			}
		}
		return false
	}
}

func TestSearchServesTheDemo(t *testing.T) {
	base, _ := startDemo(t)
	c := guestClient(t, base)
	r := searchFor(t, c, base, "term=payments+gateway", 20*time.Second, hasTitle("Payments gateway"))
	if len(r.Results) == 0 || r.Results[0].Document["title"] != "Payments gateway" || r.Results[0].Type != "software-catalog" {
		t.Fatalf("payments gateway: %v", r.titles())
	}
	first := r.Results[0]
	if first.Document["location"] != "/catalog/default/Component/payments-gateway" || first.Document["kind"] != "Component" ||
		first.Document["owner"] != "group:harbour-team" || first.Document["authorization"] != nil {
		t.Errorf("document: %v", first.Document)
	}
	if first.Highlight == nil || first.Highlight.Fields["title"] != "<>Payments</> <>gateway</>" {
		t.Errorf("highlight: %+v", first.Highlight)
	}
	// The demo template is a software-template document.
	r = searchFor(t, c, base, "term=tidewater&types[0]=software-template", 5*time.Second, func(r searchResults) bool { return len(r.Results) > 0 })
	if len(r.Results) == 0 || r.Results[0].Document["location"] != "/create/templates/default/tidewater-service" {
		t.Errorf("templates: %v", r.Results)
	}
	// Filters as Backstage's frontend sends them.
	var kinds searchResults
	getJSON(t, c, base+"/api/search/query?term=&types[0]=software-catalog&filters[kind]=Group&pageLimit=100", &kinds)
	if len(kinds.Results) == 0 {
		t.Fatal("no groups")
	}
	for _, x := range kinds.Results {
		if x.Document["kind"] != "Group" {
			t.Errorf("filters[kind]=Group returned %v", x.Document)
		}
	}
	// Suggestions for the search box.
	var sug searchResults
	getJSON(t, c, base+"/api/search/suggest?prefix=paym", &sug)
	if len(sug.Results) == 0 || !strings.HasPrefix(strings.ToLower(sug.Results[0].Document["title"].(string)), "paym") {
		t.Errorf("suggestions: %v", sug.titles())
	}
}

func TestSearchReindex(t *testing.T) {
	_, a := startDemo(t)
	done, err := a.SearchReindex(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, r := range done {
		got[r.Type] = r.Documents
	}
	if got["software-catalog"] < 20 || got["software-template"] != 2 || len(done) != 3 {
		t.Errorf("reindexed %v", done)
	}
	if _, err := a.SearchReindex(context.Background(), "nope"); err == nil {
		t.Error("an unknown type is not an error")
	}
}

func TestSearchIsFreshAfterStitching(t *testing.T) {
	srv := newFileServer(t, map[string]string{"/catalog-info.yaml": `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: lighthouse-keeper
  description: Keeps the lights on along the coast.
spec:
  type: service
  lifecycle: experimental
  owner: group:default/harbour-team
`})
	base, a := startDemo(t, `APP_CONFIG_backend_reading_allow=[{"host":"127.0.0.1:1024-65535"}]`)
	c := guestClient(t, base)
	// Wait for the first full index.
	searchFor(t, c, base, "term=payments", 20*time.Second, hasTitle("Payments gateway"))
	resp, _ := send(t, c, http.MethodPost, base+"/api/catalog/locations", `{"type":"url","target":"`+srv+`/catalog-info.yaml"}`,
		"Content-Type", "application/json")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create location: %d", resp.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := a.Engine().WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	stitched := time.Now()
	r := searchFor(t, c, base, "term=lighthouse", 2*time.Second, hasTitle("lighthouse-keeper"))
	if !hasTitle("lighthouse-keeper")(r) {
		t.Fatalf("not searchable within 2 s of stitching: %v", r.titles())
	}
	t.Logf("searchable %v after stitching", time.Since(stitched))
}

func TestSearchPublishedDocs(t *testing.T) {
	base, a := startDemo(t, "APP_CONFIG_techdocs_builder=external", "APP_CONFIG_techdocs_publisher_local_publishDirectory="+t.TempDir())
	c := guestClient(t, base)
	// Once the first index is built (no site yet), publishing the site is
	// what makes its pages searchable: the next full rebuild is minutes
	// away.
	searchFor(t, c, base, "term=payments", 20*time.Second, hasTitle("Payments gateway"))
	if _, err := a.TechDocs().Publisher().Publish(context.Background(), uiKit, materialSite); err != nil {
		t.Fatal(err)
	}
	published := time.Now()
	r := searchFor(t, c, base, "term=tides&types[0]=techdocs", 2*time.Second, hasTitle("Harbour Tides"))
	if !hasTitle("Harbour Tides")(r) {
		t.Fatalf("the published site is not searchable within 2 s: %v", r.titles())
	}
	t.Logf("searchable %v after publishing", time.Since(published))
	for _, x := range r.Results {
		loc, _ := x.Document["location"].(string)
		if !strings.HasPrefix(loc, "/docs/default/component/tidewater-ui-kit/") || x.Document["entityTitle"] == nil {
			t.Errorf("page document: %v", x.Document)
		}
	}
}

func TestSearchPermissions(t *testing.T) {
	t.Run("groups only", testSearchGroupsOnly)
	t.Run("post-filtered", testSearchPostFiltered)
	t.Run("denied", testSearchDenied)
}

// testSearchGroupsOnly: a condition the engine runs in its query.
func testSearchGroupsOnly(t *testing.T) {
	base, _ := startDemo(t, guestPolicy...)
	c := guestClient(t, base)
	r := searchFor(t, c, base, "term=&types[0]=software-catalog&pageLimit=100", 20*time.Second, func(r searchResults) bool { return len(r.Results) > 0 })
	if len(r.Results) == 0 {
		t.Fatal("the guest finds no groups")
	}
	for _, x := range r.Results {
		if x.Document["kind"] != "Group" {
			t.Errorf("the guest finds %v", x.Document)
		}
	}
	var sug searchResults
	getJSON(t, c, base+"/api/search/suggest?prefix=pay", &sug)
	if len(sug.Results) != 0 {
		t.Errorf("suggestions the guest may not read: %v", sug.titles())
	}

}

// testSearchPostFiltered: a condition only the catalog decides, checked
// on what the engine returns.
func testSearchPostFiltered(t *testing.T) {
	experimental := `APP_CONFIG_permission={"rules":[{"name":"experimental-only","permission":"catalog.entity.read","decision":"conditional",` +
		`"conditions":{"hasSpec":{"key":"lifecycle","value":"experimental"}}}]}`
	base, _ := startDemo(t, experimental)
	c := guestClient(t, base)
	r := searchFor(t, c, base, "term=&types[0]=software-catalog&pageLimit=100", 20*time.Second, func(r searchResults) bool { return len(r.Results) > 0 })
	if len(r.Results) == 0 || r.NumberOfResults != nil {
		t.Fatalf("post-filtered results: %v (numberOfResults %v)", r.titles(), r.NumberOfResults)
	}
	for _, x := range r.Results {
		if x.Document["lifecycle"] != "experimental" {
			t.Errorf("the guest finds %v", x.Document)
		}
	}

}

// testSearchDenied: nothing, and the denial in the audit log.
func testSearchDenied(t *testing.T) {
	deny := `APP_CONFIG_permission={"admins":["user:development/guest"],"rules":[{"name":"no-reading","permission":"catalog.entity.read","decision":"deny"}]}`
	base, _ := startDemo(t, deny)
	c := guestClient(t, base)
	var none searchResults
	if code := getJSON(t, c, base+"/api/search/query?term=payments", &none); code != http.StatusOK || len(none.Results) != 0 {
		t.Errorf("denied: %d %v", code, none.titles())
	}
	var events audit.Page
	getJSON(t, c, base+"/api/audit/events?action=catalog.entity.read", &events)
	found := false
	for _, e := range events.Items {
		if e.Outcome == audit.OutcomeDenied && e.Rule == "no-reading" && strings.HasPrefix(e.Target, "/api/search/query") {
			found = true
		}
	}
	if !found {
		t.Errorf("the denied search is not in the audit log: %+v", events.Items)
	}
}

func TestSearchConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "app-config.yaml")
	if err := os.WriteFile(file, []byte(`search:
  maxTermLength: 50
  synonyms:
    - [k8s, kubernetes]
    - [ci, continuous integration]
  collators:
    catalog:
      schedule:
        frequency: { minutes: 30 }
        timeout: { minutes: 20 }
      locationTemplate: /entities/:kind/:name
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := config.LoadEnviron([]string{file}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := loadSearchConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if sc.MaxTermLength != 50 || !cmp.Equal(sc.Synonyms, [][]string{{"k8s", "kubernetes"}, {"ci", "continuous integration"}}) ||
		sc.Collators.Catalog.Schedule.Frequency != 30*time.Minute || sc.Collators.Catalog.Schedule.Timeout != 20*time.Minute ||
		sc.Collators.Catalog.LocationTemplate != "/entities/:kind/:name" {
		t.Errorf("search config: %+v", sc)
	}
	bad := "backend:\n  database:\n    client: better-sqlite3\n    connection: " + filepath.Join(dir, "db") + "\nsearch:\n  synonyms:\n    - [alone]\n"
	if err := os.WriteFile(file, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, _, err = config.LoadEnviron([]string{file}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(context.Background(), Options{Config: cfg}); err == nil || !strings.Contains(err.Error(), "search.synonyms[0]") {
		t.Errorf("bad synonyms: %v", err)
	}
}
