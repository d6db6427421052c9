// Package bitbucket reads catalog files from Bitbucket Cloud and Bitbucket
// Server (Data Center) by their browser URLs, as Backstage's Bitbucket URL
// readers do: files through the src (Cloud) or raw (Server) APIs, glob
// searches through directory listings (Cloud) or the files API (Server),
// with the configured credentials, conditional requests and the
// credential's request budget.
package bitbucket

import (
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/integration/ratelimit"
)

// CloudConfig is one entry of integrations.bitbucketCloud. Bitbucket Cloud
// is always bitbucket.org.
type CloudConfig struct {
	// Username with AppPassword (or with an API Token) authenticates with
	// HTTP basic authentication.
	Username    string `config:"username"`
	AppPassword string `config:"appPassword"`
	// Token alone is a workspace, project or repository access token, sent
	// as a bearer token.
	Token string `config:"token"`
	// RateLimit is the credential's request budget (a Callboard
	// extension); Bitbucket Cloud's 1,000 an hour, 60 anonymously.
	RateLimit ratelimit.Config `config:"rateLimit"`
	// APIBaseURL is https://api.bitbucket.org/2.0; not configurable, set
	// by tests.
	APIBaseURL string `config:"-"`
}

// Bitbucket Cloud's fixed hosts.
const (
	CloudHost          = "bitbucket.org"
	defaultCloudAPIURL = "https://api.bitbucket.org/2.0"
)

var (
	cloudLimit          = ratelimit.Limit{Requests: 1000, Period: time.Hour}
	cloudAnonymousLimit = ratelimit.Limit{Requests: 60, Period: time.Hour}
)

// WithDefaults checks the entry.
func (c CloudConfig) WithDefaults() (CloudConfig, error) {
	if c.APIBaseURL == "" {
		c.APIBaseURL = defaultCloudAPIURL
	}
	var err error
	if c.APIBaseURL, err = forge.CheckBaseURL("apiBaseUrl", c.APIBaseURL); err != nil {
		return c, err
	}
	if c.Username != "" && c.AppPassword == "" && c.Token == "" {
		return c, errors.New("username needs appPassword or token")
	}
	if c.Username == "" && c.AppPassword != "" {
		return c, errors.New("appPassword needs username")
	}
	return c, nil
}

// authorization returns the Authorization header value and the secret
// that identifies the credential ("" for anonymous access).
func (c CloudConfig) authorization() (header, secret string) {
	switch {
	case c.Username != "" && c.AppPassword != "":
		return basic(c.Username, c.AppPassword), c.Username + ":" + c.AppPassword
	case c.Username != "" && c.Token != "":
		return basic(c.Username, c.Token), c.Username + ":" + c.Token
	case c.Token != "":
		return "Bearer " + c.Token, c.Token
	}
	return "", ""
}

// ServerConfig is one entry of integrations.bitbucketServer.
type ServerConfig struct {
	// Host is the web host (required).
	Host string `config:"host"`
	// APIBaseURL is the REST API root, https://<host>/rest/api/1.0 by
	// default.
	APIBaseURL string `config:"apiBaseUrl"`
	// Token is an HTTP access token, sent as a bearer token.
	Token string `config:"token"`
	// Username and Password authenticate with HTTP basic authentication
	// when there is no token.
	Username string `config:"username"`
	Password string `config:"password"`
	// RateLimit is the credential's request budget (a Callboard
	// extension); none of our own by default, the server's answers apply.
	RateLimit ratelimit.Config `config:"rateLimit"`
}

// WithDefaults checks the entry and fills in Backstage's defaults.
func (c ServerConfig) WithDefaults() (ServerConfig, error) {
	host, err := forge.RequiredHost(c.Host)
	if err != nil {
		return c, err
	}
	c.Host = host
	if c.APIBaseURL == "" {
		c.APIBaseURL = "https://" + c.Host + "/rest/api/1.0"
	}
	if c.APIBaseURL, err = forge.CheckBaseURL("apiBaseUrl", c.APIBaseURL); err != nil {
		return c, err
	}
	if (c.Username == "") != (c.Password == "") {
		return c, errors.New("username and password go together")
	}
	return c, nil
}

func (c ServerConfig) authorization() (header, secret string) {
	switch {
	case c.Token != "":
		return "Bearer " + c.Token, c.Token
	case c.Username != "":
		return basic(c.Username, c.Password), c.Username + ":" + c.Password
	}
	return "", ""
}

// credential is how a reader sends its requests: with auth as the
// Authorization header unless it is empty.
func credential(auth string, budget *ratelimit.Budget, maxWait time.Duration) forge.Credential {
	h := http.Header{}
	if auth != "" {
		h.Set("Authorization", auth)
	}
	return forge.Credential{Header: h, Budget: budget, MaxWait: maxWait}
}

func basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}
