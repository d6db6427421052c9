package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/callboard/callboard/internal/catalog"
)

// ApplyMutation applies a provider's mutation in one transaction, as
// Backstage's provider database does: new refs are inserted, refs whose
// content hash changed are updated (and become due), refs the provider no
// longer has are deleted with every descendant nothing else keeps alive,
// and a changed location key is a removal followed by an insert. A ref
// owned by another location key is skipped and reported as a conflict.
// Unchanged entities cost no write.
func (c *Catalog) ApplyMutation(ctx context.Context, m catalog.StoreMutation) (*catalog.MutationOutcome, error) {
	out := &catalog.MutationOutcome{}
	err := c.write(ctx, func(tx *wtx) error {
		*out = catalog.MutationOutcome{}
		items := dedupeEntities(m.Upserts)
		var add, update []catalog.UnprocessedEntity
		var remove []string
		var err error
		if m.Full {
			add, update, remove, err = fullDelta(ctx, tx, m.SourceKey, items)
		} else {
			add, update, remove, err = partialDelta(ctx, tx, items, m.Removals)
		}
		if err != nil {
			return err
		}
		if len(remove) > 0 {
			n, err := pruneFromSource(ctx, tx, m.SourceKey, remove, m.Now)
			if err != nil {
				return err
			}
			out.Deleted = n
		}
		w := upsertWriter{now: m.Now}
		if err := w.insert(ctx, tx, add); err != nil {
			return err
		}
		if err := w.update(ctx, tx, append(update, w.retry...)); err != nil {
			return err
		}
		out.Inserted, out.Updated, out.Conflicts = len(w.inserted), w.updated, w.conflicts
		return ensureProviderReferences(ctx, tx, m.SourceKey, w.accepted, w.inserted, m.Now)
	})
	if err != nil {
		return nil, fmt.Errorf("apply mutation of %s: %w", m.SourceKey, err)
	}
	return out, nil
}

// ProviderKeys lists the source keys of the providers holding entities.
func (c *Catalog) ProviderKeys(ctx context.Context) ([]string, error) {
	var out []string
	err := queryRows(ctx, c.db, `SELECT DISTINCT source_key FROM refresh_state_references WHERE source_key IS NOT NULL ORDER BY source_key`, nil,
		appendColumn(&out))
	if err != nil {
		return nil, fmt.Errorf("list providers: %w", err)
	}
	return out, nil
}

// dedupeEntities keeps the first entity of each ref.
func dedupeEntities(in []catalog.UnprocessedEntity) []catalog.UnprocessedEntity {
	seen := make(map[string]bool, len(in))
	out := make([]catalog.UnprocessedEntity, 0, len(in))
	for _, e := range in {
		if !seen[e.Ref] {
			seen[e.Ref] = true
			out = append(out, e)
		}
	}
	return out
}

type storedState struct {
	hash, key string
	exists    bool
}

