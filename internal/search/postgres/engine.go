// Package postgres is the search engine for PostgreSQL: tsvector columns
// with GIN indexes in the portal's database (tables of store migrations
// 0008 and 0011), so every replica shares one index. Text is indexed with
// the simple configuration (no stemming, as the SQLite engine; the
// Service folds plurals); the title, name, description and tags carry the
// weights A to D. Results come in tiers by where the words match, as in
// the SQLite engine, ranked within a tier by ts_rank (fields) or
// ts_rank_cd (bodies). Queries read the narrowest vectors first (names,
// then fields, then the body), and a tier is counted and ranked in one
// statement. Typo tolerance looks words up in a
// pg_trgm index of the vocabulary of names and titles when the extension
// is installed.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/callboard/callboard/internal/search"
	"github.com/callboard/callboard/internal/search/sqlsearch"
)

// Engine is the PostgreSQL search engine.
type Engine struct {
	db  *sql.DB
	log *slog.Logger
	now func() time.Time

	// vocab remembers the words known to be in search_terms.
	vocab sqlsearch.Vocabulary

	trgmOnce sync.Once
	trgm     bool
}

var (
	_ search.Engine = (*Engine)(nil)
	_ search.Locker = (*Engine)(nil)
)

// Options configure an Engine.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
}

// New returns an engine over db, a PostgreSQL database migrated by the
// store (migration 0008 creates the tables).
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

// query runs a statement of a search unprepared (pgx's exec mode, one
// round trip), so that every execution is planned for its values. After
// five executions of a prepared statement PostgreSQL may keep a generic
// plan, which cannot see how common a query's words are: one counted
// whether anything followed the 1,000 templates holding "create" with a
// sequential scan of the whole table (0.5-0.8 s), where the words'
// indexes answer in a millisecond.
func (e *Engine) query(ctx context.Context, stmt string, args ...any) (*sql.Rows, error) {
	return e.db.QueryContext(ctx, stmt, append([]any{pgx.QueryExecModeExec}, args...)...)
}

// queryRow is query for one row.
func (e *Engine) queryRow(ctx context.Context, stmt string, args ...any) *sql.Row {
	return e.db.QueryRowContext(ctx, stmt, append([]any{pgx.QueryExecModeExec}, args...)...)
}

// Types lists the types with a live index.
func (e *Engine) Types(ctx context.Context) ([]string, error) {
	return sqlsearch.Types(ctx, e.db)
}

// liveGenerations returns the live generation of each of types that has
// one.
func (e *Engine) liveGenerations(ctx context.Context, types []string) ([]int64, error) {
	rows, err := e.query(ctx, `SELECT generation FROM search_indexes WHERE type = ANY($1)`, types)
	if err != nil {
		return nil, fmt.Errorf("read search indexes: %w", err)
	}
	return sqlsearch.Column[int64](rows)
}

// LoadState reads a state value.
func (e *Engine) LoadState(ctx context.Context, key string) (string, bool, error) {
	return sqlsearch.LoadState(ctx, e.db, key)
}

// SaveState writes a state value.
func (e *Engine) SaveState(ctx context.Context, key, value string) error {
	return sqlsearch.SaveState(ctx, e.db, key, value)
}

// TryLock takes a session advisory lock on a connection of its own, held
// until unlock (or until the connection ends, when the process does).
func (e *Engine) TryLock(ctx context.Context, name string) (func(), bool, error) {
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("search lock %s: %w", name, err)
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtextextended($1, 0))`, name).Scan(&ok); err != nil {
		conn.Close()
		return nil, false, fmt.Errorf("search lock %s: %w", name, err)
	}
	if !ok {
		conn.Close()
		return nil, false, nil
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = conn.ExecContext(ctx, `SELECT pg_advisory_unlock(hashtextextended($1, 0))`, name)
		conn.Close()
	}, true, nil
}

// withTx runs fn in a transaction.
func (e *Engine) withTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return sqlsearch.WithTx(ctx, e.db, fn)
}

// liveGeneration returns typ's live generation, making an empty index
// when it has none (replicas racing to do so agree on one).
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
	_, err = tx.ExecContext(ctx, `INSERT INTO search_indexes (type, generation, built_at) VALUES ($1, $2, $3)
		ON CONFLICT (type) DO NOTHING`, typ, g, e.now().UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("create search index %s: %w", typ, err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT generation FROM search_indexes WHERE type = $1`, typ).Scan(&g); err != nil {
		return 0, fmt.Errorf("read search index %s: %w", typ, err)
	}
	return g, nil
}

// Replace makes the documents of typ in groups exactly docs. Writers of
// the same groups (replicas, the docs hook) are serialized by
// transaction-scoped advisory locks on the groups.
func (e *Engine) Replace(ctx context.Context, typ string, groups []string, docs []search.Document) error {
	var words []string
	err := e.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || g, 0))
			FROM unnest($2::text[]) AS g ORDER BY g`, typ, groups); err != nil {
			return fmt.Errorf("lock search groups: %w", err)
		}
		g, err := e.liveGeneration(ctx, tx, typ)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM search_documents WHERE generation = $1 AND grp = ANY($2)`, g, groups)
		if err != nil {
			return fmt.Errorf("find search documents: %w", err)
		}
		ids, err := sqlsearch.Column[int64](rows)
		if err != nil {
			return err
		}
		if err := deleteIDs(ctx, tx, ids); err != nil {
			return err
		}
		words, err = e.insertDocs(ctx, tx, g, docs)
		return err
	})
	if err == nil {
		e.vocab.Remember(words)
	}
	return err
}

