package github

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/integration/forgetest"
)

func newKey(t *testing.T) (*rsa.PrivateKey, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	return key, string(p)
}

type authLine struct{ Line, Auth string }

func (e *env) authLines() []authLine {
	var out []authLine
	for _, r := range e.srv.Requests() {
		auth := r.Header.Get("Authorization")
		if strings.Count(auth, ".") == 2 {
			auth = "Bearer <jwt>" // checked by the fake: RS256, iss, iat, exp
		}
		out = append(out, authLine{r.Line(), auth})
	}
	return out
}

// A GitHub App's installation token is used for the owners it is installed
// on, created once and renewed shortly before it expires; other owners
// fall back to the token.
func TestAppInstallationTokens(t *testing.T) {
	key, pemKey := newKey(t)
	e := setup(t, Config{Token: "ghp_fallback", Apps: []AppConfig{{AppID: "123", PrivateKey: pemKey}}})
	e.fake.token = "ghp_fallback"
	e.fake.appID, e.fake.appKey = "123", &key.PublicKey
	e.fake.installations["org"] = 42
	e.fake.setRepo("org/repo", "main", forgetest.Tree{"x.yaml": "x"})
	e.fake.setRepo("other/repo", "main", forgetest.Tree{"x.yaml": "y"})
	ctx := context.Background()
	read := func(u string) {
		t.Helper()
		if _, _, _, err := e.r.Read(ctx, u, ""); err != nil {
			t.Fatalf("read %s: %v", u, err)
		}
	}
	read("https://github.com/Org/repo/blob/main/x.yaml")
	read("https://github.com/org/repo/blob/main/x.yaml")
	e.clock.Advance(56 * time.Minute) // within five minutes of expiry
	read("https://github.com/org/repo/blob/main/x.yaml")
	read("https://github.com/other/repo/blob/main/x.yaml")
	read("https://github.com/other/repo/blob/main/x.yaml")
	want := []authLine{
		{"GET /repos/Org/repo/installation", "Bearer <jwt>"},
		{"POST /app/installations/42/access_tokens", "Bearer <jwt>"},
		{"GET /repos/Org/repo/contents/x.yaml?ref=main", "Bearer ghs_42_0"},
		{"GET /repos/org/repo/contents/x.yaml?ref=main", "Bearer ghs_42_0"},
		{"POST /app/installations/42/access_tokens", "Bearer <jwt>"},
		{"GET /repos/org/repo/contents/x.yaml?ref=main", "Bearer ghs_42_1"},
		{"GET /repos/other/repo/installation", "Bearer <jwt>"},
		{"GET /repos/other/repo/contents/x.yaml?ref=main", "Bearer ghp_fallback"},
		{"GET /repos/other/repo/contents/x.yaml?ref=main", "Bearer ghp_fallback"},
	}
	if diff := cmp.Diff(want, e.authLines()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// allowedInstallationOwners keeps the app away from other owners; a PKCS#8
// key written with "\n" escapes (as in an environment variable) works.
func TestAppAllowedOwnersAndKeyForms(t *testing.T) {
	key, _ := newKey(t)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	escaped := strings.ReplaceAll(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), "\n", `\n`)
	e := setup(t, Config{Apps: []AppConfig{{ClientID: "Iv1.abc", PrivateKey: escaped, AllowedInstallationOwners: []string{"Allowed"}}}})
	e.fake.appID, e.fake.appKey = "Iv1.abc", &key.PublicKey
	e.fake.installations["allowed"] = 7
	e.fake.installations["org"] = 8
	e.fake.setRepo("allowed/repo", "main", forgetest.Tree{"x.yaml": "x"})
	e.fake.setRepo("org/repo", "main", forgetest.Tree{"x.yaml": "x"})
	ctx := context.Background()
	for _, u := range []string{"https://github.com/allowed/repo/blob/main/x.yaml", "https://github.com/org/repo/blob/main/x.yaml"} {
		if _, _, _, err := e.r.Read(ctx, u, ""); err != nil {
			t.Fatalf("read %s: %v", u, err)
		}
	}
	want := []authLine{
		{"GET /repos/allowed/repo/installation", "Bearer <jwt>"},
		{"POST /app/installations/7/access_tokens", "Bearer <jwt>"},
		{"GET /repos/allowed/repo/contents/x.yaml?ref=main", "Bearer ghs_7_0"},
		{"GET /repos/org/repo/contents/x.yaml?ref=main", ""},
	}
	if diff := cmp.Diff(want, e.authLines()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"not a key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"} {
		if _, err := parsePrivateKey(bad); err == nil {
			t.Errorf("parsePrivateKey(%q) succeeded", bad)
		}
	}
}
