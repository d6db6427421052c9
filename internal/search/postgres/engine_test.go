package postgres_test

import (
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
