package sqlite_test

import (
	"testing"

	"github.com/callboard/callboard/internal/search"
	"github.com/callboard/callboard/internal/search/searchtest"
	"github.com/callboard/callboard/internal/search/sqlite"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	searchtest.Run(t, func(t *testing.T) search.Engine {
		return sqlite.New(storetest.Open(t, store.SQLite).DB, sqlite.Options{})
	})
}
