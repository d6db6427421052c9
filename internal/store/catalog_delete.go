package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"
)

// History sources of deletions that no location or provider asked for.
const (
	sourceOrphanCleanup = "orphan-cleanup"
	sourceAPI           = "api"
)

const historyDeleted = "deleted"

var deletedDiff = `[{"op":"remove","path":""}]`

// deleteEntities deletes the entities with the given refs and everything
// that hangs off them (final entity, search rows, relations they
// originated, refresh keys, references in both directions, queued
// stitches), records a "deleted" history entry for each entity that had a
// final form, and marks for stitching the relation peers and children that
// lose something by it.
func deleteEntities(ctx context.Context, tx *wtx, refs []string, source string, now time.Time) (int, error) {
	if len(refs) == 0 {
		return 0, nil
	}
	type row struct {
		id       int64
		uid, ref string
	}
	var rows []row
	// On PostgreSQL the rows are locked first: a stitch or processing
	// write of one of them holds the same lock, so it either lands before
	// this deletion (and is deleted with it) or finds the entity gone.
	q := inList{head: `SELECT id, entity_id, entity_ref FROM refresh_state WHERE entity_ref IN`}
	if tx.Dialect == Postgres {
		sorted := append([]string(nil), refs...)
		sort.Strings(sorted)
		refs = sorted
		q.tail = ` ORDER BY entity_ref FOR UPDATE`
	}
	err := queryIn(ctx, tx, q, refs,
		func(r *sql.Rows) error {
			var x row
			if err := r.Scan(&x.id, &x.uid, &x.ref); err != nil {
				return err
			}
			rows = append(rows, x)
			return nil
		})
	if err != nil {
		return 0, fmt.Errorf("read entities to delete: %w", err)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	if err := tx.c.searchByID(ctx, tx); err != nil {
		return 0, err
	}
	ids := make([]int64, len(rows))
	deleted := make(map[string]bool, len(rows))
	existing := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.id
		deleted[r.ref] = true
		existing[i] = r.ref
	}

	marks := map[string]bool{}
	collect := func(r *sql.Rows) error {
		var ref string
		if err := r.Scan(&ref); err != nil {
			return err
		}
		if !deleted[ref] {
			marks[ref] = true
		}
		return nil
	}
	// Peers whose final entities carry relations these entities
	// originated, and children that lose a parent (they may be orphans now).
	if err := queryIn(ctx, tx, inList{head: `SELECT DISTINCT source_entity_ref FROM relations WHERE originating_id IN`}, ids, collect); err != nil {
		return 0, fmt.Errorf("read relation peers: %w", err)
	}
	if err := queryIn(ctx, tx, inList{head: `SELECT DISTINCT target_entity_ref FROM refresh_state_references WHERE source_entity_ref IN`}, existing, collect); err != nil {
		return 0, fmt.Errorf("read children: %w", err)
	}

	var history []any
	err = queryIn(ctx, tx, inList{head: `SELECT entity_ref, entity_id, etag FROM final_entities WHERE id IN`}, ids,
		func(r *sql.Rows) error {
			var ref, uid, etag string
			if err := r.Scan(&ref, &uid, &etag); err != nil {
				return err
			}
			history = append(history, ref, uid, millis(now), source, historyDeleted, etag, "", deletedDiff)
			return nil
		})
	if err != nil {
		return 0, fmt.Errorf("read final entities to delete: %w", err)
	}

	if err := keepCreationDiffs(ctx, tx, existing); err != nil {
		return 0, err
	}
	byID := []string{
		`DELETE FROM refresh_state WHERE id IN`,
		`DELETE FROM refresh_schedule WHERE id IN`,
		`DELETE FROM final_entities WHERE id IN`,
		`DELETE FROM search WHERE id IN`,
		`DELETE FROM relations WHERE originating_id IN`,
		`DELETE FROM refresh_keys WHERE entity_id IN`,
	}
	for _, q := range byID {
		if _, err := execIn(ctx, tx, inList{head: q}, ids); err != nil {
			return 0, fmt.Errorf("delete entities: %w", err)
		}
	}
	byRef := []string{
		`DELETE FROM refresh_state_references WHERE source_entity_ref IN`,
		`DELETE FROM refresh_state_references WHERE target_entity_ref IN`,
		`DELETE FROM stitch_queue WHERE entity_ref IN`,
	}
	for _, q := range byRef {
		if _, err := execIn(ctx, tx, inList{head: q}, existing); err != nil {
			return 0, fmt.Errorf("delete entities: %w", err)
		}
	}
	if len(history) > 0 {
		if err := insertHistory(ctx, tx, history); err != nil {
			return 0, err
		}
		if err := bumpGeneration(ctx, tx); err != nil {
			return 0, err
		}
	}
	if err := markForStitching(ctx, tx, setKeys(marks), now); err != nil {
		return 0, err
	}
	return len(rows), nil
}

