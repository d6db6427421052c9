package auth

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callboard/callboard/internal/problem"
)

// Personal access tokens.
const (
	patPrefix          = "cbp_"
	DefaultPATLifetime = 30 * 24 * time.Hour
	MaxPATLifetime     = 366 * 24 * time.Hour
	maxPATName         = 100
	// patTouchEvery throttles last-used updates to one write a minute.
	patTouchEvery = time.Minute
)

// CreateTokenRequest asks for a personal access token.
type CreateTokenRequest struct {
	Name   string
	Scopes []string
	// Lifetime is how long the token lives; 0 means DefaultPATLifetime.
	Lifetime time.Duration
}

// NewToken is a created token with its secret, shown once.
type NewToken struct {
	PersonalToken
	Token string
}

// CreateToken issues a personal access token to the caller. Only a user
// or guest signed in through a browser session or a portal token may;
// a personal access token cannot mint another.
func (s *Service) CreateToken(ctx context.Context, id *Identity, req CreateTokenRequest) (*NewToken, error) {
	if err := canManageTokens(id); err != nil {
		return nil, err
	}
	name := strings.TrimSpace(req.Name)
	if name == "" || utf8.RuneCountInString(name) > maxPATName {
		return nil, problem.Input("Token name must be 1 to %d characters", maxPATName)
	}
	if len(req.Scopes) == 0 {
		return nil, problem.Input("Token must have at least one scope: %s or %s", ScopeRead, ScopeWrite)
	}
	scopes := slices.Clone(req.Scopes)
	slices.Sort(scopes)
	scopes = slices.Compact(scopes)
	for _, sc := range scopes {
		if sc != ScopeRead && sc != ScopeWrite {
			return nil, problem.Input("Unknown token scope %q; scopes are %s and %s", sc, ScopeRead, ScopeWrite)
		}
	}
	life := req.Lifetime
	if life == 0 {
		life = DefaultPATLifetime
	}
	if life < time.Minute || life > MaxPATLifetime {
		return nil, problem.Input("Token lifetime must be between one minute and %d days", MaxPATLifetime/(24*time.Hour))
	}
	now := s.now()
	secret := randomString(32)
	t := PersonalToken{
		ID:            randomID(),
		SecretHash:    hashSecret(secret),
		UserEntityRef: id.UserEntityRef,
		Name:          name,
		Scopes:        scopes,
		CreatedAt:     now,
		ExpiresAt:     now.Add(life),
	}
	// The token acts with the ownership the user has now; a later sign-in
	// refreshes it.
	info := &UserInfo{UserEntityRef: id.UserEntityRef, OwnershipEntityRefs: id.OwnershipEntityRefs, UpdatedAt: now}
	if err := s.store.PutUserInfo(ctx, info); err != nil {
		return nil, fmt.Errorf("store user info: %w", err)
	}
	if err := s.store.CreateToken(ctx, &t); err != nil {
		return nil, fmt.Errorf("create token: %w", err)
	}
	s.log.InfoContext(ctx, "personal access token created", "user", id.UserEntityRef, "token", t.ID)
	return &NewToken{PersonalToken: t, Token: patPrefix + t.ID + "_" + secret}, nil
}

// ListTokens returns the caller's tokens, newest first, revoked and
// expired ones included.
func (s *Service) ListTokens(ctx context.Context, id *Identity) ([]PersonalToken, error) {
	if err := canManageTokens(id); err != nil {
		return nil, err
	}
	ts, err := s.store.UserTokens(ctx, id.UserEntityRef)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return ts, nil
}

// RevokeToken revokes one of the caller's tokens; it stops working at once.
func (s *Service) RevokeToken(ctx context.Context, id *Identity, tokenID string) error {
	if err := canManageTokens(id); err != nil {
		return err
	}
	ok, err := s.store.RevokeToken(ctx, tokenID, id.UserEntityRef, s.now())
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	if !ok {
		return problem.NotFound("No token with id %s", tokenID)
	}
	s.log.InfoContext(ctx, "personal access token revoked", "user", id.UserEntityRef, "token", tokenID)
	return nil
}

func canManageTokens(id *Identity) error {
	if id == nil {
		return problem.Unauthenticated("Missing credentials")
	}
	if id.Kind == KindService || id.UserEntityRef == "" {
		return problem.NotAllowed("Only users have personal access tokens")
	}
	if id.Via != CredentialSession && id.Via != CredentialJWT && id.Via != CredentialProxy && id.Via != CredentialNone {
		return problem.NotAllowed("Personal access tokens are managed from a signed-in session, not with a token")
	}
	return nil
}

// verifyPAT checks a "cbp_<id>_<secret>" token.
func (s *Service) verifyPAT(ctx context.Context, raw string) (*Identity, error) {
	rest, _ := strings.CutPrefix(raw, patPrefix)
	tokenID, secret, ok := strings.Cut(rest, "_")
	if !ok || tokenID == "" || secret == "" {
		return nil, errBadToken
	}
	t, err := s.store.Token(ctx, tokenID)
	if err != nil {
		return nil, fmt.Errorf("read token: %w", err)
	}
	now := s.now()
	// The hash is compared even for an unknown id, so that a miss takes as
	// long as a wrong secret.
	stored := strings.Repeat("0", 64)
	if t != nil {
		stored = t.SecretHash
	}
	match := secretsEqual(hashSecret(secret), stored)
	switch {
	case t == nil || !match:
		return nil, errBadToken
	case !t.RevokedAt.IsZero():
		return nil, errBadToken.WithCause(fmt.Errorf("token %s was revoked", t.ID))
	case !now.Before(t.ExpiresAt):
		return nil, errBadToken.WithCause(fmt.Errorf("token %s expired", t.ID))
	}
	if now.Sub(t.LastUsedAt) >= patTouchEvery {
		if err := s.store.TouchToken(ctx, t.ID, now); err != nil {
			return nil, fmt.Errorf("record token use: %w", err)
		}
	}
	owned := []string{t.UserEntityRef}
	info, err := s.store.UserInfo(ctx, t.UserEntityRef)
	if err != nil {
		return nil, fmt.Errorf("read user info: %w", err)
	}
	if info != nil && len(info.OwnershipEntityRefs) > 0 {
		owned = info.OwnershipEntityRefs
	}
	kind := KindUser
	if t.UserEntityRef == s.guestRef() {
		kind = KindGuest
	}
	return &Identity{
		Kind:                kind,
		UserEntityRef:       t.UserEntityRef,
		OwnershipEntityRefs: owned,
		Via:                 CredentialPAT,
		TokenID:             t.ID,
		Scopes:              t.Scopes,
	}, nil
}
