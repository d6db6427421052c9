package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/callboard/callboard/internal/auth"
)

// Accounts is what the sign-in and profile pages ask of sign-in;
// *auth.Service implements it.
type Accounts interface {
	Providers() []auth.ProviderInfo
	SignInURL(providerID, returnTo string) string
	SafeReturn(raw string) string
	PolicyDisabled() bool
	SignOut(w http.ResponseWriter, r *http.Request) error
	CreateToken(ctx context.Context, id *auth.Identity, req auth.CreateTokenRequest) (*auth.NewToken, error)
	ListTokens(ctx context.Context, id *auth.Identity) ([]auth.PersonalToken, error)
	RevokeToken(ctx context.Context, id *auth.Identity, tokenID string) error
}

var _ Accounts = (*auth.Service)(nil)

// AccountOptions configure the account pages. Accounts is required.
type AccountOptions struct {
	Accounts Accounts
	Logger   *slog.Logger
	// Dev, DevDir and Title are as in Options.
	Dev    bool
	DevDir string
	Title  string
	// Now is the clock token expiry is shown against; nil means time.Now.
	Now func() time.Time
}

// AccountPaths are the path patterns NewAccountPages serves, for the
// composition root's router.
var AccountPaths = []string{"/signin", "/signin/", "/signout", "/profile", "/profile/"}

// accountPages are the sign-in, sign-out and profile pages.
type accountPages struct {
	*site
	accounts Accounts
	now      func() time.Time
}

// NewAccountPages returns the handler for the sign-in page (/signin), the
// page explaining that no User entity matched (/signin/not-in-catalog),
// sign-out (POST /signout) and the profile with personal access tokens
// (/profile). They share the layout of New's pages. The sign-in pages must
// be reachable without signing in; auth's middleware lets them through.
func NewAccountPages(o AccountOptions) http.Handler {
	s := &site{log: o.Logger, title: o.Title, dev: o.Dev, devDir: o.DevDir}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.title == "" {
		s.title = DefaultTitle
	}
	if s.devDir == "" {
		s.devDir = DefaultDevDir
	}
	if !s.dev {
		b, err := embeddedBundle()
		if err != nil {
			panic(fmt.Sprintf("web: embedded templates: %v", err))
		}
		s.fixed = b
	}
	a := &accountPages{site: s, accounts: o.Accounts, now: o.Now}
	if a.now == nil {
		a.now = time.Now
	}
	mux := http.NewServeMux()
	mux.Handle("GET /signin", s.handle(a.signIn))
	mux.Handle("GET "+auth.NotInCatalogPath, s.handle(a.notInCatalog))
	mux.Handle("POST /signout", s.handle(a.signOut))
	mux.Handle("GET /profile", s.handle(a.profile))
	mux.Handle("POST /profile/tokens", s.handle(a.createToken))
	mux.Handle("POST /profile/tokens/{id}/revoke", s.handle(a.revokeToken))
	mux.Handle("/", s.handle(s.notFound))
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(s.handle(func(http.ResponseWriter, *http.Request) error { return errCrossOrigin }))
	return s.observe(securityHeaders(csrf.Handler(mux)))
}

// signInPage is the data of the sign-in page.
type signInPage struct {
	Return  string
	Error   string
	Buttons []signInButton
	// Proxies sign people in on every request; they have no button.
	Proxies []string
	// SignedInAs is the current user, when the reader is signed in.
	SignedInAs string
	AuthOff    bool
}

// signInButton is one way to sign in: a link that starts a provider's
// flow, or the guest form.
type signInButton struct {
	ID, Title string
	Href      string
	// GuestAction is the guest form's target; "" for providers.
	GuestAction string
}

// signInErrors are the messages of the error codes a failed sign-in comes
// back with.
var signInErrors = map[string]string{
	auth.SignInErrorFailed:   "Sign-in with %s did not complete. Try again; if it keeps failing, the server log says why.",
	auth.SignInErrorConflict: "More than one User entity in the catalog matches your account at %s, so the portal cannot tell which one is you. Ask the catalog's maintainers to fix the duplicate.",
}

func (a *accountPages) signIn(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p := signInPage{Return: a.accounts.SafeReturn(q.Get("return")), AuthOff: a.accounts.PolicyDisabled()}
	titles := map[string]string{}
	for _, pi := range a.accounts.Providers() {
		titles[pi.ID] = pi.Title
		switch pi.Kind {
		case auth.ProviderOAuth:
			p.Buttons = append(p.Buttons, signInButton{ID: pi.ID, Title: pi.Title, Href: a.accounts.SignInURL(pi.ID, p.Return)})
		case auth.ProviderGuest:
			p.Buttons = append(p.Buttons, signInButton{ID: pi.ID, Title: pi.Title, GuestAction: auth.GuestSignInPath})
		case auth.ProviderProxy:
			p.Proxies = append(p.Proxies, pi.Title)
		}
	}
	if msg, ok := signInErrors[q.Get("error")]; ok {
		name := titles[q.Get("provider")]
		if name == "" {
			name = "the provider"
		}
		p.Error = fmt.Sprintf(msg, name)
	}
	if id, ok := auth.IdentityFrom(r.Context()); ok && id.Via != auth.CredentialNone {
		p.SignedInAs = id.Principal()
	}
	return a.render(w, r, http.StatusOK, "signin", "Sign in", p)
}

// notInCatalogPage explains a sign-in whose resolvers found no User
// entity.
type notInCatalogPage struct {
	Provider string
	// Looked describes what each resolver looked for, in order.
	Looked []string
}

// resolverHelp says in plain words what each resolver looks for.
var resolverHelp = map[string]string{
	auth.ResolverUsername:      "a User entity named after your %s username, such as user:default/<username>",
	auth.ResolverForwardedUser: "a User entity named after the user name %s passes on",
	auth.ResolverEmail:         "a User entity whose spec.profile.email is the verified email address of your %s account",
	auth.ResolverEmailLocal:    "a User entity named after the part of your %s email address before the @",
}

func (a *accountPages) notInCatalog(w http.ResponseWriter, r *http.Request) error {
	id := r.URL.Query().Get("provider")
	p := notInCatalogPage{Provider: "your identity provider"}
	for _, pi := range a.accounts.Providers() {
		if pi.ID != id {
			continue
		}
		p.Provider = pi.Title
		for _, res := range pi.Resolvers {
			if help, ok := resolverHelp[res]; ok {
				p.Looked = append(p.Looked, fmt.Sprintf(help, pi.Title))
			}
		}
	}
	return a.render(w, r, http.StatusForbidden, "signin-not-in-catalog", "Not in the catalog", p)
}

// signOut ends the session and goes back to the sign-in page. The auth
// middleware has checked the form's CSRF token.
func (a *accountPages) signOut(w http.ResponseWriter, r *http.Request) error {
	if err := a.accounts.SignOut(w, r); err != nil {
		return err
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
	return nil
}