// fullDelta compares a provider's complete new set with what it owns now.
func fullDelta(ctx context.Context, tx *wtx, source string, items []catalog.UnprocessedEntity) (add, update []catalog.UnprocessedEntity, remove []string, err error) {
	old := map[string]storedState{}
	err = queryRows(ctx, tx, `SELECT x.target_entity_ref, r.unprocessed_hash, r.location_key, r.id
		FROM refresh_state_references x LEFT JOIN refresh_state r ON r.entity_ref = x.target_entity_ref
		WHERE x.source_key = $1`, []any{source}, func(r *sql.Rows) error {
		var ref string
		var hash, key sql.NullString
		var id sql.NullInt64
		if err := r.Scan(&ref, &hash, &key, &id); err != nil {
			return err
		}
		old[ref] = storedState{hash: hash.String, key: key.String, exists: id.Valid}
		return nil
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read provider entities: %w", err)
	}
	fresh := make(map[string]bool, len(items))
	for _, it := range items {
		fresh[it.Ref] = true
		st, ok := old[it.Ref]
		switch {
		case !ok || !st.exists:
			add = append(add, it)
		case st.key != it.LocationKey:
			remove = append(remove, it.Ref)
			add = append(add, it)
		case st.hash != it.Hash:
			update = append(update, it)
		}
	}
	for ref := range old {
		if !fresh[ref] {
			remove = append(remove, ref)
		}
	}
	sort.Strings(remove)
	return add, update, remove, nil
}

// partialDelta sorts a delta mutation's entities by what they need.
func partialDelta(ctx context.Context, tx *wtx, items []catalog.UnprocessedEntity, removals []string) (add, update []catalog.UnprocessedEntity, remove []string, err error) {
	refs := make([]string, len(items))
	for i, it := range items {
		refs[i] = it.Ref
	}
	old, err := readStates(ctx, tx, refs)
	if err != nil {
		return nil, nil, nil, err
	}
	remove = append(remove, removals...)
	for _, it := range items {
		st, ok := old[it.Ref]
		switch {
		case !ok:
			add = append(add, it)
		case st.key != it.LocationKey:
			remove = append(remove, it.Ref)
			add = append(add, it)
		case st.hash != it.Hash:
			update = append(update, it)
		default:
			// Unchanged; ensureProviderReferences still claims it.
			update = append(update, catalog.UnprocessedEntity{Ref: it.Ref, LocationKey: it.LocationKey})
		}
	}
	return add, update, remove, nil
}

// readStates reads the stored state of refs. On PostgreSQL it locks the
// rows, so that an orphan deletion running meanwhile either finishes first
// (and the entity is inserted anew) or waits and then sees the reference
// this transaction adds.
func readStates(ctx context.Context, tx *wtx, refs []string) (map[string]storedState, error) {
	out := make(map[string]storedState, len(refs))
	q := inList{head: `SELECT entity_ref, unprocessed_hash, location_key FROM refresh_state WHERE entity_ref IN`}
	if tx.Dialect == Postgres {
		q.tail = ` ORDER BY entity_ref FOR UPDATE`
	}
	err := queryIn(ctx, tx, q, refs,
		func(r *sql.Rows) error {
			var ref, hash string
			var key sql.NullString
			if err := r.Scan(&ref, &hash, &key); err != nil {
				return err
			}
			out[ref] = storedState{hash: hash, key: key.String, exists: true}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("read entity states: %w", err)
	}
	return out, nil
}

// upsertWriter inserts and updates unprocessed entities under the location
// key rules: a stored entity may be overwritten only when it has no
// location key or the same one.
type upsertWriter struct {
	now       time.Time
	inserted  []string
	updated   int
	accepted  []string // refs now held by the writer's key (inserted, updated or unchanged)
	conflicts []catalog.Conflict
	// retry are inserts that found a row (written meanwhile by another
	// transaction); update decides about them.
	retry []catalog.UnprocessedEntity
}

var unprocessedInsert = valuesStmt{
	head: `INSERT INTO refresh_state (entity_id, entity_ref, unprocessed_entity, unprocessed_hash, location_key, last_discovery_at)`,
	tail: ` ON CONFLICT (entity_ref) DO NOTHING RETURNING id, entity_ref`,
	cols: make([]string, 5),
	// $1 is now.
	rowExtra:   ", $1",
	arrays:     []string{"text", "text", "text", "text", "text"},
	arrayExtra: ", $1::bigint",
}

// scheduleNow makes the entities with the given ids due at now, adding
// their schedule rows where missing.
func scheduleNow(ctx context.Context, tx *wtx, ids []int64, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	s := valuesStmt{
		head:       `INSERT INTO refresh_schedule (id, next_update_at)`,
		tail:       ` ON CONFLICT (id) DO UPDATE SET next_update_at = excluded.next_update_at`,
		fixed:      []any{millis(now)},
		cols:       []string{""},
		rowExtra:   ", $1",
		arrays:     []string{"bigint"},
		arrayExtra: ", $1::bigint",
	}
	if _, err := s.run(ctx, tx, args, nil); err != nil {
		return fmt.Errorf("schedule entities: %w", err)
	}
	return nil
}

// insertChunk is how many entities insert writes at a time: the arguments
// of a location's 100,000 children at once would be tens of megabytes.
const insertChunk = 2048

func (w *upsertWriter) insert(ctx context.Context, tx *wtx, items []catalog.UnprocessedEntity) error {
	if len(items) == 0 {
		return nil
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Ref < items[j].Ref })
	for start := 0; start < len(items); start += insertChunk {
		if err := w.insertSorted(ctx, tx, items[start:min(start+insertChunk, len(items))]); err != nil {
			return err
		}
	}
	return nil
}

// insertSorted inserts items, sorted by ref.
func (w *upsertWriter) insertSorted(ctx context.Context, tx *wtx, items []catalog.UnprocessedEntity) error {
	args := make([]any, 0, len(items)*5)
	for _, it := range items {
		args = append(args, uuid.NewString(), it.Ref, it.JSON, it.Hash, nullString(it.LocationKey))
	}
	s := unprocessedInsert
	s.fixed = []any{millis(w.now)}
	done := make(map[string]bool, len(items))
	var ids []int64
	_, err := s.run(ctx, tx, args, func(r *sql.Rows) error {
		var id int64
		var ref string
		if err := r.Scan(&id, &ref); err != nil {
			return err
		}
		done[ref] = true
		ids = append(ids, id)
		return nil
	})
	if err != nil {
		return fmt.Errorf("insert entities: %w", err)
	}
	if err := scheduleNow(ctx, tx, ids, w.now); err != nil {
		return err
	}
	for _, it := range items {
		if done[it.Ref] {
			w.inserted = append(w.inserted, it.Ref)
			w.accepted = append(w.accepted, it.Ref)
		} else {
			w.retry = append(w.retry, it)
		}
	}
	return nil
}

// update writes changed entities and checks that unchanged ones (given
// without a hash) are still held by their key.
func (w *upsertWriter) update(ctx context.Context, tx *wtx, items []catalog.UnprocessedEntity) error {
	if len(items) == 0 {
		return nil
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Ref < items[j].Ref })
	refs := make([]string, len(items))
	for i, it := range items {
		refs[i] = it.Ref
	}
	states, err := readStates(ctx, tx, refs)
	if err != nil {
		return err
	}
	var args []any
	for _, it := range items {
		st, ok := states[it.Ref]
		switch {
		case !ok:
			// Deleted meanwhile: nothing to claim.
		case st.key != "" && st.key != it.LocationKey:
			w.conflicts = append(w.conflicts, catalog.Conflict{Ref: it.Ref, ExistingKey: st.key, NewKey: it.LocationKey})
		case it.Hash == "" || st.hash == it.Hash && st.key == it.LocationKey:
			w.accepted = append(w.accepted, it.Ref)
		default:
			args = append(args, it.Ref, it.JSON, it.Hash, nullString(it.LocationKey))
			w.accepted = append(w.accepted, it.Ref)
			w.updated++
		}
	}
	if len(args) == 0 {
		return nil
	}
	// The rows were read in this transaction, which on SQLite holds the
	// write lock and on PostgreSQL re-checks the key below, so the key rule
	// holds even against a concurrent writer.
	s := valuesStmt{
		head: `UPDATE refresh_state AS r SET unprocessed_entity = v.column2, unprocessed_hash = v.column3,
			location_key = v.column4, last_discovery_at = $1
			FROM (`,
		tail:  `) AS v WHERE r.entity_ref = v.column1 AND (r.location_key IS NULL OR r.location_key = v.column4) RETURNING id`,
		fixed: []any{millis(w.now)},
		cols:  []string{"TEXT", "TEXT", "TEXT", "TEXT"},
	}
	var ids []int64
	_, err = s.run(ctx, tx, args, appendColumn(&ids))
	if err != nil {
		return fmt.Errorf("update entities: %w", err)
	}
	// Changed input is due now.
	return scheduleNow(ctx, tx, ids, w.now)
}

