package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Catalog is the catalog engine's storage: refresh state, relations, the
// stitch queue, final entities, search rows, history and registered
// locations. It implements catalog.EngineStore.
//
// Writes are short transactions made of multi-row statements. On SQLite
// one writer at a time is allowed anyway, so Catalog serializes its own
// writers in process instead of letting them spin on the busy timeout; on
// PostgreSQL a transaction that loses a deadlock or serialization race is
// retried.
type Catalog struct {
	db  *DB
	wmu sync.Mutex

	// stmts are prepared multi-row statements of the full chunk size,
	// which every large write repeats, and the shorter ones that have come
	// up before (a stitch batch's finals and tickets, 250 rows each time);
	// parsing one costs about as much as running it. seen holds the
	// hashes of shorter statements' texts met once, partials counts those
	// prepared.
	smu      sync.Mutex
	stmts    map[string]*sql.Stmt
	seen     map[uint64]struct{}
	seed     maphash.Seed
	partials int

	growth growth // PostgreSQL only
}

// NewCatalog returns the catalog storage on db.
func NewCatalog(db *DB) *Catalog {
	return &Catalog{db: db, stmts: map[string]*sql.Stmt{}, seen: map[uint64]struct{}{}, seed: maphash.MakeSeed()}
}

// Close releases the prepared statements, after any table analysis in
// progress; the database stays open.
func (c *Catalog) Close() error {
	c.growth.wg.Wait()
	c.smu.Lock()
	defer c.smu.Unlock()
	for q, s := range c.stmts {
		s.Close()
		delete(c.stmts, q)
	}
	return nil
}

// wtx is a write transaction of the catalog.
type wtx struct {
	*Tx
	c *Catalog
	// inserted counts the rows inserted per table (PostgreSQL only).
	inserted map[string]int64
	// committed runs after the transaction commits.
	committed []func()
}

// onCommit runs f once the transaction has committed.
func (tx *wtx) onCommit(f func()) { tx.committed = append(tx.committed, f) }

// Bounds of the shorter statements kept prepared: each holds a compiled
// program of up to a few hundred kilobytes on every connection that ran
// it, and their texts vary with the data (a batch's search rows).
const (
	maxPartialStmts = 32
	maxSeenStmts    = 1024
)

// prepared returns the statement for query within the transaction,
// preparing it once per connection.
func (tx *wtx) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	return tx.prepare(ctx, query, true)
}

// chunkStmt returns the statement to run one chunk of a chunked write
// with: the prepared one when the chunk is full (full) or its text has
// come up before, else nil to run the text unprepared. Outside a write
// transaction it is always nil.
func chunkStmt(ctx context.Context, db queryer, query string, full bool) (*sql.Stmt, error) {
	tx, ok := db.(*wtx)
	if !ok {
		return nil, nil
	}
	return tx.prepare(ctx, query, full)
}

// prepare returns the prepared statement for query, preparing it when
// always is set or the text was met before and fewer than
// maxPartialStmts such statements are kept; otherwise nil.
func (tx *wtx) prepare(ctx context.Context, query string, always bool) (*sql.Stmt, error) {
	tx.c.smu.Lock()
	s, ok := tx.c.stmts[query]
	if !ok && !always {
		h := maphash.String(tx.c.seed, query)
		_, again := tx.c.seen[h]
		if !again || tx.c.partials >= maxPartialStmts {
			if !again {
				if len(tx.c.seen) >= maxSeenStmts {
					clear(tx.c.seen)
				}
				tx.c.seen[h] = struct{}{}
			}
			tx.c.smu.Unlock()
			return nil, nil
		}
		delete(tx.c.seen, h)
		tx.c.partials++
	}
	if !ok {
		var err error
		if s, err = tx.c.db.PrepareContext(ctx, query); err != nil {
			tx.c.smu.Unlock()
			return nil, err
		}
		tx.c.stmts[query] = s
	}
	tx.c.smu.Unlock()
	return tx.StmtContext(ctx, s), nil
}

// Statement sizes: a few hundred rows per statement is where multi-row
// statements stop getting faster, and both databases bound the number of
// parameters (SQLite 32766, PostgreSQL 65535).
const (
	maxRowsPerStatement   = 500
	maxParamsPerStatement = 30000
)

