package auth

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/callboard/callboard/internal/problem"
)

// Token statuses.
const (
	TokenActive  = "active"
	TokenExpired = "expired"
	TokenRevoked = "revoked"
)

// Status says whether the token works at now.
func (t *PersonalToken) Status(now time.Time) string {
	switch {
	case !t.RevokedAt.IsZero():
		return TokenRevoked
	case !now.Before(t.ExpiresAt):
		return TokenExpired
	}
	return TokenActive
}

// tokenJSON is a token in the tokens API (api/auth.openapi.yaml).
type tokenJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Scopes     []string   `json:"scopes"`
	Status     string     `json:"status"`
	CreatedAt  time.Time  `json:"createdAt"`
	ExpiresAt  time.Time  `json:"expiresAt"`
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty"`
	RevokedAt  *time.Time `json:"revokedAt,omitempty"`
	// Token is the secret, in the creation answer only.
	Token string `json:"token,omitempty"`
}

func (s *Service) tokenJSON(t *PersonalToken) tokenJSON {
	j := tokenJSON{
		ID: t.ID, Name: t.Name, Scopes: t.Scopes, Status: t.Status(s.now()),
		CreatedAt: t.CreatedAt.UTC(), ExpiresAt: t.ExpiresAt.UTC(),
	}
	if !t.LastUsedAt.IsZero() {
		v := t.LastUsedAt.UTC()
		j.LastUsedAt = &v
	}
	if !t.RevokedAt.IsZero() {
		v := t.RevokedAt.UTC()
		j.RevokedAt = &v
	}
	return j
}

// createTokenBody is POST /v1/tokens.
type createTokenBody struct {
	Name          string   `json:"name"`
	Scopes        []string `json:"scopes"`
	ExpiresInDays *int     `json:"expiresInDays"`
}

// maxTokenBody bounds the request body of POST /v1/tokens.
const maxTokenBody = 64 << 10

func (s *Service) createToken(w http.ResponseWriter, r *http.Request) error {
	id, _ := IdentityFrom(r.Context())
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/json" {
		return problem.Input("Content-Type must be application/json")
	}
	var body createTokenBody
	dec := json.NewDecoder(io.LimitReader(r.Body, maxTokenBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		return problem.Input("Malformed request body: %v", err)
	}
	req := CreateTokenRequest{Name: body.Name, Scopes: body.Scopes}
	if body.ExpiresInDays != nil {
		if *body.ExpiresInDays < 1 || *body.ExpiresInDays > int(MaxPATLifetime/(24*time.Hour)) {
			return problem.Input("expiresInDays must be between 1 and %d", MaxPATLifetime/(24*time.Hour))
		}
		req.Lifetime = time.Duration(*body.ExpiresInDays) * 24 * time.Hour
	}
	t, err := s.CreateToken(r.Context(), id, req)
	if err != nil {
		return err
	}
	j := s.tokenJSON(&t.PersonalToken)
	j.Token = t.Token
	writeJSON(w, http.StatusCreated, j)
	return nil
}

func (s *Service) listTokens(w http.ResponseWriter, r *http.Request) error {
	id, _ := IdentityFrom(r.Context())
	ts, err := s.ListTokens(r.Context(), id)
	if err != nil {
		return err
	}
	items := make([]tokenJSON, len(ts))
	for i := range ts {
		items[i] = s.tokenJSON(&ts[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

func (s *Service) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, _ := IdentityFrom(r.Context())
	if err := s.RevokeToken(r.Context(), id, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
