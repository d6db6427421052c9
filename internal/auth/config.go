package auth

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// ConfigDecoder decodes the configuration value at a dotted key path into
// v, leaving v unchanged when the key is absent; *config.Config does.
type ConfigDecoder interface {
	Decode(path string, v any) error
}

// Token lifetimes: Backstage's auth.backstageTokenExpiration defaults to an
// hour and is clamped to 10 minutes .. 24 hours.
const (
	defaultTokenExpiration = time.Hour
	minTokenExpiration     = 10 * time.Minute
	maxTokenExpiration     = 24 * time.Hour
	defaultSessionDuration = 7 * 24 * time.Hour
)

// authSection is the auth section of app-config.yaml.
type authSection struct {
	// Environment picks auth.providers.<id>.<env>; Backstage's default is
	// development. The guest provider additionally needs it written out.
	Environment string `config:"environment"`
	Session     struct {
		// Secret is Backstage's cookie-signing secret. Callboard's session
		// cookies are random and stored hashed, so it is accepted and not
		// needed.
		Secret string `config:"secret"`
		// Duration is how long a browser session lasts (Callboard).
		Duration time.Duration `config:"duration"`
	} `config:"session"`
	BackstageTokenExpiration        time.Duration  `config:"backstageTokenExpiration"`
	ExperimentalExtraAllowedOrigins []string       `config:"experimentalExtraAllowedOrigins"`
	Providers                       map[string]any `config:"providers"`
}

// backendAuthSection is backend.auth.
type backendAuthSection struct {
	DangerouslyDisableDefaultAuthPolicy bool                   `config:"dangerouslyDisableDefaultAuthPolicy"`
	ExternalAccess                      []externalAccessConfig `config:"externalAccess"`
	// Keys is the legacy backend.auth.keys: shared secrets of HS256
	// service tokens.
	Keys []struct {
		Secret string `config:"secret"`
	} `config:"keys"`
}

// externalAccessConfig is one backend.auth.externalAccess entry.
type externalAccessConfig struct {
	Type    string `config:"type"`
	Options struct {
		Token         string `config:"token"`
		Secret        string `config:"secret"`
		Subject       string `config:"subject"`
		URL           string `config:"url"`
		Issuer        any    `config:"issuer"`
		Algorithm     any    `config:"algorithm"`
		Audience      any    `config:"audience"`
		SubjectPrefix string `config:"subjectPrefix"`
	} `config:"options"`
	AccessRestrictions []struct {
		Plugin              string         `config:"plugin"`
		Permission          any            `config:"permission"`
		PermissionAttribute map[string]any `config:"permissionAttribute"`
	} `config:"accessRestrictions"`
}

// resolverConfig is one entry of signIn.resolvers.
type resolverConfig struct {
	Resolver                                   string   `config:"resolver"`
	AllowedDomains                             []string `config:"allowedDomains"`
	DangerouslyAllowSignInWithoutUserInCatalog bool     `config:"dangerouslyAllowSignInWithoutUserInCatalog"`
}

// signInConfig is a provider's signIn block.
type signInConfig struct {
	Resolvers []resolverConfig `config:"resolvers"`
}

// oauthConfig is auth.providers.<id>.<env> of an OAuth or OIDC provider:
// the union of the keys Backstage's providers read.
type oauthConfig struct {
	ClientID         string `config:"clientId"`
	ClientSecret     string `config:"clientSecret"`
	CallbackURL      string `config:"callbackUrl"`
	AdditionalScopes any    `config:"additionalScopes"`
	// Scope replaces the default scopes (Backstage's oidc provider).
	Scope  string `config:"scope"`
	Prompt string `config:"prompt"`
	// MetadataURL is the OIDC discovery document.
	MetadataURL string `config:"metadataUrl"`
	// TenantID and DomainHint are Microsoft Entra ID's.
	TenantID   string `config:"tenantId"`
	DomainHint string `config:"domainHint"`
	// Audience is GitLab's instance URL or Okta's org URL.
	Audience string `config:"audience"`
	// AuthServerID and IDP are Okta's.
	AuthServerID string `config:"authServerId"`
	IDP          string `config:"idp"`
	// Domain is Auth0's tenant domain.
	Domain string `config:"domain"`
	// EnterpriseInstanceURL is a GitHub Enterprise Server.
	EnterpriseInstanceURL string `config:"enterpriseInstanceUrl"`
	// Title is shown on the sign-in page (Callboard).
	Title  string       `config:"title"`
	SignIn signInConfig `config:"signIn"`
}

