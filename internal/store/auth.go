package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/callboard/callboard/internal/auth"
)

// Auth keeps sign-in state: sessions, personal access tokens, flows in
// progress, public signing keys and user info (migration 0003).
type Auth struct {
	db *DB
}

var _ auth.Store = (*Auth)(nil)

// NewAuth returns the auth store on db.
func NewAuth(db *DB) *Auth { return &Auth{db: db} }

// millisOrZero stores the zero time as 0 ("never").
func millisOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return millis(t)
}

func fromMillisOrZero(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return fromMillis(ms)
}

func encodeJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// CreateSession stores a new session.
func (a *Auth) CreateSession(ctx context.Context, s *auth.Session) error {
	refs, err := encodeJSON(s.OwnershipEntityRefs)
	if err != nil {
		return err
	}
	profile, err := encodeJSON(s.Profile)
	if err != nil {
		return err
	}
	_, err = a.db.ExecContext(ctx, `INSERT INTO auth_sessions (id, secret_hash, kind, user_entity_ref,
		ownership_entity_refs, provider, profile, csrf_token, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		s.ID, s.SecretHash, string(s.Kind), s.UserEntityRef, refs, s.Provider, profile, s.CSRFToken,
		millis(s.CreatedAt), millis(s.ExpiresAt))
	if err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	return nil
}

// Session returns the session, or nil.
func (a *Auth) Session(ctx context.Context, id string) (*auth.Session, error) {
	var (
		s                    auth.Session
		kind, refs, profile  string
		createdAt, expiresAt int64
	)
	err := a.db.QueryRowContext(ctx, `SELECT id, secret_hash, kind, user_entity_ref, ownership_entity_refs,
		provider, profile, csrf_token, created_at, expires_at FROM auth_sessions WHERE id = $1`, id).
		Scan(&s.ID, &s.SecretHash, &kind, &s.UserEntityRef, &refs, &s.Provider, &profile, &s.CSRFToken, &createdAt, &expiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	if err := json.Unmarshal([]byte(refs), &s.OwnershipEntityRefs); err != nil {
		return nil, fmt.Errorf("decode session ownership: %w", err)
	}
	if err := json.Unmarshal([]byte(profile), &s.Profile); err != nil {
		return nil, fmt.Errorf("decode session profile: %w", err)
	}
	s.Kind = auth.Kind(kind)
	s.CreatedAt, s.ExpiresAt = fromMillis(createdAt), fromMillis(expiresAt)
	return &s, nil
}

// DeleteSession removes a session; removing an absent one is no error.
func (a *Auth) DeleteSession(ctx context.Context, id string) error {
	if _, err := a.db.ExecContext(ctx, `DELETE FROM auth_sessions WHERE id = $1`, id); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// CreateFlow stores a sign-in flow.
func (a *Auth) CreateFlow(ctx context.Context, f *auth.Flow) error {
	_, err := a.db.ExecContext(ctx, `INSERT INTO auth_flows (state_hash, provider, env, binding_hash, nonce,
		verifier, scope, origin, return_to, mode, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		f.StateHash, f.Provider, f.Env, f.BindingHash, f.Nonce, f.Verifier, f.Scope, f.Origin, f.ReturnTo, f.Mode,
		millis(f.ExpiresAt))
	if err != nil {
		return fmt.Errorf("insert sign-in flow: %w", err)
	}
	return nil
}

// TakeFlow deletes and returns a flow in one statement, so two callbacks
// with the same state cannot both have it.
func (a *Auth) TakeFlow(ctx context.Context, stateHash string, now time.Time) (*auth.Flow, error) {
	var (
		f       auth.Flow
		expires int64
	)
	err := a.db.QueryRowContext(ctx, `DELETE FROM auth_flows WHERE state_hash = $1
		RETURNING state_hash, provider, env, binding_hash, nonce, verifier, scope, origin, return_to, mode, expires_at`,
		stateHash).Scan(&f.StateHash, &f.Provider, &f.Env, &f.BindingHash, &f.Nonce, &f.Verifier, &f.Scope, &f.Origin,
		&f.ReturnTo, &f.Mode, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("take sign-in flow: %w", err)
	}
	f.ExpiresAt = fromMillis(expires)
	if !now.Before(f.ExpiresAt) {
		return nil, nil
	}
	return &f, nil
}

// DeleteExpired removes expired sessions, flows and keys, and tokens that
// expired or were revoked before keepTokensUntil.
func (a *Auth) DeleteExpired(ctx context.Context, now, keepTokensUntil time.Time) error {
	n, keep := millis(now), millis(keepTokensUntil)
	stmts := []struct {
		q    string
		args []any
	}{
		{`DELETE FROM auth_sessions WHERE expires_at <= $1`, []any{n}},
		{`DELETE FROM auth_flows WHERE expires_at <= $1`, []any{n}},
		{`DELETE FROM auth_keys WHERE expires_at <= $1`, []any{n}},
		{`DELETE FROM auth_tokens WHERE expires_at <= $1 OR (revoked_at > 0 AND revoked_at <= $1)`, []any{keep}},
	}
	for _, s := range stmts {
		if _, err := a.db.ExecContext(ctx, s.q, s.args...); err != nil {
			return fmt.Errorf("delete expired sign-in data: %w", err)
		}
	}
	return nil
}
