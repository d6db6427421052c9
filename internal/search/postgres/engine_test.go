package postgres_test

import (
	"context"
	"testing"

	"github.com/callboard/callboard/internal/search"
	"github.com/callboard/callboard/internal/search/postgres"
	"github.com/callboard/callboard/internal/search/searchtest"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

// TestConformance runs when CALLBOARD_TEST_POSTGRES names a server.
func TestConformance(t *testing.T) {
	searchtest.Run(t, func(t *testing.T) search.Engine {
		return postgres.New(storetest.Open(t, store.Postgres).DB, postgres.Options{})
	})
}

// TestTypoToleranceWithoutTrigrams: without pg_trgm the vocabulary is
// read by first letter and length, and the same corrections are found.
func TestTypoToleranceWithoutTrigrams(t *testing.T) {
	db := storetest.Open(t, store.Postgres)
	if _, err := db.Exec(`DROP EXTENSION IF EXISTS pg_trgm CASCADE`); err != nil {
		t.Fatal(err)
	}
	e := postgres.New(db.DB, postgres.Options{})
	ctx := context.Background()
	doc := search.Document{Type: search.TypeCatalog, ID: "k", Group: "k", Title: "Kubernetes operator", Name: "kubernetes-operator", Location: "/x/k",
		Auth: search.Auth{ResourceRef: "component:default/k", Kind: "component"}}
	if err := e.Replace(ctx, search.TypeCatalog, []string{"k"}, []search.Document{doc}); err != nil {
		t.Fatal(err)
	}
	res, err := e.Search(ctx, &search.EngineQuery{Types: []string{search.TypeCatalog}, Query: search.ParseQuery("kubernets"), Fuzzy: true, Limit: 5})
	if err != nil || len(res.Hits) != 1 {
		t.Errorf("fuzzy without pg_trgm: %+v, %v", res, err)
	}
}

// TestLock: one holder at a time, released by unlock.
func TestLock(t *testing.T) {
	e := postgres.New(storetest.Open(t, store.Postgres).DB, postgres.Options{})
	ctx := context.Background()
	unlock, ok, err := e.TryLock(ctx, "x")
	if err != nil || !ok {
		t.Fatalf("first TryLock: %v %v", ok, err)
	}
	if _, ok, err := e.TryLock(ctx, "x"); err != nil || ok {
		t.Fatalf("second TryLock while held: %v %v", ok, err)
	}
	unlock()
	unlock2, ok, err := e.TryLock(ctx, "x")
	if err != nil || !ok {
		t.Fatalf("TryLock after unlock: %v %v", ok, err)
	}
	unlock2()
}
