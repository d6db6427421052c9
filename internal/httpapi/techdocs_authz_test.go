package httpapi

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/blob"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
	"github.com/callboard/callboard/internal/techdocs"
)

// techdocsRolesCovered lists the routes TestTechdocsPermissions calls as
// every role, for the roles matrix's coverage check.
func techdocsRolesCovered() []string {
	var out []string
	for _, rt := range (&server{}).routes() {
		if strings.HasPrefix(rt.pattern, "GET "+techdocsMount+"/") {
			out = append(out, rt.pattern)
		}
	}
	return out
}

// TestTechdocsPermissions reads docs as the roles of the authorization
// tests: the entity read check decides, a refusal reads as absent (404)
// and is recorded, a conditional caller reads the docs of what it owns.
func TestTechdocsPermissions(t *testing.T) {
	f := newAuthzFixture(t, storetest.Open(t, store.SQLite))
	f.waitIdle(t)
	d, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	pub := techdocs.NewPublisher(d, techdocs.PublisherOptions{})
	site := t.TempDir()
	for name, body := range map[string]string{"index.html": "<h1>Docs</h1>", techdocs.MetadataFile: `{"site_name":"Docs"}`} {
		if err := os.WriteFile(filepath.Join(site, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"cart-service", "build-tools"} {
		if _, err := pub.Publish(context.Background(), entity.Ref{Kind: "component", Namespace: "default", Name: name}, site); err != nil {
			t.Fatal(err)
		}
	}
	api := New(Options{Reader: f.query, Writer: f.engine, Permissions: testPolicy(t, authzPolicy, f.query), Audit: f.log,
		TechDocs: techdocs.NewService(pub, nil, true)})
	h := asRole(f.log.Middleware(api))
	get := func(role, path string) (int, string) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("X-Test-Role", role)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		b, _ := io.ReadAll(rec.Body)
		return rec.Code, string(b)
	}
	type want struct {
		status int
		has    string
	}
	routes := func(name string) []string {
		return []string{
			techdocsStatic + "/default/component/" + name,
			techdocsStatic + "/default/component/" + name + "/index.html",
			techdocsMount + "/metadata/techdocs/default/component/" + name,
			techdocsMount + "/metadata/entity/default/component/" + name,
			techdocsMount + "/sync/default/component/" + name,
		}
	}
	readable := []want{{301, ""}, {200, "<h1>Docs</h1>"}, {200, `"site_name":"Docs"`},
		{404, "No backstage.io/techdocs-ref annotation provided in entity: "}, {200, `event: finish`}}
	hidden := func(name string) []want {
		return []want{{301, ""}, {404, "Entity not found for component:default/" + name}, {404, "Unable to get metadata for 'component:default/" + name + "'"},
			{404, "Unable to get metadata for 'component:default/" + name + "'"}, {404, "Entity metadata UID missing"}}
	}
	cases := map[string]map[string][]want{
		"allowed":     {"cart-service": readable, "build-tools": readable},
		"admin":       {"cart-service": readable, "build-tools": readable},
		"service":     {"cart-service": readable, "build-tools": readable},
		"conditional": {"cart-service": readable, "build-tools": hidden("build-tools")},
		"denied":      {"cart-service": hidden("cart-service"), "build-tools": hidden("build-tools")},
	}
	for role, byEntity := range cases {
		for name, wants := range byEntity {
			for i, path := range routes(name) {
				status, body := get(role, path)
				if status != wants[i].status || !strings.Contains(body, wants[i].has) {
					t.Errorf("%s %s: %d %q, want %d with %q", role, path, status, body, wants[i].status, wants[i].has)
				}
			}
		}
	}
	_, last := f.eventsSince(t, 0)
	get("denied", techdocsStatic+"/default/component/cart-service/index.html")
	if events, _ := f.eventsSince(t, last); len(events) != 1 || events[0] != "catalog.entity.read denied" {
		t.Errorf("denial events %v", events)
	}
	// Escapes stay inside the entity's site.
	for _, p := range []string{"..%2fbuild-tools%2findex.html", "..%2f..%2f..%2fdefault%2fcomponent%2fbuild-tools%2findex.html", "%2e%2e%5cindex.html"} {
		if status, body := get("conditional", techdocsStatic+"/default/component/cart-service/"+p); status != 404 || body != "File Not Found" {
			t.Errorf("%s: %d %q", p, status, body)
		}
	}
}
