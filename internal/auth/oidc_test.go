package auth

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/oauth2-proxy/mockoidc"
	"golang.org/x/oauth2"
)

// idp is a real OpenID Connect provider (mockoidc) whose authorization
// requests a test can tamper with, to play an attacker in the middle.
type idp struct {
	*mockoidc.MockOIDC
	mu        sync.Mutex
	tamper    func(q url.Values)
	authorize url.Values // the last authorization request as received
}

func startIDP(t *testing.T) *idp {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &idp{MockOIDC: m}
	err = m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == mockoidc.AuthorizationEndpoint {
				q := r.URL.Query()
				p.mu.Lock()
				p.authorize = q
				if p.tamper != nil {
					p.tamper(q)
				}
				p.mu.Unlock()
				r.URL.RawQuery = q.Encode()
			}
			next.ServeHTTP(w, r)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return p
}

func (p *idp) setTamper(f func(url.Values)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tamper = f
}

func (p *idp) lastAuthorize() url.Values {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.authorize
}

func oidcYAML(p *idp, resolver string) string {
	return `
auth:
  environment: development
  providers:
    oidc:
      development:
        metadataUrl: ` + p.Issuer() + `/.well-known/openid-configuration
        clientId: ` + p.ClientID + `
        clientSecret: ` + p.ClientSecret + `
        signIn:
          resolvers:
            - resolver: ` + resolver + `
`
}

// orgUsers is a small organisation: jane in team-a, under eng, under the
// company.
func orgUsers() *fakeUsers {
	return newFakeUsers(
		user("jane", "jane.doe@example.com", "group:default/team-a"),
		group("team-a", "group:default/eng"),
		group("eng", "group:default/company"),
		group("company"),
	)
}

var janeOwnership = []string{"user:default/jane", "group:default/team-a", "group:default/eng", "group:default/company"}

func TestOIDCSignInRedirectFlow(t *testing.T) {
	p := startIDP(t)
	h := newHarness(t, oidcYAML(p, ResolverEmail), orgUsers())
	c := browser(t)

	resp, body, visited := follow(t, c, h.base+"/api/auth/oidc/start?env=development&flow=redirect&redirectUrl=%2Fcatalog%3Fkind%3Dcomponent")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in ended with %d: %s (visited %v)", resp.StatusCode, body, visited)
	}
	if got := visited[len(visited)-1]; got != h.base+"/catalog?kind=component" {
		t.Errorf("sign-in ended at %s, want the return URL", got)
	}
	var w whoami
	if err := json.Unmarshal([]byte(body), &w); err != nil {
		t.Fatal(err)
	}
	want := whoami{Kind: KindUser, UserEntityRef: "user:default/jane", Ownership: janeOwnership, Via: "session", CSRFToken: w.CSRFToken}
	if diff := cmp.Diff(want, w); diff != "" {
		t.Errorf("identity (-want +got):\n%s", diff)
	}

	// The authorization request carried PKCE (S256), a nonce and a state,
	// and none of them is kept in the clear in a cookie.
	q := p.lastAuthorize()
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if len(q.Get(k)) < 32 {
			t.Errorf("authorization request %s = %q, want a long random value", k, q.Get(k))
		}
	}
	if q.Get("code_challenge_method") != "S256" {
		t.Errorf("code_challenge_method = %q", q.Get("code_challenge_method"))
	}
	if q.Get("redirect_uri") != h.base+"/api/auth/oidc/handler/frame" {
		t.Errorf("redirect_uri = %q", q.Get("redirect_uri"))
	}
	if flow := h.cookie(c, flowCookieName); flow == q.Get("state") || flow == q.Get("nonce") {
		t.Error("the flow cookie holds the state or nonce")
	}
}