// createdDiffSQL is, in SQL, the diff of a creation: one JSON Patch
// operation adding the final entity f whole.
const createdDiffSQL = `'[{"op":"add","path":"","value":' || f.final_entity || '}]'`

// keepCreationDiffs writes out the diffs of the creations of refs that
// are still stored empty. Stitching stores a creation without its diff,
// which is the final entity as long as that stays as created
// (catalog.HistoryRow), so a write that changes or deletes final entities
// calls this first.
func keepCreationDiffs(ctx context.Context, tx *wtx, refs []string) error {
	q := inList{head: `UPDATE entity_history SET diff = ` + createdDiffSQL + ` FROM final_entities f
		WHERE f.entity_ref = entity_history.entity_ref AND entity_history.diff = '' AND entity_history.change = 'created'
		AND entity_history.entity_ref IN`}
	if _, err := execIn(ctx, tx, q, refs); err != nil {
		return fmt.Errorf("keep creation diffs: %w", err)
	}
	return nil
}

// insertHistory writes history rows given as 8 values each.
func insertHistory(ctx context.Context, tx *wtx, args []any) error {
	s := valuesStmt{
		head:   insertInto(tx, `entity_history (entity_ref, entity_uid, changed_at, source, change, previous_etag, new_etag, diff)`),
		cols:   make([]string, 8),
		arrays: []string{"text", "text", "bigint", "text", "text", "text", "text", "text"},
	}
	if _, err := s.run(ctx, tx, args, nil); err != nil {
		return fmt.Errorf("insert history: %w", err)
	}
	return nil
}

func bumpGeneration(ctx context.Context, tx *wtx) error {
	if _, err := tx.ExecContext(ctx, `UPDATE catalog_state SET generation = generation + 1 WHERE id = 1`); err != nil {
		return fmt.Errorf("bump catalog generation: %w", err)
	}
	return nil
}

// markForStitching queues refs for stitching at now. An entry already
// queued gets a new ticket, so a stitch in progress does not overwrite the
// newer state, and keeps the earlier of the two due times.
func markForStitching(ctx context.Context, tx *wtx, refs []string, at time.Time) error {
	if len(refs) == 0 {
		return nil
	}
	sort.Strings(refs) // a fixed lock order keeps concurrent PostgreSQL writers from deadlocking
	s := valuesStmt{
		head: `INSERT INTO stitch_queue (entity_ref, ticket, next_stitch_at)`,
		tail: ` ON CONFLICT (entity_ref) DO UPDATE SET ticket = excluded.ticket,
			next_stitch_at = CASE WHEN stitch_queue.next_stitch_at < excluded.next_stitch_at
				THEN stitch_queue.next_stitch_at ELSE excluded.next_stitch_at END`,
		fixed:      []any{newTicket(), millis(at)},
		cols:       []string{""},
		rowExtra:   ", $1, $2",
		arrays:     []string{"text"},
		arrayExtra: ", $1::text, $2::bigint",
	}
	args := make([]any, len(refs))
	for i, r := range refs {
		args[i] = r
	}
	if _, err := s.run(ctx, tx, args, nil); err != nil {
		return fmt.Errorf("mark for stitching: %w", err)
	}
	return nil
}

func setKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// pruneFromSource removes the references a provider holds on refs and
// deletes those entities together with their descendants, except what is
// still kept alive from elsewhere: by another provider, or by an entity
// outside the removed subtrees (and then also that entity's descendants).
func pruneFromSource(ctx context.Context, tx *wtx, sourceKey string, refs []string, now time.Time) (int, error) {
	var roots []string
	var edgeIDs []int64
	err := queryIn(ctx, tx, inList{head: `SELECT id, target_entity_ref FROM refresh_state_references WHERE source_key = $1 AND target_entity_ref IN`, fixed: []any{sourceKey}}, refs,
		func(r *sql.Rows) error {
			var id int64
			var ref string
			if err := r.Scan(&id, &ref); err != nil {
				return err
			}
			edgeIDs = append(edgeIDs, id)
			roots = append(roots, ref)
			return nil
		})
	if err != nil {
		return 0, fmt.Errorf("read provider references: %w", err)
	}
	if len(roots) == 0 {
		return 0, nil
	}
	if _, err := execIn(ctx, tx, inList{head: `DELETE FROM refresh_state_references WHERE id IN`}, edgeIDs); err != nil {
		return 0, fmt.Errorf("delete provider references: %w", err)
	}

	// The subtrees below the roots, and the edges inside them.
	inTree := map[string]bool{}
	children := map[string][]string{}
	level := roots
	for _, r := range roots {
		inTree[r] = true
	}
	for len(level) > 0 {
		// On PostgreSQL, lock the level first: a processing write of one of
		// these entities holds the same lock, so its children are either
		// visible below or never written.
		if err := lockEntities(ctx, tx, level); err != nil {
			return 0, err
		}
		var next []string
		err := queryIn(ctx, tx, inList{head: `SELECT source_entity_ref, target_entity_ref FROM refresh_state_references WHERE source_entity_ref IN`}, level,
			func(r *sql.Rows) error {
				var src, dst string
				if err := r.Scan(&src, &dst); err != nil {
					return err
				}
				children[src] = append(children[src], dst)
				if !inTree[dst] {
					inTree[dst] = true
					next = append(next, dst)
				}
				return nil
			})
		if err != nil {
			return 0, fmt.Errorf("read descendants: %w", err)
		}
		level = next
	}

	// Anchors: tree members referenced by a provider or by an entity
	// outside the tree.
	tree := setKeys(inTree)
	kept := map[string]bool{}
	var queue []string
	err = queryIn(ctx, tx, inList{head: `SELECT source_key, source_entity_ref, target_entity_ref FROM refresh_state_references WHERE target_entity_ref IN`}, tree,
		func(r *sql.Rows) error {
			var key, src sql.NullString
			var dst string
			if err := r.Scan(&key, &src, &dst); err != nil {
				return err
			}
			if (key.Valid || !inTree[src.String]) && !kept[dst] {
				kept[dst] = true
				queue = append(queue, dst)
			}
			return nil
		})
	if err != nil {
		return 0, fmt.Errorf("read references into removed entities: %w", err)
	}
	for len(queue) > 0 {
		ref := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, c := range children[ref] {
			if !kept[c] {
				kept[c] = true
				queue = append(queue, c)
			}
		}
	}
	var doomed []string
	for _, ref := range tree {
		if !kept[ref] {
			doomed = append(doomed, ref)
		}
	}
	// Kept roots lost a reference; their orphan state may have changed.
	var keptRoots []string
	for _, r := range roots {
		if kept[r] {
			keptRoots = append(keptRoots, r)
		}
	}
	if err := markForStitching(ctx, tx, keptRoots, now); err != nil {
		return 0, err
	}
	return deleteEntities(ctx, tx, doomed, sourceKey, now)
}

