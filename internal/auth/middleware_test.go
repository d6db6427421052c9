package auth

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCSRF(t *testing.T) {
	h := newHarness(t, guestYAML, nil)
	c := browser(t)
	h.signInGuest(c)
	_, me := h.who(c)
	if len(me.CSRFToken) < 32 {
		t.Fatalf("csrf token %q", me.CSRFToken)
	}
	form := func(token string) string {
		return url.Values{CSRFField: {token}, "field": {"kept"}}.Encode()
	}
	const formType = "application/x-www-form-urlencoded"
	tests := []struct {
		name   string
		path   string
		body   string
		header []string
		want   int
	}{
		{"no token", "/api/catalog/locations", `{}`, []string{"Content-Type", "application/json"}, http.StatusForbidden},
		{"wrong header token", "/api/catalog/locations", `{}`, []string{"Content-Type", "application/json", CSRFHeader, "nope"}, http.StatusForbidden},
		{"header token", "/api/catalog/locations", `{}`, []string{"Content-Type", "application/json", CSRFHeader, me.CSRFToken}, http.StatusOK},
		{"form token", "/profile/tokens", form(me.CSRFToken), []string{"Content-Type", formType}, http.StatusOK},
		{"wrong form token", "/profile/tokens", form("x"), []string{"Content-Type", formType}, http.StatusForbidden},
		{"form token in a JSON body is not read", "/api/catalog/locations", `{"csrf_token":"` + me.CSRFToken + `"}`, []string{"Content-Type", "application/json"}, http.StatusForbidden},
		{"same origin", "/profile/tokens", form(me.CSRFToken), []string{"Content-Type", formType, "Origin", h.base}, http.StatusOK},
		{"foreign origin with the token", "/profile/tokens", form(me.CSRFToken), []string{"Content-Type", formType, "Origin", "https://evil.example"}, http.StatusForbidden},
		{"null origin", "/profile/tokens", form(me.CSRFToken), []string{"Content-Type", formType, "Origin", "null"}, http.StatusForbidden},
		{"foreign referer", "/profile/tokens", form(me.CSRFToken), []string{"Content-Type", formType, "Referer", "https://evil.example/page"}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, c, http.MethodPost, h.base+tt.path, strings.NewReader(tt.body), tt.header...)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.want, body)
			}
			if tt.want == http.StatusOK && strings.HasPrefix(tt.path, "/profile") && !strings.Contains(body, `"form":"kept"`) {
				t.Errorf("the handler lost the form: %s", body)
			}
			if tt.want == http.StatusForbidden && strings.HasPrefix(tt.path, "/api/") && !strings.Contains(body, `"name":"NotAllowedError"`) {
				t.Errorf("API refusal body: %s", body)
			}
		})
	}

	// Safe methods need no token; bearer tokens carry no ambient authority
	// and need none either.
	if resp, _ := do(t, c, http.MethodGet, h.base+"/api/catalog/entities", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("GET: %d", resp.StatusCode)
	}
	_, body := do(t, c, http.MethodGet, h.base+"/api/auth/guest/refresh", nil, "X-Requested-With", "XMLHttpRequest")
	var car ClientAuthResponse
	_ = json.Unmarshal([]byte(body), &car)
	resp, _ := do(t, http.DefaultClient, http.MethodPost, h.base+"/api/catalog/locations", strings.NewReader(`{}`),
		"Authorization", "Bearer "+car.BackstageIdentity.Token, "Origin", "https://elsewhere.example")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("bearer POST: %d", resp.StatusCode)
	}
}

