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
