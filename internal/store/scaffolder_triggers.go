package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/callboard/callboard/internal/scaffolder/trigger"
)

// ScaffolderTriggers stores the fires of templates' schedules and catalog
// triggers, and the cursor over the catalog's history. It implements
// trigger.Store.
type ScaffolderTriggers struct {
	db *DB
}

// NewScaffolderTriggers returns the triggers' storage over db.
func NewScaffolderTriggers(db *DB) *ScaffolderTriggers { return &ScaffolderTriggers{db: db} }

var _ trigger.Store = (*ScaffolderTriggers)(nil)

// ClaimFire implements trigger.Store.
func (s *ScaffolderTriggers) ClaimFire(ctx context.Context, templateRef, key string, at time.Time) (bool, error) {
	n, err := execCount(ctx, s.db, `INSERT INTO scaffolder_trigger_fires (template_ref, fire_key, fired_at)
		VALUES ($1, $2, $3) ON CONFLICT (template_ref, fire_key) DO NOTHING`, templateRef, key, millis(at))
	if err != nil {
		return false, fmt.Errorf("claim fire %s of %s: %w", key, templateRef, err)
	}
	return n == 1, nil
}

// FinishFire implements trigger.Store.
func (s *ScaffolderTriggers) FinishFire(ctx context.Context, templateRef, key, taskID, errText string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE scaffolder_trigger_fires SET task_id = $3, error = $4
		WHERE template_ref = $1 AND fire_key = $2`, templateRef, key, taskID, errText)
	if err != nil {
		return fmt.Errorf("record fire %s of %s: %w", key, templateRef, err)
	}
	return nil
}

// ReleaseFire implements trigger.Store.
func (s *ScaffolderTriggers) ReleaseFire(ctx context.Context, templateRef, key string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM scaffolder_trigger_fires WHERE template_ref = $1 AND fire_key = $2`, templateRef, key)
	if err != nil {
		return fmt.Errorf("release fire %s of %s: %w", key, templateRef, err)
	}
	return nil
}

// LastFires implements trigger.Store.
func (s *ScaffolderTriggers) LastFires(ctx context.Context, prefix string) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT template_ref, max(fire_key) FROM scaffolder_trigger_fires
		WHERE fire_key LIKE $1 GROUP BY template_ref`, prefix+"%")
	if err != nil {
		return nil, fmt.Errorf("read last fires: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var ref, key string
		if err := rows.Scan(&ref, &key); err != nil {
			return nil, fmt.Errorf("read last fires: %w", err)
		}
		out[ref] = key
	}
	return out, rows.Err()
}

// Cursor implements trigger.Store.
func (s *ScaffolderTriggers) Cursor(ctx context.Context) (int64, error) {
	_, err := s.db.ExecContext(ctx, `INSERT INTO scaffolder_trigger_cursor (id, position)
		SELECT 1, coalesce(max(id), 0) FROM entity_history WHERE true ON CONFLICT (id) DO NOTHING`)
	if err != nil {
		return 0, fmt.Errorf("start trigger cursor: %w", err)
	}
	var pos int64
	if err := s.db.QueryRowContext(ctx, `SELECT position FROM scaffolder_trigger_cursor WHERE id = 1`).Scan(&pos); err != nil {
		return 0, fmt.Errorf("read trigger cursor: %w", err)
	}
	return pos, nil
}

// AdvanceCursor implements trigger.Store.
func (s *ScaffolderTriggers) AdvanceCursor(ctx context.Context, pos int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE scaffolder_trigger_cursor SET position = $1 WHERE id = 1 AND position < $1`, pos)
	if err != nil {
		return fmt.Errorf("advance trigger cursor: %w", err)
	}
	return nil
}

// Changes implements trigger.Store.
func (s *ScaffolderTriggers) Changes(ctx context.Context, after int64, limit int) ([]trigger.Change, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT h.id, h.entity_ref, h.change, h.changed_at, f.final_entity
		FROM entity_history h LEFT JOIN final_entities f ON f.entity_ref = h.entity_ref
		WHERE h.id > $1 ORDER BY h.id LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read catalog changes: %w", err)
	}
	defer rows.Close()
	var out []trigger.Change
	for rows.Next() {
		var (
			c       trigger.Change
			changed int64
			ent     sql.NullString
		)
		if err := rows.Scan(&c.ID, &c.Ref, &c.Change, &changed, &ent); err != nil {
			return nil, fmt.Errorf("read catalog changes: %w", err)
		}
		c.At = fromMillis(changed)
		if ent.Valid {
			c.Entity = []byte(ent.String)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
