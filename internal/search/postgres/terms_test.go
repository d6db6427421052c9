package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/callboard/callboard/internal/search"
	"github.com/callboard/callboard/internal/search/postgres"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

// TestConcurrentNewTerms: transactions adding the same new vocabulary
// words in opposite orders (a rebuild's writers, a replace beside them)
// do not deadlock.
func TestConcurrentNewTerms(t *testing.T) {
	db := storetest.Open(t, store.Postgres).DB
	for round := range 10 {
		words := make([]string, 300)
		for i := range words {
			words[i] = fmt.Sprintf("word%dx%d", round, i)
		}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for w := range errs {
			order := slices.Clone(words)
			if w%2 == 1 {
				slices.Reverse(order)
			}
			// One engine per writer: each has its own memory of the
			// words it added, as replicas do.
			e := postgres.New(db, postgres.Options{})
			wg.Go(func() {
				var docs []search.Document
				var groups []string
				for i, word := range order {
					id := fmt.Sprintf("w%d-%d", w, i)
					docs = append(docs, doc(search.TypeCatalog, id, word, word, "", false))
					groups = append(groups, id)
				}
				errs[w] = e.Replace(context.Background(), search.TypeCatalog, groups, docs)
			})
		}
		wg.Wait()
		for w, err := range errs {
			if err != nil {
				t.Fatalf("round %d, writer %d: %v", round, w, err)
			}
		}
	}
}
