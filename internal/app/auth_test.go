package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/web"
)

// bearer adds a token to every request.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

// guestClient signs in as the demo's guest, as Backstage's frontend does
// (GET /api/auth/guest/refresh), and returns a client sending the token.
func guestClient(t *testing.T, base string) *http.Client {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/auth/guest/refresh", nil)
	req.Header.Set("X-Requested-With", "XMLHttpRequest")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var car struct {
		BackstageIdentity struct {
			Token string `json:"token"`
		} `json:"backstageIdentity"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&car); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("guest sign-in: %d %v", resp.StatusCode, err)
	}
	return &http.Client{Transport: bearer{car.BackstageIdentity.Token, http.DefaultTransport}}
}

// browser is a client with cookies that does not follow redirects.
func browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func send(t *testing.T, c *http.Client, method, u, body string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func TestDemoGuestSignInThroughPages(t *testing.T) {
	base, _ := startDemo(t)
	c := browser(t)

	resp, _ := send(t, c, http.MethodGet, base+"/catalog-unprocessed?tab=failed", "")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin?return=%2Fcatalog-unprocessed%3Ftab%3Dfailed" {
		t.Fatalf("page before sign-in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := send(t, c, http.MethodGet, base+"/signin?return=%2Fcatalog-unprocessed%3Ftab%3Dfailed", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `action="/api/auth/guest/start"`) {
		t.Fatalf("sign-in page: %d\n%s", resp.StatusCode, body)
	}
	// One click: the guest form.
	resp, _ = send(t, c, http.MethodPost, base+"/api/auth/guest/start", "redirectUrl=%2Fcatalog-unprocessed%3Ftab%3Dfailed",
		"Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/catalog-unprocessed?tab=failed" {
		t.Fatalf("guest sign-in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := send(t, c, http.MethodGet, base+"/catalog-unprocessed?tab=failed", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("page after sign-in: %d", resp.StatusCode)
	}
	if resp, _ := send(t, c, http.MethodGet, base+"/api/catalog/entities?limit=1", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("API with the session cookie: %d", resp.StatusCode)
	}
	resp, body = send(t, c, http.MethodGet, base+"/profile", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<code>user:development/guest</code>") {
		t.Fatalf("profile: %d\n%s", resp.StatusCode, body)
	}
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on the profile page")
	}

	// A token made on the profile page works for the API.
	resp, body = send(t, c, http.MethodPost, base+"/profile/tokens", url.Values{"csrf_token": {m[1]}, "name": {"cli"}, "scope": {"read"}, "expires": {"7"}}.Encode(),
		"Content-Type", "application/x-www-form-urlencoded")
	tok := regexp.MustCompile(`<code data-token>(cbp_[^<]+)</code>`).FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || tok == nil {
		t.Fatalf("create token: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = send(t, http.DefaultClient, http.MethodGet, base+"/api/catalog/entities?limit=1", "", "Authorization", "Bearer "+tok[1])
	if resp.StatusCode != http.StatusOK {
		t.Errorf("API with the new token: %d", resp.StatusCode)
	}

	// Sign-out needs the CSRF token, then ends the session.
	if resp, _ := send(t, c, http.MethodPost, base+"/signout", "", "Content-Type", "application/x-www-form-urlencoded"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out without the CSRF token: %d", resp.StatusCode)
	}
	resp, _ = send(t, c, http.MethodPost, base+"/signout", "csrf_token="+url.QueryEscape(m[1]), "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
		t.Errorf("sign-out: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := send(t, c, http.MethodGet, base+"/profile", ""); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("profile after sign-out: %d", resp.StatusCode)
	}
}

func TestProxySignInResolvesOwnershipFromTheCatalog(t *testing.T) {
	base, _ := startDemo(t, `APP_CONFIG_auth_providers_oauth2Proxy={"signIn":{"resolvers":[{"resolver":"emailMatchingUserEntityProfileEmail"}]}}`)
	// The test client connects from loopback, where the proxy is trusted
	// by default.
	resp, body := send(t, http.DefaultClient, http.MethodGet, base+"/api/auth/v1/userinfo", "", "X-Forwarded-Email", "Maren.Holt@tidewater.example")
	want := `{"claims":{"ent":["user:default/maren.holt","group:default/harbour-team","group:default/engineering"],"sub":"user:default/maren.holt"}}`
	if resp.StatusCode != http.StatusOK || body != want {
		t.Errorf("userinfo: %d %s", resp.StatusCode, body)
	}
	resp, _ = send(t, http.DefaultClient, http.MethodGet, base+"/api/auth/v1/userinfo", "", "X-Forwarded-Email", "nobody@tidewater.example")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unknown user: %d", resp.StatusCode)
	}
}

func TestCatalogUsersAdapter(t *testing.T) {
	_, a := startDemo(t)
	users := catalogUsers{a.Query()}
	ctx := context.Background()
	e, err := users.UserByRef(ctx, "user:default/maren.holt")
	if err != nil || e == nil || e.Metadata.Name != "maren.holt" {
		t.Fatalf("UserByRef = %v, %v", e, err)
	}
	if e, err := users.UserByRef(ctx, "user:default/nobody"); e != nil || err != nil {
		t.Errorf("absent user = %v, %v", e, err)
	}
	if e, err := users.UserByRef(ctx, ":"); e != nil || err != nil {
		t.Errorf("malformed ref = %v, %v", e, err)
	}
	found, err := users.FindUsers(ctx, map[string]string{"kind": "user", "spec.profile.email": "MAREN.HOLT@tidewater.example"}, 2)
	if err != nil || len(found) != 1 || found[0].Metadata.Name != "maren.holt" {
		t.Errorf("FindUsers = %v, %v", found, err)
	}
	// Groups have the same profile email key: kind narrows it to users.
	if found, _ := users.FindUsers(ctx, map[string]string{"kind": "user", "spec.profile.email": "harbour@tidewater.example"}, 2); len(found) != 0 {
		t.Errorf("a group was found as a user: %v", found)
	}
	parents, err := users.GroupParents(ctx, "group:default/harbour-team")
	if err != nil || !cmp.Equal(parents, []string{"group:default/engineering"}) {
		t.Errorf("GroupParents = %v, %v", parents, err)
	}
}

func TestDisabledAuthPolicyOpensEverything(t *testing.T) {
	base, _ := startDemo(t, "APP_CONFIG_backend_auth_dangerouslyDisableDefaultAuthPolicy=true")
	for _, p := range []string{"/api/catalog/entities?limit=1", "/", "/profile"} {
		if resp, body := send(t, browser(t), http.MethodGet, base+p, ""); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d %s", p, resp.StatusCode, body)
		}
	}
	_, body := send(t, http.DefaultClient, http.MethodGet, base+"/api/auth/v1/userinfo", "")
	if body != `{"claims":{"ent":["user:development/guest"],"sub":"user:development/guest"}}` {
		t.Errorf("userinfo: %s", body)
	}
}

// TestEveryRouteRequiresAuthentication sends every route of the app a
// request without credentials. The routes come from the handlers' own
// declarations: auth's route table, the REST API's OpenAPI documents
// (which internal/httpapi's tests tie to its routes both ways) and the UI's
// ServeMux patterns. Only the public list answers; the rest get a 401 on
// the API and a redirect to sign-in on pages.
func TestEveryRouteRequiresAuthentication(t *testing.T) {
	base, a := startDemo(t)
	routes := appRoutes(t, a)
	var public []string
	for _, rt := range routes {
		method, pattern, _ := strings.Cut(rt, " ")
		path := fillParams(pattern)
		body, ct := "", ""
		if method == http.MethodPost || method == http.MethodPut {
			body, ct = "{}", "application/json"
		}
		resp, got := send(t, browser(t), method, base+path, body, "Content-Type", ct)
		refused := resp.StatusCode == http.StatusUnauthorized && strings.Contains(got, `"message":"Missing credentials"`) ||
			resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/signin?return=")
		if a.Auth().IsPublic(path) {
			public = append(public, rt)
			if refused {
				t.Errorf("%s (public) was refused: %d", rt, resp.StatusCode)
			}
			continue
		}
		switch {
		case strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/.backstage/"):
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(got, `{"name":"AuthenticationError","message":"Missing credentials"}`) {
				t.Errorf("%s: %d %s, want 401", rt, resp.StatusCode, got)
			}
		default:
			if !refused {
				t.Errorf("%s: %d, want a redirect to sign-in", rt, resp.StatusCode)
			}
		}
	}
	sort.Strings(public)
	t.Logf("%d routes, %d public", len(routes), len(public))
	want := []string{
		"GET /.backstage/health/v1/liveness",
		"GET /.backstage/health/v1/readiness",
		"GET /api/auth/.well-known/jwks.json",
		"GET /api/auth/.well-known/openid-configuration",
		"GET /api/auth/{provider}/handler/frame",
		"GET /api/auth/{provider}/refresh",
		"GET /api/auth/{provider}/start",
		"GET /healthcheck",
		"GET /signin",
		"GET /signin/",
		"GET /static/{file}",
		"GET /theme",
		"POST /api/auth/guest/start",
		"POST /api/auth/{provider}/handler/frame",
		"POST /api/auth/{provider}/logout",
		"POST /api/auth/{provider}/refresh",
		// Signed by their own credentials: a callback's one-time token,
		// Slack's request signature.
		"POST /api/scaffolder/v2/callbacks/{token}",
		"POST /api/scaffolder/v2/slack/interactions",
	}
	if diff := cmp.Diff(want, public); diff != "" {
		t.Errorf("public routes (-want +got):\n%s", diff)
	}
}

// appRoutes lists "METHOD /pattern" for every route the app serves.
func appRoutes(t *testing.T, a *App) []string {
	t.Helper()
	seen := map[string]bool{}
	add := func(rt string) {
		if !strings.Contains(rt, " ") {
			rt = "GET " + rt
		}
		seen[rt] = true
	}
	// Each source must contribute, or the enumeration itself is broken.
	counted := 0
	contributed := func(source string) {
		t.Helper()
		if len(seen) == counted {
			t.Errorf("no routes found in %s", source)
		}
		counted = len(seen)
	}
	for _, rt := range a.Auth().Routes() {
		add(rt)
	}
	contributed("auth's route table")
	// startDemo made the repository root the working directory.
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	specs, _ := filepath.Glob(filepath.Join(root, "api", "*.yaml"))
	for _, f := range specs {
		for _, op := range specOperations(t, f, "") {
			add(op)
		}
	}
	contributed("api/*.yaml")
	backstage := filepath.Join(root, "..", "shared", "backstage-ref", "openapi", "catalog-backend.openapi.yaml")
	if _, err := os.Stat(backstage); err == nil {
		for _, op := range specOperations(t, backstage, "/api/catalog") {
			add(op)
		}
		contributed("Backstage's catalog spec")
	} else {
		t.Log("Backstage reference spec absent: the catalog routes it describes are not enumerated")
	}
	uiPattern := regexp.MustCompile(`mux\.Handle(?:Func)?\("((?:[A-Z]+ )?/[^"]*)"`)
	files, _ := filepath.Glob(filepath.Join(root, "internal", "web", "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range uiPattern.FindAllStringSubmatch(string(src), -1) {
			add(m[1])
		}
	}
	contributed("internal/web's ServeMux patterns")
	for _, p := range web.AccountPaths {
		add(p)
	}
	var out []string
	for rt := range seen {
		out = append(out, rt)
	}
	sort.Strings(out)
	return out
}

func specOperations(t *testing.T, file, prefix string) []string {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, strings.ToUpper(method)+" "+prefix+path)
		}
	}
	return out
}

// fillParams makes a concrete path from a ServeMux or OpenAPI pattern.
func fillParams(pattern string) string {
	values := map[string]string{
		"kind": "component", "namespace": "default", "name": "x", "provider": "guest", "file": "app.css",
		"uid": "00000000-0000-0000-0000-000000000000", "id": "00000000-0000-0000-0000-000000000000",
		"entityId": "00000000-0000-0000-0000-000000000000",
	}
	if pattern == "/" {
		return "/no-such-page"
	}
	pattern = strings.ReplaceAll(pattern, "{$}", "")
	return regexp.MustCompile(`\{([^}]+)\}`).ReplaceAllStringFunc(pattern, func(p string) string {
		if v, ok := values[strings.Trim(p, "{}")]; ok {
			return v
		}
		return "x"
	})
}
