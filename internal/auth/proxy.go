package auth

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
)

// Proxy provider ids, as Backstage names them.
const (
	providerOAuth2Proxy = "oauth2Proxy"
	providerCFAccess    = "cfaccess"
	providerGCPIAP      = "gcpIap"
)

// Google IAP's and Cloudflare Access's documented token headers, keys and
// issuers.
const (
	iapHeader      = "X-Goog-Iap-Jwt-Assertion"
	iapJWKSURL     = "https://www.gstatic.com/iap/verify/public_key-jwk"
	iapIssuer      = "https://cloud.google.com/iap"
	cfAccessHeader = "Cf-Access-Jwt-Assertion"
	cfAccessCookie = "CF_Authorization"
)

// defaultTrustedProxies is where a proxy's requests may come from when
// trustedProxies is not configured: the same host, as a sidecar.
var defaultTrustedProxies = []string{"127.0.0.0/8", "::1/128"}

// proxyProvider signs in whoever a trusted reverse proxy says the request
// comes from: oauth2-proxy's X-Forwarded-* headers, or the signed JWT
// Cloudflare Access or Google IAP adds. Requests from anywhere else are not
// believed, whatever headers they carry.
type proxyProvider struct {
	id        string
	trusted   []netip.Prefix
	header    string                // the JWT header; "" for oauth2Proxy
	verifier  *oidc.IDTokenVerifier // nil for oauth2Proxy
	resolvers []resolver
}

func newProxyProvider(id string, c proxyConfig, client *http.Client) (*proxyProvider, error) {
	key := "auth.providers." + id
	rs, err := parseResolvers(c.SignIn.Resolvers)
	if err != nil {
		return nil, fmt.Errorf("%s.%w", key, err)
	}
	cidrs := c.TrustedProxies
	if len(cidrs) == 0 {
		cidrs = defaultTrustedProxies
	}
	p := &proxyProvider{id: id, resolvers: rs}
	for _, s := range cidrs {
		pfx, err := parsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("%s.trustedProxies: %w", key, err)
		}
		p.trusted = append(p.trusted, pfx)
	}
	var jwksURL, issuer string
	cfg := &oidc.Config{ClientID: c.Audience, SkipClientIDCheck: c.Audience == ""}
	switch id {
	case providerOAuth2Proxy:
		return p, nil
	case providerGCPIAP:
		if c.Audience == "" {
			return nil, fmt.Errorf("%s.audience: must not be empty", key)
		}
		p.header, jwksURL, issuer = iapHeader, iapJWKSURL, iapIssuer
		cfg.SupportedSigningAlgs = []string{oidc.ES256}
	case providerCFAccess:
		if c.TeamName == "" && (c.JWKSURL == "" || c.Issuer == "") {
			return nil, fmt.Errorf("%s.teamName: must not be empty", key)
		}
		team := "https://" + c.TeamName + ".cloudflareaccess.com"
		p.header, jwksURL, issuer = cfAccessHeader, team+"/cdn-cgi/access/certs", team
	}
	if c.JWTHeader != "" {
		p.header = c.JWTHeader
	}
	if c.JWKSURL != "" {
		jwksURL = c.JWKSURL
	}
	if c.Issuer != "" {
		issuer = c.Issuer
	}
	keys := oidc.NewRemoteKeySet(oidc.ClientContext(context.Background(), client), jwksURL)
	p.verifier = oidc.NewVerifier(issuer, keys, cfg)
	return p, nil
}

// parsePrefix accepts a CIDR or a single address.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// fromTrustedProxy reports whether the request's peer is a trusted proxy.
// Only the connection's address counts: X-Forwarded-For is whatever the
// client wrote.
func (p *proxyProvider) fromTrustedProxy(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, pfx := range p.trusted {
		if pfx.Contains(a) {
			return true
		}
	}
	return false
}

// present reports whether the request carries this proxy's headers.
func (p *proxyProvider) present(r *http.Request) bool {
	if p.verifier == nil {
		return r.Header.Get("X-Forwarded-Email") != "" || r.Header.Get("X-Forwarded-User") != ""
	}
	if r.Header.Get(p.header) != "" {
		return true
	}
	if p.id == providerCFAccess {
		_, err := r.Cookie(cfAccessCookie)
		return err == nil
	}
	return false
}

// proxyJWTClaims are the claims read from an IAP or Access JWT.
type proxyJWTClaims struct {
	Email string `json:"email"`
}

// signInInfo reads who the proxy vouches for. The request must come from a
// trusted proxy and carry its headers.
func (p *proxyProvider) signInInfo(ctx context.Context, r *http.Request) (*signInInfo, error) {
	if p.verifier == nil {
		email := r.Header.Get("X-Forwarded-Email")
		user := firstNonEmpty(r.Header.Get("X-Forwarded-Preferred-Username"), r.Header.Get("X-Forwarded-User"))
		return &signInInfo{Profile: Profile{Email: email, DisplayName: user}, Username: user, Email: email, ProviderInfo: map[string]any{}}, nil
	}
	raw := r.Header.Get(p.header)
	if raw == "" && p.id == providerCFAccess {
		if c, err := r.Cookie(cfAccessCookie); err == nil {
			raw = c.Value
		}
	}
	t, err := p.verifier.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("verify %s JWT: %w", p.id, err)
	}
	var c proxyJWTClaims
	if err := t.Claims(&c); err != nil {
		return nil, fmt.Errorf("read %s JWT claims: %w", p.id, err)
	}
	if c.Email == "" {
		return nil, fmt.Errorf("%s JWT has no email", p.id)
	}
	return &signInInfo{Profile: Profile{Email: c.Email}, Email: c.Email, ProviderInfo: map[string]any{}}, nil
}
