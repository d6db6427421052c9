package store

import (
	"container/list"
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// stmtCache keeps prepared statements by SQL text, least recently used
// first out. Query texts depend only on the shape of a request (values are
// parameters), so a small cache covers the hot shapes and parsing is paid
// once per shape rather than per request.
type stmtCache struct {
	db  *sql.DB
	max int

	mu     sync.Mutex
	order  *list.List // of *stmtEntry, most recent first
	byText map[string]*list.Element
}

type stmtEntry struct {
	text    string
	stmt    *sql.Stmt
	users   int  // callers between get and release
	evicted bool // out of the cache; closed by the last user
}

func newStmtCache(db *sql.DB, max int) *stmtCache {
	return &stmtCache{db: db, max: max, order: list.New(), byText: map[string]*list.Element{}}
}

// get returns the prepared statement for text and a release func the
// caller runs once it no longer uses the statement (for queries: after
// starting them; database/sql keeps a closed statement alive for the rows
// it already returned).
func (c *stmtCache) get(ctx context.Context, text string) (*sql.Stmt, func(), error) {
	if stmt, release, ok := c.cached(text); ok {
		return stmt, release, nil
	}

	// Prepare outside the lock; a concurrent prepare of the same text just
	// loses the race and is closed.
	stmt, err := c.db.PrepareContext(ctx, text)
	if err != nil {
		return nil, nil, fmt.Errorf("prepare catalog query: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byText[text]; ok {
		stmt.Close()
		c.order.MoveToFront(el)
		e := el.Value.(*stmtEntry)
		e.users++
		return e.stmt, func() { c.release(e) }, nil
	}
	e := &stmtEntry{text: text, stmt: stmt, users: 1}
	c.byText[text] = c.order.PushFront(e)
	for c.order.Len() > c.max {
		last := c.order.Back()
		old := last.Value.(*stmtEntry)
		c.order.Remove(last)
		delete(c.byText, old.text)
		old.evicted = true
		if old.users == 0 {
			old.stmt.Close()
		}
	}
	return stmt, func() { c.release(e) }, nil
}

// cached is get without preparing: it returns false when the cache does
// not hold text. A caller inside a transaction uses it, since preparing
// takes a connection of the pool and the transaction may hold the last
// one (an in-memory database has one).
func (c *stmtCache) cached(text string) (*sql.Stmt, func(), bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byText[text]
	if !ok {
		return nil, nil, false
	}
	c.order.MoveToFront(el)
	e := el.Value.(*stmtEntry)
	e.users++
	return e.stmt, func() { c.release(e) }, true
}

// prepare puts texts in the cache. A text that fails to prepare is left
// out; running it reports why.
func (c *stmtCache) prepare(ctx context.Context, texts []string) {
	for _, text := range texts {
		if _, release, err := c.get(ctx, text); err == nil {
			release()
		}
	}
}

func (c *stmtCache) release(e *stmtEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.users--
	if e.evicted && e.users == 0 {
		e.stmt.Close()
	}
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var first error
	for el := c.order.Front(); el != nil; el = el.Next() {
		e := el.Value.(*stmtEntry)
		e.evicted = true
		if e.users > 0 {
			continue // closed by its last user
		}
		if err := e.stmt.Close(); err != nil && first == nil {
			first = err
		}
	}
	c.order.Init()
	clear(c.byText)
	return first
}
