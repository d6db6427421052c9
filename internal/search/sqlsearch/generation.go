package sqlsearch

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/callboard/callboard/internal/search"
)

// Types lists the types with a live index, in order.
func Types(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT type FROM search_indexes ORDER BY type`)
	if err != nil {
		return nil, fmt.Errorf("read search indexes: %w", err)
	}
	return Column[string](rows)
}

// WithTx runs fn in a transaction of db, committed when fn succeeds and
// rolled back when it fails.
func WithTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin search transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit search transaction: %w", err)
	}
	return nil
}

// RowQuerier runs a statement that returns one row: a *sql.DB or a
// *sql.Tx.
type RowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// NewGeneration hands out a new generation of typ, created at now.
func NewGeneration(ctx context.Context, q RowQuerier, typ string, now time.Time) (int64, error) {
	var g int64
	err := q.QueryRowContext(ctx, `INSERT INTO search_generations (type, created_at) VALUES ($1, $2) RETURNING id`,
		typ, now.UnixMilli()).Scan(&g)
	if err != nil {
		return 0, fmt.Errorf("new search generation: %w", err)
	}
	return g, nil
}

// staleAfter is how old an unfinished generation must be before a new
// rebuild deletes it: older than any rebuild may run.
const staleAfter = 2 * search.DefaultRebuildTimeout

// DropStale calls drop for each of typ's generations created staleAfter
// or longer before now that is not live: ones that rebuilds started and
// never finished (a crash).
func DropStale(ctx context.Context, db *sql.DB, typ string, now time.Time, drop func(context.Context, int64) error) error {
	rows, err := db.QueryContext(ctx, `SELECT g.id FROM search_generations g
		WHERE g.type = $1 AND g.created_at < $2
		  AND g.id <> coalesce((SELECT generation FROM search_indexes WHERE type = $1), 0)`,
		typ, now.Add(-staleAfter).UnixMilli())
	if err != nil {
		return fmt.Errorf("read search generations: %w", err)
	}
	stale, err := Column[int64](rows)
	if err != nil {
		return fmt.Errorf("read search generations: %w", err)
	}
	for _, g := range stale {
		if err := drop(ctx, g); err != nil {
			return err
		}
	}
	return nil
}
