package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// keyServer serves a JWKS and signs JWTs with its key.
type keyServer struct {
	srv *httptest.Server
	key crypto.Signer
	alg jose.SignatureAlgorithm
}

func startKeyServer(t *testing.T, alg jose.SignatureAlgorithm) *keyServer {
	t.Helper()
	ks := &keyServer{alg: alg}
	var err error
	if alg == jose.ES256 {
		ks.key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	} else {
		ks.key, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		t.Fatal(err)
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: ks.key.Public(), KeyID: "k1", Algorithm: string(alg), Use: "sig"}}}
	ks.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(ks.srv.Close)
	return ks
}

// sign issues a JWT; a nil signer key means this server's.
func (ks *keyServer) sign(t *testing.T, claims map[string]any, key crypto.Signer) string {
	t.Helper()
	if key == nil {
		key = ks.key
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: ks.alg, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// serve runs one request through the harness's middleware from remote.
func (h *harness) serve(r *http.Request, remote string) (*httptest.ResponseRecorder, whoami) {
	h.t.Helper()
	r.RemoteAddr = remote
	rec := httptest.NewRecorder()
	h.srv.Config.Handler.ServeHTTP(rec, r)
	var w whoami
	if rec.Code == http.StatusOK {
		_ = json.Unmarshal(rec.Body.Bytes(), &w)
	}
	return rec, w
}

func TestOAuth2ProxyTrustedAndUntrusted(t *testing.T) {
	yaml := `
auth:
  providers:
    oauth2Proxy:
      trustedProxies: [10.0.0.0/8, 192.168.1.7]
      signIn:
        resolvers:
          - resolver: emailMatchingUserEntityProfileEmail
          - resolver: forwardedUserMatchingUserEntityName
`
	h := newHarness(t, yaml, orgUsers())
	req := func() *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/api/catalog/entities", nil)
		r.Header.Set("X-Forwarded-Email", "jane.doe@example.com")
		r.Header.Set("X-Forwarded-User", "jdoe")
		return r
	}
	tests := []struct {
		remote string
		want   int
	}{
		{"10.1.2.3:5555", http.StatusOK},
		{"192.168.1.7:443", http.StatusOK},
		{"[::ffff:10.9.9.9]:80", http.StatusOK},
		{"192.168.1.8:443", http.StatusUnauthorized},
		{"203.0.113.5:1234", http.StatusUnauthorized},
		{"127.0.0.1:1234", http.StatusUnauthorized}, // loopback is only the default
	}
	for _, tt := range tests {
		rec, w := h.serve(req(), tt.remote)
		if rec.Code != tt.want {
			t.Errorf("from %s: status %d, want %d", tt.remote, rec.Code, tt.want)
		}
		if tt.want == http.StatusOK && (w.UserEntityRef != "user:default/jane" || w.Via != "proxy" || len(w.Ownership) != 4) {
			t.Errorf("from %s: identity %+v", tt.remote, w)
		}
	}

	// X-Forwarded-For cannot make an untrusted peer trusted.
	r := req()
	r.Header.Set("X-Forwarded-For", "10.0.0.1")
	if rec, _ := h.serve(r, "203.0.113.5:1234"); rec.Code != http.StatusUnauthorized {
		t.Errorf("spoofed X-Forwarded-For: %d", rec.Code)
	}

	// A user the catalog does not know is refused with Backstage's message.
	r = httptest.NewRequest(http.MethodGet, "/api/catalog/entities", nil)
	r.Header.Set("X-Forwarded-Email", "stranger@example.com")
	rec, _ := h.serve(r, "10.0.0.1:1")
	if rec.Code != http.StatusUnauthorized || !json.Valid(rec.Body.Bytes()) {
		t.Errorf("unknown user: %d %s", rec.Code, rec.Body)
	}

	// Resolutions are cached briefly.
	before := h.users.lookups
	h.serve(req(), "10.1.2.3:5555")
	if h.users.lookups != before {
		t.Errorf("a repeated request looked the user up again (%d lookups)", h.users.lookups-before)
	}

	// refresh issues a portal token for the proxy's user.
	r = req()
	r.URL.Path = "/api/auth/oauth2Proxy/refresh"
	r.Header.Set("X-Requested-With", "XMLHttpRequest")
	rec, _ = h.serve(r, "10.1.2.3:5555")
	var resp ClientAuthResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || resp.BackstageIdentity == nil || resp.BackstageIdentity.Identity.UserEntityRef != "user:default/jane" {
		t.Errorf("refresh: %d %s", rec.Code, rec.Body)
	}
	r.RemoteAddr = "203.0.113.5:1"
	rec = httptest.NewRecorder()
	h.srv.Config.Handler.ServeHTTP(rec, r)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("refresh from an untrusted peer: %d", rec.Code)
	}
}

