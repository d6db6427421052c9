// Package azure reads catalog files from Azure DevOps Services and Azure
// DevOps Server by their browser URLs, as Backstage's Azure URL reader
// does: files through the Git items API, glob searches through a recursive
// items listing, with a personal access token or an Entra ID service
// principal, conditional requests and the credential's request budget.
package azure

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/integration/ratelimit"
)

// Config is one entry of integrations.azure.
type Config struct {
	// Host is the web host, "dev.azure.com" when empty.
	Host string `config:"host"`
	// Credentials are tried by organization: the first that lists the
	// URL's organization, else the first that lists none.
	Credentials []Credential `config:"credentials"`
	// Token is Backstage's older form of a personal access token for
	// every organization.
	Token string `config:"token"`
	// RateLimit is each credential's request budget (a Callboard
	// extension); none of our own by default, Azure DevOps' Retry-After
	// and X-RateLimit-* answers apply.
	RateLimit ratelimit.Config `config:"rateLimit"`
	// AuthorityHost is where service principals get their tokens,
	// https://login.microsoftonline.com; not configurable, set by tests.
	AuthorityHost string `config:"-"`
}

// Credential is one entry of integrations.azure[].credentials: a personal
// access token, or an Entra ID service principal (clientId, clientSecret,
// tenantId).
type Credential struct {
	Organizations       []string `config:"organizations"`
	PersonalAccessToken string   `config:"personalAccessToken"`
	ClientID            string   `config:"clientId"`
	ClientSecret        string   `config:"clientSecret"`
	TenantID            string   `config:"tenantId"`
}

// Defaults.
const (
	DefaultHost          = "dev.azure.com"
	defaultAuthorityHost = "https://login.microsoftonline.com"
	// devOpsScope is Azure DevOps' resource id, for Entra ID tokens.
	devOpsScope = "499b84ac-1321-427f-aa17-267ca6975798/.default"
)

// WithDefaults checks the entry and fills in defaults.
func (c Config) WithDefaults() (Config, error) {
	host, err := forge.CheckHost(cmp.Or(c.Host, DefaultHost))
	if err != nil {
		return c, err
	}
	c.Host = host
	if c.AuthorityHost == "" {
		c.AuthorityHost = defaultAuthorityHost
	}
	if c.Token != "" {
		if len(c.Credentials) > 0 {
			return c, errors.New("token and credentials cannot both be set")
		}
		c.Credentials = []Credential{{PersonalAccessToken: c.Token}}
		c.Token = ""
	}
	for i, cr := range c.Credentials {
		if err := cr.check(); err != nil {
			return c, fmt.Errorf("credentials[%d]: %w", i, err)
		}
		for j, o := range cr.Organizations {
			c.Credentials[i].Organizations[j] = strings.ToLower(o)
		}
	}
	return c, nil
}

func (cr Credential) check() error {
	switch {
	case cr.PersonalAccessToken != "" && cr.ClientID == "":
		return nil
	case cr.PersonalAccessToken != "":
		return errors.New("personalAccessToken and clientId cannot both be set")
	case cr.ClientID != "" && cr.ClientSecret != "" && cr.TenantID != "":
		return nil
	case cr.ClientID != "" && cr.ClientSecret == "" && cr.TenantID == "":
		return errors.New("managed identities are not supported; use a personal access token or a service principal (clientId, clientSecret, tenantId)")
	case cr.ClientID != "":
		return errors.New("a service principal needs clientId, clientSecret and tenantId")
	}
	return errors.New("personalAccessToken or clientId is required")
}