func (c *Catalog) write(ctx context.Context, fn func(tx *wtx) error) error {
	if c.db.Dialect == SQLite {
		c.wmu.Lock()
		defer c.wmu.Unlock()
	}
	for attempt := 0; ; attempt++ {
		var w *wtx
		err := c.db.WithTx(ctx, func(tx *Tx) error {
			w = &wtx{Tx: tx, c: c}
			return fn(w)
		})
		if err == nil {
			for _, f := range w.committed {
				f()
			}
			if len(w.inserted) > 0 {
				c.analyze(c.growth.note(w.inserted))
			}
		}
		if err == nil || attempt >= 8 || !retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(5+rand.IntN(20*(attempt+1))) * time.Millisecond):
		}
	}
}

// retryable reports a PostgreSQL deadlock or serialization failure: the
// transaction did nothing and can run again.
func retryable(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "40P01" || pg.Code == "40001")
}

func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// queryer is what both *sql.DB and *sql.Tx offer.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// dialectOf returns the dialect of a transaction or database; "" for a
// queryer of unknown dialect.
func dialectOf(q queryer) Dialect {
	switch x := q.(type) {
	case *wtx:
		return x.Dialect
	case *Tx:
		return x.Dialect
	case *DB:
		return x.Dialect
	}
	return ""
}

// isSQLite reports the dialect of a transaction or database.
func isSQLite(q queryer) bool { return dialectOf(q) == SQLite }

// isPostgres reports a PostgreSQL transaction or database; false for a
// queryer of unknown dialect.
func isPostgres(q queryer) bool { return dialectOf(q) == Postgres }

// bind prepares a statement for q's dialect. SQLite treats "$N" as a
// named parameter and resolves each by a linear search, which makes a
// statement with thousands of parameters cost quadratic time to prepare
// and to bind; there every "$N" becomes an anonymous "?" and the arguments
// are repeated and reordered to match. The statements here hold no '$' in
// string literals; quoted text is skipped anyway.
func bind(q queryer, query string, args []any) (string, []any) {
	if !isSQLite(q) || strings.IndexByte(query, '$') < 0 {
		return query, args
	}
	text, order := anonymous(query)
	return text, reorder(args, order)
}

// anonymous rewrites every "$N" of query as "?" and returns the 0-based
// argument number each "?" takes, -1 for a number out of range of any
// arguments (the driver then reports the mismatch).
func anonymous(query string) (string, []int) {
	var b strings.Builder
	b.Grow(len(query))
	var order []int
	for i := 0; i < len(query); i++ {
		ch := query[i]
		if ch == '\'' {
			j := strings.IndexByte(query[i+1:], '\'')
			if j < 0 {
				b.WriteString(query[i:])
				break
			}
			b.WriteString(query[i : i+j+2])
			i += j + 1
			continue
		}
		if ch != '$' || i+1 >= len(query) || query[i+1] < '0' || query[i+1] > '9' {
			b.WriteByte(ch)
			continue
		}
		n := 0
		for i+1 < len(query) && query[i+1] >= '0' && query[i+1] <= '9' {
			i++
			n = n*10 + int(query[i]-'0')
		}
		b.WriteByte('?')
		order = append(order, n-1)
	}
	return b.String(), order
}

// reorder returns the arguments in the order anonymous gave.
func reorder(args []any, order []int) []any {
	out := make([]any, len(order))
	for i, n := range order {
		if n >= 0 && n < len(args) {
			out[i] = args[n]
		}
	}
	return out
}

// placeholders writes "$from,$from+1,...".
func placeholders(b *strings.Builder, from, n int) {
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(from + i))
	}
}

// inList is a query with one "IN (...)" list, run in chunks: the text
// before and after the list, and fixed arguments that come first ($1..).
type inList struct {
	head, tail string
	fixed      []any
}

// text returns the statement's text for n keys, built once per shape.
func (q inList) text(sqlite bool, n int) stmtText {
	k := stmtShape{head: q.head, tail: q.tail, cols: "IN", fixed: len(q.fixed), rows: n, sqlite: sqlite}
	return cachedText(k, func() string { return q.sql(n) })
}

