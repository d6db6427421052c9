package store

import (
	"context"
	"strings"
	"sync"
	"time"
)

// Table statistics during large writes on PostgreSQL.
//
// A catalog written into an empty PostgreSQL database has no statistics
// until autovacuum gets to it (a minute later at the default naptime),
// and without them the planner takes every table to be tiny: stitching
// read the relations of 250 entities with a sequential scan of all of
// them (15-50 ms a batch, 0.9 s of a 10,000-entity cold start) instead
// of their index. The catalog therefore counts the rows its writes insert
// per table and analyzes a table in the background each time the rows
// inserted since its last analysis reach analyzeMin and the table's
// rows as of then, so a growing table is analyzed about log2(rows) times.
//
// Only the tables that writes look rows up in by a list of keys are
// analyzed: the search table, ten times the size, cost 0.3 s per analysis
// and is only appended to while it grows, as the final entities and the
// history are.
const analyzeMin = 1000

// analyzedTables are the tables whose growth is followed.
var analyzedTables = map[string]bool{"relations": true, "refresh_state": true, "refresh_state_references": true}

// growth is the rows inserted per table since each table's last analysis.
type growth struct {
	mu        sync.Mutex
	inserted  map[string]int64 // since the last analysis
	size      map[string]int64 // rows inserted by this process until the last analysis
	analyzing map[string]bool
	wg        sync.WaitGroup
}

// insertedInto returns the table an INSERT statement's head writes to,
// or "".
func insertedInto(head string) string {
	rest, ok := strings.CutPrefix(head, "INSERT INTO ")
	if !ok {
		return ""
	}
	table, _, _ := strings.Cut(rest, " ")
	return table
}

// countInsert counts rows written by a statement starting with head
// into the table it inserts into, if it is one whose growth is followed.
func (tx *wtx) countInsert(head string, rows int) {
	table := insertedInto(head)
	if !analyzedTables[table] {
		return
	}
	if tx.inserted == nil {
		tx.inserted = map[string]int64{}
	}
	tx.inserted[table] += int64(rows)
}

// note records rows inserted into tables by a committed transaction and
// returns the tables due for analysis, marked as being analyzed.
func (g *growth) note(rows map[string]int64) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.inserted == nil {
		g.inserted, g.size, g.analyzing = map[string]int64{}, map[string]int64{}, map[string]bool{}
	}
	var due []string
	for table, n := range rows {
		if !analyzedTables[table] {
			continue
		}
		g.inserted[table] += n
		if g.analyzing[table] || g.inserted[table] < max(analyzeMin, g.size[table]) {
			continue
		}
		g.size[table] += g.inserted[table]
		g.inserted[table] = 0
		g.analyzing[table] = true
		due = append(due, table)
	}
	return due
}

// analyze runs ANALYZE on tables in the background.
func (c *Catalog) analyze(tables []string) {
	for _, table := range tables {
		c.growth.wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			// A failed analysis leaves the statistics as they were: plans
			// stay as good or as bad as before, and the next growth retries.
			_, _ = c.db.ExecContext(ctx, "ANALYZE "+table)
			c.growth.mu.Lock()
			c.growth.analyzing[table] = false
			c.growth.mu.Unlock()
		})
	}
}
