package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"

	"github.com/callboard/callboard/internal/catalog"
)

// ClaimStitching claims due stitch queue entries by moving them to
// LeaseUntil, so a claimer that dies leaves them to be retried.
func (c *Catalog) ClaimStitching(ctx context.Context, cl catalog.StitchClaim) ([]catalog.StitchTicket, error) {
	q := `UPDATE stitch_queue SET next_stitch_at = $1
		WHERE entity_ref IN (SELECT entity_ref FROM stitch_queue WHERE next_stitch_at <= $2
			ORDER BY next_stitch_at LIMIT $3)
		RETURNING entity_ref, ticket`
	if c.db.Dialect == Postgres {
		q = `WITH c AS (SELECT entity_ref FROM stitch_queue WHERE next_stitch_at <= $2
			ORDER BY next_stitch_at LIMIT $3 FOR UPDATE SKIP LOCKED)
		UPDATE stitch_queue AS q SET next_stitch_at = $1 FROM c WHERE q.entity_ref = c.entity_ref
		RETURNING q.entity_ref, q.ticket`
	}
	var out []catalog.StitchTicket
	err := c.write(ctx, func(tx *wtx) error {
		out = out[:0]
		return queryRows(ctx, tx, q, []any{millis(cl.LeaseUntil), millis(cl.Now), cl.Limit}, func(r *sql.Rows) error {
			var t catalog.StitchTicket
			if err := r.Scan(&t.Ref, &t.Ticket); err != nil {
				return err
			}
			out = append(out, t)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("claim stitching: %w", err)
	}
	return out, nil
}

// StitchSources reads, outside any transaction, what stitching the refs
// needs. Whatever changes after these reads marks the entity again with a
// new ticket, which voids the write of this stitch.
func (c *Catalog) StitchSources(ctx context.Context, refs []string) ([]catalog.StitchSource, error) {
	out := make([]catalog.StitchSource, len(refs))
	index := make(map[string]int, len(refs))
	for i, r := range refs {
		out[i].Ref = r
		index[r] = i
	}
	var ids []int64
	byID := map[int64]int{}
	err := queryIn(ctx, c.db, inList{head: `SELECT id, entity_id, entity_ref, processed_entity, errors, location_key FROM refresh_state WHERE entity_ref IN`}, refs,
		func(r *sql.Rows) error {
			var id int64
			var uid, ref, errs string
			var processed, key sql.NullString
			if err := r.Scan(&id, &uid, &ref, &processed, &errs, &key); err != nil {
				return err
			}
			s := &out[index[ref]]
			s.ID, s.UID, s.Errors, s.LocationKey = id, uid, errs, key.String
			if processed.Valid {
				s.Processed = []byte(processed.String)
			}
			ids = append(ids, id)
			byID[id] = index[ref]
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("read entities to stitch: %w", err)
	}
	if len(ids) == 0 {
		return out, nil
	}
	err = queryIn(ctx, c.db, inList{head: `SELECT DISTINCT target_entity_ref FROM refresh_state_references WHERE target_entity_ref IN`}, refs,
		func(r *sql.Rows) error {
			var ref string
			if err := r.Scan(&ref); err != nil {
				return err
			}
			out[index[ref]].Referenced = true
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("read references of entities to stitch: %w", err)
	}
	err = queryIn(ctx, c.db, inList{head: `SELECT DISTINCT source_entity_ref, type, target_entity_ref FROM relations WHERE source_entity_ref IN`}, refs,
		func(r *sql.Rows) error {
			var x catalog.RelationRow
			if err := r.Scan(&x.Source, &x.Type, &x.Target); err != nil {
				return err
			}
			s := &out[index[x.Source]]
			s.Relations = append(s.Relations, x)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("read relations of entities to stitch: %w", err)
	}
	err = queryIn(ctx, c.db, inList{head: `SELECT id, final_entity, hash, etag FROM final_entities WHERE id IN`}, ids,
		func(r *sql.Rows) error {
			var id int64
			var final, hash, etag string
			if err := r.Scan(&id, &final, &hash, &etag); err != nil {
				return err
			}
			s := &out[byID[id]]
			s.PrevJSON, s.PrevHash, s.PrevEtag = []byte(final), hash, etag
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("read final entities: %w", err)
	}
	for i := range out {
		rels := out[i].Relations
		sort.Slice(rels, func(a, b int) bool {
			if rels[a].Type != rels[b].Type {
				return rels[a].Type < rels[b].Type
			}
			return rels[a].Target < rels[b].Target
		})
	}
	return out, nil
}

// WriteStitching drops the claimed queue entries whose tickets are still
// current and writes the final entities among them: the entity, its
// search rows (by difference from the previous ones), its history entry,
// and one generation bump for the batch. Entries marked again meanwhile
// stay queued and are stitched once more.
func (c *Catalog) WriteStitching(ctx context.Context, b *catalog.StitchBatch) (int, error) {
	written := 0
	err := c.write(ctx, func(tx *wtx) error {
		written = 0
		// Entity rows before queue rows, the order deletions take too.
		refs := make([]string, len(b.Tickets))
		for i, t := range b.Tickets {
			refs[i] = t.Ref
		}
		if err := lockEntities(ctx, tx, refs); err != nil {
			return err
		}
		current, err := dropTickets(ctx, tx, b.Tickets)
		if err != nil {
			return err
		}
		var finals []*catalog.FinalEntity
		for i := range b.Finals {
			if current[b.Finals[i].Ref] {
				finals = append(finals, &b.Finals[i])
			}
		}
		sort.Slice(finals, func(i, j int) bool { return finals[i].ID < finals[j].ID })
		if finals, err = existingFinals(ctx, tx, finals); err != nil {
			return err
		}
		if len(finals) == 0 {
			return nil
		}
		var changed []string
		for _, f := range finals {
			if f.History.Change != catalog.HistoryCreated {
				changed = append(changed, f.Ref)
			}
		}
		if err := keepCreationDiffs(ctx, tx, changed); err != nil {
			return err
		}
		if err := upsertFinals(ctx, tx, finals, millis(b.Now)); err != nil {
			return err
		}
		search := b.Search
		if search == nil || len(finals) < len(b.Finals) {
			// Some finals were dropped (or the batch came unsorted).
			search = catalog.SearchInserts(finals)
		}
		if err := c.writeSearch(ctx, tx, finals, search); err != nil {
			return err
		}
		history := make([]any, 0, len(finals)*8)
		for _, f := range finals {
			h := f.History
			history = append(history, f.Ref, f.UID, millis(b.Now), h.Source, h.Change, h.PrevEtag, h.NewEtag, h.Diff)
		}
		if err := insertHistory(ctx, tx, history); err != nil {
			return err
		}
		written = len(finals)
		return bumpGeneration(ctx, tx)
	})
	if err != nil {
		return 0, fmt.Errorf("write stitched entities: %w", err)
	}
	return written, nil
}

// existingFinals keeps the finals whose entity still exists under the same
// id. On PostgreSQL the caller holds the entities' row locks: a deletion
// running meanwhile either waits for this write (and deletes what it
// wrote) or has removed the entity already. On SQLite the ticket alone
// settles it, since a deletion drops the queue entry in a transaction
// that cannot overlap this one.
func existingFinals(ctx context.Context, tx *wtx, finals []*catalog.FinalEntity) ([]*catalog.FinalEntity, error) {
	if tx.Dialect != Postgres || len(finals) == 0 {
		return finals, nil
	}
	ids := make([]int64, len(finals))
	for i, f := range finals {
		ids[i] = f.ID
	}
	exists := make(map[int64]bool, len(ids))
	q := inList{head: `SELECT id FROM refresh_state WHERE id IN`}
	err := queryIn(ctx, tx, q, ids, markColumn(exists))
	if err != nil {
		return nil, fmt.Errorf("lock stitched entities: %w", err)
	}
	kept := finals[:0]
	for _, f := range finals {
		if exists[f.ID] {
			kept = append(kept, f)
		}
	}
	return kept, nil
}

// dropTickets deletes the queue entries still holding their claimed
// ticket and returns their refs.
func dropTickets(ctx context.Context, tx *wtx, tickets []catalog.StitchTicket) (map[string]bool, error) {
	current := make(map[string]bool, len(tickets))
	if len(tickets) == 0 {
		return current, nil
	}
	sorted := append([]catalog.StitchTicket(nil), tickets...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Ref < sorted[j].Ref })
	args := make([]any, 0, len(sorted)*2)
	for _, t := range sorted {
		args = append(args, t.Ref, t.Ticket)
	}
	s := valuesStmt{
		head:   `DELETE FROM stitch_queue WHERE (entity_ref, ticket) IN (`,
		tail:   `) RETURNING entity_ref`,
		cols:   []string{"TEXT", "TEXT"},
		arrays: []string{"text", "text"},
	}
	_, err := s.run(ctx, tx, args, markColumn(current))
	if err != nil {
		return nil, fmt.Errorf("drop stitch tickets: %w", err)
	}
	return current, nil
}

func upsertFinals(ctx context.Context, tx *wtx, finals []*catalog.FinalEntity, now int64) error {
	args := make([]any, 0, len(finals)*6)
	for _, f := range finals {
		args = append(args, f.ID, f.UID, f.Ref, f.JSON, f.Hash, f.Etag)
	}
	s := valuesStmt{
		head: `INSERT INTO final_entities (id, entity_id, entity_ref, final_entity, hash, etag, last_updated_at)`,
		tail: ` ON CONFLICT (id) DO UPDATE SET entity_id = excluded.entity_id, entity_ref = excluded.entity_ref,
			final_entity = excluded.final_entity, hash = excluded.hash, etag = excluded.etag,
			last_updated_at = excluded.last_updated_at`,
		fixed:      []any{now},
		cols:       make([]string, 6),
		rowExtra:   ", $1",
		arrays:     []string{"bigint", "text", "text", "text", "text", "text"},
		arrayExtra: ", $1::bigint",
	}
	if _, err := s.run(ctx, tx, args, nil); err != nil {
		return fmt.Errorf("upsert final entities: %w", err)
	}
	return nil
}

// writeSearch deletes the search rows that went away and inserts rows,
// the new ones of finals, sorted. A changed entity usually changes a
// handful of rows, so the rows of a group with thousands of relations are
// not all rewritten when one member joins.
func (c *Catalog) writeSearch(ctx context.Context, tx *wtx, finals []*catalog.FinalEntity, rows []catalog.SearchInsert) error {
	var replace []int64
	removes := false
	for _, f := range finals {
		if f.SearchReplace {
			replace = append(replace, f.ID)
		}
		removes = removes || f.SearchReplace || len(f.SearchDelete) > 0
	}
	if removes {
		if err := c.searchByID(ctx, tx); err != nil {
			return err
		}
	}
	if len(replace) > 0 {
		if _, err := execIn(ctx, tx, inList{head: `DELETE FROM search WHERE id IN`}, replace); err != nil {
			return fmt.Errorf("delete search rows: %w", err)
		}
	}
	if err := deleteSearchRows(ctx, tx, finals); err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	// An entity's rows share its id and most rows a key with other
	// entities: each is boxed once, not once per row (a cold start writes
	// millions of these arguments).
	insert := make([]any, 0, len(rows)*4)
	keys := map[string]any{}
	var lastID int64
	var id any
	for i, p := range rows {
		if i == 0 || p.ID != lastID {
			lastID, id = p.ID, p.ID
		}
		key, ok := keys[p.Row.Key]
		if !ok {
			key = p.Row.Key
			keys[p.Row.Key] = key
		}
		var value, original any
		if p.Row.Value != nil {
			value = *p.Row.Value
		}
		switch {
		case p.Row.Original == nil:
		case p.Row.Value != nil && *p.Row.Original == *p.Row.Value:
			original = value // mostly so: a value lower-cased already
		default:
			original = *p.Row.Original
		}
		insert = append(insert, id, key, value, original)
	}
	if tx.Dialect == SQLite {
		if err := writeTrigrams(ctx, tx, rows); err != nil {
			return err
		}
	}
	s := valuesStmt{head: insertInto(tx, `search (id, key, value, original_value)`), cols: make([]string, 4),
		arrays: []string{"bigint", "text", "text", "text"}}
	if _, err := s.run(ctx, tx, insert, nil); err != nil {
		return fmt.Errorf("insert search rows: %w", err)
	}
	return nil
}

// writeTrigrams writes SQLite's search_trigram rows of the search rows
// about to be inserted, in one statement per chunk. Stitching is the only
// writer of search rows, and since migration 0014 no insert trigger does
// this (a trigger program per search row cost more than the rows it
// wrote); the delete and update triggers still remove or change a
// search row's trigram row with it. A key holds one value per entity; the
// last one wins.
func writeTrigrams(ctx context.Context, tx *wtx, rows []catalog.SearchInsert) error {
	type trigram struct {
		rowid int64
		value string
	}
	var ts []trigram
	for _, p := range rows {
		if slot, ok := trigramSlots[p.Row.Key]; ok && p.Row.Value != nil {
			ts = append(ts, trigram{p.ID*4 + int64(slot), *p.Row.Value})
		}
	}
	if len(ts) == 0 {
		return nil
	}
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].rowid < ts[j].rowid })
	args := make([]any, 0, len(ts)*2)
	for _, t := range ts {
		args = append(args, t.rowid, t.value)
	}
	s := valuesStmt{head: `INSERT OR REPLACE INTO search_trigram (rowid, value)`, cols: make([]string, 2)}
	if _, err := s.run(ctx, tx, args, nil); err != nil {
		return fmt.Errorf("insert trigram rows: %w", err)
	}
	return nil
}

// deleteSearchRows deletes single rows by (id, key, value), which the
// (key, value, id) index finds directly.
func deleteSearchRows(ctx context.Context, tx *wtx, finals []*catalog.FinalEntity) error {
	var delValue, delNull *sql.Stmt
	defer func() {
		if delValue != nil {
			delValue.Close()
		}
		if delNull != nil {
			delNull.Close()
		}
	}()
	for _, f := range finals {
		for _, r := range f.SearchDelete {
			var err error
			if r.Value == nil {
				if delNull == nil {
					q, _ := bind(tx, `DELETE FROM search WHERE id = $1 AND key = $2 AND value IS NULL`, nil)
					if delNull, err = tx.PrepareContext(ctx, q); err != nil {
						return fmt.Errorf("prepare search delete: %w", err)
					}
				}
				_, err = delNull.ExecContext(ctx, f.ID, r.Key)
			} else {
				if delValue == nil {
					q, _ := bind(tx, `DELETE FROM search WHERE id = $1 AND key = $2 AND value = $3`, nil)
					if delValue, err = tx.PrepareContext(ctx, q); err != nil {
						return fmt.Errorf("prepare search delete: %w", err)
					}
				}
				_, err = delValue.ExecContext(ctx, f.ID, r.Key, *r.Value)
			}
			if err != nil {
				return fmt.Errorf("delete search row: %w", err)
			}
		}
	}
	return nil
}
