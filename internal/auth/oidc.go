package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// oidcDefaultScopes are requested from every OpenID Connect provider.
var oidcDefaultScopes = []string{oidc.ScopeOpenID, "profile", "email"}

// oidcProvider signs in through any OpenID Connect provider (Okta,
// Keycloak, Dex, Auth0, Google, Microsoft Entra ID ...) with the
// authorization code flow, PKCE and a nonce.
type oidcProvider struct {
	oauthClient
	metadataURL string
	authParams  map[string]string // prompt, domain_hint, idp ...

	mu       sync.Mutex
	provider *oidc.Provider // discovered on first use, so start-up does not wait for the IdP
}

// oidcPreset fills in what a named provider implies.
func oidcPreset(id string, c oauthConfig, key string) (metadataURL string, params map[string]string, err error) {
	params = map[string]string{}
	if c.Prompt != "" {
		params["prompt"] = c.Prompt
	}
	metadataURL = c.MetadataURL
	switch id {
	case "google":
		if metadataURL == "" {
			metadataURL = "https://accounts.google.com/.well-known/openid-configuration"
		}
	case "microsoft":
		if metadataURL == "" {
			if c.TenantID == "" {
				return "", nil, fmt.Errorf("%s.tenantId: must not be empty", key)
			}
			metadataURL = "https://login.microsoftonline.com/" + url.PathEscape(c.TenantID) + "/v2.0/.well-known/openid-configuration"
		}
		if c.DomainHint != "" {
			params["domain_hint"] = c.DomainHint
		}
	case "okta":
		if metadataURL == "" {
			if c.Audience == "" {
				return "", nil, fmt.Errorf("%s.audience: must be the Okta org URL", key)
			}
			base := strings.TrimSuffix(c.Audience, "/")
			if c.AuthServerID != "" {
				base += "/oauth2/" + url.PathEscape(c.AuthServerID)
			}
			metadataURL = base + "/.well-known/openid-configuration"
		}
		if c.IDP != "" {
			params["idp"] = c.IDP
		}
	case "auth0":
		if metadataURL == "" {
			if c.Domain == "" {
				return "", nil, fmt.Errorf("%s.domain: must not be empty", key)
			}
			metadataURL = "https://" + strings.TrimSuffix(c.Domain, "/") + "/.well-known/openid-configuration"
		}
		if c.Audience != "" {
			params["audience"] = c.Audience
		}
	}
	if metadataURL == "" {
		return "", nil, fmt.Errorf("%s.metadataUrl: must not be empty", key)
	}
	return metadataURL, params, nil
}

// discover returns the provider's configuration, reading the discovery
// document once it is first needed.
func (p *oidcProvider) discover(ctx context.Context) (*oidc.Provider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.provider != nil {
		return p.provider, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.metadataURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read OIDC discovery document: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxProfileBytes))
	if err != nil {
		return nil, fmt.Errorf("read OIDC discovery document: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read OIDC discovery document %s: status %d", p.metadataURL, resp.StatusCode)
	}
	var pc oidc.ProviderConfig
	if err := json.Unmarshal(body, &pc); err != nil {
		return nil, fmt.Errorf("decode OIDC discovery document: %w", err)
	}
	if pc.IssuerURL == "" || pc.AuthURL == "" || pc.TokenURL == "" || pc.JWKSURL == "" {
		return nil, errors.New("OIDC discovery document lacks issuer, authorization, token or jwks endpoint")
	}
	// The key set keeps fetching keys after this request ends.
	p.provider = pc.NewProvider(oidc.ClientContext(context.Background(), p.http))
	return p.provider, nil
}

func (p *oidcProvider) authCodeURL(ctx context.Context, f *Flow, state string) (string, error) {
	prov, err := p.discover(ctx)
	if err != nil {
		return "", err
	}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(f.Verifier), oidc.Nonce(f.Nonce)}
	for k, v := range p.authParams {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	return p.config(prov.Endpoint(), f).AuthCodeURL(state, opts...), nil
}

// oidcClaims are the ID token and userinfo claims Callboard reads.
type oidcClaims struct {
	Email             string `json:"email"`
	EmailVerified     *bool  `json:"email_verified"`
	Name              string `json:"name"`
	Picture           string `json:"picture"`
	PreferredUsername string `json:"preferred_username"`
}

func (p *oidcProvider) exchange(ctx context.Context, code string, f *Flow) (*signInInfo, error) {
	prov, err := p.discover(ctx)
	if err != nil {
		return nil, err
	}
	ctx = p.context(ctx)
	conf := p.config(prov.Endpoint(), f)
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return nil, fmt.Errorf("exchange code: %w", err)
	}
	rawID, ok := tok.Extra("id_token").(string)
	if !ok || rawID == "" {
		return nil, errors.New("the token response has no id_token")
	}
	idt, err := prov.VerifierContext(ctx, &oidc.Config{ClientID: p.clientID}).Verify(ctx, rawID)
	if err != nil {
		return nil, fmt.Errorf("verify id_token: %w", err)
	}
	if !secretsEqual(idt.Nonce, f.Nonce) {
		return nil, errors.New("the id_token nonce does not match the sign-in's")
	}
	var c oidcClaims
	if err := idt.Claims(&c); err != nil {
		return nil, fmt.Errorf("read id_token claims: %w", err)
	}
	if c.Email == "" && prov.UserInfoEndpoint() != "" {
		ui, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return nil, fmt.Errorf("read userinfo: %w", err)
		}
		if ui.Subject != idt.Subject {
			return nil, errors.New("userinfo subject differs from the id_token's")
		}
		var uc oidcClaims
		if err := ui.Claims(&uc); err != nil {
			return nil, fmt.Errorf("read userinfo claims: %w", err)
		}
		c.Email, c.EmailVerified = uc.Email, uc.EmailVerified
		if c.Name == "" {
			c.Name = uc.Name
		}
		if c.PreferredUsername == "" {
			c.PreferredUsername = uc.PreferredUsername
		}
	}
	info := &signInInfo{
		Profile:      Profile{Email: c.Email, DisplayName: c.Name, Picture: c.Picture},
		Username:     c.PreferredUsername,
		ProviderInfo: tokenInfo(tok, conf.Scopes),
	}
	info.ProviderInfo["idToken"] = rawID
	// An address the provider says it has not verified cannot sign anyone
	// in by email.
	if c.EmailVerified == nil || *c.EmailVerified {
		info.Email = c.Email
	}
	return info, nil
}
