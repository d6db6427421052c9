package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/auth"
	"github.com/callboard/callboard/internal/problem"
)

// fakeAccounts stands in for the auth service.
type fakeAccounts struct {
	providers []auth.ProviderInfo
	authOff   bool
	tokens    []auth.PersonalToken
	signedOut int
	created   []auth.CreateTokenRequest
	revoked   []string
}

func (f *fakeAccounts) Providers() []auth.ProviderInfo { return f.providers }

func (f *fakeAccounts) SignInURL(id, ret string) string {
	return "/api/auth/" + id + "/start?" + url.Values{"redirectUrl": {ret}}.Encode()
}

func (f *fakeAccounts) SafeReturn(raw string) string {
	if strings.HasPrefix(raw, "/") && !strings.HasPrefix(raw, "//") {
		return raw
	}
	return "/"
}

func (f *fakeAccounts) PolicyDisabled() bool { return f.authOff }

func (f *fakeAccounts) SignOut(w http.ResponseWriter, r *http.Request) error {
	f.signedOut++
	return nil
}

func (f *fakeAccounts) CreateToken(_ context.Context, id *auth.Identity, req auth.CreateTokenRequest) (*auth.NewToken, error) {
	f.created = append(f.created, req)
	if strings.TrimSpace(req.Name) == "" {
		return nil, problem.Input("Token name must be 1 to 100 characters")
	}
	t := auth.PersonalToken{ID: "tok3", Name: req.Name, Scopes: req.Scopes, CreatedAt: fixedTime, ExpiresAt: fixedTime.Add(req.Lifetime)}
	return &auth.NewToken{PersonalToken: t, Token: "cbp_tok3_s3cr3t"}, nil
}

func (f *fakeAccounts) ListTokens(_ context.Context, id *auth.Identity) ([]auth.PersonalToken, error) {
	return f.tokens, nil
}

func (f *fakeAccounts) RevokeToken(_ context.Context, id *auth.Identity, tokenID string) error {
	if tokenID != "tok1" {
		return problem.NotFound("No token with id %s", tokenID)
	}
	f.revoked = append(f.revoked, tokenID)
	return nil
}

func sampleAccounts() *fakeAccounts {
	return &fakeAccounts{
		providers: []auth.ProviderInfo{
			{ID: "github", Title: "GitHub", Kind: auth.ProviderOAuth, Resolvers: []string{auth.ResolverUsername, auth.ResolverEmail}},
			{ID: "guest", Title: "Guest", Kind: auth.ProviderGuest},
			{ID: "oauth2Proxy", Title: "OAuth2 Proxy", Kind: auth.ProviderProxy},
		},
		tokens: []auth.PersonalToken{
			{ID: "tok1", Name: "laptop CLI", Scopes: []string{"read"}, CreatedAt: fixedTime, ExpiresAt: fixedTime.Add(30 * 24 * time.Hour), LastUsedAt: fixedTime.Add(time.Hour)},
			{ID: "tok2", Name: "old <script>", Scopes: []string{"read", "write"}, CreatedAt: fixedTime.Add(-48 * time.Hour), ExpiresAt: fixedTime.Add(-time.Hour)},
		},
	}
}

var janeSession = &auth.Identity{
	Kind: auth.KindUser, UserEntityRef: "user:default/jane", Via: auth.CredentialSession, CSRFToken: "csrf-123",
	OwnershipEntityRefs: []string{"user:default/jane", "group:default/team-a", "group:default/eng"},
}

// accountSite serves the account pages as the reader id (nil: anonymous).
func accountSite(t *testing.T, f *fakeAccounts, id *auth.Identity) http.Handler {
	t.Helper()
	h := NewAccountPages(AccountOptions{
		Accounts: f,
		Logger:   slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Now:      func() time.Time { return fixedTime },
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id != nil {
			r = r.WithContext(auth.WithIdentity(r.Context(), id))
		}
		h.ServeHTTP(w, r)
	})
}

// checkGolden compares a page with testdata/golden/<name>.html.
func checkGolden(t *testing.T, name, body string) {
	t.Helper()
	got := assetHashRE.ReplaceAllString(body, "$1.HASH.")
	path := filepath.Join("testdata", "golden", name+".html")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got); run go test -update if the change is intended:\n%s", path, diff)
	}
}

