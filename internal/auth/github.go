package auth

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// GitHub's OAuth app endpoints and REST API, as GitHub documents them
// ("Authorizing OAuth apps"; "Get the authenticated user"; "List email
// addresses for the authenticated user").
const (
	githubWebURL     = "https://github.com"
	githubAPIURL     = "https://api.github.com"
	githubAPIVersion = "2022-11-28"
)

var githubDefaultScopes = []string{"read:user", "user:email"}

// githubProvider signs in with a GitHub (or GitHub Enterprise Server)
// OAuth app.
type githubProvider struct {
	oauthClient
	endpoint oauth2.Endpoint
	apiURL   string
}

func newGitHubProvider(c oauthConfig, cl oauthClient) (*githubProvider, error) {
	web, api := githubWebURL, githubAPIURL
	if c.EnterpriseInstanceURL != "" {
		u, err := url.Parse(c.EnterpriseInstanceURL)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return nil, fmt.Errorf("enterpriseInstanceUrl: %q is not an absolute URL", c.EnterpriseInstanceURL)
		}
		web = strings.TrimSuffix(c.EnterpriseInstanceURL, "/")
		api = web + "/api/v3"
	}
	return &githubProvider{
		oauthClient: cl,
		endpoint: oauth2.Endpoint{
			AuthURL:   web + "/login/oauth/authorize",
			TokenURL:  web + "/login/oauth/access_token",
			AuthStyle: oauth2.AuthStyleInParams,
		},
		apiURL: api,
	}, nil
}

func (p *githubProvider) authCodeURL(_ context.Context, f *Flow, state string) (string, error) {
	return p.config(p.endpoint, f).AuthCodeURL(state, oauth2.S256ChallengeOption(f.Verifier)), nil
}

type githubUser struct {
	Login     string `json:"login"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	AvatarURL string `json:"avatar_url"`
}

type githubEmail struct {
	Email    string `json:"email"`
	Primary  bool   `json:"primary"`
	Verified bool   `json:"verified"`
}

func (p *githubProvider) exchange(ctx context.Context, code string, f *Flow) (*signInInfo, error) {
	conf := p.config(p.endpoint, f)
	tok, err := conf.Exchange(p.context(ctx), code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return nil, fmt.Errorf("exchange code: %w", err)
	}
	h := http.Header{"Accept": {"application/vnd.github+json"}, "X-Github-Api-Version": {githubAPIVersion}}
	var u githubUser
	if err := getJSON(ctx, p.http, p.apiURL+"/user", tok.AccessToken, h, &u); err != nil {
		return nil, err
	}
	if u.Login == "" {
		return nil, fmt.Errorf("GitHub returned a user without a login")
	}
	// A public profile email is one GitHub has verified; a verified
	// primary address from /user/emails is preferred when the scope
	// allows reading it.
	email := u.Email
	var emails []githubEmail
	if err := getJSON(ctx, p.http, p.apiURL+"/user/emails", tok.AccessToken, h, &emails); err == nil {
		for _, e := range emails {
			if e.Primary && e.Verified {
				email = e.Email
			}
		}
	}
	return &signInInfo{
		Profile:      Profile{Email: email, DisplayName: firstNonEmpty(u.Name, u.Login), Picture: u.AvatarURL},
		Username:     u.Login,
		Email:        email,
		ProviderInfo: tokenInfo(tok, conf.Scopes),
	}, nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
