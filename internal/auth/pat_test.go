package auth

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// signedInGuest returns a browser signed in as the guest and its CSRF
// token.
func signedInGuest(t *testing.T, h *harness) (*http.Client, string) {
	t.Helper()
	c := browser(t)
	h.signInGuest(c)
	_, me := h.who(c)
	return c, me.CSRFToken
}

// createPAT creates a token through the API with a browser session.
func createPAT(t *testing.T, h *harness, c *http.Client, csrf, body string) (int, tokenJSON, string) {
	t.Helper()
	resp, raw := do(t, c, http.MethodPost, h.base+"/api/auth/v1/tokens", strings.NewReader(body),
		"Content-Type", "application/json", CSRFHeader, csrf)
	var tok tokenJSON
	_ = json.Unmarshal([]byte(raw), &tok)
	return resp.StatusCode, tok, raw
}

func TestPersonalAccessTokens(t *testing.T) {
	h := newHarness(t, guestYAML, newFakeUsers(user("guest", "", "group:default/visitors"), group("visitors")))
	c, csrf := signedInGuest(t, h)

	code, read, raw := createPAT(t, h, c, csrf, `{"name":"  ci read ","scopes":["read"],"expiresInDays":7}`)
	if code != http.StatusCreated || !strings.HasPrefix(read.Token, "cbp_"+read.ID+"_") {
		t.Fatalf("create: %d %s", code, raw)
	}
	now := h.clock.now().UTC()
	want := tokenJSON{ID: read.ID, Name: "ci read", Scopes: []string{"read"}, Status: TokenActive, CreatedAt: now, ExpiresAt: now.Add(7 * 24 * time.Hour), Token: read.Token}
	if diff := cmp.Diff(want, read); diff != "" {
		t.Errorf("created token (-want +got):\n%s", diff)
	}
	// Only the hash is stored.
	stored, _ := h.store.Token(t.Context(), read.ID)
	secret := strings.TrimPrefix(read.Token, "cbp_"+read.ID+"_")
	if stored.SecretHash != hashSecret(secret) || strings.Contains(stored.SecretHash, secret) {
		t.Errorf("stored %+v", stored)
	}
	_, write, _ := createPAT(t, h, c, csrf, `{"name":"deploy","scopes":["write"]}`)

	bearer := func(tok string) []string { return []string{"Authorization", "Bearer " + tok} }
	code, w := h.who(http.DefaultClient, bearer(read.Token)...)
	wantWho := whoami{Kind: KindGuest, UserEntityRef: "user:development/guest", Ownership: []string{"user:development/guest"}, Via: "pat"}
	if code != http.StatusOK {
		t.Fatalf("use: %d", code)
	}
	if diff := cmp.Diff(wantWho, w); diff != "" {
		t.Errorf("identity (-want +got):\n%s", diff)
	}

	// Scopes: read allows safe methods and read-only POSTs.
	post := func(path, tok string) int {
		resp, _ := do(t, http.DefaultClient, http.MethodPost, h.base+path, strings.NewReader(`{}`), append(bearer(tok), "Content-Type", "application/json")...)
		return resp.StatusCode
	}
	if got := post("/api/catalog/entities/by-query", read.Token); got != http.StatusOK {
		t.Errorf("read token, read-only POST: %d", got)
	}
	if got := post("/api/catalog/locations", read.Token); got != http.StatusForbidden {
		t.Errorf("read token, write: %d", got)
	}
	if got := post("/api/catalog/locations", write.Token); got != http.StatusOK {
		t.Errorf("write token, write: %d", got)
	}
	// A token cannot mint tokens.
	resp, body := do(t, http.DefaultClient, http.MethodPost, h.base+"/api/auth/v1/tokens", strings.NewReader(`{"name":"x","scopes":["write"]}`),
		append(bearer(write.Token), "Content-Type", "application/json")...)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("token minting a token: %d %s", resp.StatusCode, body)
	}

	// The list shows both, newest first, without secrets.
	h.clock.advance(time.Minute)
	resp, body = do(t, c, http.MethodGet, h.base+"/api/auth/v1/tokens", nil)
	var list struct{ Items []tokenJSON }
	if err := json.Unmarshal([]byte(body), &list); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("list: %d %s", resp.StatusCode, body)
	}
	if len(list.Items) != 2 || strings.Contains(body, read.Token) || strings.Contains(body, "cbp_") {
		t.Errorf("list: %s", body)
	}
	if list.Items[1].LastUsedAt == nil {
		t.Errorf("last use not recorded: %s", body)
	}

	// Revocation takes effect at once.
	resp, _ = do(t, c, http.MethodDelete, h.base+"/api/auth/v1/tokens/"+read.ID, nil, CSRFHeader, csrf)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if code, _ := h.who(http.DefaultClient, bearer(read.Token)...); code != http.StatusUnauthorized {
		t.Errorf("revoked token: %d", code)
	}
	resp, body = do(t, c, http.MethodDelete, h.base+"/api/auth/v1/tokens/"+read.ID, nil, CSRFHeader, csrf)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("revoking twice: %d %s", resp.StatusCode, body)
	}
	_, body = do(t, c, http.MethodGet, h.base+"/api/auth/v1/tokens", nil)
	if !strings.Contains(body, `"status":"revoked"`) {
		t.Errorf("list after revocation: %s", body)
	}

	// Expiry.
	if code, _ := h.who(http.DefaultClient, bearer(write.Token)...); code != http.StatusOK {
		t.Fatalf("write token before expiry: %d", code)
	}
	h.clock.advance(DefaultPATLifetime)
	if code, _ := h.who(http.DefaultClient, bearer(write.Token)...); code != http.StatusUnauthorized {
		t.Errorf("expired token: %d", code)
	}

	// Forgeries.
	for _, tok := range []string{"cbp_" + write.ID + "_wrong", "cbp_unknown_" + secret, "cbp_", "cbp_" + write.ID} {
		if code, _ := h.who(http.DefaultClient, bearer(tok)...); code != http.StatusUnauthorized {
			t.Errorf("%q: %d", tok, code)
		}
	}
}

