package auth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestGuestSessionCookie(t *testing.T) {
	h := newHarness(t, guestYAML, nil)
	resp, _ := do(t, browser(t), http.MethodPost, h.base+GuestSignInPath, strings.NewReader("redirectUrl=/"),
		"Content-Type", "application/x-www-form-urlencoded")
	var ck *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookieName {
			ck = c
		}
	}
	if ck == nil {
		t.Fatalf("no session cookie: %v", resp.Header["Set-Cookie"])
	}
	if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure {
		t.Errorf("cookie attributes: %+v", ck)
	}
	id, secret, _ := strings.Cut(ck.Value, ".")
	s, _ := h.store.Session(t.Context(), id)
	if s == nil || s.SecretHash == secret || s.SecretHash != hashSecret(secret) {
		t.Errorf("stored session %+v does not hold the secret's hash", s)
	}
	if !s.ExpiresAt.Equal(h.clock.now().Add(defaultSessionDuration)) {
		t.Errorf("session expires at %v", s.ExpiresAt)
	}
}

func TestSecureSessionCookieOnHTTPS(t *testing.T) {
	s := &Service{cfg: &settings{baseURL: "https://portal.example", sessionDuration: time.Hour}, store: newMemStore(), now: time.Now}
	s.log = discardLogger()
	rec := httptest.NewRecorder()
	_, err := s.startSession(t.Context(), rec, httptest.NewRequest("GET", "/", nil), KindGuest, "guest", Profile{}, &signedIn{UserEntityRef: "user:development/guest"})
	if err != nil {
		t.Fatal(err)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != "__Host-callboard-session" || !cookies[0].Secure || cookies[0].Domain != "" || cookies[0].Path != "/" {
		t.Errorf("cookies = %+v", cookies)
	}
}

func TestSessionFixation(t *testing.T) {
	h := newHarness(t, guestYAML, nil)

	// A cookie planted before sign-in (an id the attacker chose) is never
	// adopted: sign-in issues a new id.
	c := browser(t)
	h.setCookie(c, sessionCookieName, "attackerchosen.secret")
	h.signInGuest(c)
	got := h.cookie(c, sessionCookieName)
	if got == "attackerchosen.secret" || strings.HasPrefix(got, "attackerchosen.") {
		t.Fatalf("planted session id kept: %q", got)
	}
	if s, _ := h.store.Session(t.Context(), "attackerchosen"); s != nil {
		t.Error("a session was created under the planted id")
	}

	// A live session the attacker obtained and planted in the victim's
	// browser is ended when the victim signs in; the victim gets a new one.
	attacker := browser(t)
	h.signInGuest(attacker)
	planted := h.cookie(attacker, sessionCookieName)
	victim := browser(t)
	h.setCookie(victim, sessionCookieName, planted)
	h.signInGuest(victim)
	if now := h.cookie(victim, sessionCookieName); now == planted || now == "" {
		t.Fatalf("victim kept the planted session %q", now)
	}
	if code, _ := h.who(attacker); code != http.StatusUnauthorized {
		t.Errorf("the planted session still works for the attacker: %d", code)
	}
	if code, w := h.who(victim); code != http.StatusOK || w.Via != "session" {
		t.Errorf("victim: %d %+v", code, w)
	}
}

func TestSessionExpiryAndStaleCookie(t *testing.T) {
	h := newHarness(t, guestYAML, nil)
	c := browser(t)
	h.signInGuest(c)
	if code, _ := h.who(c); code != http.StatusOK {
		t.Fatalf("fresh session: %d", code)
	}
	h.clock.advance(defaultSessionDuration)
	resp, _ := do(t, c, http.MethodGet, h.base+"/api/catalog/entities", nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("expired session: %d", resp.StatusCode)
	}
	// The stale cookie is cleared.
	if h.cookie(c, sessionCookieName) != "" {
		t.Error("stale cookie kept")
	}
	// A cookie with the right id and a wrong secret does not work either.
	h.clock.advance(-defaultSessionDuration)
	c2 := browser(t)
	h.signInGuest(c2)
	id, _, _ := strings.Cut(h.cookie(c2, sessionCookieName), ".")
	h.setCookie(c2, sessionCookieName, id+".wrong-secret")
	if code, _ := h.who(c2); code != http.StatusUnauthorized {
		t.Errorf("forged secret: %d", code)
	}
}

func TestRefreshAndLogout(t *testing.T) {
	h := newHarness(t, guestYAML, nil)
	c := browser(t)

	resp, body := do(t, c, http.MethodGet, h.base+"/api/auth/guest/refresh?env=development", nil)
	want := `{"error":{"name":"AuthenticationError","message":"Invalid X-Requested-With header"},"request":{"method":"GET","url":"/guest/refresh?env=development"},"response":{"statusCode":401}}`
	if resp.StatusCode != http.StatusUnauthorized || body != want {
		t.Errorf("refresh without X-Requested-With: %d %s", resp.StatusCode, body)
	}

	resp, body = do(t, c, http.MethodGet, h.base+"/api/auth/guest/refresh", nil, "X-Requested-With", "XMLHttpRequest")
	var car ClientAuthResponse
	if err := json.Unmarshal([]byte(body), &car); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("refresh: %d %s", resp.StatusCode, body)
	}
	first := h.cookie(c, sessionCookieName)
	// A second refresh reuses the session.
	do(t, c, http.MethodGet, h.base+"/api/auth/guest/refresh", nil, "X-Requested-With", "XMLHttpRequest")
	if h.cookie(c, sessionCookieName) != first {
		t.Error("refresh replaced a live guest session")
	}
	token := car.BackstageIdentity.Token
	if code, _ := h.who(http.DefaultClient, "Authorization", "Bearer "+token); code != http.StatusOK {
		t.Fatalf("token before logout: %d", code)
	}

	// Logout needs the header too.
	if resp, _ := do(t, c, http.MethodPost, h.base+"/api/auth/guest/logout", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("logout without X-Requested-With: %d", resp.StatusCode)
	}
	if resp, _ := do(t, c, http.MethodPost, h.base+"/api/auth/guest/logout", nil, "X-Requested-With", "XMLHttpRequest"); resp.StatusCode != http.StatusOK {
		t.Errorf("logout: %d", resp.StatusCode)
	}
	if code, _ := h.who(c); code != http.StatusUnauthorized {
		t.Errorf("cookie after logout: %d", code)
	}
	// Tokens issued for the session end with it.
	if code, _ := h.who(http.DefaultClient, "Authorization", "Bearer "+token); code != http.StatusUnauthorized {
		t.Errorf("token after logout: %d", code)
	}
}

