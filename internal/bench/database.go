package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// The probes use database/sql directly rather than internal/store, so the
// benchmark builds and runs whatever state the server's packages are in;
// it only reads a few tables and schedules entities.

// dialect names a supported database.
type dialect string

const (
	sqliteDialect   dialect = "sqlite"
	postgresDialect dialect = "postgres"
)

// database is the benchmark's database: an SQLite file in the work
// directory or a fresh database on a PostgreSQL server.
type database struct {
	dialect    dialect
	sqlitePath string
	pgAdmin    string // URL of the server's maintenance database
	pgName     string
	pgURL      string // URL of the fresh database
}

func sqliteDatabase(path string) *database {
	return &database{dialect: sqliteDialect, sqlitePath: path}
}

// postgresDatabase creates a database with a random name on the server
// adminURL points at.
func postgresDatabase(ctx context.Context, adminURL string) (*database, error) {
	u, err := url.Parse(adminURL)
	if err != nil {
		return nil, fmt.Errorf("postgres URL: %w", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "callboard_bench_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", adminURL)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u.Path = "/" + name
	return &database{dialect: postgresDialect, pgAdmin: adminURL, pgName: name, pgURL: u.String()}, nil
}

// describe names the database for the report, without credentials.
func (d *database) describe() string {
	if d.dialect == sqliteDialect {
		return "SQLite"
	}
	return "PostgreSQL (database " + d.pgName + ")"
}

// drop removes a PostgreSQL database; SQLite files go with the work
// directory.
func (d *database) drop(ctx context.Context) error {
	if d.dialect != postgresDialect {
		return nil
	}
	admin, err := sql.Open("pgx", d.pgAdmin)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+d.pgName+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", d.pgName, err)
	}
	return nil
}

// open connects to the database the server uses, for probes.
func (d *database) open(ctx context.Context) (*sql.DB, error) {
	driver, dsn := "pgx", d.pgURL
	if d.dialect == sqliteDialect {
		// Read-write (makeAllDue) but never creating: the server makes the file.
		driver, dsn = "sqlite", "file:"+d.sqlitePath+"?mode=rw&_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", d.describe(), err)
	}
	db.SetMaxOpenConns(2)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", d.describe(), err)
	}
	return db, nil
}

// size returns the database size on disk: the SQLite file and its WAL, or
// pg_database_size.
func (d *database) size(ctx context.Context, db *sql.DB) (int64, error) {
	if d.dialect == postgresDialect {
		var n int64
		err := db.QueryRowContext(ctx, "SELECT pg_database_size(current_database())").Scan(&n)
		return n, err
	}
	var total int64
	for _, p := range []string{d.sqlitePath, d.sqlitePath + "-wal"} {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, err
		}
		total += fi.Size()
	}
	return total, nil
}

// snapshot is what a pass that changes nothing must leave as it was.
type snapshot struct {
	Generation    int64
	FinalEntities int64
	LastUpdatedAt int64 // max final_entities.last_updated_at
	Search        int64
	Relations     int64
	History       int64
	MaxHistoryID  int64
}

// takeSnapshot reads the catalog tables' row counts and change markers.
func takeSnapshot(ctx context.Context, db *sql.DB) (snapshot, error) {
	var s snapshot
	queries := []struct {
		sql  string
		dest *int64
	}{
		{"SELECT generation FROM catalog_state WHERE id = 1", &s.Generation},
		{"SELECT COUNT(*) FROM final_entities", &s.FinalEntities},
		{"SELECT COALESCE(MAX(last_updated_at), 0) FROM final_entities", &s.LastUpdatedAt},
		{"SELECT COUNT(*) FROM search", &s.Search},
		{"SELECT COUNT(*) FROM relations", &s.Relations},
		{"SELECT COUNT(*) FROM entity_history", &s.History},
		{"SELECT COALESCE(MAX(id), 0) FROM entity_history", &s.MaxHistoryID},
	}
	for _, q := range queries {
		if err := db.QueryRowContext(ctx, q.sql).Scan(q.dest); err != nil {
			return s, fmt.Errorf("snapshot: %s: %w", q.sql, err)
		}
	}
	return s, nil
}

// diff lists what changed from s to t.
func (s snapshot) diff(t snapshot) []string {
	var out []string
	add := func(name string, a, b int64) {
		if a != b {
			out = append(out, fmt.Sprintf("%s %d → %d", name, a, b))
		}
	}
	add("catalog_state.generation", s.Generation, t.Generation)
	add("final_entities rows", s.FinalEntities, t.FinalEntities)
	add("max final_entities.last_updated_at", s.LastUpdatedAt, t.LastUpdatedAt)
	add("search rows", s.Search, t.Search)
	add("relations rows", s.Relations, t.Relations)
	add("entity_history rows", s.History, t.History)
	add("max entity_history.id", s.MaxHistoryID, t.MaxHistoryID)
	return out
}

// scheduleTable names the table holding next_update_at: the engine keeps
// it in refresh_schedule (one narrow row per refresh_state row) and kept
// it in refresh_state itself before; the probes follow either layout.
func scheduleTable(ctx context.Context, db *sql.DB) (string, error) {
	var errs []error
	for _, t := range []string{"refresh_schedule", "refresh_state"} {
		rows, err := db.QueryContext(ctx, "SELECT next_update_at FROM "+t+" LIMIT 1")
		if err == nil {
			rows.Close()
			return t, nil
		}
		errs = append(errs, err)
	}
	return "", fmt.Errorf("no table with next_update_at: %w", errors.Join(errs...))
}

// pending counts entities due for processing at nowMillis and entities
// waiting to be stitched.
func pending(ctx context.Context, db *sql.DB, table string, nowMillis int64) (due, stitch int64, err error) {
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table+" WHERE next_update_at <= $1", nowMillis).Scan(&due); err != nil {
		return 0, 0, fmt.Errorf("count due entities: %w", err)
	}
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM stitch_queue").Scan(&stitch); err != nil {
		return 0, 0, fmt.Errorf("count stitch queue: %w", err)
	}
	return due, stitch, nil
}

// makeAllDue schedules every entity for processing at nowMillis, the way a
// processing interval elapsing for the whole catalog would.
func makeAllDue(ctx context.Context, db *sql.DB, table string, nowMillis int64) (int64, error) {
	res, err := db.ExecContext(ctx, "UPDATE "+table+" SET next_update_at = $1", nowMillis)
	if err != nil {
		return 0, fmt.Errorf("schedule every entity: %w", err)
	}
	return res.RowsAffected()
}

// analyzed says when PostgreSQL last gathered statistics on the search
// table: query plans right after a bulk load depend on whether
// autovacuum's analyze has run yet.
func analyzed(ctx context.Context, db *sql.DB) string {
	var ago sql.NullFloat64
	err := db.QueryRowContext(ctx, `SELECT EXTRACT(EPOCH FROM now() - GREATEST(last_analyze, last_autoanalyze))::float8
		FROM pg_stat_user_tables WHERE relname = 'search'`).Scan(&ago)
	switch {
	case err != nil:
		return "unknown (" + err.Error() + ")"
	case !ago.Valid:
		return "the search table was never analysed"
	default:
		return fmt.Sprintf("the search table was analysed %.0f s before", ago.Float64)
	}
}

// redactURL hides the password of a connection URL for logs and reports.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return strings.Replace(u.String(), "xxxxx", "<redacted>", 1)
}