func TestPersonalAccessTokenOwnershipAndIsolation(t *testing.T) {
	p := startIDP(t)
	h := newHarness(t, oidcYAML(p, ResolverEmail)+"    guest: {}\n", orgUsers())
	jane := browser(t)
	follow(t, jane, h.base+"/api/auth/oidc/start?flow=redirect")
	_, me := h.who(jane)
	_, tok, raw := createPAT(t, h, jane, me.CSRFToken, `{"name":"cli","scopes":["read","write","read"]}`)
	if !cmp.Equal(tok.Scopes, []string{"read", "write"}) {
		t.Errorf("scopes not normalised: %s", raw)
	}
	code, w := h.who(http.DefaultClient, "Authorization", "Bearer "+tok.Token)
	if code != http.StatusOK || !cmp.Equal(w.Ownership, janeOwnership) || w.Kind != KindUser {
		t.Errorf("token identity: %d %+v", code, w)
	}
	// Someone else cannot list or revoke jane's tokens.
	guest, csrf := signedInGuest(t, h)
	resp, body := do(t, guest, http.MethodGet, h.base+"/api/auth/v1/tokens", nil)
	if resp.StatusCode != http.StatusOK || body != `{"items":[]}` {
		t.Errorf("guest list: %d %s", resp.StatusCode, body)
	}
	if resp, _ := do(t, guest, http.MethodDelete, h.base+"/api/auth/v1/tokens/"+tok.ID, nil, CSRFHeader, csrf); resp.StatusCode != http.StatusNotFound {
		t.Errorf("guest revoking jane's token: %d", resp.StatusCode)
	}
}

func TestCreateTokenValidation(t *testing.T) {
	h := newHarness(t, guestYAML, nil)
	c, csrf := signedInGuest(t, h)
	tests := map[string]string{
		`{"name":"","scopes":["read"]}`:                                 "Token name must be 1 to 100 characters",
		`{"name":"` + strings.Repeat("x", 101) + `","scopes":["read"]}`: "Token name must be 1 to 100 characters",
		`{"name":"x","scopes":[]}`:                                      "Token must have at least one scope",
		`{"name":"x","scopes":["admin"]}`:                               `Unknown token scope \"admin\"`,
		`{"name":"x","scopes":["read"],"expiresInDays":0}`:              "expiresInDays must be between 1 and 366",
		`{"name":"x","scopes":["read"],"expiresInDays":367}`:            "expiresInDays must be between 1 and 366",
		`{"name":"x","scopes":["read"],"extra":1}`:                      "Malformed request body",
		`not json`: "Malformed request body",
	}
	for body, want := range tests {
		code, _, raw := createPAT(t, h, c, csrf, body)
		if code != http.StatusBadRequest || !strings.Contains(raw, want) {
			t.Errorf("%s: %d %s, want %q", body, code, raw, want)
		}
	}
	resp, raw := do(t, c, http.MethodPost, h.base+"/api/auth/v1/tokens", strings.NewReader(`{"name":"x","scopes":["read"]}`), CSRFHeader, csrf)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(raw, "Content-Type must be application/json") {
		t.Errorf("no content type: %d %s", resp.StatusCode, raw)
	}
}
