package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"
)

func TestStaticExternalAccess(t *testing.T) {
	yaml := `
backend:
  auth:
    externalAccess:
      - type: static
        options: {token: ci-token-0123456789, subject: ci}
      - type: static
        options: {token: catalog-only-token, subject: importer}
        accessRestrictions:
          - plugin: catalog
            permission: catalog.entity.read
            permissionAttribute: {action: [read]}
`
	h := newHarness(t, yaml, nil)
	code, w := h.who(http.DefaultClient, "Authorization", "Bearer ci-token-0123456789")
	if code != http.StatusOK {
		t.Fatalf("static token: %d", code)
	}
	if diff := cmp.Diff(whoami{Kind: KindService, Subject: "external:ci", Via: "external"}, w); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, tok := range []string{"ci-token-012345678", "ci-token-0123456789x", "CI-TOKEN-0123456789"} {
		if code, _ := h.who(http.DefaultClient, "Authorization", "Bearer "+tok); code != http.StatusUnauthorized {
			t.Errorf("%q: %d", tok, code)
		}
	}
	// The scheme is case-insensitive, as in Backstage.
	if code, _ := h.who(http.DefaultClient, "Authorization", "bearer   ci-token-0123456789"); code != http.StatusOK {
		t.Errorf("lower-case scheme: %d", code)
	}

	// Access restrictions: only the named plugin.
	restricted := []string{"Authorization", "Bearer catalog-only-token"}
	if resp, _ := do(t, http.DefaultClient, http.MethodGet, h.base+"/api/catalog/entities", nil, restricted...); resp.StatusCode != http.StatusOK {
		t.Errorf("restricted token on its plugin: %d", resp.StatusCode)
	}
	for _, p := range []string{"/api/scaffolder/v2/tasks", "/catalog"} {
		if resp, _ := do(t, http.DefaultClient, http.MethodGet, h.base+p, nil, restricted...); resp.StatusCode != http.StatusForbidden {
			t.Errorf("restricted token on %s: %d", p, resp.StatusCode)
		}
	}
	id := h.svc.external.verifyStatic("catalog-only-token")
	want := []AccessRestriction{{Plugin: "catalog", Permission: []string{"catalog.entity.read"}, PermissionAttribute: map[string][]string{"action": {"read"}}}}
	if diff := cmp.Diff(want, id.AccessRestrictions); diff != "" {
		t.Errorf("restrictions (-want +got):\n%s", diff)
	}
	// A service has no user info.
	if resp, _ := do(t, http.DefaultClient, http.MethodGet, h.base+"/api/auth/v1/userinfo", nil, "Authorization", "Bearer ci-token-0123456789"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("userinfo for a service: %d", resp.StatusCode)
	}
}

func TestLegacyAndJWKSExternalAccess(t *testing.T) {
	secret := []byte("a-shared-secret-of-some-length!!")
	ks := startKeyServer(t, jose.RS256)
	yaml := `
backend:
  auth:
    keys:
      - secret: ` + base64.StdEncoding.EncodeToString([]byte("the-old-keys-secret")) + `
    externalAccess:
      - type: legacy
        options: {secret: ` + base64.StdEncoding.EncodeToString(secret) + `, subject: old-backend}
      - type: jwks
        options: {url: ` + ks.srv.URL + `, issuer: https://issuer.example, audience: callboard, subjectPrefix: "ext-"}
`
	h := newHarness(t, yaml, nil)
	// Signed by hand: go-jose refuses HMAC keys under 32 bytes, and
	// legacy secrets may be shorter.
	hs := func(key []byte, claims map[string]any) string {
		head := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
		body, _ := json.Marshal(claims)
		signing := head + "." + base64.RawURLEncoding.EncodeToString(body)
		m := hmac.New(sha256.New, key)
		m.Write([]byte(signing))
		return signing + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	exp := time.Now().Add(time.Hour).Unix()
	tests := []struct {
		name    string
		token   string
		subject string // "" means refused
	}{
		{"legacy", hs(secret, map[string]any{"sub": "backstage-server", "exp": exp}), "external:old-backend"},
		{"legacy keys", hs([]byte("the-old-keys-secret"), map[string]any{"sub": "backstage-server", "exp": exp}), "external:legacy-default-config"},
		{"legacy wrong secret", hs([]byte("nope"), map[string]any{"sub": "backstage-server", "exp": exp}), ""},
		{"legacy wrong subject", hs(secret, map[string]any{"sub": "someone", "exp": exp}), ""},
		{"legacy without expiry", hs(secret, map[string]any{"sub": "backstage-server"}), ""},
		{"legacy expired", hs(secret, map[string]any{"sub": "backstage-server", "exp": time.Now().Add(-time.Minute).Unix()}), ""},
		{"jwks", ks.sign(t, map[string]any{"iss": "https://issuer.example", "aud": "callboard", "sub": "robot", "exp": exp}, nil), "external:ext-robot"},
		{"jwks wrong audience", ks.sign(t, map[string]any{"iss": "https://issuer.example", "aud": "other", "sub": "robot", "exp": exp}, nil), ""},
		{"jwks wrong issuer", ks.sign(t, map[string]any{"iss": "https://evil.example", "aud": "callboard", "sub": "robot", "exp": exp}, nil), ""},
	}
	for _, tt := range tests {
		code, w := h.who(http.DefaultClient, "Authorization", "Bearer "+tt.token)
		switch {
		case tt.subject == "" && code != http.StatusUnauthorized:
			t.Errorf("%s: %d, want 401", tt.name, code)
		case tt.subject != "" && (code != http.StatusOK || w.Subject != tt.subject || w.Kind != KindService):
			t.Errorf("%s: %d %+v, want %s", tt.name, code, w, tt.subject)
		}
	}
}

func TestExternalAccessConfigErrors(t *testing.T) {
	tests := map[string]string{
		`[{type: static, options: {token: short, subject: ci}}]`:                                                   "backend.auth.externalAccess[0].options.token: must be at least 8 characters without whitespace",
		`[{type: static, options: {token: "with space 123", subject: ci}}]`:                                        "backend.auth.externalAccess[0].options.token: must be at least 8 characters without whitespace",
		`[{type: static, options: {token: long-enough-token}}]`:                                                    "backend.auth.externalAccess[0].options.subject: must be a non-empty string without whitespace",
		`[{type: legacy, options: {secret: "not base64!", subject: x}}]`:                                           "backend.auth.externalAccess[0].options.secret: must be a non-empty base64 string",
		`[{type: jwks, options: {}}]`:                                                                              "backend.auth.externalAccess[0].options.url: must not be empty",
		`[{type: magic}]`:                                                                                          `backend.auth.externalAccess[0].type: unknown type "magic" (static, legacy or jwks)`,
		`[{type: static, options: {token: long-enough-token, subject: x}, accessRestrictions: [{permission: x}]}]`: "backend.auth.externalAccess[0].accessRestrictions[0].plugin: must not be empty",
	}
	for entries, want := range tests {
		_, err := New(Options{Config: loadConfig(t, "backend: {auth: {externalAccess: "+entries+"}}", ""), BaseURL: "http://localhost:7007", Store: newMemStore(), Users: newFakeUsers()})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", entries, err, want)
		}
	}
}
