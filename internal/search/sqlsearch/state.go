package sqlsearch

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// LoadState reads the search state value of key; ok is false when it
// has none.
func LoadState(ctx context.Context, db *sql.DB, key string) (value string, ok bool, err error) {
	var v string
	err = db.QueryRowContext(ctx, `SELECT value FROM search_state WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read search state %s: %w", key, err)
	}
	return v, true, nil
}

// SaveState writes the search state value of key.
func SaveState(ctx context.Context, db *sql.DB, key, value string) error {
	_, err := db.ExecContext(ctx, `INSERT INTO search_state (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("write search state %s: %w", key, err)
	}
	return nil
}
