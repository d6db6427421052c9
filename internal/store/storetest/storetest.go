// Package storetest opens fresh, migrated databases for tests: SQLite
// always, PostgreSQL when CALLBOARD_TEST_POSTGRES holds a connection URL
// (each test then gets its own database, dropped afterwards). Conformance
// suites loop over Dialects so one suite covers both.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/callboard/callboard/internal/store"
)

// EnvPostgres names the variable holding the PostgreSQL test server URL.
const EnvPostgres = "CALLBOARD_TEST_POSTGRES"

// Dialects returns the dialects available to tests.
func Dialects() []store.Dialect {
	if os.Getenv(EnvPostgres) != "" {
		return []store.Dialect{store.SQLite, store.Postgres}
	}
	return []store.Dialect{store.SQLite}
}

// Each runs fn as a subtest per available dialect with a fresh database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, d := range Dialects() {
		t.Run(string(d), func(t *testing.T) { fn(t, Open(t, d)) })
	}
}

// Open returns a fresh, migrated database of dialect d, closed (and on
// PostgreSQL dropped) when the test ends. It skips the test when d is
// PostgreSQL and no server is configured.
func Open(t testing.TB, d store.Dialect) *store.DB {
	t.Helper()
	opts := Options(t, d)
	db, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", d, err)
	}
	return db
}

// Options returns connection options for a fresh, empty database of dialect
// d, for tests that open the database themselves (several engines on one
// database, restarts).
func Options(t testing.TB, d store.Dialect) store.Options {
	t.Helper()
	switch d {
	case store.SQLite:
		return store.Options{Dialect: store.SQLite, DSN: filepath.Join(t.TempDir(), "callboard.db")}
	case store.Postgres:
		base := os.Getenv(EnvPostgres)
		if base == "" {
			t.Skipf("%s not set", EnvPostgres)
		}
		return store.Options{Dialect: store.Postgres, DSN: freshPostgres(t, base)}
	}
	t.Fatalf("unknown dialect %q", d)
	return store.Options{}
}

func freshPostgres(t testing.TB, base string) string {
	t.Helper()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "cbtest_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	return u.String()
}