// Rebuild starts a new generation of typ, after deleting generations
// left by rebuilds that never finished.
func (e *Engine) Rebuild(ctx context.Context, typ string) (search.Rebuild, error) {
	if err := e.dropStale(ctx, typ); err != nil {
		return nil, err
	}
	g, err := sqlsearch.NewGeneration(ctx, e.db, typ, e.now())
	if err != nil {
		return nil, err
	}
	return &rebuild{e: e, typ: typ, gen: g}, nil
}

func (e *Engine) dropStale(ctx context.Context, typ string) error {
	return sqlsearch.DropStale(ctx, e.db, typ, e.now(), e.dropGeneration)
}

// dropBatch is how many documents one transaction of dropGeneration
// deletes.
const dropBatch = 5000

// dropGeneration deletes a generation's documents a batch at a time, then
// the generation.
func (e *Engine) dropGeneration(ctx context.Context, g int64) error {
	for {
		var n int64
		err := e.withTx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `DELETE FROM search_documents WHERE id IN
				(SELECT id FROM search_documents WHERE generation = $1 ORDER BY id LIMIT $2)`, g, dropBatch)
			if err != nil {
				return err
			}
			if n, err = res.RowsAffected(); err != nil || n > 0 {
				return err
			}
			_, err = tx.ExecContext(ctx, `DELETE FROM search_generations WHERE id = $1`, g)
			return err
		})
		if err != nil {
			return fmt.Errorf("drop search generation %d: %w", g, err)
		}
		if n == 0 {
			return nil
		}
	}
}

// rebuildWorkers is how many batches a rebuild writes at once: the
// database parses text and updates the GIN indexes on its own cores while
// the collators read the next batch.
const rebuildWorkers = 2

// rebuild fills one new generation, writing batches on rebuildWorkers
// connections.
type rebuild struct {
	e     *Engine
	typ   string
	gen   int64
	start sync.Once
	work  chan []search.Document
	wg    sync.WaitGroup
	mu    sync.Mutex
	err   error
}

// Add queues a batch; an error of an earlier batch is returned by a later
// Add or by Commit.
func (r *rebuild) Add(ctx context.Context, docs []search.Document) error {
	r.start.Do(func() {
		r.work = make(chan []search.Document, rebuildWorkers)
		for range rebuildWorkers {
			r.wg.Go(func() {
				for batch := range r.work {
					if r.failed() != nil {
						continue
					}
					var words []string
					err := r.e.withTx(ctx, func(tx *sql.Tx) error {
						var err error
						words, err = r.e.insertDocs(ctx, tx, r.gen, batch)
						return err
					})
					if err != nil {
						r.mu.Lock()
						if r.err == nil {
							r.err = err
						}
						r.mu.Unlock()
						continue
					}
					r.e.vocab.Remember(words)
				}
			})
		}
	})
	if err := r.failed(); err != nil {
		return err
	}
	// The batch is written after Add returns, and the caller may reuse
	// the slice by then.
	select {
	case r.work <- slices.Clone(docs):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *rebuild) failed() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// wait finishes the queued batches.
func (r *rebuild) wait() error {
	if r.work != nil {
		close(r.work)
		r.wg.Wait()
		r.work = nil
	}
	return r.failed()
}

// Commit makes the generation live, then deletes the previous one.
func (r *rebuild) Commit(ctx context.Context) error {
	if err := r.wait(); err != nil {
		return err
	}
	var old sql.NullInt64
	err := r.e.withTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT generation FROM search_indexes WHERE type = $1 FOR UPDATE`, r.typ).Scan(&old)
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
	r.e.mergePending(ctx)
	// Table statistics drive the planner's choice between the GIN and
	// btree indexes; a rebuild changes a whole type at once (and, the
	// first time, fills the vocabulary).
	if _, err := r.e.db.ExecContext(ctx, `ANALYZE search_documents, search_terms`); err != nil {
		r.e.log.Warn("analyze search documents", "error", err)
	}
	if old.Valid {
		return r.e.dropGeneration(ctx, old.Int64)
	}
	return nil
}

// mergePending merges the pending lists of the GIN indexes of the
// documents and of the typo vocabulary into the indexes. A rebuild's rows
// reach a GIN index through its pending list (fastupdate), up to
// gin_pending_list_limit of them, and every lookup reads a pending list
// in full until autovacuum merges it: right after a rebuild, that is most
// of a query's time, and the planner prefers reading the whole
// vocabulary to its trigram index.
func (e *Engine) mergePending(ctx context.Context) {
	_, err := e.db.ExecContext(ctx, `SELECT gin_clean_pending_list(i.indexrelid)
		FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
		WHERE i.indrelid IN ('search_documents'::regclass, 'search_terms'::regclass) AND am.amname = 'gin'`)
	if err != nil {
		e.log.Warn("merge search index pending lists", "error", err)
	}
}

func (r *rebuild) Abort(ctx context.Context) error {
	_ = r.wait() // the error is why we abort
	return r.e.dropGeneration(ctx, r.gen)
}
