package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// deferredIndexes are the indexes a first load sets aside, per dialect:
// the search table's that only readers use, and the relations table's by
// source and by type and target. At a cold start every row lands at a
// random place in each of these, so each row dirties a page of its own
// that the commit writes and the checkpoint copies; built at the end, each
// is one sort. On SQLite the search table's (id, key) index waits too: a
// first load writes new entities' rows and removes none, and a write that
// does remove some builds it first (searchByIDIndex). PostgreSQL's writer
// finds search rows through (id, key, value), which stays. Relations are
// found by the entity that originated them, an index that is never
// deferred.
var deferredIndexes = map[Dialect][]string{
	SQLite:   {"search_key_value", "search_original", "search_id_key", "relations_source", "relations_type_target"},
	Postgres: {"search_key_value", "search_original", "search_trigram", "relations_source", "relations_type_target"},
}

// stitchingIndexes are the deferred indexes stitching reads through:
// EndBulkProcessing builds them once processing has worked through the
// load, before stitching starts.
var stitchingIndexes = []string{"relations_source"}

// searchByIDIndex is the deferred index a write needs before it removes
// search rows: without (id, key) each removal would scan the whole search
// table. A first load rarely gets there (an entity stitched twice, or one
// deleted, before the load ends); when it does, the write builds it in its
// own transaction (searchByID).
const searchByIDIndex = "search_id_key"

// BeginBulkLoad sets the deferred indexes aside when the catalog holds
// no search rows, recording their definitions in
// catalog_deferred_indexes, and reports whether any index is set aside (a
// load that stopped before EndBulkLoad left them so). Readers keep working
// without them, more slowly.
func (c *Catalog) BeginBulkLoad(ctx context.Context) (bool, error) {
	names := deferredIndexes[c.db.Dialect]
	deferred := false
	if c.db.Dialect == SQLite {
		// Readers stop naming the index before it may go; readDeferred
		// below sets the flag to what the table then says.
		c.db.searchByIDAside.Store(true)
	}
	err := c.write(ctx, func(tx *wtx) error {
		if c.db.Dialect == Postgres {
			// One engine at a time decides; the others wait and find the
			// indexes gone.
			if _, err := tx.ExecContext(ctx, `LOCK TABLE catalog_deferred_indexes IN EXCLUSIVE MODE`); err != nil {
				return err
			}
		}
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM search LIMIT 1`).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			if err := setIndexesAside(ctx, tx, names); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM catalog_deferred_indexes`).Scan(&n); err != nil {
			return err
		}
		deferred = n > 0
		return nil
	})
	// After a failed write a failed read leaves the flag set: only slower.
	if rerr := c.db.readDeferred(ctx); err == nil {
		err = rerr
	}
	if err != nil {
		return false, fmt.Errorf("begin bulk load: %w", err)
	}
	return deferred, nil
}

// readDeferred sets db.searchByIDAside from catalog_deferred_indexes, so
// that readers of a database whose first load stopped half-way (its
// indexes still aside) do not name the missing index.
func (db *DB) readDeferred(ctx context.Context) error {
	if db.Dialect != SQLite {
		return nil
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM catalog_deferred_indexes WHERE name = $1`, searchByIDIndex).Scan(&n); err != nil {
		return fmt.Errorf("read deferred indexes: %w", err)
	}
	db.searchByIDAside.Store(n > 0)
	return nil
}

// deferredIndex is an index's name and the statement that creates it.
type deferredIndex struct{ name, definition string }

// scanIndex returns a scan that appends each row's name and definition to
// to.
func scanIndex(to *[]deferredIndex) func(*sql.Rows) error {
	return func(r *sql.Rows) error {
		var x deferredIndex
		if err := r.Scan(&x.name, &x.definition); err != nil {
			return err
		}
		*to = append(*to, x)
		return nil
	}
}

// setIndexesAside records the definitions of the named indexes that exist
// and drops them.
func setIndexesAside(ctx context.Context, tx *wtx, names []string) error {
	q := inList{head: `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN`}
	if tx.Dialect == Postgres {
		q = inList{head: `SELECT indexname, indexdef FROM pg_indexes
			WHERE schemaname = current_schema() AND tablename IN ('search', 'relations') AND indexname IN`}
	}
	var found []deferredIndex
	if err := queryIn(ctx, tx, q, names, scanIndex(&found)); err != nil {
		return fmt.Errorf("read index definitions: %w", err)
	}
	for _, x := range found {
		if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_deferred_indexes (name, definition) VALUES ($1, $2)`, x.name, x.definition); err != nil {
			return fmt.Errorf("record index %s: %w", x.name, err)
		}
		if _, err := tx.ExecContext(ctx, `DROP INDEX `+quoteIdent(x.name)); err != nil {
			return fmt.Errorf("drop index %s: %w", x.name, err)
		}
	}
	return nil
}

