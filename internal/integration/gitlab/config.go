// Package gitlab reads catalog files from GitLab (gitlab.com and
// self-managed instances) by their browser URLs, as Backstage's GitLab
// URL reader does: files through the repository files API, glob searches
// through the repository tree API, with a token, conditional requests and
// the token's request budget.
package gitlab

import (
	"cmp"
	"strings"
	"time"

	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/integration/ratelimit"
)

// Config is one entry of integrations.gitlab.
type Config struct {
	// Host is the web host, "gitlab.com" when empty.
	Host string `config:"host"`
	// APIBaseURL is the REST API root, <baseUrl>/api/v4 by default.
	APIBaseURL string `config:"apiBaseUrl"`
	// BaseURL is the web root, https://<host> by default; set it when
	// GitLab is served under a path.
	BaseURL string `config:"baseUrl"`
	// Token is a personal, group or project access token.
	Token string `config:"token"`
	// RateLimit is the request budget of the token (a Callboard
	// extension); gitlab.com's documented limits by default, none of our
	// own for self-managed instances (their RateLimit-* answers still
	// apply).
	RateLimit ratelimit.Config `config:"rateLimit"`
}

// DefaultHost is gitlab.com.
const DefaultHost = "gitlab.com"

// gitlab.com's API limits: 2,000 requests a minute per user, 500 per IP
// address without one.
var (
	tokenLimit     = ratelimit.Limit{Requests: 2000, Period: time.Minute}
	anonymousLimit = ratelimit.Limit{Requests: 500, Period: time.Minute}
)

// WithDefaults checks the entry and fills in Backstage's defaults.
func (c Config) WithDefaults() (Config, error) {
	host, err := forge.CheckHost(cmp.Or(c.Host, DefaultHost))
	if err != nil {
		return c, err
	}
	c.Host = host
	if c.BaseURL, err = forge.WebBaseURL(c.BaseURL, c.Host); err != nil {
		return c, err
	}
	if c.APIBaseURL == "" {
		c.APIBaseURL = strings.TrimRight(c.BaseURL, "/") + "/api/v4"
	}
	if c.APIBaseURL, err = forge.CheckBaseURL("apiBaseUrl", c.APIBaseURL); err != nil {
		return c, err
	}
	return c, nil
}
