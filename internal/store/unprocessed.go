package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/callboard/callboard/internal/catalog"
)

var _ catalog.UnprocessedStore = (*Catalog)(nil)

// unprocessedWhere selects each list of Backstage's unprocessed-entities
// module. Pending: no final form, because processing never succeeded or
// the result was not stitched yet (final_entities.id is refresh_state.id).
// Failed: the latest processing stored a non-empty error array.
var unprocessedWhere = map[catalog.UnprocessedReason]string{
	catalog.UnprocessedPending: `(r.processed_entity IS NULL OR NOT EXISTS (SELECT 1 FROM final_entities f WHERE f.id = r.id))`,
	catalog.UnprocessedFailed:  `r.errors NOT IN ('', '[]')`,
}

// ownerMatch keeps entities whose unprocessed spec.owner is the JSON string
// given as $1: a number or object never equals it, as in Backstage's
// module, which compares with ===.
var ownerMatch = map[Dialect]string{
	SQLite:   `json_type(r.unprocessed_entity, '$.spec.owner') = 'text' AND json_extract(r.unprocessed_entity, '$.spec.owner') = $1`,
	Postgres: `(r.unprocessed_entity::jsonb #> '{spec,owner}') = to_jsonb($1::text)`,
}

// UnprocessedEntities returns at most q.Limit rows of the pending or
// failed list, ordered by entity ref. The walk follows the entity_ref
// index and stops at the limit, so a page costs at most one pass over the
// refresh state.
func (c *Catalog) UnprocessedEntities(ctx context.Context, q catalog.UnprocessedQuery) ([]catalog.UnprocessedRow, error) {
	where, ok := unprocessedWhere[q.Reason]
	if !ok {
		return nil, fmt.Errorf("unknown unprocessed list %q", q.Reason)
	}
	if q.Limit <= 0 {
		return nil, fmt.Errorf("unprocessed list limit %d", q.Limit)
	}
	args := []any{}
	if q.Owner != "" {
		where += " AND " + ownerMatch[c.db.Dialect]
		args = append(args, q.Owner)
	}
	args = append(args, q.Limit)
	query := fmt.Sprintf(`SELECT r.entity_id, r.entity_ref, r.unprocessed_entity, r.unprocessed_hash,
		r.processed_entity, r.result_hash, r.errors, r.location_key, COALESCE(s.next_update_at, 0), r.last_discovery_at
		FROM refresh_state r LEFT JOIN refresh_schedule s ON s.id = r.id
		WHERE %s ORDER BY r.entity_ref LIMIT $%d`, where, len(args))

	var out []catalog.UnprocessedRow
	err := queryRows(ctx, c.db, query, args, func(rows *sql.Rows) error {
		var (
			processed, key   sql.NullString
			next, discovered int64
			row              catalog.UnprocessedRow
		)
		if err := rows.Scan(&row.EntityID, &row.EntityRef, &row.UnprocessedEntity, &row.UnprocessedHash,
			&processed, &row.ResultHash, &row.Errors, &key, &next, &discovered); err != nil {
			return err
		}
		row.ProcessedEntity = processed.String
		row.LocationKey = key.String
		row.NextUpdateAt = fromMillis(next)
		row.LastDiscoveryAt = fromMillis(discovered)
		out = append(out, row)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s entities: %w", q.Reason, err)
	}
	return out, nil
}
