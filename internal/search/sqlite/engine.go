// Package sqlite is the embedded search engine: SQLite FTS5 in the
// portal's own database (tables of store migrations 0008 and 0013: the
// whole text, and the titles and names alone). Ranking is search.Rank
// (column weights title > name > description > tags > body), applied in
// tiers so that a query matching much of the catalog stays fast (see
// Search). Typo tolerance looks words up in a trigram index of the
// vocabulary of names and titles.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/callboard/callboard/internal/search"
	"github.com/callboard/callboard/internal/search/sqlsearch"
)

// Engine is the SQLite search engine.
type Engine struct {
	db  *sql.DB
	log *slog.Logger
	now func() time.Time

	// vocab remembers the words known to be in search_terms.
	vocab sqlsearch.Vocabulary

	// rebuilt counts the documents rebuilds wrote since the last Compact.
	rebuilt atomic.Int64
}

var (
	_ search.Engine    = (*Engine)(nil)
	_ search.Compactor = (*Engine)(nil)
)

// Options configure an Engine.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
}

// New returns an engine over db, a SQLite database migrated by the store
// (migration 0008 creates the tables).
func New(db *sql.DB, o Options) *Engine {
	e := &Engine{db: db, log: o.Logger, now: o.Now}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.now == nil {
		e.now = time.Now
	}
	return e
}

// Types lists the types with a live index.
func (e *Engine) Types(ctx context.Context) ([]string, error) {
	return sqlsearch.Types(ctx, e.db)
}

// liveGenerations returns the live generation of each of types that has
// one.
func (e *Engine) liveGenerations(ctx context.Context, types []string) ([]int64, error) {
	rows, err := e.db.QueryContext(ctx, `SELECT type, generation FROM search_indexes`)
	if err != nil {
		return nil, fmt.Errorf("read search indexes: %w", err)
	}
	defer rows.Close()
	var gens []int64
	for rows.Next() {
		var t string
		var g int64
		if err := rows.Scan(&t, &g); err != nil {
			return nil, err
		}
		for _, want := range types {
			if want == t {
				gens = append(gens, g)
			}
		}
	}
	return gens, rows.Err()
}

// LoadState reads a state value.
func (e *Engine) LoadState(ctx context.Context, key string) (string, bool, error) {
	return sqlsearch.LoadState(ctx, e.db, key)
}

// SaveState writes a state value.
func (e *Engine) SaveState(ctx context.Context, key, value string) error {
	return sqlsearch.SaveState(ctx, e.db, key, value)
}

// withTx runs fn in a write transaction.
func (e *Engine) withTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return sqlsearch.WithTx(ctx, e.db, fn)
}

// liveGeneration returns typ's live generation, making an empty index
// when it has none.
func (e *Engine) liveGeneration(ctx context.Context, tx *sql.Tx, typ string) (int64, error) {
	var g int64
	err := tx.QueryRowContext(ctx, `SELECT generation FROM search_indexes WHERE type = $1`, typ).Scan(&g)
	if err == nil {
		return g, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("read search index %s: %w", typ, err)
	}
	if g, err = sqlsearch.NewGeneration(ctx, tx, typ, e.now()); err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO search_indexes (type, generation, built_at) VALUES ($1, $2, $3)`, typ, g, e.now().UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("create search index %s: %w", typ, err)
	}
	return g, nil
}

// Replace makes the documents of typ in groups exactly docs.
func (e *Engine) Replace(ctx context.Context, typ string, groups []string, docs []search.Document) error {
	var words []string
	err := e.withTx(ctx, func(tx *sql.Tx) error {
		g, err := e.liveGeneration(ctx, tx, typ)
		if err != nil {
			return err
		}
		for start := 0; start < len(groups); start += deleteChunk {
			chunk := groups[start:min(start+deleteChunk, len(groups))]
			if err := deleteDocs(ctx, tx, `generation = $1 AND grp IN (`+placeholders(2, len(chunk))+`)`, append([]any{g}, anySlice(chunk)...)); err != nil {
				return err
			}
		}
		words, err = e.insertDocs(ctx, tx, g, docs)
		return err
	})
	if err == nil {
		e.vocab.Remember(words)
	}
	return err
}

// Rebuild starts a new generation of typ. Generations of typ left by
// rebuilds that never finished (a crash) are deleted first.
func (e *Engine) Rebuild(ctx context.Context, typ string) (search.Rebuild, error) {
	if err := e.dropStale(ctx, typ); err != nil {
		return nil, err
	}
	var g int64
	err := e.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		g, err = sqlsearch.NewGeneration(ctx, tx, typ, e.now())
		return err
	})
	if err != nil {
		return nil, err
	}
	return &rebuild{e: e, typ: typ, gen: g}, nil
}

// dropStale deletes the documents of typ's generations that are neither
// live nor being built.
func (e *Engine) dropStale(ctx context.Context, typ string) error {
	return sqlsearch.DropStale(ctx, e.db, typ, e.now(), e.dropGeneration)
}

// dropBatch is how many documents one transaction of dropGeneration
// deletes, so that a large index is deleted without holding the database
// for long.
const dropBatch = 2000

// dropGeneration deletes a generation's documents, a batch at a time,
// and then the generation.
func (e *Engine) dropGeneration(ctx context.Context, g int64) error {
	for {
		n := 0
		err := e.withTx(ctx, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT id FROM search_documents WHERE generation = $1 LIMIT $2`, g, dropBatch)
			if err != nil {
				return err
			}
			ids, err := sqlsearch.Column[any](rows) // int64s, as deleteIDs's arguments
			if err != nil {
				return err
			}
			n = len(ids)
			if n == 0 {
				_, err := tx.ExecContext(ctx, `DELETE FROM search_generations WHERE id = $1`, g)
				return err
			}
			return deleteIDs(ctx, tx, ids)
		})
		if err != nil {
			return fmt.Errorf("drop search generation %d: %w", g, err)
		}
		if n == 0 {
			return nil
		}
	}
}