// lockEntities locks the refresh_state rows of refs on PostgreSQL, in a
// fixed order; SQLite's single writer needs no row locks.
func lockEntities(ctx context.Context, tx *wtx, refs []string) error {
	if tx.Dialect != Postgres || len(refs) == 0 {
		return nil
	}
	sorted := append([]string(nil), refs...)
	sort.Strings(sorted)
	q := inList{head: `SELECT id FROM refresh_state WHERE entity_ref IN`, tail: ` ORDER BY entity_ref FOR UPDATE`}
	if err := queryIn(ctx, tx, q, sorted, func(*sql.Rows) error { return nil }); err != nil {
		return fmt.Errorf("lock entities: %w", err)
	}
	return nil
}

const orphansQuery = `SELECT r.entity_ref FROM refresh_state r
	WHERE NOT EXISTS (SELECT 1 FROM refresh_state_references x WHERE x.target_entity_ref = r.entity_ref)`

// DeleteOrphans deletes the entities that nothing references, then those
// that became orphans by it, for at most 100 rounds.
func (c *Catalog) DeleteOrphans(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for round := 0; round < 100; round++ {
		n := 0
		err := c.write(ctx, func(tx *wtx) error {
			refs, err := c.orphans(ctx, tx)
			if err != nil {
				return fmt.Errorf("find orphans: %w", err)
			}
			n, err = deleteEntities(ctx, tx, refs, sourceOrphanCleanup, now)
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		if n == 0 {
			break
		}
	}
	return total, nil
}

// orphans returns up to 1000 entities nothing references. On PostgreSQL
// the candidates are locked and checked again: a processing write that
// references one holds its lock, and the check after waiting sees that
// write's reference.
func (c *Catalog) orphans(ctx context.Context, tx *wtx) ([]string, error) {
	var refs []string
	if err := queryRows(ctx, tx, orphansQuery+` LIMIT 1000`, nil, appendColumn(&refs)); err != nil {
		return nil, err
	}
	if tx.Dialect != Postgres || len(refs) == 0 {
		return refs, nil
	}
	if err := lockEntities(ctx, tx, refs); err != nil {
		return nil, err
	}
	var still []string
	if err := queryIn(ctx, tx, inList{head: orphansQuery + ` AND r.entity_ref IN`}, refs, appendColumn(&still)); err != nil {
		return nil, err
	}
	return still, nil
}

// DeleteByUID deletes an entity. Its parents get a result hash that
// cannot match and are due now, so that they write their children again:
// an entity deleted while its source still emits it comes back.
func (c *Catalog) DeleteByUID(ctx context.Context, uid string, now time.Time) error {
	return c.write(ctx, func(tx *wtx) error {
		var ref string
		err := tx.QueryRowContext(ctx, `SELECT entity_ref FROM refresh_state WHERE entity_id = $1`, uid).Scan(&ref)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read entity %s: %w", uid, err)
		}
		const parents = `SELECT source_entity_ref FROM refresh_state_references
			WHERE target_entity_ref = $1 AND source_entity_ref IS NOT NULL`
		if _, err := tx.ExecContext(ctx, `UPDATE refresh_state SET result_hash = 'child-was-deleted'
			WHERE entity_ref IN (`+parents+`)`, ref); err != nil {
			return fmt.Errorf("reset parents of %s: %w", ref, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE refresh_schedule SET next_update_at = $2
			WHERE id IN (SELECT id FROM refresh_state WHERE entity_ref IN (`+parents+`))`, ref, millis(now)); err != nil {
			return fmt.Errorf("reschedule parents of %s: %w", ref, err)
		}
		_, err = deleteEntities(ctx, tx, []string{ref}, sourceAPI, now)
		return err
	})
}
