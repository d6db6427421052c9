package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
)

// UI holds what the web pages keep and read beside the catalog proper:
// starred entities, the latest changes, and the catalog health counts of
// the home page. Every statement is bounded by an index.
type UI struct {
	db *DB

	mu sync.Mutex
	// unresolved caches UnresolvedOwners for one catalog generation.
	unresolved struct {
		valid      bool
		generation int64
		limit      int
		refs       []string
	}
}

// NewUI returns the UI store on db.
func NewUI(db *DB) *UI { return &UI{db: db} }

// Stars returns the refs userRef starred, most recent first, at most limit.
func (u *UI) Stars(ctx context.Context, userRef string, limit int) ([]string, error) {
	var out []string
	err := queryRows(ctx, u.db, `SELECT entity_ref FROM stars WHERE user_ref = $1 ORDER BY created_at DESC, entity_ref LIMIT $2`,
		[]any{strings.ToLower(userRef), limit}, appendColumn(&out))
	if err != nil {
		return nil, fmt.Errorf("read stars: %w", err)
	}
	return out, nil
}

// IsStarred reports whether userRef starred entityRef.
func (u *UI) IsStarred(ctx context.Context, userRef, entityRef string) (bool, error) {
	var n int
	q, args := bind(u.db, `SELECT count(*) FROM stars WHERE user_ref = $1 AND entity_ref = $2`,
		[]any{strings.ToLower(userRef), strings.ToLower(entityRef)})
	if err := u.db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return false, fmt.Errorf("read star: %w", err)
	}
	return n > 0, nil
}

// SetStar stars (on) or unstars entityRef for userRef. Starring twice
// keeps the first time; unstarring what is not starred does nothing.
func (u *UI) SetStar(ctx context.Context, userRef, entityRef string, on bool, at time.Time) error {
	query := `DELETE FROM stars WHERE user_ref = $1 AND entity_ref = $2`
	args := []any{strings.ToLower(userRef), strings.ToLower(entityRef)}
	if on {
		query = `INSERT INTO stars (user_ref, entity_ref, created_at) VALUES ($1, $2, $3) ON CONFLICT (user_ref, entity_ref) DO NOTHING`
		args = append(args, millis(at))
	}
	q, args := bind(u.db, query, args)
	if _, err := u.db.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("write star: %w", err)
	}
	return nil
}

// RecentChanges returns the latest limit changes to final entities, newest
// first, without their diffs.
func (u *UI) RecentChanges(ctx context.Context, limit int) ([]catalog.HistoryEntry, error) {
	var out []catalog.HistoryEntry
	err := queryRows(ctx, u.db, `SELECT id, entity_ref, entity_uid, changed_at, source, change
		FROM entity_history ORDER BY id DESC LIMIT $1`, []any{limit}, func(rows *sql.Rows) error {
		var (
			h       catalog.HistoryEntry
			changed int64
		)
		if err := rows.Scan(&h.ID, &h.EntityRef, &h.EntityUID, &changed, &h.Source, &h.Change); err != nil {
			return err
		}
		h.ChangedAt = fromMillis(changed)
		out = append(out, h)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read recent changes: %w", err)
	}
	return out, nil
}

// FailedCount counts the entities whose latest processing stored errors,
// from the partial index over them.
func (u *UI) FailedCount(ctx context.Context) (int, error) {
	var n int
	if err := u.db.QueryRowContext(ctx, `SELECT count(*) FROM refresh_state WHERE errors NOT IN ('', '[]')`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count failed entities: %w", err)
	}
	return n, nil
}

// unresolvedOwnersSQL walks the distinct targets of ownedBy relations in
// the (type, target) index, seeking from each to the next (a loose index
// scan, which both databases run as one probe per owner), and keeps those
// with no final entity.
const unresolvedOwnersSQL = `WITH RECURSIVE owners(ref) AS (
  SELECT (SELECT min(target_entity_ref) FROM relations WHERE type = $1)
  UNION ALL
  SELECT (SELECT min(r.target_entity_ref) FROM relations r WHERE r.type = $1 AND r.target_entity_ref > o.ref)
  FROM owners o WHERE o.ref IS NOT NULL
)
SELECT ref FROM owners o
WHERE o.ref IS NOT NULL AND NOT EXISTS (SELECT 1 FROM final_entities f WHERE f.entity_ref = o.ref)
LIMIT $2`

// UnresolvedOwners returns, in order, at most limit owner refs that
// entities are ownedBy but that are no entity of the catalog. The answer
// is kept until the catalog's generation moves.
func (u *UI) UnresolvedOwners(ctx context.Context, limit int) ([]string, error) {
	var gen int64
	if err := u.db.QueryRowContext(ctx, `SELECT generation FROM catalog_state WHERE id = 1`).Scan(&gen); err != nil {
		return nil, fmt.Errorf("read catalog generation: %w", err)
	}
	u.mu.Lock()
	c := u.unresolved
	u.mu.Unlock()
	if c.valid && c.generation == gen && c.limit == limit {
		return c.refs, nil
	}
	refs := []string{}
	err := queryRows(ctx, u.db, unresolvedOwnersSQL, []any{entity.RelationOwnedBy, limit}, appendColumn(&refs))
	if err != nil {
		return nil, fmt.Errorf("find unresolved owners: %w", err)
	}
	u.mu.Lock()
	u.unresolved.valid, u.unresolved.generation, u.unresolved.limit, u.unresolved.refs = true, gen, limit, refs
	u.mu.Unlock()
	return refs, nil
}
