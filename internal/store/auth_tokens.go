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

const tokenColumns = `id, secret_hash, user_entity_ref, name, scopes, created_at, expires_at, last_used_at, revoked_at`

func scanToken(r interface{ Scan(...any) error }) (*auth.PersonalToken, error) {
	var (
		t                                   auth.PersonalToken
		scopes                              string
		created, expires, lastUsed, revoked int64
	)
	if err := r.Scan(&t.ID, &t.SecretHash, &t.UserEntityRef, &t.Name, &scopes, &created, &expires, &lastUsed, &revoked); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(scopes), &t.Scopes); err != nil {
		return nil, fmt.Errorf("decode token scopes: %w", err)
	}
	t.CreatedAt, t.ExpiresAt = fromMillis(created), fromMillis(expires)
	t.LastUsedAt, t.RevokedAt = fromMillisOrZero(lastUsed), fromMillisOrZero(revoked)
	return &t, nil
}

// CreateToken stores a personal access token.
func (a *Auth) CreateToken(ctx context.Context, t *auth.PersonalToken) error {
	scopes, err := encodeJSON(t.Scopes)
	if err != nil {
		return err
	}
	_, err = a.db.ExecContext(ctx, `INSERT INTO auth_tokens (`+tokenColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		t.ID, t.SecretHash, t.UserEntityRef, t.Name, scopes, millis(t.CreatedAt), millis(t.ExpiresAt),
		millisOrZero(t.LastUsedAt), millisOrZero(t.RevokedAt))
	if err != nil {
		return fmt.Errorf("insert token: %w", err)
	}
	return nil
}

// Token returns the token, or nil.
func (a *Auth) Token(ctx context.Context, id string) (*auth.PersonalToken, error) {
	t, err := scanToken(a.db.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM auth_tokens WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read token: %w", err)
	}
	return t, nil
}

// UserTokens lists a user's tokens, newest first.
func (a *Auth) UserTokens(ctx context.Context, userEntityRef string) ([]auth.PersonalToken, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT `+tokenColumns+` FROM auth_tokens WHERE user_entity_ref = $1
		ORDER BY created_at DESC, id`, userEntityRef)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	out := []auth.PersonalToken{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, *t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// RevokeToken marks a user's unrevoked token revoked.
func (a *Auth) RevokeToken(ctx context.Context, id, userEntityRef string, at time.Time) (bool, error) {
	n, err := execCount(ctx, a.db, `UPDATE auth_tokens SET revoked_at = $1
		WHERE id = $2 AND user_entity_ref = $3 AND revoked_at = 0`, millis(at), id, userEntityRef)
	if err != nil {
		return false, fmt.Errorf("revoke token: %w", err)
	}
	return n == 1, nil
}

// TouchToken records a token's use.
func (a *Auth) TouchToken(ctx context.Context, id string, at time.Time) error {
	if _, err := a.db.ExecContext(ctx, `UPDATE auth_tokens SET last_used_at = $1 WHERE id = $2`, millis(at), id); err != nil {
		return fmt.Errorf("record token use: %w", err)
	}
	return nil
}

// PutUserInfo stores or replaces a user's info.
func (a *Auth) PutUserInfo(ctx context.Context, info *auth.UserInfo) error {
	refs, err := encodeJSON(info.OwnershipEntityRefs)
	if err != nil {
		return err
	}
	_, err = a.db.ExecContext(ctx, `INSERT INTO auth_user_info (user_entity_ref, ownership_entity_refs, updated_at)
		VALUES ($1, $2, $3) ON CONFLICT (user_entity_ref) DO UPDATE
		SET ownership_entity_refs = excluded.ownership_entity_refs, updated_at = excluded.updated_at`,
		info.UserEntityRef, refs, millis(info.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store user info: %w", err)
	}
	return nil
}

// UserInfo returns a user's info, or nil.
func (a *Auth) UserInfo(ctx context.Context, userEntityRef string) (*auth.UserInfo, error) {
	var (
		info    auth.UserInfo
		refs    string
		updated int64
	)
	err := a.db.QueryRowContext(ctx, `SELECT user_entity_ref, ownership_entity_refs, updated_at
		FROM auth_user_info WHERE user_entity_ref = $1`, userEntityRef).Scan(&info.UserEntityRef, &refs, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read user info: %w", err)
	}
	if err := json.Unmarshal([]byte(refs), &info.OwnershipEntityRefs); err != nil {
		return nil, fmt.Errorf("decode user info: %w", err)
	}
	info.UpdatedAt = fromMillis(updated)
	return &info, nil
}
