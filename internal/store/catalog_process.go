package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/callboard/callboard/internal/catalog"
)

// claimSQL moves due entities forward in the same statement that selects
// them, so two engines never claim the same entity: on PostgreSQL rows
// another claimer has locked are skipped; on SQLite the statement runs
// under the database's single write lock.
func (c *Catalog) claimSQL() string {
	if c.db.Dialect == Postgres {
		return `WITH c AS (
			SELECT id FROM refresh_schedule WHERE next_update_at <= $3 AND lease_until <= $3
			ORDER BY next_update_at LIMIT $4 FOR UPDATE SKIP LOCKED)
		UPDATE refresh_schedule AS s SET next_update_at = $1, lease_until = $2 FROM c WHERE s.id = c.id
		RETURNING s.id`
	}
	return `UPDATE refresh_schedule SET next_update_at = $1, lease_until = $2
		WHERE id IN (SELECT id FROM refresh_schedule WHERE next_update_at <= $3 AND lease_until <= $3
			ORDER BY next_update_at LIMIT $4)
		RETURNING id`
}

// ClaimProcessing claims due entities, then reads them and their parents.
// Only the claim takes the write lock: on SQLite the reads of a batch's
// entities and their parents took a twentieth of the single writer's time
// at a cold start, and they need no lock. The claimed entities are leased
// until their results are written, so no other claimer reads them
// meanwhile; an entity changed after the claim is read as changed and,
// being due again, processed once more after the write releases it.
func (c *Catalog) ClaimProcessing(ctx context.Context, cl catalog.ProcessingClaim) ([]catalog.ProcessingItem, error) {
	var ids []int64
	err := c.write(ctx, func(tx *wtx) error {
		ids = ids[:0]
		return queryRows(ctx, tx, c.claimSQL(),
			[]any{millis(cl.NextUpdateAt), millis(cl.LeaseUntil), millis(cl.Now), cl.Limit}, appendColumn(&ids))
	})
	if err != nil {
		return nil, fmt.Errorf("claim entities: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return c.claimedItems(ctx, ids)
}

// claimedItems reads claimed entities and their parents, outside any
// transaction. An entity deleted since its claim is left out.
func (c *Catalog) claimedItems(ctx context.Context, ids []int64) ([]catalog.ProcessingItem, error) {
	var items []catalog.ProcessingItem
	err := queryIn(ctx, c.db, inList{head: `SELECT id, entity_id, entity_ref, unprocessed_entity, result_hash, cache, location_key
		FROM refresh_state WHERE id IN`}, ids, func(r *sql.Rows) error {
		var it catalog.ProcessingItem
		var cache string
		var key sql.NullString
		if err := r.Scan(&it.ID, &it.UID, &it.Ref, &it.Unprocessed, &it.ResultHash, &cache, &key); err != nil {
			return err
		}
		if cache != "" {
			it.Cache = []byte(cache)
		}
		it.LocationKey = key.String
		items = append(items, it)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read claimed entities: %w", err)
	}
	refs := make([]string, len(items))
	index := make(map[string]int, len(items))
	for i, it := range items {
		refs[i] = it.Ref
		index[it.Ref] = i
	}
	err = queryIn(ctx, c.db, inList{head: `SELECT target_entity_ref, source_entity_ref FROM refresh_state_references
		WHERE source_entity_ref IS NOT NULL AND target_entity_ref IN`}, refs, func(r *sql.Rows) error {
		var target, source string
		if err := r.Scan(&target, &source); err != nil {
			return err
		}
		i := index[target]
		items[i].Parents = append(items[i].Parents, source)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read parents: %w", err)
	}
	for i := range items {
		sort.Strings(items[i].Parents)
	}
	return items, nil
}

// WriteProcessing writes a processed batch in one transaction: the
// processed entities, errors and caches; the emitted children under the
// location key rules; the entities' references to their children,
// relations and refresh keys, each replaced by a diff so unchanged rows are
// not rewritten; and the stitch queue entries for everything whose final
// form may have changed. Leases of unchanged entities are released only
// where a refresh made them due meanwhile.
func (c *Catalog) WriteProcessing(ctx context.Context, b *catalog.ProcessingBatch) (*catalog.ProcessingOutcome, error) {
	out := &catalog.ProcessingOutcome{}
	err := c.write(ctx, func(tx *wtx) error {
		*out = catalog.ProcessingOutcome{}
		w := processWriter{tx: tx, b: b, out: out, marks: map[string]bool{}}
		return w.run(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("write processing results: %w", err)
	}
	return out, nil
}

type processWriter struct {
	tx    *wtx
	b     *catalog.ProcessingBatch
	out   *catalog.ProcessingOutcome
	marks map[string]bool
	// own is set when only the batch's own entities need queueing for
	// stitching (ownMarks).
	own bool
	// ok are the rows whose output replaces the previous output.
	ok []*catalog.ProcessedRow
}

func (w *processWriter) run(ctx context.Context) error {
	rows, err := w.alive(ctx)
	if err != nil {
		return err
	}
	if w.own, err = w.ownMarks(ctx); err != nil {
		return err
	}
	for i := range rows {
		r := &rows[i]
		if r.Changed {
			w.marks[r.Ref] = true
			if r.OK {
				w.ok = append(w.ok, r)
			}
		}
	}
	if err := w.updateRows(ctx); err != nil {
		return err
	}
	accepted, err := w.writeChildren(ctx)
	if err != nil {
		return err
	}
	if err := w.syncReferences(ctx, accepted); err != nil {
		return err
	}
	if err := w.syncRelations(ctx); err != nil {
		return err
	}
	if err := w.syncRefreshKeys(ctx); err != nil {
		return err
	}
	// Release every claimed entity, so one that a refresh made due while
	// it was processed is claimed again. The rows are narrow; and on
	// PostgreSQL a refresh running now waits for this transaction, so it
	// cannot slip in between.
	ids := append([]int64(nil), w.b.Unchanged...)
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	if _, err := execIn(ctx, w.tx, inList{head: `UPDATE refresh_schedule SET lease_until = 0 WHERE id IN`}, ids); err != nil {
		return fmt.Errorf("release leases: %w", err)
	}
	marks, err := w.stitchable(ctx)
	if err != nil {
		return err
	}
	w.out.Marked = len(marks)
	return markForStitching(ctx, w.tx, marks, w.b.StitchAt)
}

// ownMarks reports whether the batch need queue only its own entities:
// the engine has claimed no stitching since the load began
// (ProcessingBatch.OwnMarks) and no entity was ever stitched, so every
// processed entity is in the stitch queue, unclaimed, and will read every
// relation when it is stitched. A source not processed yet is queued by
// its own processing. Only SQLite's serialized writers make the engine's
// answer hold until this transaction commits; the engine sets it before
// its first stitch claim takes the write lock.
func (w *processWriter) ownMarks(ctx context.Context) (bool, error) {
	if w.tx.Dialect != SQLite || w.b.OwnMarks == nil || !w.b.OwnMarks() {
		return false, nil
	}
	var one int
	err := w.tx.QueryRowContext(ctx, `SELECT 1 FROM final_entities LIMIT 1`).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("look for stitched entities: %w", err)
	}
	return false, nil
}

// stitchable narrows the marks to entities that have been processed: one
// not processed yet is stitched after its own processing, which reads
// every relation then. On a cold start that saves queueing most relation
// targets again and again. Only SQLite can afford the check: its writers
// are serialized, so an entity this transaction sees unprocessed cannot be
// stitched before this transaction commits. On PostgreSQL a concurrent
// engine might, so everything is marked.
func (w *processWriter) stitchable(ctx context.Context) ([]string, error) {
	if w.tx.Dialect != SQLite || len(w.marks) == 0 {
		return setKeys(w.marks), nil
	}
	out := make([]string, 0, len(w.marks))
	if w.own {
		// The batch's successful entities were processed just now.
		for _, r := range w.ok {
			if w.marks[r.Ref] {
				out = append(out, r.Ref)
				delete(w.marks, r.Ref)
			}
		}
	}
	marks := setKeys(w.marks)
	err := queryIn(ctx, w.tx, inList{head: `SELECT entity_ref FROM refresh_state WHERE processed_entity IS NOT NULL AND entity_ref IN`}, marks,
		appendColumn(&out))
	if err != nil {
		return nil, fmt.Errorf("read entities to stitch: %w", err)
	}
	return out, nil
}

// alive returns the batch's rows whose entities still exist, sorted by
// id. An entity deleted while it was processed (its location removed, say)
// must not get its output written: its children would hang off a parent
// that is gone. On PostgreSQL the rows are locked, so a deletion waits for
// this transaction or wins before it.
func (w *processWriter) alive(ctx context.Context) ([]catalog.ProcessedRow, error) {
	rows := w.b.Rows
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	q := inList{head: `SELECT id FROM refresh_state WHERE id IN`}
	if w.tx.Dialect == Postgres {
		q.tail = ` ORDER BY id FOR UPDATE`
	}
	exists := make(map[int64]bool, len(ids))
	err := queryIn(ctx, w.tx, q, ids, markColumn(exists))
	if err != nil {
		return nil, fmt.Errorf("lock processed entities: %w", err)
	}
	kept := rows[:0]
	for _, r := range rows {
		if exists[r.ID] {
			kept = append(kept, r)
		}
	}
	w.b.Rows = kept
	return kept, nil
}

func (w *processWriter) updateRows(ctx context.Context) error {
	if len(w.b.Rows) == 0 {
		return nil
	}
	args := make([]any, 0, len(w.b.Rows)*5)
	for _, r := range w.b.Rows {
		var processed, hash, errs any
		if r.Changed {
			hash, errs = r.ResultHash, r.Errors
			if r.OK {
				processed = r.Processed
			}
		}
		args = append(args, r.ID, processed, hash, errs, nullBytes(r.Cache))
	}
	if w.tx.Dialect == SQLite {
		return w.updateRowsOneByOne(ctx, args)
	}
	s := valuesStmt{
		head: `UPDATE refresh_state AS r SET processed_entity = COALESCE(v.column2, r.processed_entity),
			result_hash = COALESCE(v.column3, r.result_hash), errors = COALESCE(v.column4, r.errors),
			cache = COALESCE(v.column5, r.cache)
			FROM (`,
		tail:   `) AS v WHERE r.id = v.column1`,
		cols:   []string{"BIGINT", "TEXT", "TEXT", "TEXT", "TEXT"},
		arrays: []string{"bigint", "text", "text", "text", "text"},
	}
	if _, err := s.run(ctx, w.tx, args, nil); err != nil {
		return fmt.Errorf("update processed entities: %w", err)
	}
	return nil
}

// updateRowsOneByOne is updateRows for SQLite, whose planner scans the
// whole table for UPDATE … FROM (VALUES …): at 100,000 entities a batch of
// 500 took a quarter of a second that way and a few milliseconds as 500
// executions of one prepared statement, each a seek by id.
func (w *processWriter) updateRowsOneByOne(ctx context.Context, args []any) error {
	stmt, err := w.tx.prepared(ctx, `UPDATE refresh_state SET processed_entity = COALESCE($2, processed_entity),
		result_hash = COALESCE($3, result_hash), errors = COALESCE($4, errors), cache = COALESCE($5, cache)
		WHERE id = $1`)
	if err != nil {
		return fmt.Errorf("update processed entities: %w", err)
	}
	for i := 0; i < len(args); i += 5 {
		if _, err := stmt.ExecContext(ctx, args[i:i+5]...); err != nil {
			return fmt.Errorf("update processed entities: %w", err)
		}
	}
	return nil
}

// writeChildren upserts the emitted children of the successful rows and
// returns, per parent ref, the children it now holds. A child emitted by
// several rows is written as the first emitted it. The children are
// indexed rather than copied: a Location of a large organisation emits
// 100,000 of them.
func (w *processWriter) writeChildren(ctx context.Context) (map[string][]string, error) {
	type emitted struct {
		ref      string
		row, idx int // w.ok[row].Children[idx]
	}
	n := 0
	for _, r := range w.ok {
		n += len(r.Children)
	}
	accepted := map[string][]string{}
	if n == 0 {
		return accepted, nil
	}
	all := make([]emitted, 0, n)
	for ri, r := range w.ok {
		for ci := range r.Children {
			all = append(all, emitted{r.Children[ci].Ref, ri, ci})
		}
	}
	// Stable: the first row to emit a ref comes first among its equals.
	slices.SortStableFunc(all, func(a, b emitted) int { return strings.Compare(a.ref, b.ref) })
	refs := make([]string, 0, len(all))
	for i, e := range all {
		if i == 0 || e.ref != all[i-1].ref {
			refs = append(refs, e.ref)
		}
	}
	states, err := readStates(ctx, w.tx, refs)
	if err != nil {
		return nil, err
	}
	u := upsertWriter{now: w.b.Now}
	var add, update []catalog.UnprocessedEntity
	for i, e := range all {
		if i > 0 && e.ref == all[i-1].ref {
			continue
		}
		c := &w.ok[e.row].Children[e.idx]
		st, ok := states[e.ref]
		switch {
		case !ok:
			add = append(add, *c)
			if len(add) == insertChunk {
				if err := u.insert(ctx, w.tx, add); err != nil {
					return nil, err
				}
				add = add[:0]
			}
		case st.hash == c.Hash && st.key == c.LocationKey:
			// Unchanged input costs no write.
			update = append(update, catalog.UnprocessedEntity{Ref: e.ref, LocationKey: c.LocationKey})
		default:
			update = append(update, *c)
		}
	}
	if err := u.insert(ctx, w.tx, add); err != nil {
		return nil, err
	}
	if err := u.update(ctx, w.tx, append(update, u.retry...)); err != nil {
		return nil, err
	}
	w.out.Scheduled = len(u.inserted) + u.updated
	w.out.Conflicts = append(w.out.Conflicts, u.conflicts...)
	for _, ref := range u.accepted {
		i, _ := slices.BinarySearchFunc(all, ref, func(e emitted, ref string) int { return strings.Compare(e.ref, ref) })
		for ; i < len(all) && all[i].ref == ref; i++ {
			p := w.ok[all[i].row].Ref
			accepted[p] = append(accepted[p], ref)
		}
	}
	return accepted, nil
}

// syncReferences makes each successful row's references to its children
// match what it emitted this time.
func (w *processWriter) syncReferences(ctx context.Context, accepted map[string][]string) error {
	if len(w.ok) == 0 {
		return nil
	}
	sources := make([]string, len(w.ok))
	for i, r := range w.ok {
		sources[i] = r.Ref
	}
	type edge struct{ source, target string }
	old := map[edge]int64{}
	err := queryIn(ctx, w.tx, inList{head: `SELECT id, source_entity_ref, target_entity_ref FROM refresh_state_references WHERE source_entity_ref IN`}, sources,
		func(r *sql.Rows) error {
			var id int64
			var e edge
			if err := r.Scan(&id, &e.source, &e.target); err != nil {
				return err
			}
			old[e] = id
			return nil
		})
	if err != nil {
		return fmt.Errorf("read references: %w", err)
	}
	var args []any
	var gained []string
	for _, src := range sources {
		for _, target := range accepted[src] {
			e := edge{src, target}
			if _, ok := old[e]; ok {
				delete(old, e)
				continue
			}
			args = append(args, src, target)
			gained = append(gained, target)
		}
	}
	var dropped []int64
	for e, id := range old {
		dropped = append(dropped, id)
		// The child may be an orphan now.
		w.marks[e.target] = true
	}
	if len(dropped) > 0 {
		sort.Slice(dropped, func(i, j int) bool { return dropped[i] < dropped[j] })
		if _, err := execIn(ctx, w.tx, inList{head: `DELETE FROM refresh_state_references WHERE id IN`}, dropped); err != nil {
			return fmt.Errorf("delete references: %w", err)
		}
	}
	if len(args) > 0 {
		s := valuesStmt{head: insertInto(w.tx, `refresh_state_references (source_entity_ref, target_entity_ref)`), cols: make([]string, 2),
			arrays: []string{"text", "text"}}
		if _, err := s.run(ctx, w.tx, args, nil); err != nil {
			return fmt.Errorf("insert references: %w", err)
		}
		// A child that existed before may have been an orphan. New children
		// are stitched after their own processing anyway, and one not
		// processed yet is skipped cheaply.
		sort.Strings(gained)
		err := queryIn(ctx, w.tx, inList{head: `SELECT entity_ref FROM refresh_state WHERE processed_entity IS NOT NULL AND entity_ref IN`}, gained,
			markColumn(w.marks))
		if err != nil {
			return fmt.Errorf("read children: %w", err)
		}
	}
	return nil
}

// syncRelations makes the relations each successful row originated match
// this run's, and marks the sources of every relation added or removed.
func (w *processWriter) syncRelations(ctx context.Context) error {
	if len(w.ok) == 0 {
		return nil
	}
	ids := make([]int64, len(w.ok))
	for i, r := range w.ok {
		ids[i] = r.ID
	}
	type rel struct {
		origin int64
		catalog.RelationRow
	}
	old := map[rel]int64{}
	err := queryIn(ctx, w.tx, inList{head: `SELECT id, originating_id, source_entity_ref, type, target_entity_ref FROM relations WHERE originating_id IN`}, ids,
		func(r *sql.Rows) error {
			var id int64
			var x rel
			if err := r.Scan(&id, &x.origin, &x.Source, &x.Type, &x.Target); err != nil {
				return err
			}
			old[x] = id
			return nil
		})
	if err != nil {
		return fmt.Errorf("read relations: %w", err)
	}
	var added []rel
	seen := map[rel]bool{}
	for _, r := range w.ok {
		for _, x := range r.Relations {
			k := rel{r.ID, x}
			if seen[k] {
				continue
			}
			seen[k] = true
			if _, ok := old[k]; ok {
				delete(old, k)
				continue
			}
			added = append(added, k)
			if !w.own {
				w.marks[x.Source] = true
			}
		}
	}
	// In source order the source index's pages a batch touches stay hot,
	// as with search rows.
	sort.Slice(added, func(i, j int) bool {
		a, b := added[i], added[j]
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		if a.Target != b.Target {
			return a.Target < b.Target
		}
		return a.origin < b.origin
	})
	args := make([]any, 0, len(added)*4)
	for _, k := range added {
		args = append(args, k.origin, k.Source, k.Type, k.Target)
	}
	var dropped []int64
	for k, id := range old {
		dropped = append(dropped, id)
		if !w.own {
			w.marks[k.Source] = true
		}
	}
	if len(dropped) > 0 {
		sort.Slice(dropped, func(i, j int) bool { return dropped[i] < dropped[j] })
		if _, err := execIn(ctx, w.tx, inList{head: `DELETE FROM relations WHERE id IN`}, dropped); err != nil {
			return fmt.Errorf("delete relations: %w", err)
		}
	}
	if len(args) > 0 {
		s := valuesStmt{head: insertInto(w.tx, `relations (originating_id, source_entity_ref, type, target_entity_ref)`), cols: make([]string, 4),
			arrays: []string{"bigint", "text", "text", "text"}}
		if _, err := s.run(ctx, w.tx, args, nil); err != nil {
			return fmt.Errorf("insert relations: %w", err)
		}
	}
	return nil
}

// syncRefreshKeys rewrites the refresh keys of rows whose set changed.
func (w *processWriter) syncRefreshKeys(ctx context.Context) error {
	if len(w.ok) == 0 {
		return nil
	}
	ids := make([]int64, len(w.ok))
	for i, r := range w.ok {
		ids[i] = r.ID
	}
	old := map[int64][]string{}
	err := queryIn(ctx, w.tx, inList{head: `SELECT entity_id, key FROM refresh_keys WHERE entity_id IN`}, ids,
		func(r *sql.Rows) error {
			var id int64
			var key string
			if err := r.Scan(&id, &key); err != nil {
				return err
			}
			old[id] = append(old[id], key)
			return nil
		})
	if err != nil {
		return fmt.Errorf("read refresh keys: %w", err)
	}
	var changed []int64
	var args []any
	for _, r := range w.ok {
		keys := distinctSorted(r.RefreshKeys)
		prev := distinctSorted(old[r.ID])
		if strings.Join(keys, "\x00") == strings.Join(prev, "\x00") {
			continue
		}
		changed = append(changed, r.ID)
		for _, k := range keys {
			args = append(args, r.ID, k)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	if _, err := execIn(ctx, w.tx, inList{head: `DELETE FROM refresh_keys WHERE entity_id IN`}, changed); err != nil {
		return fmt.Errorf("delete refresh keys: %w", err)
	}
	if len(args) > 0 {
		s := valuesStmt{head: insertInto(w.tx, `refresh_keys (entity_id, key)`), cols: make([]string, 2), arrays: []string{"bigint", "text"}}
		if _, err := s.run(ctx, w.tx, args, nil); err != nil {
			return fmt.Errorf("insert refresh keys: %w", err)
		}
	}
	return nil
}

func distinctSorted(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := append([]string(nil), in...)
	sort.Strings(out)
	n := 1
	for i := 1; i < len(out); i++ {
		if out[i] != out[n-1] {
			out[n] = out[i]
			n++
		}
	}
	return out[:n]
}

// ScheduleRefreshKeys makes the entities registered for any of keys due.
func (c *Catalog) ScheduleRefreshKeys(ctx context.Context, keys []string, now time.Time) (int, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	var n int64
	err := c.write(ctx, func(tx *wtx) error {
		var err error
		n, err = execIn(ctx, tx, inList{
			head:  `UPDATE refresh_schedule SET next_update_at = $1 WHERE id IN (SELECT entity_id FROM refresh_keys WHERE key IN`,
			tail:  `)`,
			fixed: []any{millis(now)},
		}, keys)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("schedule refresh keys: %w", err)
	}
	return int(n), nil
}

// maxAncestorDepth bounds the walk up the parent chain.
const maxAncestorDepth = 100

// ScheduleRefresh makes an entity due now, together with every Location
// entity on its chain of parents, so that the files it comes from are read
// again.
func (c *Catalog) ScheduleRefresh(ctx context.Context, ref string, now time.Time) (bool, error) {
	found := false
	err := c.write(ctx, func(tx *wtx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM refresh_state WHERE entity_ref = $1`, ref).Scan(&one)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		refs := []string{ref}
		seen := map[string]bool{ref: true}
		cur := ref
		for depth := 0; depth < maxAncestorDepth; depth++ {
			var parent string
			err := tx.QueryRowContext(ctx, `SELECT source_entity_ref FROM refresh_state_references
				WHERE target_entity_ref = $1 AND source_entity_ref IS NOT NULL ORDER BY id LIMIT 1`, cur).Scan(&parent)
			if err == sql.ErrNoRows || seen[parent] {
				break
			}
			if err != nil {
				return err
			}
			seen[parent] = true
			if strings.HasPrefix(parent, "location:") {
				refs = append(refs, parent)
			}
			cur = parent
		}
		_, err = execIn(ctx, tx, inList{
			head:  `UPDATE refresh_schedule SET next_update_at = $1 WHERE id IN (SELECT id FROM refresh_state WHERE entity_ref IN`,
			tail:  `)`,
			fixed: []any{millis(now)},
		}, refs)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("schedule refresh of %s: %w", ref, err)
	}
	return found, nil
}

// ProcessingDue reports whether an entity is due for processing.
func (c *Catalog) ProcessingDue(ctx context.Context, now time.Time) (bool, error) {
	var one int
	err := c.db.QueryRowContext(ctx, `SELECT 1 FROM refresh_schedule WHERE next_update_at <= $1 LIMIT 1`, millis(now)).Scan(&one)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	}
	return false, fmt.Errorf("check processing queue: %w", err)
}

// PendingWork reports whether an entity is due for processing (when
// processing is set) or anything is queued for stitching.
func (c *Catalog) PendingWork(ctx context.Context, now time.Time, processing bool) (bool, error) {
	if processing {
		if due, err := c.ProcessingDue(ctx, now); err != nil || due {
			return due, err
		}
	}
	var one int
	err := c.db.QueryRowContext(ctx, `SELECT 1 FROM stitch_queue LIMIT 1`).Scan(&one)
	if err == nil {
		return true, nil
	}
	if err != sql.ErrNoRows {
		return false, fmt.Errorf("check stitch queue: %w", err)
	}
	return false, nil
}
