package app

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/blob/blobtest"
	"github.com/callboard/callboard/internal/config"
)

// uiKit is the demo component with docs.
var uiKit = entity.Ref{Kind: "component", Namespace: "default", Name: "tidewater-ui-kit"}

// materialSite is a site as Backstage's techdocs-cli publishes it.
var materialSite = filepath.Join("internal", "techdocs", "testdata", "material-site")

// noRedirects is c that returns redirects instead of following them.
func noRedirects(c *http.Client) *http.Client {
	return &http.Client{Transport: c.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// startDocsDemo runs the demo with docs built externally (published by
// the test) into a fresh folder, and publishes the Material site as the
// UI kit's docs.
func startDocsDemo(t *testing.T, environ ...string) (string, *App) {
	t.Helper()
	env := append([]string{
		"APP_CONFIG_techdocs_builder=external",
		"APP_CONFIG_techdocs_publisher_local_publishDirectory=" + t.TempDir(),
	}, environ...)
	base, a := startDemo(t, env...)
	if _, err := a.TechDocs().Publisher().Publish(context.Background(), uiKit, materialSite); err != nil {
		t.Fatal(err)
	}
	return base, a
}

func errorBody(t *testing.T, body string) (name, message, cause string) {
	t.Helper()
	var e struct {
		Error struct {
			Name    string `json:"name"`
			Message string `json:"message"`
			Cause   *struct {
				Message string `json:"message"`
			} `json:"cause"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("not an error body: %s", body)
	}
	if e.Error.Cause != nil {
		cause = e.Error.Cause.Message
	}
	return e.Error.Name, e.Error.Message, cause
}

func TestTechDocsStatic(t *testing.T) {
	base, _ := startDocsDemo(t)
	c := noRedirects(guestClient(t, base))
	static := base + "/api/techdocs/static/docs/default/component/tidewater-ui-kit/"
	tests := []struct {
		path, ctype, want string
	}{
		{"", "text/plain; charset=utf-8", "<h1 id=\"harbour-tides\">"},
		{"index.html", "text/plain; charset=utf-8", "Harbour Tides predicts"},
		{"getting-started/", "text/plain; charset=utf-8", "Getting started"},
		{"search/search_index.json", "application/json; charset=utf-8", `"location":"guides/setup/"`},
		{"techdocs_metadata.json", "application/json; charset=utf-8", `"site_name": "Harbour Tides"`},
		{"assets/images/chart.svg", "text/plain; charset=utf-8", "<svg"},
	}
	for _, tt := range tests {
		resp, body := send(t, c, http.MethodGet, static+tt.path, "")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != tt.ctype || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %q, body %.80q", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", tt.path)
		}
	}
	// Conditional requests.
	resp, _ := send(t, c, http.MethodGet, static+"index.html", "")
	if etag := resp.Header.Get("ETag"); etag == "" {
		t.Error("no ETag")
	} else if resp, _ := send(t, c, http.MethodGet, static+"index.html", "", "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", resp.StatusCode)
	}
	// Redirects: the folder without its slash, and mixed case (local
	// publisher).
	redirects := []struct{ from, to string }{
		{"/api/techdocs/static/docs/default/component/tidewater-ui-kit", "/api/techdocs/static/docs/default/component/tidewater-ui-kit/"},
		{"/api/techdocs/static/docs/default/Component/Tidewater-UI-Kit/Getting-Started/", "/api/techdocs/static/docs/default/component/tidewater-ui-kit/Getting-Started/"},
	}
	for _, r := range redirects {
		resp, _ := send(t, c, http.MethodGet, base+r.from, "")
		if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != r.to {
			t.Errorf("%s: %d to %q, want 301 to %q", r.from, resp.StatusCode, resp.Header.Get("Location"), r.to)
		}
	}
	// Missing files and escapes are not found.
	for _, p := range []string{
		"nope.html",
		"..%2f..%2f..%2f..%2fetc%2fpasswd",
		"..%2fbooking-service%2findex.html",
		"%2e%2e%2f%2e%2e%2ftechdocs_metadata.json",
		"a%5c..%5c..%5cindex.html",
	} {
		resp, body := send(t, c, http.MethodGet, static+p, "")
		if resp.StatusCode != http.StatusNotFound || body != "File Not Found" {
			t.Errorf("%s: %d %q", p, resp.StatusCode, body)
		}
	}
	// A path with a plain ../ is cleaned by the router into another
	// entity's path, which is then checked like any other.
	resp, body := send(t, c, http.MethodGet, base+"/api/techdocs/static/docs/default/component/tidewater-ui-kit/../nobody/index.html", "")
	if resp.StatusCode == http.StatusOK {
		t.Errorf("a ../ path was served: %s", body)
	}
	resp, body = send(t, c, http.MethodGet, base+"/api/techdocs/static/docs/default/component/nobody/index.html", "")
	if name, msg, _ := errorBody(t, body); resp.StatusCode != http.StatusNotFound || name != "NotFoundError" || msg != "Entity not found for component:default/nobody" {
		t.Errorf("unknown entity: %d %s", resp.StatusCode, body)
	}
}

func TestTechDocsMetadataAndSync(t *testing.T) {
	base, _ := startDocsDemo(t)
	c := guestClient(t, base)
	api := base + "/api/techdocs"

	var md map[string]any
	if code := getJSON(t, c, api+"/metadata/techdocs/default/component/tidewater-ui-kit", &md); code != http.StatusOK || md["site_name"] != "Harbour Tides" || md["etag"] != "3f2a1c9" {
		t.Errorf("techdocs metadata: %d %v", code, md)
	}
	resp, body := send(t, c, http.MethodGet, api+"/metadata/techdocs/default/component/booking-service", "")
	if name, msg, _ := errorBody(t, body); resp.StatusCode != 404 || name != "NotFoundError" || msg != "Unable to get metadata for 'component:default/booking-service'" {
		t.Errorf("no docs: %d %s", resp.StatusCode, body)
	}
	resp, body = send(t, c, http.MethodGet, api+"/metadata/techdocs/default/component/nobody", "")
	if _, msg, _ := errorBody(t, body); resp.StatusCode != 404 || msg != "Unable to get metadata for 'component:default/nobody'" {
		t.Errorf("no entity: %d %s", resp.StatusCode, body)
	}

	var em struct {
		Kind             string `json:"kind"`
		LocationMetadata struct {
			Type, Target string
		} `json:"locationMetadata"`
	}
	root, _ := filepath.Abs(filepath.Join("examples", "catalog", "components", "tidewater-ui-kit"))
	if code := getJSON(t, c, api+"/metadata/entity/default/component/tidewater-ui-kit", &em); code != 200 || em.Kind != "Component" ||
		em.LocationMetadata.Type != "dir" || em.LocationMetadata.Target != root {
		t.Errorf("entity metadata: %d %+v (want dir %s)", code, em, root)
	}
	resp, body = send(t, c, http.MethodGet, api+"/metadata/entity/default/component/booking-service", "")
	if _, msg, cause := errorBody(t, body); resp.StatusCode != 404 || msg != "Unable to get metadata for 'component:default/booking-service'" ||
		cause != "No backstage.io/techdocs-ref annotation provided in entity: booking-service" {
		t.Errorf("entity metadata without docs: %d %s", resp.StatusCode, body)
	}

	// With builder external, sync finishes at once.
	resp, body = send(t, c, http.MethodGet, api+"/sync/default/component/tidewater-ui-kit", "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" || body != "event: finish\ndata: {\"updated\":false}\n\n" {
		t.Errorf("sync: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	resp, body = send(t, c, http.MethodGet, api+"/sync/default/component/nobody", "")
	if _, msg, _ := errorBody(t, body); resp.StatusCode != 404 || msg != "Entity metadata UID missing" {
		t.Errorf("sync of nobody: %d %s", resp.StatusCode, body)
	}
}

// TestTechDocsPermission: an entity the reader may not see has no docs,
// no metadata and no sync.
func TestTechDocsPermission(t *testing.T) {
	base, _ := startDocsDemo(t, guestPolicy...)
	c := guestClient(t, base)
	api := base + "/api/techdocs"
	checks := []struct{ path, message string }{
		{"/static/docs/default/component/tidewater-ui-kit/index.html", "Entity not found for component:default/tidewater-ui-kit"},
		{"/metadata/techdocs/default/component/tidewater-ui-kit", "Unable to get metadata for 'component:default/tidewater-ui-kit'"},
		{"/metadata/entity/default/component/tidewater-ui-kit", "Unable to get metadata for 'component:default/tidewater-ui-kit'"},
		{"/sync/default/component/tidewater-ui-kit", "Entity metadata UID missing"},
	}
	for _, ch := range checks {
		resp, body := send(t, c, http.MethodGet, api+ch.path, "")
		if _, msg, _ := errorBody(t, body); resp.StatusCode != http.StatusNotFound || msg != ch.message {
			t.Errorf("%s: %d %s", ch.path, resp.StatusCode, body)
		}
	}
	if resp, _ := send(t, noRedirects(c), http.MethodGet, base+"/docs/default/component/tidewater-ui-kit/", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("docs page of a hidden entity: %d", resp.StatusCode)
	}
	// Without sign-in, nothing.
	if resp, _ := send(t, http.DefaultClient, http.MethodGet, api+"/static/docs/default/component/tidewater-ui-kit/index.html", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("signed out: %d", resp.StatusCode)
	}
}

// TestTechDocsS3: with the awsS3 publisher (a fake S3 in process), a
// mixed-case path is read lower-cased instead of redirected.
func TestTechDocsS3(t *testing.T) {
	fake := blobtest.NewFakeS3(t, "docs")
	base, _ := startDocsDemo(t,
		"APP_CONFIG_techdocs_publisher_type=awsS3",
		"APP_CONFIG_techdocs_publisher_awsS3_bucketName=docs",
		"APP_CONFIG_techdocs_publisher_awsS3_bucketRootPath=portal",
		"APP_CONFIG_techdocs_publisher_awsS3_region=us-east-1",
		"APP_CONFIG_techdocs_publisher_awsS3_endpoint="+fake.URL,
		"APP_CONFIG_techdocs_publisher_awsS3_s3ForcePathStyle=true",
		"APP_CONFIG_techdocs_publisher_awsS3_credentials_accessKeyId=test",
		"APP_CONFIG_techdocs_publisher_awsS3_credentials_secretAccessKey=test-secret",
	)
	keys, err := fake.Open(t, "").List(context.Background(), "portal/default/component/tidewater-ui-kit/")
	if err != nil || len(keys) != 6 {
		t.Fatalf("bucket holds %v, %v", keys, err)
	}
	c := noRedirects(guestClient(t, base))
	resp, body := send(t, c, http.MethodGet, base+"/api/techdocs/static/docs/default/Component/Tidewater-UI-Kit/index.html", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Harbour Tides") {
		t.Errorf("mixed case from S3: %d %.80q", resp.StatusCode, body)
	}
	page, err := http.NewRequest(http.MethodGet, base+"/docs/default/component/tidewater-ui-kit/getting-started/", nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Do(page)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusOK {
		t.Errorf("docs page from S3: %d", r.StatusCode)
	}
}

// TestTechDocsBuilder: with builder local, the demo's docs are built in
// the background, served, listed, and synced.
func TestTechDocsBuilder(t *testing.T) {
	base, a := startDemo(t, "APP_CONFIG_techdocs_publisher_local_publishDirectory="+t.TempDir())
	c := guestClient(t, base)
	api := base + "/api/techdocs"
	deadline := time.Now().Add(60 * time.Second)
	// Wait for the check to finish, not for the metadata to appear: the
	// check publishes the metadata before it records its outcome, and a
	// sync in between joins it and rightly reports an update.
	for {
		if st := a.TechDocs().Status(uiKit); !st.Building && !st.LastBuild.IsZero() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo docs were not built: %+v", a.TechDocs().Status(uiKit))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code := getJSON(t, c, api+"/metadata/techdocs/default/component/tidewater-ui-kit", nil); code != http.StatusOK {
		t.Fatalf("metadata after the build: %d", code)
	}
	var md struct {
		SiteName string   `json:"site_name"`
		Etag     string   `json:"etag"`
		Files    []string `json:"files"`
	}
	getJSON(t, c, api+"/metadata/techdocs/default/component/tidewater-ui-kit", &md)
	if md.SiteName != "Tidewater UI kit" || !strings.HasPrefix(md.Etag, "dir-") || len(md.Files) == 0 {
		t.Errorf("metadata = %+v", md)
	}
	resp, body := send(t, c, http.MethodGet, base+"/docs/default/component/tidewater-ui-kit/", "")
	if resp.StatusCode != 200 || !strings.Contains(body, "What is in it") || !strings.Contains(body, "Using the kit") {
		t.Errorf("docs page: %d", resp.StatusCode)
	}
	resp, body = send(t, c, http.MethodGet, base+"/docs", "")
	if resp.StatusCode != 200 || !strings.Contains(body, `href="/docs/default/component/tidewater-ui-kit/"`) {
		t.Errorf("docs index: %d", resp.StatusCode)
	}
	// The background check ran within the last minute: sync answers at
	// once that nothing changed.
	resp, body = send(t, c, http.MethodGet, api+"/sync/default/component/tidewater-ui-kit", "")
	if resp.StatusCode != 200 || !strings.HasSuffix(body, "event: finish\ndata: {\"updated\":false}\n\n") {
		t.Errorf("sync: %d %q", resp.StatusCode, body)
	}
	if st := a.TechDocs().Status(uiKit); st.Error != "" || st.LastBuild.IsZero() {
		t.Errorf("status = %+v", st)
	}
}

func TestTechDocsConfigErrors(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
	tests := []struct {
		env  []string
		want string
	}{
		{[]string{"APP_CONFIG_techdocs_publisher_type=googleGcs"}, "techdocs.publisher.type"},
		{[]string{"APP_CONFIG_techdocs_builder=docker"}, "techdocs.builder"},
		{[]string{"APP_CONFIG_techdocs_publisher_type=awsS3"}, "techdocs.publisher.awsS3.bucketName is required"},
		{[]string{"APP_CONFIG_techdocs_publisher_type=awsS3", "APP_CONFIG_techdocs_publisher_awsS3_bucketName=b",
			"APP_CONFIG_techdocs_publisher_awsS3_credentials_roleArn=arn:aws:iam::1:role/docs"}, "roleArn is not supported"},
		{[]string{"APP_CONFIG_techdocs_publisher_type=awsS3", "APP_CONFIG_techdocs_publisher_awsS3_bucketName=b",
			"APP_CONFIG_techdocs_publisher_awsS3_endpoint=ftp://x"}, "techdocs.publisher.awsS3"},
		{[]string{"APP_CONFIG_techdocs_mermaid_scriptUrl=javascript:alert(1)"}, "techdocs.mermaid.scriptUrl"},
	}
	for _, tt := range tests {
		cfg, _, err := config.LoadEnviron([]string{"examples/app-config.yaml"},
			append([]string{"APP_CONFIG_backend_database_connection=" + filepath.Join(t.TempDir(), "c.db")}, tt.env...))
		if err == nil {
			_, err = New(context.Background(), Options{Config: cfg})
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want one naming %s", tt.env, err, tt.want)
		}
	}
}

// TestTechDocsLegacyCase: with legacyUseCaseSensitiveTripletPaths, sites
// live under the triplet as the entity spells it and are read that way.
func TestTechDocsLegacyCase(t *testing.T) {
	base, a := startDemo(t,
		"APP_CONFIG_techdocs_builder=external",
		"APP_CONFIG_techdocs_legacyUseCaseSensitiveTripletPaths=true",
		"APP_CONFIG_techdocs_publisher_local_publishDirectory="+t.TempDir())
	spelled := entity.Ref{Kind: "Component", Namespace: "default", Name: "tidewater-ui-kit"}
	if _, err := a.TechDocs().Publisher().Publish(context.Background(), spelled, materialSite); err != nil {
		t.Fatal(err)
	}
	if p := a.TechDocs().Publisher().Prefix(spelled); p != "default/Component/tidewater-ui-kit/" {
		t.Errorf("prefix %s", p)
	}
	c := noRedirects(guestClient(t, base))
	resp, body := send(t, c, http.MethodGet, base+"/api/techdocs/static/docs/default/Component/tidewater-ui-kit/index.html", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Harbour Tides") {
		t.Errorf("static as spelled: %d %.80q", resp.StatusCode, body)
	}
	if resp, _ := send(t, c, http.MethodGet, base+"/api/techdocs/static/docs/default/component/tidewater-ui-kit/index.html", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("lower-cased path under the legacy layout: %d", resp.StatusCode)
	}
	if resp, body := send(t, c, http.MethodGet, base+"/docs/default/component/tidewater-ui-kit/", ""); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Harbour Tides predicts") {
		t.Errorf("reader: %d", resp.StatusCode)
	}
}