func TestUnauthenticatedRequests(t *testing.T) {
	h := newHarness(t, guestYAML, nil)
	c := browser(t)

	resp, body := do(t, c, http.MethodGet, h.base+"/api/catalog/entities?filter=kind=user", nil)
	want := `{"error":{"name":"AuthenticationError","message":"Missing credentials"},"request":{"method":"GET","url":"/entities?filter=kind=user"},"response":{"statusCode":401}}`
	if resp.StatusCode != http.StatusUnauthorized || body != want {
		t.Errorf("API: %d %s", resp.StatusCode, body)
	}
	resp, _ = do(t, c, http.MethodGet, h.base+"/catalog/default/component/ferry?tab=api", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin?return=%2Fcatalog%2Fdefault%2Fcomponent%2Fferry%3Ftab%3Dapi" {
		t.Errorf("page: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body = do(t, c, http.MethodGet, h.base+"/api/catalog/entities", nil, "Authorization", "Basic dXNlcjpwYXNz")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Invalid authorization header") {
		t.Errorf("basic auth: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, c, http.MethodGet, h.base+"/api/catalog/entities", nil, "Authorization", "Bearer not-a-token")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"message":"Invalid token"`) {
		t.Errorf("bad bearer: %d %s", resp.StatusCode, body)
	}

	// Public paths answer without credentials, even with a bad token.
	for _, p := range []string{"/healthcheck", "/.backstage/health/v1/readiness", "/signin", "/signin/not-in-catalog", "/static/app.css", "/favicon.ico"} {
		resp, body := do(t, c, http.MethodGet, h.base+p, nil, "Authorization", "Bearer junk")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"anonymous":true`) {
			t.Errorf("%s: %d %s", p, resp.StatusCode, body)
		}
	}
	for _, p := range []string{"/api/auth/.well-known/jwks.json", "/api/auth/.well-known/openid-configuration"} {
		if resp, _ := do(t, c, http.MethodGet, h.base+p, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
	for _, p := range []string{"/api/auth/v1/userinfo", "/api/auth/v1/tokens"} {
		if resp, _ := do(t, c, http.MethodGet, h.base+p, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
}

func TestIsPublic(t *testing.T) {
	s := &Service{publicPrefixes: []string{"/static/"}}
	tests := map[string]bool{
		"/healthcheck":                       true,
		"/.backstage/health/v1/liveness":     true,
		"/signin":                            true,
		"/signin/not-in-catalog":             true,
		"/static/css/site.css":               true,
		"/api/auth/github/start":             true,
		"/api/auth/github/handler/frame":     true,
		"/api/auth/guest/refresh":            true,
		"/api/auth/oidc/logout":              true,
		"/api/auth/.well-known/jwks.json":    true,
		"/api/auth/v1/userinfo":              false,
		"/api/auth/v1/tokens":                false,
		"/api/auth/v1/refresh":               false,
		"/api/auth/github/start/extra":       false,
		"/api/auth//start":                   false,
		"/api/catalog/entities":              false,
		"/signinx":                           false,
		"/":                                  false,
		"/catalog":                           false,
		"/healthcheck/x":                     false,
		"/signin/../api/catalog/entities":    false,
		"/static/../profile":                 false,
		"/static//x":                         false,
		"/api/auth/github/./start":           false,
		"/signin/.":                          false,
		"signin":                             false,
		"/.backstage/health/v1/readiness/..": false,
	}
	for p, want := range tests {
		if got := s.IsPublic(p); got != want {
			t.Errorf("IsPublic(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestDisabledAuthPolicy(t *testing.T) {
	yaml := `
backend:
  auth:
    dangerouslyDisableDefaultAuthPolicy: true
`
	h := newHarness(t, yaml, newFakeUsers(user("guest", "", "group:default/visitors"), group("visitors")))
	code, w := h.who(browser(t))
	want := whoami{Kind: KindGuest, UserEntityRef: "user:development/guest", Ownership: []string{"user:development/guest"}, Via: "none"}
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if diff := cmp.Diff(want, w); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if resp, _ := do(t, browser(t), http.MethodGet, h.base+"/catalog", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("page: %d", resp.StatusCode)
	}
	// Bad credentials are still refused.
	if code, _ := h.who(browser(t), "Authorization", "Bearer junk"); code != http.StatusUnauthorized {
		t.Errorf("bad bearer: %d", code)
	}

	// The guest user of the catalog brings its groups.
	h = newHarness(t, yaml+`
auth:
  providers:
    guest:
      userEntityRef: user:default/guest
`, newFakeUsers(user("guest", "", "group:default/visitors"), group("visitors")))
	_, w = h.who(browser(t))
	if diff := cmp.Diff([]string{"user:default/guest", "group:default/visitors"}, w.Ownership); diff != "" {
		t.Errorf("ownership (-want +got):\n%s", diff)
	}
}

func TestPluginOf(t *testing.T) {
	for path, want := range map[string]string{
		"/api/catalog/entities": "catalog",
		"/api/scaffolder":       "scaffolder",
		"/catalog":              "",
		"/api/":                 "",
	} {
		if got := pluginOf(path); got != want {
			t.Errorf("pluginOf(%q) = %q, want %q", path, got, want)
		}
	}
}