func TestGCPIAPVerifiesJWT(t *testing.T) {
	ks := startKeyServer(t, jose.ES256)
	yaml := `
auth:
  providers:
    gcpIap:
      audience: /projects/1/global/backendServices/2
      jwksUrl: ` + ks.srv.URL + `
      trustedProxies: [35.191.0.0/16]
      signIn:
        resolvers:
          - resolver: emailMatchingUserEntityProfileEmail
`
	h := newHarness(t, yaml, orgUsers())
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	good := map[string]any{"iss": "https://cloud.google.com/iap", "aud": "/projects/1/global/backendServices/2",
		"sub": "accounts.google.com:1", "email": "jane.doe@example.com", "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range good {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	tests := []struct {
		name   string
		token  string
		remote string
		want   int
	}{
		{"valid", ks.sign(t, good, nil), "35.191.3.4:1", http.StatusOK},
		{"untrusted peer", ks.sign(t, good, nil), "198.51.100.1:1", http.StatusUnauthorized},
		{"wrong key", ks.sign(t, good, other), "35.191.3.4:1", http.StatusUnauthorized},
		{"wrong audience", ks.sign(t, with("aud", "/projects/9/x"), nil), "35.191.3.4:1", http.StatusUnauthorized},
		{"wrong issuer", ks.sign(t, with("iss", "https://evil.example"), nil), "35.191.3.4:1", http.StatusUnauthorized},
		{"expired", ks.sign(t, with("exp", now.Add(-time.Minute).Unix()), nil), "35.191.3.4:1", http.StatusUnauthorized},
		{"garbage", "not.a.jwt", "35.191.3.4:1", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, "/api/catalog/entities", nil)
		r.Header.Set("x-goog-iap-jwt-assertion", tt.token)
		rec, w := h.serve(r, tt.remote)
		if rec.Code != tt.want {
			t.Errorf("%s: status %d, want %d: %s", tt.name, rec.Code, tt.want, rec.Body)
		}
		if tt.want == http.StatusOK && w.UserEntityRef != "user:default/jane" {
			t.Errorf("%s: identity %+v", tt.name, w)
		}
	}
}

func TestCloudflareAccessHeaderAndCookie(t *testing.T) {
	ks := startKeyServer(t, jose.RS256)
	yaml := `
auth:
  providers:
    cfaccess:
      teamName: tidewater
      jwksUrl: ` + ks.srv.URL + `
      issuer: https://tidewater.cloudflareaccess.com
      signIn:
        resolvers:
          - resolver: emailLocalPartMatchingUserEntityName
`
	h := newHarness(t, yaml, newFakeUsers(user("jane", "")))
	tok := ks.sign(t, map[string]any{"iss": "https://tidewater.cloudflareaccess.com", "aud": []string{"app"},
		"email": "jane@tidewater.example", "exp": time.Now().Add(time.Hour).Unix()}, nil)
	r := httptest.NewRequest(http.MethodGet, "/api/catalog/entities", nil)
	r.Header.Set("Cf-Access-Jwt-Assertion", tok)
	if rec, w := h.serve(r, "127.0.0.1:9"); rec.Code != http.StatusOK || w.UserEntityRef != "user:default/jane" {
		t.Errorf("header: %d %+v", rec.Code, w)
	}
	r = httptest.NewRequest(http.MethodGet, "/api/catalog/entities", nil)
	r.AddCookie(&http.Cookie{Name: "CF_Authorization", Value: tok})
	if rec, w := h.serve(r, "[::1]:9"); rec.Code != http.StatusOK || w.UserEntityRef != "user:default/jane" {
		t.Errorf("cookie: %d %+v", rec.Code, w)
	}
	r = httptest.NewRequest(http.MethodGet, "/api/catalog/entities", nil)
	r.Header.Set("Cf-Access-Jwt-Assertion", tok)
	if rec, _ := h.serve(r, "192.0.2.10:9"); rec.Code != http.StatusUnauthorized {
		t.Errorf("from a non-loopback peer with the default trust: %d", rec.Code)
	}
}
