// Package github reads catalog files from GitHub and GitHub Enterprise by
// their browser URLs, as Backstage's GitHub URL reader does: files through
// the contents API (or the raw host), glob searches through the git trees
// API, with a token or a GitHub App's installation tokens, conditional
// requests and the credential's request budget.
package github

import (
	"cmp"
	"errors"
	"fmt"

	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/integration/ratelimit"
)

// Config is one entry of integrations.github.
type Config struct {
	// Host is the web host, "github.com" when empty.
	Host string `config:"host"`
	// APIBaseURL is the REST API root: https://api.github.com for
	// github.com, https://<host>/api/v3 for GitHub Enterprise by default.
	APIBaseURL string `config:"apiBaseUrl"`
	// RawBaseURL serves raw files; used when there is no API.
	RawBaseURL string `config:"rawBaseUrl"`
	// Token is a personal access token or any other bearer token.
	Token string `config:"token"`
	// Apps are GitHub Apps whose installation tokens are used for the
	// owners they are installed on, before Token.
	Apps []AppConfig `config:"apps"`
	// RateLimit is the request budget of each credential (a Callboard
	// extension); 5,000 an hour for tokens and apps, 60 anonymously.
	RateLimit ratelimit.Config `config:"rateLimit"`
}

// AppConfig is one entry of integrations.github[].apps.
type AppConfig struct {
	AppID string `config:"appId"`
	// PrivateKey is the app's PEM private key (PKCS#1 or PKCS#8).
	PrivateKey   string `config:"privateKey"`
	ClientID     string `config:"clientId"`
	ClientSecret string `config:"clientSecret"`
	// WebhookSecret is accepted for Backstage compatibility; reading does
	// not use it.
	WebhookSecret string `config:"webhookSecret"`
	// AllowedInstallationOwners, when set, limits the owners whose
	// installations are used.
	AllowedInstallationOwners []string `config:"allowedInstallationOwners"`
}

// Default hosts and bases of github.com.
const (
	DefaultHost       = "github.com"
	defaultAPIBaseURL = "https://api.github.com"
	defaultRawBaseURL = "https://raw.githubusercontent.com"
)

// Default request budgets per credential.
var (
	tokenLimit     = ratelimit.Limit{Requests: 5000}
	anonymousLimit = ratelimit.Limit{Requests: 60}
)

// WithDefaults checks the entry and fills in Backstage's defaults.
func (c Config) WithDefaults() (Config, error) {
	host, err := forge.CheckHost(cmp.Or(c.Host, DefaultHost))
	if err != nil {
		return c, err
	}
	c.Host = host
	if c.Host == DefaultHost {
		if c.APIBaseURL == "" {
			c.APIBaseURL = defaultAPIBaseURL
		}
		if c.RawBaseURL == "" {
			c.RawBaseURL = defaultRawBaseURL
		}
	} else if c.APIBaseURL == "" && c.RawBaseURL == "" {
		c.APIBaseURL = "https://" + c.Host + "/api/v3"
	}
	if c.APIBaseURL, err = forge.CheckBaseURL("apiBaseUrl", c.APIBaseURL); err != nil {
		return c, err
	}
	if c.RawBaseURL, err = forge.CheckBaseURL("rawBaseUrl", c.RawBaseURL); err != nil {
		return c, err
	}
	for i, a := range c.Apps {
		if a.AppID == "" && a.ClientID == "" {
			return c, fmt.Errorf("apps[%d]: appId or clientId is required", i)
		}
		if a.PrivateKey == "" {
			return c, fmt.Errorf("apps[%d]: privateKey is required", i)
		}
	}
	return c, nil
}

var errNoAPIForApps = errors.New("GitHub Apps need apiBaseUrl")

func errorAt(app int, err error) error { return fmt.Errorf("apps[%d]: %w", app, err) }