// proxyConfig is auth.providers.<id> of a reverse-proxy provider.
type proxyConfig struct {
	// TrustedProxies are the CIDRs the proxy's requests come from
	// (Callboard); default loopback only.
	TrustedProxies []string `config:"trustedProxies"`
	// Audience is the expected aud of gcpIap and cfaccess JWTs.
	Audience string `config:"audience"`
	// JWTHeader overrides the header holding the JWT.
	JWTHeader string `config:"jwtHeader"`
	// TeamName is the Cloudflare Access team.
	TeamName string `config:"teamName"`
	// JWKSURL and Issuer override where keys come from and the expected
	// issuer (Callboard; for private deployments and tests).
	JWKSURL string       `config:"jwksUrl"`
	Issuer  string       `config:"issuer"`
	Title   string       `config:"title"`
	SignIn  signInConfig `config:"signIn"`
}

// guestConfig is auth.providers.guest.
type guestConfig struct {
	UserEntityRef                      string   `config:"userEntityRef"`
	OwnershipEntityRefs                []string `config:"ownershipEntityRefs"`
	DangerouslyAllowOutsideDevelopment bool     `config:"dangerouslyAllowOutsideDevelopment"`
	Title                              string   `config:"title"`
}

// settings is the decoded, checked auth configuration.
type settings struct {
	baseURL          string // backend.baseUrl without a trailing slash
	environment      string
	explicitEnv      bool
	sessionSecret    string
	sessionDuration  time.Duration
	tokenExpiration  time.Duration
	allowedOrigins   []string
	disablePolicy    bool
	external         []externalAccessConfig
	legacyKeys       []string
	providerSections map[string]any
}

// loadSettings decodes auth and backend.auth.
func loadSettings(dec ConfigDecoder, baseURL string) (*settings, error) {
	var a authSection
	if err := dec.Decode("auth", &a); err != nil {
		return nil, err
	}
	var b backendAuthSection
	if err := dec.Decode("backend.auth", &b); err != nil {
		return nil, err
	}
	s := &settings{
		baseURL:          strings.TrimSuffix(baseURL, "/"),
		environment:      a.Environment,
		explicitEnv:      a.Environment != "",
		sessionSecret:    a.Session.Secret,
		sessionDuration:  a.Session.Duration,
		tokenExpiration:  a.BackstageTokenExpiration,
		disablePolicy:    b.DangerouslyDisableDefaultAuthPolicy,
		external:         b.ExternalAccess,
		providerSections: a.Providers,
	}
	if s.environment == "" {
		s.environment = "development"
	}
	if s.sessionDuration <= 0 {
		s.sessionDuration = defaultSessionDuration
	}
	switch {
	case s.tokenExpiration == 0:
		s.tokenExpiration = defaultTokenExpiration
	case s.tokenExpiration < minTokenExpiration:
		s.tokenExpiration = minTokenExpiration
	case s.tokenExpiration > maxTokenExpiration:
		s.tokenExpiration = maxTokenExpiration
	}
	base, err := url.Parse(s.baseURL)
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("backend.baseUrl: %q is not an absolute URL", baseURL)
	}
	s.allowedOrigins = []string{base.Scheme + "://" + base.Host}
	for _, o := range a.ExperimentalExtraAllowedOrigins {
		s.allowedOrigins = append(s.allowedOrigins, strings.TrimSuffix(o, "/"))
	}
	for i, k := range b.Keys {
		if k.Secret == "" {
			return nil, fmt.Errorf("backend.auth.keys[%d].secret: must not be empty", i)
		}
		s.legacyKeys = append(s.legacyKeys, k.Secret)
	}
	return s, nil
}

// secure reports whether cookies must be Secure: the portal is served
// over https.
func (s *settings) secure() bool { return strings.HasPrefix(s.baseURL, "https://") }

// originAllowed reports whether origin (scheme://host[:port]) may receive
// a sign-in result.
func (s *settings) originAllowed(origin string) bool {
	origin = strings.TrimSuffix(origin, "/")
	return slices.ContainsFunc(s.allowedOrigins, func(o string) bool { return strings.EqualFold(o, origin) })
}

// stringList reads a configuration value written as a string or a list of
// strings, as several Backstage keys allow.
func stringList(v any, key string) ([]string, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return []string{x}, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%s: expected a string or a list of strings", key)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: expected a string or a list of strings", key)
}

// errNoResolvers is returned for a sign-in provider without resolvers.
var errNoResolvers = errors.New("signIn.resolvers: configure at least one sign-in resolver")
