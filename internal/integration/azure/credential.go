package azure

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/integration/ratelimit"
)

// credential is a personal access token, or a service principal whose
// Entra ID access token is kept until shortly before it expires.
type credential struct {
	cfg         Credential
	budget      *ratelimit.Budget // Azure DevOps requests
	tokenBudget *ratelimit.Budget // Entra ID token requests

	mu      sync.Mutex
	token   string
	expires time.Time
}

// tokenMargin is how long before expiry an access token is renewed.
const tokenMargin = 5 * time.Minute

// authorization returns the Authorization header value.
func (c *credential) authorization(ctx context.Context, r *Reader, describe string) (string, error) {
	if c.cfg.PersonalAccessToken != "" {
		return patAuthorization(c.cfg.PersonalAccessToken), nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := r.client.Clock().Now()
	if c.token != "" && c.expires.Sub(now) > tokenMargin {
		return "Bearer " + c.token, nil
	}
	tokenURL := r.cfg.AuthorityHost + "/" + url.PathEscape(c.cfg.TenantID) + "/oauth2/v2.0/token"
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {c.cfg.ClientID},
		"client_secret": {c.cfg.ClientSecret},
		"scope":         {devOpsScope},
	}
	resp, err := r.client.Do(ctx, forge.Request{
		Method:   http.MethodPost,
		URL:      tokenURL,
		Header:   http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		Body:     []byte(form.Encode()),
		Budget:   c.tokenBudget,
		MaxWait:  r.maxWait,
		Describe: describe,
	})
	if err != nil {
		return "", err
	}
	var v struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := forge.DecodeJSON(describe, tokenURL, resp, &v); err != nil {
		return "", fmt.Errorf("service principal %s: %w", c.cfg.ClientID, err)
	}
	if v.AccessToken == "" {
		return "", fmt.Errorf("service principal %s: no access token in the answer of %s", c.cfg.ClientID, tokenURL)
	}
	c.token, c.expires = v.AccessToken, now.Add(time.Duration(v.ExpiresIn)*time.Second)
	return "Bearer " + c.token, nil
}
