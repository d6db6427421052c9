package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/auth"
)

func TestProfilePage(t *testing.T) {
	h := accountSite(t, sampleAccounts(), janeSession)
	rec := send(t, h, http.MethodGet, "/profile", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	checkGolden(t, "profile", rec.Body.String())

	rec = send(t, h, http.MethodGet, "/profile?revoked="+url.QueryEscape("laptop CLI"), nil)
	if !strings.Contains(rec.Body.String(), "Revoked the token laptop CLI.") {
		t.Errorf("revoked notice missing")
	}
}

func TestProfileCreatesToken(t *testing.T) {
	f := sampleAccounts()
	h := accountSite(t, f, janeSession)
	rec := send(t, h, http.MethodPost, "/profile/tokens", url.Values{"csrf_token": {"csrf-123"}, "name": {"release pipeline"}, "scope": {"write"}, "expires": {"90"}})
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s", rec.Code, rec.Body)
	}
	want := []auth.CreateTokenRequest{{Name: "release pipeline", Scopes: []string{"read", "write"}, Lifetime: 90 * 24 * time.Hour}}
	if diff := cmp.Diff(want, f.created); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
	if !strings.Contains(rec.Body.String(), "<code data-token>cbp_tok3_s3cr3t</code>") || rec.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("the new token is not shown once:\n%s", rec.Body)
	}

	// A mistake comes back with the message and the form as it was sent.
	rec = send(t, h, http.MethodPost, "/profile/tokens", url.Values{"csrf_token": {"csrf-123"}, "name": {"  "}, "scope": {"read"}, "expires": {"7"}})
	body := rec.Body.String()
	if rec.Code != http.StatusBadRequest || !strings.Contains(body, "Token name must be 1 to 100 characters") ||
		!strings.Contains(body, `<option value="7" selected>7 days</option>`) || !strings.Contains(body, `value="read" checked`) {
		t.Errorf("invalid form: %d\n%s", rec.Code, body)
	}
}

func TestProfileRevokesToken(t *testing.T) {
	f := sampleAccounts()
	h := accountSite(t, f, janeSession)
	rec := send(t, h, http.MethodPost, "/profile/tokens/tok1/revoke", url.Values{"csrf_token": {"csrf-123"}, "name": {"laptop CLI"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/profile?revoked=laptop+CLI" || !cmp.Equal(f.revoked, []string{"tok1"}) {
		t.Errorf("revoke: %d %s %v", rec.Code, rec.Header().Get("Location"), f.revoked)
	}
	if rec := send(t, h, http.MethodPost, "/profile/tokens/someone-elses/revoke", url.Values{}); rec.Code != http.StatusNotFound {
		t.Errorf("unknown token: %d", rec.Code)
	}
}

func TestProfileForOtherIdentities(t *testing.T) {
	// Without an identity (the middleware would have redirected): 401.
	if rec := send(t, accountSite(t, sampleAccounts(), nil), http.MethodGet, "/profile", nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", rec.Code)
	}
	// A service has no tokens and no session.
	svc := &auth.Identity{Kind: auth.KindService, Subject: "external:ci", Via: auth.CredentialExternal}
	rec := send(t, accountSite(t, sampleAccounts(), svc), http.MethodGet, "/profile", nil)
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, "Signed in as <code>external:ci</code> through an external access token.") ||
		strings.Contains(body, "Personal access tokens") || strings.Contains(body, "Sign out") || !strings.Contains(body, "owns nothing") {
		t.Errorf("service profile:\n%s", body)
	}
	// A personal access token cannot manage tokens; a portal token can but
	// has no session to end.
	pat := &auth.Identity{Kind: auth.KindUser, UserEntityRef: "user:default/jane", Via: auth.CredentialPAT}
	if body := send(t, accountSite(t, sampleAccounts(), pat), http.MethodGet, "/profile", nil).Body.String(); strings.Contains(body, "Personal access tokens") {
		t.Error("token management offered to a token")
	}
	jwt := &auth.Identity{Kind: auth.KindUser, UserEntityRef: "user:default/jane", Via: auth.CredentialJWT}
	body = send(t, accountSite(t, sampleAccounts(), jwt), http.MethodGet, "/profile", nil).Body.String()
	if !strings.Contains(body, "Personal access tokens") || strings.Contains(body, "Sign out") {
		t.Errorf("portal token profile:\n%s", body)
	}
}
