package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/go-cmp/cmp"
)

// guestToken signs a browser in as the guest and returns its portal token.
func guestToken(t *testing.T, h *harness) (string, *http.Client) {
	t.Helper()
	c := browser(t)
	resp, body := do(t, c, http.MethodGet, h.base+"/api/auth/guest/refresh", nil, "X-Requested-With", "XMLHttpRequest")
	var car ClientAuthResponse
	if err := json.Unmarshal([]byte(body), &car); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("guest refresh: %d %s", resp.StatusCode, body)
	}
	return car.BackstageIdentity.Token, c
}

func TestUserTokenVerifiesAgainstPublishedJWKS(t *testing.T) {
	h := newHarness(t, guestYAML, nil)
	tok, _ := guestToken(t, h)

	_, body := do(t, http.DefaultClient, http.MethodGet, h.base+"/api/auth/.well-known/jwks.json", nil)
	var set jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(body), &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("jwks: %v %s", err, body)
	}
	k := set.Keys[0]
	if k.Algorithm != "ES256" || k.Use != "sig" || !k.IsPublic() || strings.Contains(body, `"d"`) {
		t.Errorf("published key: %s", body)
	}
	parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	hdr := parsed.Headers[0]
	if hdr.KeyID != k.KeyID || hdr.ExtraHeaders[jose.HeaderType] != "vnd.backstage.user" {
		t.Errorf("header: %+v", hdr)
	}
	var claims map[string]any
	if err := parsed.Claims(k.Key, &claims); err != nil {
		t.Fatalf("signature does not verify with the published key: %v", err)
	}
	if claims["iss"] != h.base+"/api/auth" || claims["sub"] != "user:development/guest" || claims["aud"] != "backstage" {
		t.Errorf("claims: %v", claims)
	}
	if claims["exp"].(float64)-claims["iat"].(float64) != 3600 {
		t.Errorf("lifetime: %v", claims)
	}
	if _, ok := claims["ent"]; ok {
		t.Error("ent is in the token; Backstage leaves it out by default")
	}
	uip, _ := claims["uip"].(string)
	lim, err := jwt.ParseSigned(uip, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil || lim.Headers[0].ExtraHeaders[jose.HeaderType] != "vnd.backstage.limited-user" {
		t.Errorf("uip: %v", err)
	}

	_, body = do(t, http.DefaultClient, http.MethodGet, h.base+"/api/auth/.well-known/openid-configuration", nil)
	var doc map[string]any
	_ = json.Unmarshal([]byte(body), &doc)
	if doc["issuer"] != h.base+"/api/auth" || doc["jwks_uri"] != h.base+"/api/auth/.well-known/jwks.json" ||
		!cmp.Equal(doc["id_token_signing_alg_values_supported"], []any{"ES256"}) {
		t.Errorf("discovery: %s", body)
	}
}

func TestUserTokenExpiryAndForgery(t *testing.T) {
	h := newHarness(t, guestYAML+"  backstageTokenExpiration: {minutes: 15}\n", nil)
	tok, _ := guestToken(t, h)
	bearer := func(tok string) int {
		code, _ := h.who(http.DefaultClient, "Authorization", "Bearer "+tok)
		return code
	}
	if got := bearer(tok); got != http.StatusOK {
		t.Fatalf("fresh token: %d", got)
	}

	// Tampering with any part breaks the signature.
	parts := strings.Split(tok, ".")
	claims := map[string]any{}
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	_ = json.Unmarshal(raw, &claims)
	claims["sub"] = "user:default/admin"
	forged, _ := json.Marshal(claims)
	if got := bearer(parts[0] + "." + base64.RawURLEncoding.EncodeToString(forged) + "." + parts[2]); got != http.StatusUnauthorized {
		t.Errorf("forged claims: %d", got)
	}
	// A token signed by a key no replica published.
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sk := &signingKey{kid: "k-unknown", private: other}
	c := userClaims{Claims: jwt.Claims{Issuer: h.base + "/api/auth", Subject: "user:development/guest", Audience: jwt.Audience{"backstage"},
		IssuedAt: jwt.NewNumericDate(h.clock.now()), Expiry: jwt.NewNumericDate(h.clock.now().Add(time.Hour))}}
	unknown, _ := sign(sk, typUser, c)
	if got := bearer(unknown); got != http.StatusUnauthorized {
		t.Errorf("unknown key: %d", got)
	}
	// alg none is not an algorithm we accept.
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"vnd.backstage.user"}`)) + "." + parts[1] + "."
	if got := bearer(none); got != http.StatusUnauthorized {
		t.Errorf("alg none: %d", got)
	}

	// backstageTokenExpiration: the token lasts 15 minutes.
	h.clock.advance(15*time.Minute - time.Second)
	if got := bearer(tok); got != http.StatusOK {
		t.Errorf("just before expiry: %d", got)
	}
	h.clock.advance(time.Second)
	if got := bearer(tok); got != http.StatusUnauthorized {
		t.Errorf("expired token: %d", got)
	}
}

func TestTokenExpirationClamp(t *testing.T) {
	for yaml, want := range map[string]time.Duration{
		"":                                      time.Hour,
		"auth: {backstageTokenExpiration: 1m}":  10 * time.Minute,
		"auth: {backstageTokenExpiration: 48h}": 24 * time.Hour,
		"auth: {backstageTokenExpiration: PT30M}": 30 * time.Minute,
	} {
		s, err := loadSettings(loadConfig(t, yaml, ""), "http://localhost:7007")
		if err != nil {
			t.Fatal(err)
		}
		if s.tokenExpiration != want {
			t.Errorf("%q: %v, want %v", yaml, s.tokenExpiration, want)
		}
	}
}

func TestKeyRotationAndReplicas(t *testing.T) {
	h := newHarness(t, guestYAML, nil)
	first, _ := guestToken(t, h)

	// Another replica on the same database verifies the first's tokens.
	replica, err := New(Options{Config: loadConfig(t, guestYAML, h.base), BaseURL: h.base, Store: h.store, Users: h.users, Now: h.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := replica.verifyBearer(t.Context(), first); err != nil {
		t.Errorf("replica refused a token: %v", err)
	}

	// After a day a new key signs; the old one is still published until
	// its last token can have expired.
	h.clock.advance(keySignLifetime + time.Second)
	second, _ := guestToken(t, h)
	kid := func(tok string) string {
		p, _ := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.ES256})
		return p.Headers[0].KeyID
	}
	if kid(first) == kid(second) {
		t.Error("the signing key did not rotate")
	}
	keys, _ := h.store.Keys(t.Context(), h.clock.now())
	if len(keys) != 2 {
		t.Errorf("%d keys published, want the old and the new", len(keys))
	}
	h.clock.advance(2 * time.Hour)
	if err := h.svc.Prune(t.Context()); err != nil {
		t.Fatal(err)
	}
	keys, _ = h.store.Keys(t.Context(), h.clock.now())
	if len(keys) != 1 || keys[0].KID != kid(second) {
		t.Errorf("after the old key expired: %v", keys)
	}
}