// args returns the chunk's arguments in the order t takes them.
func (t stmtText) args(args []any) []any {
	if t.order == nil || t.inOrder && len(args) == len(t.order) {
		return args
	}
	return reorder(args, t.order)
}

func (q inList) sql(n int) string {
	var b strings.Builder
	b.WriteString(q.head)
	b.WriteString(" (")
	placeholders(&b, len(q.fixed)+1, n)
	b.WriteString(")")
	b.WriteString(q.tail)
	return b.String()
}

// inArgs returns one chunk's arguments for an inList: its fixed ones,
// then the chunk's keys.
func inArgs[K any](fixed []any, keys []K) []any {
	args := make([]any, 0, len(fixed)+len(keys))
	args = append(args, fixed...)
	for _, k := range keys {
		args = append(args, k)
	}
	return args
}

func chunkSize(fixed, perRow int) int {
	n := (maxParamsPerStatement - fixed) / perRow
	if n > maxRowsPerStatement {
		n = maxRowsPerStatement
	}
	return n
}

// query runs the query for every chunk of keys, calling scan per row.
func queryIn[K any](ctx context.Context, db queryer, q inList, keys []K, scan func(*sql.Rows) error) error {
	size := chunkSize(len(q.fixed), 1)
	for start := 0; start < len(keys); start += size {
		end := min(start+size, len(keys))
		text := q.text(isSQLite(db), end-start)
		query, args := text.query, text.args(inArgs(q.fixed, keys[start:end]))
		stmt, err := chunkStmt(ctx, db, query, end-start == size)
		if err != nil {
			return err
		}
		var rows *sql.Rows
		if stmt != nil {
			rows, err = stmt.QueryContext(ctx, args...)
		} else {
			rows, err = db.QueryContext(ctx, query, args...)
		}
		if err != nil {
			return err
		}
		if err := scanRows(rows, scan); err != nil {
			return err
		}
	}
	return nil
}

