package app

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/config"
)

// startDemo runs the whole app on a temporary SQLite database with the demo
// organisation, as `callboard serve --config examples/app-config.yaml`
// does, and returns its base URL once the catalog is idle.
func startDemo(t *testing.T, environ ...string) (string, *App) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(root) // relative file targets resolve against the working directory
	db := filepath.Join(t.TempDir(), "callboard.db")
	return serveConfig(t, []string{"examples/app-config.yaml"},
		append([]string{"APP_CONFIG_backend_database_connection=" + db}, environ...))
}

// serveConfig runs the whole app with the configuration of files and
// environ, which must load without warnings, and returns its base URL once
// the catalog is idle. The app stops when the test ends.
func serveConfig(t *testing.T, files, environ []string) (string, *App) {
	t.Helper()
	cfg, warnings, err := config.LoadEnviron(files, environ)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) > 0 {
		t.Fatalf("warnings: %v", warnings)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := New(ctx, Options{Config: cfg})
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
	waitCtx, stop := context.WithTimeout(ctx, 30*time.Second)
	defer stop()
	if err := a.Engine().WaitIdle(waitCtx); err != nil {
		t.Fatalf("WaitIdle: %v", err)
	}
	return "http://" + ln.Addr().String(), a
}

func getJSON(t *testing.T, c *http.Client, url string, v any) int {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if v != nil && len(b) > 0 {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v: %s", url, err, b)
		}
	}
	return resp.StatusCode
}

func TestDemoOrganisationServed(t *testing.T) {
	base, _ := startDemo(t)
	c := guestClient(t, base)

	var facets struct {
		Facets map[string][]struct {
			Value string `json:"value"`
			Count int    `json:"count"`
		} `json:"facets"`
	}
	if code := getJSON(t, c, base+"/api/catalog/entity-facets?facet=kind", &facets); code != 200 {
		t.Fatalf("facets: status %d", code)
	}
	got := map[string]int{}
	for _, f := range facets.Facets["kind"] {
		got[f.Value] = f.Count
	}
	for _, kind := range []string{"Component", "API", "Resource", "System", "Domain", "Group", "User", "Location"} {
		if got[kind] == 0 {
			t.Errorf("no %s entities in the demo catalog: %v", kind, got)
		}
	}

	// Relations are stitched in both directions and visible through filters.
	var page struct {
		Items []struct {
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
			Relations []struct {
				Type      string `json:"type"`
				TargetRef string `json:"targetRef"`
			} `json:"relations"`
		} `json:"items"`
		TotalItems int `json:"totalItems"`
	}
	if code := getJSON(t, c, base+"/api/catalog/entities/by-query?filter=kind=group&orderField=metadata.name,asc", &page); code != 200 {
		t.Fatalf("by-query: status %d", code)
	}
	if page.TotalItems == 0 {
		t.Fatal("no groups")
	}
	owners := 0
	for _, g := range page.Items {
		for _, r := range g.Relations {
			if r.Type == "ownerOf" {
				owners++
			}
		}
	}
	if owners == 0 {
		t.Error("no group has an ownerOf relation: reverse relations were not stitched")
	}

	// Health.
	for _, p := range []string{"/healthcheck", "/.backstage/health/v1/readiness", "/.backstage/health/v1/liveness"} {
		if code := getJSON(t, c, base+p, nil); code != 200 {
			t.Errorf("%s: status %d", p, code)
		}
	}
}

func TestRegisterLocationOverHTTP(t *testing.T) {
	// A catalog file served over HTTP from a host in backend.reading.allow
	// is registered, processed and queryable.
	srv := newFileServer(t, map[string]string{"/catalog-info.yaml": `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: registered-over-http
spec:
  type: service
  lifecycle: experimental
  owner: group:default/harbour
`})
	base, a := startDemo(t, `APP_CONFIG_backend_reading_allow=[{"host":"127.0.0.1:1024-65535"}]`)
	c := guestClient(t, base)

	body := `{"type":"url","target":"` + srv + `/catalog-info.yaml"}`
	resp, err := c.Post(base+"/api/catalog/locations", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("create location: status %d", resp.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := a.Engine().WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	var e struct {
		Metadata struct {
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
	}
	if code := getJSON(t, c, base+"/api/catalog/entities/by-name/component/default/registered-over-http", &e); code != 200 {
		t.Fatalf("by-name: status %d", code)
	}
	want := "url:" + srv + "/catalog-info.yaml"
	if diff := cmp.Diff(want, e.Metadata.Annotations["backstage.io/managed-by-location"]); diff != "" {
		t.Errorf("managed-by-location (-want +got):\n%s", diff)
	}
}

// newFileServer serves files by path and returns its base URL.
func newFileServer(t *testing.T, files map[string]string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
