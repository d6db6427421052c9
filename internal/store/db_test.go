package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSQLiteCheckpointsInTheBackground writes a few rows, far fewer than
// the automatic checkpoint waits for, and expects them in the database
// file itself (read without its WAL) within a few checkpoint intervals.
func TestSQLiteCheckpointsInTheBackground(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.db")
	db, err := Open(context.Background(), Options{Dialect: SQLite, DSN: path})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE t (v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO t (v) VALUES (1), (2), (3)`); err != nil {
		t.Fatal(err)
	}
	rowsInFile := func() int {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// A copy without its -wal file holds only what was checkpointed.
		cp := filepath.Join(t.TempDir(), "copy.db")
		if err := os.WriteFile(cp, b, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := sql.Open("sqlite", "file:"+cp+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var n int
		if err := c.QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil {
			return 0 // the table itself is not there yet
		}
		return n
	}
	deadline := time.Now().Add(10 * checkpointEvery)
	for rowsInFile() != 3 {
		if time.Now().After(deadline) {
			t.Fatalf("the database file holds %d rows %v after the write, want 3", rowsInFile(), 10*checkpointEvery)
		}
		time.Sleep(checkpointEvery / 5)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db.Close() // a second Close must not panic on the stopped checkpoints
}

// TestSQLitePageCacheOnEveryConnection holds the pool's connections at once
// and expects each to have the page cache budget, not only the first.
func TestSQLitePageCacheOnEveryConnection(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Options{Dialect: SQLite, DSN: filepath.Join(t.TempDir(), "a.db"), MaxOpenConns: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := range 3 {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close() // held, so the next Conn opens another connection
		var kib int
		if err := c.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&kib); err != nil {
			t.Fatal(err)
		}
		if kib != -sqliteCacheKiB {
			t.Errorf("connection %d: cache_size %d, want %d", i, kib, -sqliteCacheKiB)
		}
	}
}