func TestOIDCSignInPopupFlow(t *testing.T) {
	p := startIDP(t)
	h := newHarness(t, oidcYAML(p, ResolverEmail), orgUsers())
	c := browser(t)

	resp, body, _ := follow(t, c, h.base+"/api/auth/oidc/start?env=development&origin="+url.QueryEscape(h.base)+"&scope=groups")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'nonce-") {
		t.Fatalf("frame: %d %v", resp.StatusCode, resp.Header)
	}
	msg, origin := frameMessage(t, body)
	if origin != h.base {
		t.Errorf("postMessage target origin = %q, want %q", origin, h.base)
	}
	if msg.Type != "authorization_response" || msg.Error != nil || msg.Response == nil {
		t.Fatalf("message = %+v", msg)
	}
	bi := msg.Response.BackstageIdentity
	wantIdentity := IdentityClaims{Type: "user", UserEntityRef: "user:default/jane", OwnershipEntityRefs: janeOwnership}
	if diff := cmp.Diff(wantIdentity, bi.Identity); diff != "" {
		t.Errorf("identity (-want +got):\n%s", diff)
	}
	if bi.ExpiresInSeconds != 3600 {
		t.Errorf("expiresInSeconds = %d", bi.ExpiresInSeconds)
	}
	if msg.Response.Profile.Email != "jane.doe@example.com" {
		t.Errorf("profile = %+v", msg.Response.Profile)
	}
	for _, k := range []string{"accessToken", "idToken", "scope"} {
		if msg.Response.ProviderInfo[k] == nil {
			t.Errorf("providerInfo lacks %s: %v", k, msg.Response.ProviderInfo)
		}
	}
	if got := p.lastAuthorize().Get("scope"); got != "openid profile email groups" {
		t.Errorf("requested scope = %q", got)
	}

	// The portal token works as a bearer token without the cookie.
	code, w := h.who(http.DefaultClient, "Authorization", "Bearer "+bi.Token)
	if code != http.StatusOK || w.UserEntityRef != "user:default/jane" || w.Via != "jwt" {
		t.Errorf("bearer: %d %+v", code, w)
	}
	resp, body = do(t, http.DefaultClient, http.MethodGet, h.base+"/api/auth/v1/userinfo", nil, "Authorization", "Bearer "+bi.Token)
	wantInfo := `{"claims":{"ent":["user:default/jane","group:default/team-a","group:default/eng","group:default/company"],"sub":"user:default/jane"}}`
	if resp.StatusCode != http.StatusOK || body != wantInfo {
		t.Errorf("userinfo: %d %s", resp.StatusCode, body)
	}
}

// frameMessage extracts the message and target origin of a popup's frame
// page.
func frameMessage(t *testing.T, page string) (authorizationResponse, string) {
	t.Helper()
	var msg authorizationResponse
	var origin string
	m := between(page, "var message = ", ";\n")
	o := between(page, "var origin = ", ";\n")
	if err := json.Unmarshal([]byte(m), &msg); err != nil {
		t.Fatalf("message %q: %v\n%s", m, err, page)
	}
	if err := json.Unmarshal([]byte(o), &origin); err != nil {
		t.Fatalf("origin %q: %v", o, err)
	}
	return msg, origin
}

func between(s, start, end string) string {
	_, rest, _ := strings.Cut(s, start)
	v, _, _ := strings.Cut(rest, end)
	return v
}

func TestOIDCRejectsTamperedFlows(t *testing.T) {
	p := startIDP(t)
	h := newHarness(t, oidcYAML(p, ResolverEmail), orgUsers())
	start := h.base + "/api/auth/oidc/start?env=development&flow=redirect&redirectUrl=/catalog"
	failed := h.base + "/signin?error=failed&provider=oidc&return=%2Fcatalog"

	tests := []struct {
		name   string
		tamper func(url.Values)
	}{
		// The PKCE challenge the provider records is not the one of our
		// verifier: the code exchange fails.
		{"pkce", func(q url.Values) {
			q.Set("code_challenge", oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier()))
		}},
		// The ID token comes back with someone else's nonce.
		{"nonce", func(q url.Values) { q.Set("nonce", "a-nonce-from-another-sign-in-attempt") }},
		// No PKCE at all reaches the provider: the verifier we send then
		// does not matter to it, but a stripped nonce still fails.
		{"nonce stripped", func(q url.Values) { q.Del("nonce") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.setTamper(tt.tamper)
			defer p.setTamper(nil)
			c := browser(t)
			_, _, visited := follow(t, c, start)
			if got := visited[len(visited)-1]; got != failed {
				t.Errorf("ended at %s, want %s", got, failed)
			}
			if code, _ := h.who(c); code != http.StatusUnauthorized {
				t.Errorf("signed in despite tampering: %d", code)
			}
		})
	}
}