func TestSignInPage(t *testing.T) {
	h := accountSite(t, sampleAccounts(), nil)
	rec := send(t, h, http.MethodGet, "/signin?return="+url.QueryEscape("/catalog?kind=api"), nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	checkGolden(t, "signin", rec.Body.String())

	rec = send(t, h, http.MethodGet, "/signin?error=failed&provider=github&return=//evil.example", nil)
	body := rec.Body.String()
	// The return URL the buttons carry is made safe (the theme switch
	// link may repeat the request's own URL; that is not a redirect).
	if !strings.Contains(body, "Sign-in with GitHub did not complete.") || !strings.Contains(body, `name="redirectUrl" value="/"`) ||
		!strings.Contains(body, `href="/api/auth/github/start?redirectUrl=%2F"`) {
		t.Errorf("failed sign-in page:\n%s", body)
	}
	rec = send(t, h, http.MethodGet, "/signin?error=conflict&provider=nope", nil)
	if !strings.Contains(rec.Body.String(), "More than one User entity in the catalog matches your account at the provider,") {
		t.Errorf("conflict page:\n%s", rec.Body)
	}
	rec = send(t, h, http.MethodGet, "/signin?error=bogus", nil)
	if strings.Contains(rec.Body.String(), "alert--error") {
		t.Errorf("unknown error code shown:\n%s", rec.Body)
	}
}

func TestSignInPageStates(t *testing.T) {
	rec := send(t, accountSite(t, &fakeAccounts{authOff: true}, nil), http.MethodGet, "/signin", nil)
	body := rec.Body.String()
	for _, want := range []string{"Sign-in is turned off on this portal", "No way to sign in is configured"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	rec = send(t, accountSite(t, sampleAccounts(), janeSession), http.MethodGet, "/signin?return=/docs", nil)
	if !strings.Contains(rec.Body.String(), "You are signed in as <code>user:default/jane</code>") ||
		!strings.Contains(rec.Body.String(), `<a href="/docs">Continue</a>`) {
		t.Errorf("signed-in reader:\n%s", rec.Body)
	}
	// The guest of a disabled auth policy is not "signed in".
	guest := &auth.Identity{Kind: auth.KindGuest, UserEntityRef: "user:development/guest", Via: auth.CredentialNone}
	rec = send(t, accountSite(t, &fakeAccounts{authOff: true}, guest), http.MethodGet, "/signin", nil)
	if strings.Contains(rec.Body.String(), "You are signed in") {
		t.Error("the open guest is shown as signed in")
	}
}

func TestNotInCatalogPage(t *testing.T) {
	rec := send(t, accountSite(t, sampleAccounts(), nil), http.MethodGet, "/signin/not-in-catalog?provider=github", nil)
	if rec.Code != http.StatusForbidden {
		t.Errorf("status %d", rec.Code)
	}
	checkGolden(t, "signin-not-in-catalog", rec.Body.String())
	rec = send(t, accountSite(t, sampleAccounts(), nil), http.MethodGet, "/signin/not-in-catalog?provider=<b>", nil)
	if body := rec.Body.String(); !strings.Contains(body, "You signed in with your identity provider, but") || !strings.Contains(body, "The sign-in resolvers configured") || strings.Contains(body, "<b>") {
		t.Errorf("unknown provider:\n%s", rec.Body)
	}
}

func TestSignOut(t *testing.T) {
	f := sampleAccounts()
	h := accountSite(t, f, janeSession)
	rec := send(t, h, http.MethodPost, "/signout", url.Values{"csrf_token": {"csrf-123"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/signin" || f.signedOut != 1 {
		t.Errorf("sign-out: %d %s, signed out %d times", rec.Code, rec.Header().Get("Location"), f.signedOut)
	}
	if rec := send(t, h, http.MethodGet, "/signout", nil); rec.Code != http.StatusNotFound && rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET /signout: %d", rec.Code)
	}
	// A cross-site form is refused before it signs anyone out.
	rec = send(t, h, http.MethodPost, "/signout", url.Values{}, "Sec-Fetch-Site", "cross-site")
	if rec.Code != http.StatusForbidden || f.signedOut != 1 {
		t.Errorf("cross-site sign-out: %d", rec.Code)
	}
}
