package sqlite_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/callboard/callboard/internal/search"
	"github.com/callboard/callboard/internal/search/sqlite"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

// TestRebuildCompacts: Compact after a large rebuild leaves each
// full-text index in one segment, where its batches had written several.
func TestRebuildCompacts(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	e := sqlite.New(db.DB, sqlite.Options{})
	ctx := context.Background()
	rb := fill(t, e)
	for _, tb := range ftsTables {
		if n := segments(t, db, tb); n < 2 {
			t.Fatalf("%s before the commit: %d segments, want several (the test shows nothing)", tb, n)
		}
	}
	if err := rb.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tb := range ftsTables {
		if n := segments(t, db, tb); n != 1 {
			t.Errorf("%s after a rebuild of 5,000 documents: %d segments, want 1", tb, n)
		}
	}
	got, total := locations(t, e, search.EngineQuery{Query: search.ParseQuery("word5 other7"), Limit: 10})
	if total != 6 || len(got) != 6 {
		t.Errorf("word5 other7 after compacting: %d hits %v, want 6", total, got)
	}
}

// TestConcurrentCompacts: two Compact calls at once (rebuilds of two
// types finishing together) compact once between them, and the next
// large rebuild is compacted too.
func TestConcurrentCompacts(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	e := sqlite.New(db.DB, sqlite.Options{})
	ctx := context.Background()
	if err := fill(t, e).Commit(ctx); err != nil {
		t.Fatal(err)
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			<-start
			if err := e.Compact(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	if err := fill(t, e).Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// (The names' index has merged its segments as the old generation
	// was deleted.)
	if n := segments(t, db, "search_fts"); n < 2 {
		t.Fatalf("search_fts after the second rebuild: %d segments, want several (the test shows nothing)", n)
	}
	if err := e.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tb := range ftsTables {
		if n := segments(t, db, tb); n != 1 {
			t.Errorf("%s after the second rebuild's Compact: %d segments, want 1", tb, n)
		}
	}
}

// ftsTables are the engine's full-text tables.
var ftsTables = []string{"search_fts", "search_names_fts"}

// fill starts a rebuild of the catalog's index and adds 5,000 documents
// to it in batches of 500, each written as segments of its own.
func fill(t *testing.T, e *sqlite.Engine) search.Rebuild {
	t.Helper()
	ctx := context.Background()
	rb, err := e.Rebuild(ctx, search.TypeCatalog)
	if err != nil {
		t.Fatal(err)
	}
	for b := range 10 {
		var docs []search.Document
		for i := range 500 {
			id := fmt.Sprintf("c%d-%d", b, i)
			docs = append(docs, doc(id, "Component "+id, id, fmt.Sprintf("word%d other%d", i%97, b)))
		}
		if err := rb.Add(ctx, docs); err != nil {
			t.Fatal(err)
		}
	}
	return rb
}

// segments reads how many segments an FTS5 table's index has from its
// structure record (row 10 of its data table: a 4-byte cookie, a 4-byte
// version mark for a contentless_delete table, then the number of
// levels and of segments as SQLite varints).
func segments(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var b []byte
	if err := db.QueryRowContext(context.Background(), `SELECT block FROM `+table+`_data WHERE id = 10`).Scan(&b); err != nil {
		t.Fatalf("structure of %s: %v", table, err)
	}
	p := 4
	if len(b) > 8 && b[4] == 0xff && b[5] == 0 && b[6] == 0 && b[7] == 1 {
		p = 8
	}
	varint := func() int {
		v := 0
		for i := 0; i < 9 && p < len(b); i++ {
			c := b[p]
			p++
			if i == 8 {
				return v<<8 | int(c)
			}
			v = v<<7 | int(c&0x7f)
			if c&0x80 == 0 {
				break
			}
		}
		return v
	}
	varint() // levels
	return varint()
}