// rebuild fills one new generation.
type rebuild struct {
	e   *Engine
	typ string
	gen int64
	n   int // documents added
}

func (r *rebuild) Add(ctx context.Context, docs []search.Document) error {
	var words []string
	err := r.e.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		words, err = r.e.insertDocs(ctx, tx, r.gen, docs)
		return err
	})
	if err == nil {
		r.n += len(docs)
		r.e.vocab.Remember(words)
	}
	return err
}

// Commit makes the generation live, then deletes the previous one.
func (r *rebuild) Commit(ctx context.Context) error {
	var old int64
	err := r.e.withTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT generation FROM search_indexes WHERE type = $1`, r.typ).Scan(&old)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO search_indexes (type, generation, built_at) VALUES ($1, $2, $3)
			ON CONFLICT (type) DO UPDATE SET generation = excluded.generation, built_at = excluded.built_at`,
			r.typ, r.gen, r.e.now().UnixMilli())
		return err
	})
	if err != nil {
		return fmt.Errorf("swap search index %s: %w", r.typ, err)
	}
	r.e.rebuilt.Add(int64(r.n))
	if old != 0 {
		return r.e.dropGeneration(ctx, old)
	}
	return nil
}

// compactAfter is how many documents rebuilds write before Compact
// compacts the full-text indexes.
const compactAfter = 5000

// Compact merges each full-text index into one segment once rebuilds
// have written compactAfter documents since the last time. FTS5 writes
// the rows of every statement as a new segment and merges segments only
// as they pile up, so after a rebuild a common word's postings lie in
// several segments, each read and merged by every query of the word: on
// the search benchmark's index (100,000 entities, 20,000 pages) its
// queries took 15 % less CPU once compacted (7.4 -> 5.1 ms for a common
// word restricted to one owner), for 2-3 s of writing.
//
// The count is taken, not read: of two calls at once (rebuilds of
// several types finishing together, or Reindex beside Run) one compacts
// and the other finds nothing to do, and neither leaves the count
// below what later rebuilds write. A failure puts it back.
func (e *Engine) Compact(ctx context.Context) error {
	n := e.rebuilt.Swap(0)
	if n < compactAfter {
		e.rebuilt.Add(n)
		return nil
	}
	for _, t := range []string{textTable, namesTable} {
		if _, err := e.db.ExecContext(ctx, `INSERT INTO `+t+`(`+t+`) VALUES ('optimize')`); err != nil {
			e.rebuilt.Add(n)
			return fmt.Errorf("compact %s: %w", t, err)
		}
	}
	return nil
}

func (r *rebuild) Abort(ctx context.Context) error { return r.e.dropGeneration(ctx, r.gen) }