func TestOIDCStateChecks(t *testing.T) {
	p := startIDP(t)
	h := newHarness(t, oidcYAML(p, ResolverEmail), orgUsers())
	c := browser(t)

	// Walk to the provider's redirect back, without following it.
	resp, _ := do(t, c, http.MethodGet, h.base+"/api/auth/oidc/start?env=development&flow=redirect", nil)
	resp, _ = do(t, c, http.MethodGet, resp.Header.Get("Location"), nil)
	callback, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || callback.Query().Get("code") == "" {
		t.Fatalf("provider redirect: %v %s", err, resp.Header.Get("Location"))
	}

	// A forged state names no flow.
	forged := *callback
	q := forged.Query()
	q.Set("state", "forged-state")
	forged.RawQuery = q.Encode()
	if resp, body := do(t, c, http.MethodGet, forged.String(), nil); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "expired or was already used") {
		t.Errorf("forged state: %d %s", resp.StatusCode, body)
	}
	// No state at all.
	q.Del("state")
	forged.RawQuery = q.Encode()
	if resp, _ := do(t, c, http.MethodGet, forged.String(), nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("missing state: %d", resp.StatusCode)
	}

	// Another browser (an attacker's victim) cannot finish the sign-in:
	// the flow is bound to the browser that started it. The flow is used
	// up by the attempt.
	other := browser(t)
	resp, _ = do(t, other, http.MethodGet, callback.String(), nil)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/signin?error=failed") {
		t.Errorf("callback in another browser: %d %s", resp.StatusCode, loc)
	}
	if code, _ := h.who(other); code != http.StatusUnauthorized {
		t.Error("the other browser was signed in")
	}
	resp, _ = do(t, c, http.MethodGet, callback.String(), nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("replayed state: %d", resp.StatusCode)
	}
	if h.store.sessionCount() != 0 {
		t.Errorf("%d sessions created", h.store.sessionCount())
	}

	// An expired flow is refused too.
	resp, _ = do(t, c, http.MethodGet, h.base+"/api/auth/oidc/start?env=development&flow=redirect", nil)
	resp, _ = do(t, c, http.MethodGet, resp.Header.Get("Location"), nil)
	h.clock.advance(flowLifetime + 1)
	if resp, _ := do(t, c, http.MethodGet, resp.Header.Get("Location"), nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("expired flow: %d", resp.StatusCode)
	}
}

func TestOIDCProviderErrorAndUnverifiedEmail(t *testing.T) {
	p := startIDP(t)
	h := newHarness(t, oidcYAML(p, ResolverEmail), orgUsers())

	// The user's address is not verified: it cannot match a User entity.
	p.QueueUser(unverifiedUser{mockoidc.DefaultUser()})
	c := browser(t)
	_, _, visited := follow(t, c, h.base+"/api/auth/oidc/start?env=development&flow=redirect")
	if got := visited[len(visited)-1]; got != h.base+NotInCatalogPath+"?provider=oidc" {
		t.Errorf("unverified email ended at %s", got)
	}

	// The provider refuses: the browser comes back with an error.
	resp, _ := do(t, c, http.MethodGet, h.base+"/api/auth/oidc/start?env=development&flow=redirect", nil)
	state := mustURL(t, resp.Header.Get("Location")).Query().Get("state")
	resp, _ = do(t, c, http.MethodGet, h.base+"/api/auth/oidc/handler/frame?error=access_denied&state="+url.QueryEscape(state), nil)
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/signin?error=failed&provider=oidc") {
		t.Errorf("refused sign-in went to %q", loc)
	}
}

func TestOIDCUsernameResolverAndNoMatchInPopup(t *testing.T) {
	p := startIDP(t)
	h := newHarness(t, oidcYAML(p, ResolverUsername), newFakeUsers(user("jane.doe", "")))
	c := browser(t)
	_, body, _ := follow(t, c, h.base+"/api/auth/oidc/start?env=development&flow=redirect&redirectUrl=/")
	var w whoami
	_ = json.Unmarshal([]byte(body), &w)
	if w.UserEntityRef != "user:default/jane.doe" {
		t.Errorf("preferred_username sign-in: %s", body)
	}

	// No such user: the popup gets Backstage's error.
	u := mockoidc.DefaultUser()
	u.PreferredUsername = "nobody"
	p.QueueUser(u)
	_, body, _ = follow(t, browser(t), h.base+"/api/auth/oidc/start?env=development")
	msg, _ := frameMessage(t, body)
	want := &authorizationResponseError{Name: "Error", Message: (&NoUserMatchedError{}).Error()}
	if msg.Error == nil || msg.Error.Name != want.Name || msg.Error.Message != want.Message || msg.Response != nil {
		t.Errorf("message = %+v", msg)
	}
}

type authorizationResponseError struct{ Name, Message string }

// unverifiedUser is a mock user whose ID token says email_verified: false
// (mockoidc leaves a false value out).
type unverifiedUser struct{ *mockoidc.MockUser }

func (u unverifiedUser) Claims(scope []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	return jwt.MapClaims{
		"iss": base.Issuer, "sub": base.Subject, "aud": base.Audience, "exp": base.ExpiresAt, "iat": base.IssuedAt,
		"nonce": base.Nonce, "email": u.Email, "email_verified": false, "preferred_username": u.PreferredUsername,
	}, nil
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
