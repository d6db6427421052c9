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
	"sync"
	"sync/atomic"
	"time"

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
	// stop ends SQLite's background checkpoints; nil when there are none.
	stop func()
	// searchByIDAside is set while a first load may have the search
	// table's (id, key) index set aside (SQLite only): a write that
	// removes search rows builds it first, and readers stop naming it in
	// INDEXED BY, which fails when the index is missing. See
	// searchByIDIndex.
	searchByIDAside atomic.Bool
}

// Close stops the background work and closes the database.
func (db *DB) Close() error {
	if db.stop != nil {
		db.stop()
	}
	return db.DB.Close()
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

// sqliteCacheKiB is the page cache budget of each SQLite connection. It
// costs about twice that in memory: the driver's allocator rounds each
// cached 4 KiB page with its header (4.3 KiB) up to an 8 KiB slot. Readers
// gain little from a larger cache: every commit of the single writer
// empties the other connections' caches, and the operating system's file
// cache serves a page read again. At 10,000 entities 8 MB per connection
// put the server's peak resident size 15-20 MB higher, for no measurable
// CPU at cold start.
const sqliteCacheKiB = 2000

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
	q.Add("_pragma", fmt.Sprintf("cache_size(%d)", -sqliteCacheKiB))
	if !memory {
		q.Add("_pragma", "journal_mode(WAL)")
		// Checkpoints run in the background (checkpointEvery); the
		// automatic one, which runs inside the commit that takes the WAL
		// past its size and so on the catalog's single writer, is left for
		// a WAL the background cannot keep small (readers holding old
		// snapshots), at 20,000 pages (about 80 MB). The limit keeps a WAL
		// that grew past it in a big transaction from staying that large
		// on disk.
		q.Add("_pragma", "wal_autocheckpoint(20000)")
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
	out := &DB{DB: db, Dialect: SQLite}
	if !memory {
		stop := make(chan struct{})
		out.stop = sync.OnceFunc(func() { close(stop) })
		go checkpoint(db, checkpointEvery, stop)
	}
	return out, nil
}

// checkpointEvery is how often the background copies the WAL's pages into
// the database file.
const checkpointEvery = 500 * time.Millisecond

// checkpoint runs passive WAL checkpoints every interval until stop is
// closed or the database is. A passive checkpoint copies what no reader
// still needs and never waits for a lock, so it runs beside the single
// writer, on another core, instead of inside the writer's commits: at a
// cold start the commits spent 6-8% of the writer's time checkpointing.
func checkpoint(db *sql.DB, every time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		var busy, frames, copied int
		err := db.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied)
		if err != nil && strings.Contains(err.Error(), "database is closed") {
			return
		}
	}
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

// execCount runs a statement and returns the number of rows it affected.
func execCount(ctx context.Context, q queryer, query string, args ...any) (int64, error) {
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
