package auth

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
)

// providerTitles are shown on the sign-in page unless configured.
var providerTitles = map[string]string{
	"github":            "GitHub",
	"gitlab":            "GitLab",
	"google":            "Google",
	"microsoft":         "Microsoft",
	"okta":              "Okta",
	"auth0":             "Auth0",
	"oidc":              "OpenID Connect",
	providerGuest:       "Guest",
	providerOAuth2Proxy: "OAuth2 Proxy",
	providerCFAccess:    "Cloudflare Access",
	providerGCPIAP:      "Google Identity-Aware Proxy",
}

// oidcIDs are the provider ids that are OpenID Connect presets.
var oidcIDs = []string{"oidc", "google", "microsoft", "okta", "auth0"}

// oauthEnv is one environment of an OAuth provider.
type oauthEnv struct {
	provider  oauthProvider
	resolvers []resolver
}

// oauthEntry is an OAuth provider: its environments and title.
type oauthEntry struct {
	id    string
	title string
	envs  map[string]*oauthEnv
}

// ProviderKind says how a provider signs people in.
type ProviderKind string

// Provider kinds.
const (
	// ProviderOAuth sends the browser to an identity provider and back.
	ProviderOAuth ProviderKind = "oauth"
	// ProviderGuest signs in without credentials.
	ProviderGuest ProviderKind = "guest"
	// ProviderProxy believes a trusted reverse proxy on every request; it
	// has no sign-in button.
	ProviderProxy ProviderKind = "proxy"
)

// ProviderInfo describes a configured provider for the sign-in page.
type ProviderInfo struct {
	ID    string
	Title string
	Kind  ProviderKind
	// Resolvers are the sign-in resolvers tried, in order.
	Resolvers []string
}

// loadProviders builds every configured provider.
func (s *Service) loadProviders(dec ConfigDecoder) error {
	s.oauth = map[string]*oauthEntry{}
	ids := make([]string, 0, len(s.cfg.providerSections))
	for id := range s.cfg.providerSections {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		key := "auth.providers." + id
		switch id {
		case providerGuest:
			var c guestConfig
			if err := dec.Decode(key, &c); err != nil {
				return err
			}
			g, err := newGuestProvider(c)
			if err != nil {
				return err
			}
			s.guest = g
			s.titles[id] = firstNonEmpty(c.Title, providerTitles[id])
		case providerOAuth2Proxy, providerCFAccess, providerGCPIAP:
			var c proxyConfig
			if err := dec.Decode(key, &c); err != nil {
				return err
			}
			p, err := newProxyProvider(id, c, s.client)
			if err != nil {
				return err
			}
			s.proxies = append(s.proxies, p)
			s.titles[id] = firstNonEmpty(c.Title, providerTitles[id])
		default:
			e, err := s.loadOAuth(dec, id)
			if err != nil {
				return err
			}
			s.oauth[id] = e
			s.titles[id] = e.title
		}
	}
	return nil
}

// loadOAuth reads auth.providers.<id>.<env> for every environment.
func (s *Service) loadOAuth(dec ConfigDecoder, id string) (*oauthEntry, error) {
	key := "auth.providers." + id
	envs, ok := s.cfg.providerSections[id].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: expected an object of environments, such as development: {clientId, clientSecret}", key)
	}
	e := &oauthEntry{id: id, envs: map[string]*oauthEnv{}}
	redirect := s.cfg.baseURL + "/api/auth/" + url.PathEscape(id) + "/handler/frame"
	names := make([]string, 0, len(envs))
	for env := range envs {
		names = append(names, env)
	}
	sort.Strings(names)
	// The title comes from the current environment's config, else from
	// the first environment that has one, else from the provider's name.
	var anyTitle string
	for _, env := range names {
		ekey := key + "." + env
		var c oauthConfig
		if err := dec.Decode(ekey, &c); err != nil {
			return nil, err
		}
		rs, err := parseResolvers(c.SignIn.Resolvers)
		if err != nil {
			return nil, fmt.Errorf("%s.%w", ekey, err)
		}
		p, err := s.newOAuthProvider(id, c, redirect, ekey)
		if err != nil {
			return nil, err
		}
		e.envs[env] = &oauthEnv{provider: p, resolvers: rs}
		if env == s.cfg.environment {
			e.title = c.Title
		} else if anyTitle == "" {
			anyTitle = c.Title
		}
	}
	e.title = firstNonEmpty(e.title, anyTitle, providerTitles[id], id)
	return e, nil
}

