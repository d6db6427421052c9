// Package gitea reads catalog files from Gitea (and Forgejo) by their
// browser URLs, as Backstage's Gitea URL reader does: files through the
// repository raw API, glob searches through the git trees API, with basic
// authentication, conditional requests and the credential's request
// budget.
package gitea

import (
	"encoding/base64"
	"errors"

	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/integration/ratelimit"
)

// Config is one entry of integrations.gitea.
type Config struct {
	// Host is the web host (required).
	Host string `config:"host"`
	// BaseURL is the web root, https://<host> by default; the API is
	// <baseUrl>/api/v1.
	BaseURL string `config:"baseUrl"`
	// Username and Password (or an access token in its place) authenticate
	// with HTTP basic authentication.
	Username string `config:"username"`
	Password string `config:"password"`
	// RateLimit is the credential's request budget (a Callboard
	// extension); none of our own by default.
	RateLimit ratelimit.Config `config:"rateLimit"`
}

// WithDefaults checks the entry and fills in Backstage's defaults.
func (c Config) WithDefaults() (Config, error) {
	host, err := forge.RequiredHost(c.Host)
	if err != nil {
		return c, err
	}
	c.Host = host
	if c.BaseURL, err = forge.WebBaseURL(c.BaseURL, c.Host); err != nil {
		return c, err
	}
	if c.Password != "" && c.Username == "" {
		return c, errors.New("password needs username")
	}
	return c, nil
}

func (c Config) authorization() string {
	if c.Username == "" {
		return ""
	}
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(c.Username+":"+c.Password))
}
