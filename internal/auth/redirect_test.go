package auth

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func redirectService() *Service {
	return &Service{cfg: &settings{baseURL: "https://portal.example", allowedOrigins: []string{"https://portal.example", "https://app.example"}}}
}

func TestSafeReturn(t *testing.T) {
	s := redirectService()
	tests := map[string]string{
		"":                                     "/",
		"/catalog":                             "/catalog",
		"/catalog?kind=component#top":          "/catalog?kind=component#top",
		"/docs/default/component/x/":           "/docs/default/component/x/",
		"https://portal.example/catalog":       "https://portal.example/catalog",
		"https://PORTAL.example/catalog":       "https://PORTAL.example/catalog",
		"https://app.example/settings":         "https://app.example/settings",
		"https://evil.example/":                "/",
		"http://portal.example/":               "/", // another scheme is another origin
		"https://portal.example.evil.example/": "/",
		"https://portal.example@evil.example/": "/",
		"//evil.example/x":                     "/",
		"///evil.example":                      "/",
		"/\\evil.example":                      "/",
		"\\\\evil.example":                     "/",
		"/\t/evil.example":                     "/",
		"/\n/evil.example":                     "/",
		" /catalog":                            "/",
		"javascript:alert(1)":                  "/",
		"data:text/html,x":                     "/",
		"catalog":                              "/",
		"../catalog":                           "/",
		"https:evil.example":                   "/",
		"https:/evil.example":                  "/",
		"/" + strings.Repeat("a", 3000):        "/",
	}
	for in, want := range tests {
		if got := s.SafeReturn(in); got != want {
			t.Errorf("SafeReturn(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzSafeReturn checks that whatever SafeReturn lets through stays on
// the portal or an allowed origin, as a browser would resolve it.
func FuzzSafeReturn(f *testing.F) {
	for _, seed := range []string{"/catalog", "//evil.example", "/\\evil", "https://portal.example/x", "https://evil.example", "/%2F%2Fevil", "/\u3000/x"} {
		f.Add(seed)
	}
	s := redirectService()
	base, _ := url.Parse("https://portal.example/signin")
	f.Fuzz(func(t *testing.T, in string) {
		out := s.SafeReturn(in)
		if out != "/" && out != in {
			t.Fatalf("SafeReturn(%q) = %q: rewritten rather than kept or replaced", in, out)
		}
		target, err := base.Parse(out)
		if err != nil {
			t.Fatalf("SafeReturn(%q) = %q does not parse: %v", in, out, err)
		}
		if origin := target.Scheme + "://" + strings.ToLower(target.Host); !s.cfg.originAllowed(origin) {
			t.Fatalf("SafeReturn(%q) = %q leads to %s", in, out, origin)
		}
	})
}

func TestStartDoesNotRedirectOffSite(t *testing.T) {
	p := startIDP(t)
	h := newHarness(t, oidcYAML(p, ResolverEmail), orgUsers())

	// A foreign return URL is replaced by the portal's root.
	c := browser(t)
	_, _, visited := follow(t, c, h.base+"/api/auth/oidc/start?env=development&flow=redirect&redirectUrl="+url.QueryEscape("https://evil.example/phish"))
	if last := visited[len(visited)-1]; last != h.base+"/" {
		t.Errorf("ended at %s", last)
	}
	_, _, visited = follow(t, browser(t), h.base+"/api/auth/oidc/start?env=development&redirectUrl="+url.QueryEscape("//evil.example"))
	if last := visited[len(visited)-1]; last != h.base+"/" {
		t.Errorf("protocol-relative: ended at %s", last)
	}

	// A popup result only goes to an allowed origin.
	resp, body := do(t, browser(t), http.MethodGet, h.base+"/api/auth/oidc/start?env=development&origin="+url.QueryEscape("https://evil.example"), nil)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Origin 'https://evil.example' is not allowed") {
		t.Errorf("foreign origin: %d %s", resp.StatusCode, body)
	}

	// The guest form too.
	h = newHarness(t, guestYAML, nil)
	resp, _ = do(t, browser(t), http.MethodPost, h.base+GuestSignInPath, strings.NewReader("redirectUrl="+url.QueryEscape("https://evil.example")),
		"Content-Type", "application/x-www-form-urlencoded")
	if resp.Header.Get("Location") != "/" {
		t.Errorf("guest form went to %q", resp.Header.Get("Location"))
	}
	resp, _ = do(t, browser(t), http.MethodGet, h.base+"/api/auth/guest/refresh", nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("refresh: %d", resp.StatusCode)
	}
}

func TestStartErrors(t *testing.T) {
	p := startIDP(t)
	h := newHarness(t, oidcYAML(p, ResolverEmail)+`
    oauth2Proxy:
      signIn: {resolvers: [{resolver: forwardedUserMatchingUserEntityName}]}
`, orgUsers())
	tests := map[string]string{
		"/api/auth/oidc/start?env=production":                     `{"name":"InputError","message":"No configuration available for the 'production' environment of this provider."}`,
		"/api/auth/nope/start":                                    `{"name":"NotFoundError","message":"No auth provider registered for 'nope'"}`,
		"/api/auth/oauth2Proxy/start":                             `"name":"NotImplementedError"`,
		"/api/auth/oidc/start?scope=" + strings.Repeat("x", 2000): `The scope parameter is too long`,
	}
	for path, want := range tests {
		resp, body := do(t, browser(t), http.MethodGet, h.base+path, nil)
		if resp.StatusCode < 400 || !strings.Contains(body, want) {
			t.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
}