// execIn runs the statement for every chunk of keys and returns the number
// of rows affected.
func execIn[K any](ctx context.Context, db queryer, q inList, keys []K) (int64, error) {
	size := chunkSize(len(q.fixed), 1)
	var total int64
	for start := 0; start < len(keys); start += size {
		end := min(start+size, len(keys))
		text := q.text(isSQLite(db), end-start)
		query, args := text.query, text.args(inArgs(q.fixed, keys[start:end]))
		stmt, err := chunkStmt(ctx, db, query, end-start == size)
		if err != nil {
			return total, err
		}
		n, err := runChunk(ctx, db, stmt, query, args, nil)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func queryRows(ctx context.Context, db queryer, query string, args []any, scan func(*sql.Rows) error) error {
	query, args = bind(db, query, args)
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	return scanRows(rows, scan)
}

// scanRows calls scan for each row and closes rows.
func scanRows(rows *sql.Rows, scan func(*sql.Rows) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// appendColumn returns a scan for single-column rows that appends each
// row's value to out.
func appendColumn[T any](out *[]T) func(*sql.Rows) error {
	return func(r *sql.Rows) error {
		var v T
		if err := r.Scan(&v); err != nil {
			return err
		}
		*out = append(*out, v)
		return nil
	}
}

// markColumn returns a scan for single-column rows that sets each row's
// value in set.
func markColumn[T comparable](set map[T]bool) func(*sql.Rows) error {
	return func(r *sql.Rows) error {
		var v T
		if err := r.Scan(&v); err != nil {
			return err
		}
		set[v] = true
		return nil
	}
}

// insertInto returns "INSERT INTO <table>" for rows that cannot violate a
// constraint (every column is set from a Go value, no unique key can
// clash). On SQLite it adds OR IGNORE: saying so spares the statement
// journal SQLite otherwise writes to undo a half-done multi-row insert
// inside a transaction, a tenth of the cost of inserting relation rows.
func insertInto(tx *wtx, table string) string {
	if tx.Dialect == SQLite {
		return "INSERT OR IGNORE INTO " + table
	}
	return "INSERT INTO " + table
}

// valuesStmt is a statement with one multi-row VALUES list, run in chunks:
// "<head> VALUES (..),(..) <tail>". Fixed arguments come first ($1..) and
// may be used by head, tail or the row template. cols are the per-row
// columns; a non-empty cast wraps the parameter in CAST(... AS <cast>),
// which PostgreSQL needs for a VALUES list outside an INSERT.
//
// On PostgreSQL a statement with arrays runs as "<head> SELECT u.*
// FROM unnest($k::t1[], ...) AS u(column1, ...) <tail>" instead, one
// array parameter per column: PostgreSQL parses and plans a VALUES list
// of thousands of parameters for about as long as it takes to write the
// rows, and a cold start writes a few hundred thousand (inserting the
// search rows of 10,000 entities took 1.9 s as VALUES, 1.1 s as arrays).
// The columns keep VALUES' names, so head and tail read the same either
// way.
type valuesStmt struct {
	head, tail string
	fixed      []any
	cols       []string // cast per column, "" for none
	// rowExtra is appended inside every row after the columns, e.g.
	// ", $1, $2" to repeat fixed arguments.
	rowExtra string
	// arrays are the PostgreSQL element types of the columns, such as
	// "bigint" or "text"; nil runs the VALUES form on PostgreSQL too.
	arrays []string
	// arrayExtra stands for rowExtra in the array form, with the fixed
	// arguments cast: outside a VALUES list of an INSERT nothing gives
	// them the columns' types.
	arrayExtra string
}

// arrayRows is how many rows one statement of the array form writes.
const arrayRows = 4096

// arraySQL is the array form of the statement: fixed arguments first,
// then one array per column.
func (s valuesStmt) arraySQL() string {
	var b strings.Builder
	b.WriteString(s.head)
	b.WriteString(" SELECT u.*")
	b.WriteString(s.arrayExtra)
	b.WriteString(" FROM unnest(")
	p := len(s.fixed) + 1
	for i, t := range s.arrays {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(p + i))
		b.WriteString("::")
		b.WriteString(t)
		b.WriteString("[]")
	}
	b.WriteString(") AS u(")
	for i := range s.arrays {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("column")
		b.WriteString(strconv.Itoa(i + 1))
	}
	b.WriteByte(')')
	b.WriteString(s.tail)
	return b.String()
}

// runArrays is run in the array form.
func (s valuesStmt) runArrays(ctx context.Context, db queryer, args []any, scan func(*sql.Rows) error) (int64, error) {
	n := len(s.cols)
	if len(s.arrays) != n || (s.rowExtra != "") != (s.arrayExtra != "") {
		return 0, fmt.Errorf("values statement: %d array types for %d columns, extra %q for %q", len(s.arrays), n, s.arrayExtra, s.rowExtra)
	}
	query := s.arraySQL()
	rows := len(args) / n
	var total int64
	for start := 0; start < rows; start += arrayRows {
		end := min(start+arrayRows, rows)
		params := make([]any, 0, len(s.fixed)+n)
		params = append(params, s.fixed...)
		for c := range n {
			col := make([]any, end-start)
			for r := start; r < end; r++ {
				col[r-start] = args[r*n+c]
			}
			params = append(params, col)
		}
		affected, err := runChunk(ctx, db, nil, query, params, scan)
		total += affected
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// stmtText is a chunk's statement text for a dialect and, on SQLite,
// the argument order bind would give it.
type stmtText struct {
	query string
	order []int
	// inOrder is set when order takes every argument once, in order: the
	// arguments then go as they are.
	inOrder bool
}

// stmtShape identifies a chunk's text: the statement and its row count.
type stmtShape struct {
	head, tail, rowExtra, cols string
	fixed, rows                int
	sqlite                     bool
}

// stmtTexts caches chunk texts: a 500-row statement's text costs as many
// small allocations to build and rewrite as it has placeholders, and the
// full-size chunks of a few statements make up most of a cold start's
// writes. Bounded, as shorter chunks come in every size.
var stmtTexts = struct {
	sync.Mutex
	m map[stmtShape]stmtText
}{m: map[stmtShape]stmtText{}}

const maxStmtTexts = 256

// text returns the statement's text for rows rows, built once per shape.
func (s valuesStmt) text(sqlite bool, rows int) stmtText {
	k := stmtShape{head: s.head, tail: s.tail, rowExtra: s.rowExtra, cols: strings.Join(s.cols, ","),
		fixed: len(s.fixed), rows: rows, sqlite: sqlite}
	return cachedText(k, func() string { return s.sql(rows) })
}

// cachedText returns the text of shape k, built by build the first time.
func cachedText(k stmtShape, build func() string) stmtText {
	stmtTexts.Lock()
	t, ok := stmtTexts.m[k]
	stmtTexts.Unlock()
	if ok {
		return t
	}
	t.query = build()
	if k.sqlite && strings.IndexByte(t.query, '$') >= 0 {
		t.query, t.order = anonymous(t.query)
		t.inOrder = true
		for i, n := range t.order {
			t.inOrder = t.inOrder && n == i
		}
	}
	stmtTexts.Lock()
	if len(stmtTexts.m) >= maxStmtTexts {
		clear(stmtTexts.m)
	}
	stmtTexts.m[k] = t
	stmtTexts.Unlock()
	return t
}

func (s valuesStmt) sql(rows int) string {
	var b strings.Builder
	b.Grow(len(s.head) + len(s.tail) + rows*len(s.cols)*8)
	b.WriteString(s.head)
	b.WriteString(" VALUES ")
	p := len(s.fixed) + 1
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for i, cast := range s.cols {
			if i > 0 {
				b.WriteByte(',')
			}
			if cast != "" {
				b.WriteString("CAST($")
				b.WriteString(strconv.Itoa(p))
				b.WriteString(" AS ")
				b.WriteString(cast)
				b.WriteByte(')')
			} else {
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(p))
			}
			p++
		}
		b.WriteString(s.rowExtra)
		b.WriteByte(')')
	}
	b.WriteString(s.tail)
	return b.String()
}

// run executes the statement over args (len(cols) values per row); scan,
// when non-nil, reads the rows a RETURNING clause gives back.
func (s valuesStmt) run(ctx context.Context, db queryer, args []any, scan func(*sql.Rows) error) (int64, error) {
	n := len(s.cols)
	if len(args)%n != 0 {
		return 0, fmt.Errorf("values statement: %d arguments for %d columns", len(args), n)
	}
	if tx, ok := db.(*wtx); ok && tx.Dialect == Postgres {
		tx.countInsert(s.head, len(args)/n)
	}
	if s.arrays != nil && isPostgres(db) {
		return s.runArrays(ctx, db, args, scan)
	}
	size := chunkSize(len(s.fixed), n)
	rows := len(args) / n
	var total int64
	for start := 0; start < rows; start += size {
		end := min(start+size, rows)
		chunk := make([]any, 0, len(s.fixed)+(end-start)*n)
		chunk = append(chunk, s.fixed...)
		chunk = append(chunk, args[start*n:end*n]...)
		text := s.text(isSQLite(db), end-start)
		query, chunk := text.query, text.args(chunk)
		stmt, err := chunkStmt(ctx, db, query, end-start == size)
		if err != nil {
			return total, err
		}
		affected, err := runChunk(ctx, db, stmt, query, chunk, scan)
		total += affected
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// runChunk runs one statement of a chunked write, prepared (stmt) or
// not, and returns the rows it affected; scan, when non-nil, reads the
// rows a RETURNING clause gives back instead.
func runChunk(ctx context.Context, db queryer, stmt *sql.Stmt, query string, args []any, scan func(*sql.Rows) error) (int64, error) {
	if scan != nil {
		var rows *sql.Rows
		var err error
		if stmt != nil {
			rows, err = stmt.QueryContext(ctx, args...)
		} else {
			rows, err = db.QueryContext(ctx, query, args...)
		}
		if err != nil {
			return 0, err
		}
		return 0, scanRows(rows, scan)
	}
	var res sql.Result
	var err error
	if stmt != nil {
		res, err = stmt.ExecContext(ctx, args...)
	} else {
		res, err = db.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// nullString maps "" to NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullBytes maps nil to NULL and anything else to text.
func nullBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// newTicket returns a random stitch ticket.
func newTicket() string { return strconv.FormatUint(rand.Uint64(), 36) }