func (s *Service) newOAuthProvider(id string, c oauthConfig, redirect, key string) (oauthProvider, error) {
	var scopes []string
	switch {
	case id == "github":
		scopes = githubDefaultScopes
	case id == "gitlab":
		scopes = gitlabDefaultScopes
	case slices.Contains(oidcIDs, id) || c.MetadataURL != "":
		scopes = oidcDefaultScopes
	default:
		return nil, fmt.Errorf("%s: unknown auth provider %q (github, gitlab, %v, guest, oauth2Proxy, cfaccess, gcpIap, or any id with a metadataUrl)", key, id, oidcIDs)
	}
	cl, err := newOAuthClient(c, redirect, scopes, s.client, key)
	if err != nil {
		return nil, err
	}
	switch id {
	case "github":
		p, err := newGitHubProvider(c, cl)
		if err != nil {
			return nil, fmt.Errorf("%s.%w", key, err)
		}
		return p, nil
	case "gitlab":
		p, err := newGitLabProvider(c, cl)
		if err != nil {
			return nil, fmt.Errorf("%s.%w", key, err)
		}
		return p, nil
	}
	metadata, params, err := oidcPreset(id, c, key)
	if err != nil {
		return nil, err
	}
	return &oidcProvider{oauthClient: cl, metadataURL: metadata, authParams: params}, nil
}

// Providers lists the providers someone can sign in with in the current
// environment, in a stable order: OAuth providers by title, then guest
// (when usable), then proxies.
func (s *Service) Providers() []ProviderInfo {
	var out []ProviderInfo
	for id, e := range s.oauth {
		env := e.envs[s.cfg.environment]
		if env == nil {
			continue
		}
		out = append(out, ProviderInfo{ID: id, Title: e.title, Kind: ProviderOAuth, Resolvers: resolverNames(env.resolvers)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Title < out[j].Title })
	if s.guest != nil && s.guestUsable() == nil {
		out = append(out, ProviderInfo{ID: providerGuest, Title: s.titles[providerGuest], Kind: ProviderGuest})
	}
	for _, p := range s.proxies {
		out = append(out, ProviderInfo{ID: p.id, Title: s.titles[p.id], Kind: ProviderProxy, Resolvers: resolverNames(p.resolvers)})
	}
	return out
}

// Provider returns one provider's description.
func (s *Service) Provider(id string) (ProviderInfo, bool) {
	for _, p := range s.Providers() {
		if p.ID == id {
			return p, true
		}
	}
	return ProviderInfo{}, false
}

// SignInURL is where a sign-in button for an OAuth provider leads: a
// full-page flow that ends at returnTo (made safe first). Guest sign-in
// is a form POST to GuestSignInPath instead.
func (s *Service) SignInURL(providerID, returnTo string) string {
	q := url.Values{"env": {s.cfg.environment}, "flow": {flowRedirect}, "redirectUrl": {s.SafeReturn(returnTo)}}
	return "/api/auth/" + url.PathEscape(providerID) + "/start?" + q.Encode()
}

// GuestSignInPath takes a form POST (field redirectUrl) that signs the
// browser in as the guest.
const GuestSignInPath = "/api/auth/guest/start"

func resolverNames(rs []resolver) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.name
	}
	return out
}

// defaultHTTPClient talks to identity providers.
func defaultHTTPClient() *http.Client {
	return &http.Client{Timeout: httpTimeout}
}