// ensureProviderReferences gives the provider a reference to every ref it
// now holds. Entities that existed before may have been orphans, so they
// are stitched again.
func ensureProviderReferences(ctx context.Context, tx *wtx, source string, refs, inserted []string, now time.Time) error {
	if len(refs) == 0 {
		return nil
	}
	have := map[string]bool{}
	err := queryIn(ctx, tx, inList{head: `SELECT target_entity_ref FROM refresh_state_references WHERE source_key = $1 AND target_entity_ref IN`, fixed: []any{source}}, refs,
		markColumn(have))
	if err != nil {
		return fmt.Errorf("read provider references: %w", err)
	}
	isNew := make(map[string]bool, len(inserted))
	for _, r := range inserted {
		isNew[r] = true
	}
	var args []any
	var restitch []string
	for _, ref := range refs {
		if have[ref] {
			continue
		}
		have[ref] = true
		args = append(args, ref)
		if !isNew[ref] {
			restitch = append(restitch, ref)
		}
	}
	if len(args) == 0 {
		return nil
	}
	s := valuesStmt{
		head:     `INSERT INTO refresh_state_references (target_entity_ref, source_key)`,
		fixed:    []any{source},
		cols:     []string{""},
		rowExtra: ", $1",
	}
	if _, err := s.run(ctx, tx, args, nil); err != nil {
		return fmt.Errorf("insert provider references: %w", err)
	}
	return markForStitching(ctx, tx, restitch, now)
}
