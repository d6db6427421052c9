package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/callboard/callboard/internal/auth"
	"github.com/callboard/callboard/internal/problem"
)

// profilePage is the data of the profile page: who the reader is, what
// they own through, and their personal access tokens.
type profilePage struct {
	Kind          auth.Kind
	Principal     string
	Via           string
	Ownership     []string
	CSRFToken     string
	CanSignOut    bool
	CanUseTokens  bool
	Tokens        []tokenView
	NewToken      *tokenView
	Revoked       string
	FormError     string
	Form          tokenForm
	ExpiryChoices []expiryChoice
}

// tokenView is a personal access token as the page lists it.
type tokenView struct {
	ID, Name  string
	Scopes    string
	Status    string
	Created   time.Time
	Expires   time.Time
	LastUsed  time.Time
	RevokeURL string
	// Secret is the token itself, shown once, right after creation.
	Secret string
}

// tokenForm is what the create form was sent with, to fill it in again
// after a mistake.
type tokenForm struct {
	Name  string
	Scope string
	Days  int
}

type expiryChoice struct {
	Days     int
	Label    string
	Selected bool
}

// tokenExpiryDays are the lifetimes the form offers.
var tokenExpiryDays = []struct {
	days  int
	label string
}{{7, "7 days"}, {30, "30 days"}, {90, "90 days"}, {366, "1 year"}}

// credentialLabels say how the reader is signed in.
var credentialLabels = map[auth.Credential]string{
	auth.CredentialSession:  "a browser session",
	auth.CredentialJWT:      "a portal token",
	auth.CredentialPAT:      "a personal access token",
	auth.CredentialProxy:    "your organisation's sign-in proxy",
	auth.CredentialExternal: "an external access token",
	auth.CredentialNone:     "no credentials (sign-in is turned off, so everyone is the guest)",
}

// identity returns the reader's identity; the auth middleware guarantees
// one on every page but the sign-in pages.
func identity(r *http.Request) (*auth.Identity, error) {
	id, ok := auth.IdentityFrom(r.Context())
	if !ok {
		return nil, problem.Unauthenticated("Sign in to see your profile.")
	}
	return id, nil
}

func (a *accountPages) profile(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	p, err := a.profileData(r, id)
	if err != nil {
		return err
	}
	p.Revoked = r.URL.Query().Get("revoked")
	return a.render(w, r, http.StatusOK, "profile", "Your profile", p)
}

func (a *accountPages) profileData(r *http.Request, id *auth.Identity) (*profilePage, error) {
	p := &profilePage{
		Kind:         id.Kind,
		Principal:    id.Principal(),
		Via:          credentialLabels[id.Via],
		Ownership:    id.OwnershipEntityRefs,
		CSRFToken:    id.CSRFToken,
		CanSignOut:   id.Via == auth.CredentialSession,
		CanUseTokens: id.Kind != auth.KindService && id.Via != auth.CredentialPAT && id.Via != auth.CredentialExternal,
		Form:         tokenForm{Scope: auth.ScopeRead, Days: 30},
	}
	if p.CanUseTokens {
		ts, err := a.accounts.ListTokens(r.Context(), id)
		if err != nil {
			return nil, err
		}
		now := a.now()
		for i := range ts {
			p.Tokens = append(p.Tokens, viewToken(&ts[i], now))
		}
	}
	p.setChoices()
	return p, nil
}

func viewToken(t *auth.PersonalToken, now time.Time) tokenView {
	return tokenView{
		ID: t.ID, Name: t.Name, Scopes: strings.Join(t.Scopes, ", "), Status: t.Status(now),
		Created: t.CreatedAt, Expires: t.ExpiresAt, LastUsed: t.LastUsedAt,
		RevokeURL: "/profile/tokens/" + url.PathEscape(t.ID) + "/revoke",
	}
}

// setChoices marks the form's lifetime in the select.
func (p *profilePage) setChoices() {
	p.ExpiryChoices = nil
	for _, c := range tokenExpiryDays {
		p.ExpiryChoices = append(p.ExpiryChoices, expiryChoice{Days: c.days, Label: c.label, Selected: c.days == p.Form.Days})
	}
}

// createToken makes a token from the form and shows it once, on the page
// the POST answers with: the secret never goes into a URL.
func (a *accountPages) createToken(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	form := tokenForm{Name: r.PostFormValue("name"), Scope: r.PostFormValue("scope")}
	form.Days, _ = strconv.Atoi(r.PostFormValue("expires"))
	req := auth.CreateTokenRequest{Name: form.Name, Lifetime: time.Duration(form.Days) * 24 * time.Hour}
	switch form.Scope {
	case auth.ScopeRead:
		req.Scopes = []string{auth.ScopeRead}
	case auth.ScopeWrite:
		req.Scopes = []string{auth.ScopeRead, auth.ScopeWrite}
	}
	status := http.StatusOK
	created, createErr := a.accounts.CreateToken(r.Context(), id, req)
	if createErr != nil && !problem.Is(createErr, problem.InputError) {
		return createErr
	}
	p, err := a.profileData(r, id)
	if err != nil {
		return err
	}
	if createErr != nil {
		pe, _ := problem.As(createErr)
		p.FormError = pe.Message
		p.Form = form
		status = http.StatusBadRequest
	} else {
		v := viewToken(&created.PersonalToken, a.now())
		v.Secret = created.Token
		p.NewToken = &v
	}
	p.setChoices()
	return a.render(w, r, status, "profile", "Your profile", p)
}

// revokeToken revokes one of the reader's tokens and goes back to the
// profile.
func (a *accountPages) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	tokenID := r.PathValue("id")
	if err := a.accounts.RevokeToken(r.Context(), id, tokenID); err != nil {
		return err
	}
	http.Redirect(w, r, "/profile?"+url.Values{"revoked": {r.PostFormValue("name")}}.Encode(), http.StatusSeeOther)
	return nil
}
