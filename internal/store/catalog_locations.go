package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/callboard/callboard/internal/catalog"
)

const locationColumns = `id, type, target, presence, created_at`

func scanLocation(r interface{ Scan(...any) error }) (*catalog.LocationRow, error) {
	var l catalog.LocationRow
	var created int64
	if err := r.Scan(&l.ID, &l.Type, &l.Target, &l.Presence, &created); err != nil {
		return nil, err
	}
	l.CreatedAt = fromMillis(created)
	return &l, nil
}

// InsertLocation stores a registered location; it returns false when a
// location with the same type and target exists.
func (c *Catalog) InsertLocation(ctx context.Context, l catalog.LocationRow) (bool, error) {
	var n int64
	err := c.write(ctx, func(tx *wtx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO locations (`+locationColumns+`) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (type, target) DO NOTHING`, l.ID, l.Type, l.Target, l.Presence, millis(l.CreatedAt))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("insert location: %w", err)
	}
	return n == 1, nil
}

// ListLocations returns the registered locations ordered by id, leaving out
// Backstage's legacy "bootstrap" type.
func (c *Catalog) ListLocations(ctx context.Context) ([]catalog.LocationRow, error) {
	var out []catalog.LocationRow
	err := queryRows(ctx, c.db, `SELECT `+locationColumns+` FROM locations WHERE type <> 'bootstrap' ORDER BY id`, nil,
		func(r *sql.Rows) error {
			l, err := scanLocation(r)
			if err != nil {
				return err
			}
			out = append(out, *l)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("list locations: %w", err)
	}
	return out, nil
}

// LocationByID returns the location, or nil.
func (c *Catalog) LocationByID(ctx context.Context, id string) (*catalog.LocationRow, error) {
	return c.oneLocation(ctx, `SELECT `+locationColumns+` FROM locations WHERE id = $1`, id)
}

// LocationByTarget returns the location with this type and target, or nil.
func (c *Catalog) LocationByTarget(ctx context.Context, typ, target string) (*catalog.LocationRow, error) {
	return c.oneLocation(ctx, `SELECT `+locationColumns+` FROM locations WHERE type = $1 AND target = $2`, typ, target)
}

func (c *Catalog) oneLocation(ctx context.Context, q string, args ...any) (*catalog.LocationRow, error) {
	l, err := scanLocation(c.db.QueryRowContext(ctx, q, args...))
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read location: %w", err)
	}
	return l, nil
}

// UpdateLocation changes a location's type, target and presence.
func (c *Catalog) UpdateLocation(ctx context.Context, l catalog.LocationRow) (found, ok bool, err error) {
	err = c.write(ctx, func(tx *wtx) error {
		found, ok = false, false
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM locations WHERE id = $1`, l.ID).Scan(&id)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		err = tx.QueryRowContext(ctx, `SELECT id FROM locations WHERE type = $1 AND target = $2 AND id <> $3`, l.Type, l.Target, l.ID).Scan(&id)
		if err == nil {
			return nil
		}
		if err != sql.ErrNoRows {
			return err
		}
		ok = true
		_, err = tx.ExecContext(ctx, `UPDATE locations SET type = $1, target = $2, presence = $3 WHERE id = $4`, l.Type, l.Target, l.Presence, l.ID)
		return err
	})
	if err != nil {
		return false, false, fmt.Errorf("update location %s: %w", l.ID, err)
	}
	return found, ok, nil
}

// DeleteLocation removes a location and returns it, or nil when there was
// none.
func (c *Catalog) DeleteLocation(ctx context.Context, id string) (*catalog.LocationRow, error) {
	var out *catalog.LocationRow
	err := c.write(ctx, func(tx *wtx) error {
		l, err := scanLocation(tx.QueryRowContext(ctx, `DELETE FROM locations WHERE id = $1 RETURNING `+locationColumns, id))
		if err == sql.ErrNoRows {
			return nil
		}
		out = l
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("delete location %s: %w", id, err)
	}
	return out, nil
}

// EntityOriginLocation reads a stitched entity's
// backstage.io/managed-by-origin-location annotation from its search rows,
// keeping the value's case.
func (c *Catalog) EntityOriginLocation(ctx context.Context, ref string) (string, bool, error) {
	var id int64
	err := c.db.QueryRowContext(ctx, `SELECT id FROM final_entities WHERE entity_ref = $1`, ref).Scan(&id)
	if err == sql.ErrNoRows {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read entity %s: %w", ref, err)
	}
	var origin sql.NullString
	err = c.db.QueryRowContext(ctx, `SELECT COALESCE(original_value, value) FROM search
		WHERE id = $1 AND key = 'metadata.annotations.backstage.io/managed-by-origin-location' LIMIT 1`, id).Scan(&origin)
	if err != nil && err != sql.ErrNoRows {
		return "", true, fmt.Errorf("read origin of %s: %w", ref, err)
	}
	return origin.String, true, nil
}
