package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"golang.org/x/oauth2"
)

// oauthProvider is one environment of an OAuth 2.0 or OpenID Connect
// provider: where to send the browser, and how to turn the code it brings
// back into a profile.
type oauthProvider interface {
	// authCodeURL returns the provider's authorization URL for a flow,
	// with its state, PKCE challenge and (OIDC) nonce.
	authCodeURL(ctx context.Context, f *Flow, state string) (string, error)
	// exchange redeems the code with the flow's PKCE verifier, checks what
	// came back (the ID token's nonce for OIDC) and reads the profile.
	exchange(ctx context.Context, code string, f *Flow) (*signInInfo, error)
}

// oauthClient holds what every OAuth provider has: client credentials,
// redirect URL and scopes.
type oauthClient struct {
	clientID     string
	clientSecret string
	redirectURL  string
	scopes       []string
	http         *http.Client
}

func newOAuthClient(c oauthConfig, redirectURL string, defaultScopes []string, client *http.Client, key string) (oauthClient, error) {
	if c.ClientID == "" {
		return oauthClient{}, fmt.Errorf("%s.clientId: must not be empty", key)
	}
	if c.ClientSecret == "" {
		return oauthClient{}, fmt.Errorf("%s.clientSecret: must not be empty", key)
	}
	if c.CallbackURL != "" {
		redirectURL = c.CallbackURL
	}
	scopes := defaultScopes
	if c.Scope != "" {
		scopes = strings.Fields(c.Scope)
	}
	extra, err := stringList(c.AdditionalScopes, key+".additionalScopes")
	if err != nil {
		return oauthClient{}, err
	}
	return oauthClient{
		clientID:     c.ClientID,
		clientSecret: c.ClientSecret,
		redirectURL:  redirectURL,
		scopes:       mergeScopes(scopes, extra),
		http:         client,
	}, nil
}

// config returns the oauth2 configuration with the flow's extra scopes.
func (c oauthClient) config(ep oauth2.Endpoint, f *Flow) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     c.clientID,
		ClientSecret: c.clientSecret,
		Endpoint:     ep,
		RedirectURL:  c.redirectURL,
		Scopes:       mergeScopes(c.scopes, strings.FieldsFunc(f.Scope, isScopeSeparator)),
	}
}

// context makes oauth2 use the provider's HTTP client.
func (c oauthClient) context(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, c.http)
}

func isScopeSeparator(r rune) bool { return r == ' ' || r == ',' }

// mergeScopes appends the scopes of extra not already in base.
func mergeScopes(base, extra []string) []string {
	out := append([]string(nil), base...)
	for _, s := range extra {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// maxProfileBytes bounds what is read from a provider's user API.
const maxProfileBytes = 1 << 20

// getJSON reads a provider API answer with the access token.
func getJSON(ctx context.Context, client *http.Client, url, token string, header http.Header, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxProfileBytes))
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}

// tokenInfo is the providerInfo Backstage's OAuth providers return.
func tokenInfo(t *oauth2.Token, scopes []string) map[string]any {
	info := map[string]any{"accessToken": t.AccessToken, "scope": strings.Join(scopes, " ")}
	if s, ok := t.Extra("scope").(string); ok && s != "" {
		info["scope"] = s
	}
	if t.ExpiresIn > 0 {
		info["expiresInSeconds"] = t.ExpiresIn
	}
	return info
}
