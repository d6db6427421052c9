package app

import (
	"context"
	"fmt"

	"github.com/callboard/callboard/internal/config"
	"github.com/callboard/callboard/internal/store"
)

// OpenDatabase opens the database backend.database names, without
// migrating it.
func OpenDatabase(ctx context.Context, cfg *config.Config) (*store.DB, error) {
	dialect, dsn, err := cfg.Database()
	if err != nil {
		return nil, err
	}
	var d store.Dialect
	switch dialect {
	case config.DialectSQLite:
		d = store.SQLite
	case config.DialectPostgres:
		d = store.Postgres
	default:
		return nil, fmt.Errorf("backend.database: unsupported client %q", dialect)
	}
	return store.Open(ctx, store.Options{Dialect: d, DSN: dsn})
}
