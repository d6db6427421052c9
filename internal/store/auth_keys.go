package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/callboard/callboard/internal/auth"
)

// AddKey publishes a signing key's public half.
func (a *Auth) AddKey(ctx context.Context, k *auth.PublicKey) error {
	_, err := a.db.ExecContext(ctx, `INSERT INTO auth_keys (kid, jwk, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		k.KID, string(k.JWK), millis(k.CreatedAt), millis(k.ExpiresAt))
	if err != nil {
		return fmt.Errorf("insert signing key: %w", err)
	}
	return nil
}

// Key returns the public key, or nil when absent or expired at now.
func (a *Auth) Key(ctx context.Context, kid string, now time.Time) (*auth.PublicKey, error) {
	var (
		jwk              string
		created, expires int64
	)
	err := a.db.QueryRowContext(ctx, `SELECT jwk, created_at, expires_at FROM auth_keys WHERE kid = $1 AND expires_at > $2`,
		kid, millis(now)).Scan(&jwk, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	return &auth.PublicKey{KID: kid, JWK: []byte(jwk), CreatedAt: fromMillis(created), ExpiresAt: fromMillis(expires)}, nil
}

// Keys returns the public keys not expired at now, oldest first.
func (a *Auth) Keys(ctx context.Context, now time.Time) ([]auth.PublicKey, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT kid, jwk, created_at, expires_at FROM auth_keys WHERE expires_at > $1
		ORDER BY created_at, kid`, millis(now))
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	defer rows.Close()
	var out []auth.PublicKey
	for rows.Next() {
		var (
			kid, jwk         string
			created, expires int64
		)
		if err := rows.Scan(&kid, &jwk, &created, &expires); err != nil {
			return nil, fmt.Errorf("list signing keys: %w", err)
		}
		out = append(out, auth.PublicKey{KID: kid, JWK: []byte(jwk), CreatedAt: fromMillis(created), ExpiresAt: fromMillis(expires)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	return out, nil
}
