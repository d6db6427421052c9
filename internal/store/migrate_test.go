package store_test

import (
	"context"
	"testing"

	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

func TestMigrateIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		applied, err := db.Migrate(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Errorf("second Migrate applied %v, want nothing", applied)
		}
		var gen int
		if err := db.QueryRow(`SELECT generation FROM catalog_state WHERE id = 1`).Scan(&gen); err != nil {
			t.Fatal(err)
		}
	})
}

func TestMigrationsMatchAcrossDialects(t *testing.T) {
	sq, err := store.Migrations(store.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := store.Migrations(store.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(sq) != len(pg) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(sq), len(pg))
	}
	for i := range sq {
		if sq[i].Name != pg[i].Name {
			t.Errorf("migration %d: sqlite %s, postgres %s", i, sq[i].Name, pg[i].Name)
		}
	}
}
