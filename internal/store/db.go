package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

// Errors classified where they start; callers test them with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// Dialect names a supported database.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database with its dialect.
type DB struct {
	*sql.DB
	Dialect Dialect
}

// Options selects and tunes the database.
type Options struct {
	Dialect Dialect
	// DSN is a file path or "file:" URI for SQLite, a connection string or
	// URL for PostgreSQL.
	DSN string
	// MaxOpenConns bounds the pool; 0 picks a default per dialect.
	MaxOpenConns int
}

// Open opens the database and checks it answers. It does not migrate.
func Open(ctx context.Context, o Options) (*DB, error) {
	switch o.Dialect {
	case SQLite:
		return openSQLite(ctx, o)
	case Postgres:
		db, err := sql.Open("pgx", o.DSN)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		n := o.MaxOpenConns
		if n == 0 {
			n = 16
		}
		db.SetMaxOpenConns(n)
		db.SetMaxIdleConns(n)
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("connect to postgres: %w", err)
		}
		return &DB{DB: db, Dialect: Postgres}, nil
	default:
		return nil, fmt.Errorf("unknown database dialect %q", o.Dialect)
	}
}

func openSQLite(ctx context.Context, o Options) (*DB, error) {
	dsn := o.DSN
	if dsn == "" {
		dsn = "callboard.db"
	}
	memory := dsn == ":memory:" || strings.Contains(dsn, "mode=memory")
	if !strings.HasPrefix(dsn, "file:") {
		if !memory {
			if dir := filepath.Dir(dsn); dir != "." {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return nil, fmt.Errorf("create database directory: %w", err)
				}
			}
		}
		dsn = "file:" + dsn
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "cache_size(-8000)")
	if !memory {
		q.Add("_pragma", "journal_mode(WAL)")
		// A checkpoint every 10,000 pages (about 40 MB of WAL) instead of
		// 1,000 copies a page that many commits rewrite (the search and
		// relation indexes' upper pages) less often; the catalog's writer
		// runs the checkpoints inside its commits, so this is on its
		// critical path. The limit keeps a WAL that grew past it in a big
		// transaction from staying that large on disk.
		q.Add("_pragma", "wal_autocheckpoint(10000)")
		q.Add("_pragma", "journal_size_limit(67108864)")
	}
	q.Set("_txlock", "immediate")
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	db, err := sql.Open("sqlite", dsn+sep+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	n := o.MaxOpenConns
	if n == 0 {
		n = 4
	}
	if memory {
		n = 1 // each connection to :memory: would be its own database
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", o.DSN, err)
	}
	return &DB{DB: db, Dialect: SQLite}, nil
}

// Tx is a transaction with its dialect, passed explicitly to the functions
// that work inside it.
type Tx struct {
	*sql.Tx
	Dialect Dialect
}

// WithTx runs fn in a transaction, committing when it returns nil and
// rolling back otherwise.
func (db *DB) WithTx(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	tx := &Tx{Tx: sqlTx, Dialect: db.Dialect}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
