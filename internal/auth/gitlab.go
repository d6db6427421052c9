package auth

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// GitLab's OAuth 2.0 provider endpoints and users API, as GitLab documents
// them ("OAuth 2.0 identity provider API"; "Users API: get the current
// user"). Self-managed instances are named by audience.
const gitlabDefaultURL = "https://gitlab.com"

var gitlabDefaultScopes = []string{"read_user"}

// gitlabProvider signs in with a GitLab OAuth application.
type gitlabProvider struct {
	oauthClient
	endpoint oauth2.Endpoint
	apiURL   string
}

func newGitLabProvider(c oauthConfig, cl oauthClient) (*gitlabProvider, error) {
	base := gitlabDefaultURL
	if c.Audience != "" {
		u, err := url.Parse(c.Audience)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return nil, fmt.Errorf("audience: %q is not an absolute URL", c.Audience)
		}
		base = strings.TrimSuffix(c.Audience, "/")
	}
	return &gitlabProvider{
		oauthClient: cl,
		endpoint: oauth2.Endpoint{
			AuthURL:   base + "/oauth/authorize",
			TokenURL:  base + "/oauth/token",
			AuthStyle: oauth2.AuthStyleInParams,
		},
		apiURL: base + "/api/v4",
	}, nil
}

func (p *gitlabProvider) authCodeURL(_ context.Context, f *Flow, state string) (string, error) {
	return p.config(p.endpoint, f).AuthCodeURL(state, oauth2.S256ChallengeOption(f.Verifier)), nil
}

type gitlabUser struct {
	Username  string `json:"username"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	AvatarURL string `json:"avatar_url"`
	// ConfirmedAt is set once the user confirmed their primary email.
	ConfirmedAt string `json:"confirmed_at"`
}

func (p *gitlabProvider) exchange(ctx context.Context, code string, f *Flow) (*signInInfo, error) {
	conf := p.config(p.endpoint, f)
	tok, err := conf.Exchange(p.context(ctx), code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return nil, fmt.Errorf("exchange code: %w", err)
	}
	var u gitlabUser
	if err := getJSON(ctx, p.http, p.apiURL+"/user", tok.AccessToken, nil, &u); err != nil {
		return nil, err
	}
	if u.Username == "" {
		return nil, fmt.Errorf("GitLab returned a user without a username")
	}
	info := &signInInfo{
		Profile:      Profile{Email: u.Email, DisplayName: firstNonEmpty(u.Name, u.Username), Picture: u.AvatarURL},
		Username:     u.Username,
		ProviderInfo: tokenInfo(tok, conf.Scopes),
	}
	if u.ConfirmedAt != "" {
		info.Email = u.Email
	}
	return info, nil
}
