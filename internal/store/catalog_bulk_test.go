package store

import (
	"context"
	"database/sql"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// searchIndexes returns the definitions of the search and relations
// tables' indexes by name.
func deferrableIndexes(t *testing.T, db *DB) map[string]string {
	t.Helper()
	q := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('search', 'relations') AND sql IS NOT NULL`
	if db.Dialect == Postgres {
		q = `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ('search', 'relations')`
	}
	out := map[string]string{}
	err := queryRows(context.Background(), db, q, nil, func(r *sql.Rows) error {
		var name, def string
		if err := r.Scan(&name, &def); err != nil {
			return err
		}
		out[name] = def
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sqliteThreads reads PRAGMA threads on the pool's one connection.
func sqliteThreads(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`PRAGMA threads`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBulkLoadSetsReaderIndexesAsideOnAnEmptyCatalog(t *testing.T) {
	eachCatalog(t, func(t *testing.T, c *Catalog) {
		ctx := context.Background()
		if c.db.Dialect == SQLite {
			// One connection, so that the build runs on the one the
			// test reads PRAGMA threads from.
			c.db.SetMaxOpenConns(1)
		}
		all := deferrableIndexes(t, c.db)
		for _, name := range deferredIndexes[c.db.Dialect] {
			if name == "search_trigram" {
				continue // only where pg_trgm is installed
			}
			if _, ok := all[name]; !ok {
				t.Fatalf("index %s missing before the bulk load; have %v", name, all)
			}
		}

		bulk, err := c.BeginBulkLoad(ctx)
		if err != nil || !bulk {
			t.Fatalf("BeginBulkLoad on an empty catalog = %v, %v; want true", bulk, err)
		}
		during := deferrableIndexes(t, c.db)
		for _, name := range deferredIndexes[c.db.Dialect] {
			if _, ok := during[name]; ok {
				t.Errorf("index %s still there during the bulk load", name)
			}
		}
		if _, ok := during["search_id_key"]; c.db.Dialect == SQLite && !ok {
			t.Error("the writer's index search_id_key was set aside")
		}
		if _, ok := during["relations_originating"]; !ok {
			t.Error("the writer's index relations_originating was set aside")
		}

		// Once processing is through, the index stitching reads is built
		// and the readers' stay aside.
		if err := c.EndBulkProcessing(ctx); err != nil {
			t.Fatal(err)
		}
		stitching := deferrableIndexes(t, c.db)
		for _, name := range deferredIndexes[c.db.Dialect] {
			_, built := stitching[name]
			if want := slices.Contains(stitchingIndexes, name); built != want {
				t.Errorf("index %s built after EndBulkProcessing: %v, want %v", name, built, want)
			}
		}
		if err := c.EndBulkProcessing(ctx); err != nil {
			t.Errorf("EndBulkProcessing a second time: %v", err)
		}

		// Rows written meanwhile; a restart finds the load unfinished and
		// keeps the indexes aside.
		if _, err := c.db.ExecContext(ctx, `INSERT INTO search (id, key, value, original_value) VALUES (1, 'kind', 'component', 'Component')`); err != nil {
			t.Fatal(err)
		}
		if bulk, err := c.BeginBulkLoad(ctx); err != nil || !bulk {
			t.Fatalf("BeginBulkLoad after an unfinished load = %v, %v; want true", bulk, err)
		}

		if err := c.EndBulkLoad(ctx); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(all, deferrableIndexes(t, c.db)); diff != "" {
			t.Errorf("indexes after the bulk load (-before +after):\n%s", diff)
		}
		var n int
		if err := c.db.QueryRowContext(ctx, `SELECT count(*) FROM catalog_deferred_indexes`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d deferred index rows left (%v)", n, err)
		}
		if c.db.Dialect == SQLite {
			var count int
			if err := c.db.QueryRowContext(ctx, `SELECT count(*) FROM search INDEXED BY search_key_value WHERE key = 'kind' AND value = 'component'`).Scan(&count); err != nil || count != 1 {
				t.Errorf("search_key_value holds %d rows of the one written (%v)", count, err)
			}
			// The build's sorter threads are the build's only: the
			// connection it ran on sorts alone again.
			if threads := sqliteThreads(t, c.db); threads != 0 {
				t.Errorf("a connection sorts with %d threads after the build", threads)
			}
		}

		// With search rows, nothing is set aside and nothing is left to build.
		if bulk, err := c.BeginBulkLoad(ctx); err != nil || bulk {
			t.Fatalf("BeginBulkLoad on a populated catalog = %v, %v; want false", bulk, err)
		}
		if diff := cmp.Diff(all, deferrableIndexes(t, c.db)); diff != "" {
			t.Errorf("indexes after BeginBulkLoad on a populated catalog (-before +after):\n%s", diff)
		}
		if err := c.EndBulkLoad(ctx); err != nil {
			t.Errorf("EndBulkLoad with nothing set aside: %v", err)
		}
	})
}