// EndBulkLoad builds the indexes BeginBulkLoad set aside, each from the
// definition it recorded, in one transaction.
func (c *Catalog) EndBulkLoad(ctx context.Context) error {
	if err := c.buildDeferred(ctx, nil); err != nil {
		return fmt.Errorf("end bulk load: %w", err)
	}
	return nil
}

// EndBulkProcessing builds those of the indexes set aside that stitching
// reads through (the relations by source), if they still are.
func (c *Catalog) EndBulkProcessing(ctx context.Context) error {
	if err := c.buildDeferred(ctx, stitchingIndexes); err != nil {
		return fmt.Errorf("build the indexes stitching reads: %w", err)
	}
	return nil
}

// buildDeferred builds the indexes set aside, or only those named in only
// when it is not nil, in one transaction.
func (c *Catalog) buildDeferred(ctx context.Context, only []string) error {
	return c.write(ctx, func(tx *wtx) error { return c.buildDeferredIn(ctx, tx, only) })
}

// buildDeferredIn builds the indexes set aside, or those named in only, in
// tx.
func (c *Catalog) buildDeferredIn(ctx context.Context, tx *wtx, only []string) error {
	lock := ""
	if c.db.Dialect == Postgres {
		lock = " FOR UPDATE"
	}
	var todo []deferredIndex
	if err := queryRows(ctx, tx, `SELECT name, definition FROM catalog_deferred_indexes ORDER BY name`+lock, nil, scanIndex(&todo)); err != nil {
		return err
	}
	if only != nil {
		todo = slices.DeleteFunc(todo, func(x deferredIndex) bool { return !slices.Contains(only, x.name) })
	}
	if c.db.Dialect == SQLite && len(todo) > 0 {
		reset, err := sortThreads(ctx, tx)
		if err != nil {
			return err
		}
		defer reset()
	}
	for _, x := range todo {
		if _, err := tx.ExecContext(ctx, x.definition); err != nil {
			return fmt.Errorf("build index %s: %w", x.name, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM catalog_deferred_indexes WHERE name = $1`, x.name); err != nil {
			return err
		}
	}
	if only == nil || slices.Contains(only, searchByIDIndex) {
		tx.onCommit(func() { c.db.searchByIDAside.Store(false) })
	}
	return nil
}

// searchByID makes sure the index a removal of search rows goes through
// exists before tx removes any, building it if a first load set it aside.
func (c *Catalog) searchByID(ctx context.Context, tx *wtx) error {
	if !c.db.searchByIDAside.Load() {
		return nil
	}
	if err := c.buildDeferredIn(ctx, tx, []string{searchByIDIndex}); err != nil {
		return fmt.Errorf("build the search index by entity: %w", err)
	}
	return nil
}

// sortThreads lets SQLite's sorter use helper threads on the
// transaction's connection, one per core up to four, and returns what
// sets it back to none. An index built from a full table is one large
// sort; at 100,000 entities two threads took the search indexes' build
// from 6.5 to 4.8 s. PostgreSQL builds B-tree indexes in parallel on its
// own (max_parallel_maintenance_workers).
func sortThreads(ctx context.Context, tx *wtx) (reset func(), err error) {
	n := min(runtime.NumCPU(), 4)
	if _, err := tx.ExecContext(ctx, `PRAGMA threads = `+strconv.Itoa(n)); err != nil {
		return nil, fmt.Errorf("sort threads: %w", err)
	}
	return func() { _, _ = tx.ExecContext(context.WithoutCancel(ctx), `PRAGMA threads = 0`) }, nil
}

// quoteIdent quotes an SQL identifier for both dialects.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
