package auth

import (
	"context"
	"strings"
	"testing"
)

// FuzzVerifyBearer feeds arbitrary bearer tokens to the verifier: none may
// panic, and only the configured static token and a token issued by the
// portal may authenticate.
func FuzzVerifyBearer(f *testing.F) {
	h := newHarness(f, guestYAML+`
backend:
  auth:
    externalAccess:
      - type: static
        options: {token: static-token-1234, subject: ci}
      - type: legacy
        options: {secret: c2VjcmV0, subject: old}
`, nil)
	for _, seed := range []string{"static-token-1234", "cbp_abc_def", "cbp_", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.x", "eyJhbGciOiJub25lIn0.e30.", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		id, err := h.svc.verifyBearer(context.Background(), raw)
		switch {
		case err == nil && raw == "static-token-1234":
		case err == nil:
			t.Fatalf("%q authenticated as %+v", raw, id)
		}
	})
}

// FuzzSessionCookie feeds arbitrary cookie values to the session lookup:
// only the session's own value signs in.
func FuzzSessionCookie(f *testing.F) {
	h := newHarness(f, guestYAML, nil)
	c := browser(f)
	h.signInGuest(c)
	valid := h.cookie(c, sessionCookieName)
	id, _, _ := strings.Cut(valid, ".")
	for _, seed := range []string{valid, id + ".", id + ".x", "." + valid, valid + "x", "", "."} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		sess, err := h.svc.lookupSession(context.Background(), value)
		if err != nil {
			t.Fatal(err)
		}
		if sess != nil && value != valid {
			t.Fatalf("%q opened session %s", value, sess.ID)
		}
	})
}
