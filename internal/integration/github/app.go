package github

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/integration/ratelimit"
)

// app is a GitHub App: it signs JWTs with its private key and trades them
// for installation tokens, one per owner it is installed on, kept until
// shortly before they expire.
type app struct {
	iss     string // appId, else clientId
	key     *rsa.PrivateKey
	allowed []string
	budget  *ratelimit.Budget // the app's own (JWT) requests

	mu      sync.Mutex
	owners  map[string]*installation // lower-case owner
	missing map[string]time.Time     // lower-case owner/repo without an installation, when learnt
}

type installation struct {
	id      int64
	token   string
	expires time.Time
}

// Installation token lifetimes: a token is renewed when it has less than
// tokenMargin left; "not installed" is believed for missingTTL.
const (
	tokenMargin = 5 * time.Minute
	missingTTL  = 10 * time.Minute
	jwtLifetime = 9 * time.Minute // GitHub allows at most 10
	jwtBackdate = time.Minute     // allow for clock drift, as GitHub advises
)

func newApp(c AppConfig, budget *ratelimit.Budget) (*app, error) {
	key, err := parsePrivateKey(c.PrivateKey)
	if err != nil {
		return nil, err
	}
	iss := c.AppID
	if iss == "" {
		iss = c.ClientID
	}
	allowed := make([]string, len(c.AllowedInstallationOwners))
	for i, o := range c.AllowedInstallationOwners {
		allowed[i] = strings.ToLower(o)
	}
	return &app{iss: iss, key: key, allowed: allowed, budget: budget,
		owners: map[string]*installation{}, missing: map[string]time.Time{}}, nil
}

// parsePrivateKey reads a PEM RSA key. Keys pasted into an environment
// variable often carry "\n" escapes instead of line breaks.
func parsePrivateKey(s string) (*rsa.PrivateKey, error) {
	if !strings.Contains(s, "\n") {
		s = strings.ReplaceAll(s, `\n`, "\n")
	}
	block, _ := pem.Decode([]byte(strings.TrimSpace(s)))
	if block == nil {
		return nil, errors.New("privateKey: expected a PEM private key")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("privateKey: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("privateKey: expected an RSA key, got %T", k)
	}
	return rk, nil
}

// jwt returns the app's JSON Web Token (RS256), valid from a minute ago
// for nine minutes.
func (a *app) jwt(now time.Time) (string, error) {
	enc := base64.RawURLEncoding
	claims, err := json.Marshal(map[string]any{
		"iat": now.Add(-jwtBackdate).Unix(),
		"exp": now.Add(jwtLifetime).Unix(),
		"iss": a.iss,
	})
	if err != nil {
		return "", err
	}
	signing := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(nil, a.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("sign GitHub App JWT: %w", err)
	}
	return signing + "." + enc.EncodeToString(sig), nil
}

// token returns an installation token for the repository's owner and the
// installation's id; ok is false when the app is not installed there (or
// may not be used for the owner).
func (a *app) token(ctx context.Context, r *Reader, f fileURL, describe string) (tok string, id int64, ok bool, err error) {
	owner := strings.ToLower(f.Owner)
	if len(a.allowed) > 0 && !slices.Contains(a.allowed, owner) {
		return "", 0, false, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	now := r.client.Clock().Now()
	inst := a.owners[owner]
	if inst != nil && inst.expires.Sub(now) > tokenMargin {
		return inst.token, inst.id, true, nil
	}
	if inst == nil {
		if t, seen := a.missing[f.repoKey()]; seen && now.Sub(t) < missingTTL {
			return "", 0, false, nil
		}
		id, found, err := a.installationID(ctx, r, f, describe, now)
		if err != nil || !found {
			if err == nil {
				a.missing[f.repoKey()] = now
			}
			return "", 0, false, err
		}
		inst = &installation{id: id}
	}
	if err := a.accessToken(ctx, r, inst, describe, now); err != nil {
		return "", 0, false, err
	}
	a.owners[owner] = inst
	delete(a.missing, f.repoKey())
	return inst.token, inst.id, true, nil
}

func (a *app) do(ctx context.Context, r *Reader, method, apiURL, describe string, now time.Time) (*forge.Response, error) {
	jwt, err := a.jwt(now)
	if err != nil {
		return nil, err
	}
	h := apiHeader("application/vnd.github+json")
	h.Set("Authorization", "Bearer "+jwt)
	return r.client.Do(ctx, forge.Request{Method: method, URL: apiURL, Header: h, Budget: a.budget, MaxWait: r.maxWait, Describe: describe})
}

// installationID finds the installation that covers the repository.
func (a *app) installationID(ctx context.Context, r *Reader, f fileURL, describe string, now time.Time) (int64, bool, error) {
	apiURL := r.api + "/repos/" + url.PathEscape(f.Owner) + "/" + url.PathEscape(f.Repo) + "/installation"
	resp, err := a.do(ctx, r, http.MethodGet, apiURL, describe, now)
	if err != nil {
		return 0, false, err
	}
	if resp.StatusCode == http.StatusNotFound {
		return 0, false, nil
	}
	var v struct {
		ID int64 `json:"id"`
	}
	if err := forge.DecodeJSON(describe, apiURL, resp, &v); err != nil {
		return 0, false, fmt.Errorf("GitHub App %s: %w", a.iss, err)
	}
	return v.ID, true, nil
}

// accessToken creates an installation access token.
func (a *app) accessToken(ctx context.Context, r *Reader, inst *installation, describe string, now time.Time) error {
	apiURL := r.api + "/app/installations/" + strconv.FormatInt(inst.id, 10) + "/access_tokens"
	resp, err := a.do(ctx, r, http.MethodPost, apiURL, describe, now)
	if err != nil {
		return err
	}
	var v struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := forge.DecodeJSON(describe, apiURL, resp, &v); err != nil {
		return fmt.Errorf("GitHub App %s: %w", a.iss, err)
	}
	if v.Token == "" {
		return fmt.Errorf("GitHub App %s: no token in the answer of %s", a.iss, apiURL)
	}
	inst.token, inst.expires = v.Token, v.ExpiresAt
	return nil
}