func TestRefreshNeedsAProviderSession(t *testing.T) {
	p := startIDP(t)
	h := newHarness(t, oidcYAML(p, ResolverEmail)+`
    guest: {}
`, orgUsers())
	c := browser(t)
	h.signInGuest(c)
	// A guest session is not a session with the oidc provider.
	resp, body := do(t, c, http.MethodGet, h.base+"/api/auth/oidc/refresh?env=development", nil, "X-Requested-With", "XMLHttpRequest")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Missing session cookie") {
		t.Errorf("refresh: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, c, http.MethodGet, h.base+"/api/auth/nope/refresh", nil, "X-Requested-With", "XMLHttpRequest")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "No auth provider registered for 'nope'") {
		t.Errorf("unknown provider: %d %s", resp.StatusCode, body)
	}
	// Signed in with oidc, refresh answers with a new token.
	c = browser(t)
	follow(t, c, h.base+"/api/auth/oidc/start?env=development&flow=redirect")
	resp, body = do(t, c, http.MethodPost, h.base+"/api/auth/oidc/refresh?env=development", nil, "X-Requested-With", "XMLHttpRequest")
	var car ClientAuthResponse
	if err := json.Unmarshal([]byte(body), &car); err != nil || resp.StatusCode != http.StatusOK || car.BackstageIdentity.Identity.UserEntityRef != "user:default/jane" {
		t.Errorf("oidc refresh: %d %s", resp.StatusCode, body)
	}
	if car.Profile.Email != "jane.doe@example.com" || car.ProviderInfo == nil {
		t.Errorf("refresh response: %+v", car)
	}
}
