package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"github.com/jackc/pgx/v5"

	"github.com/callboard/callboard/internal/catalog"
)

// CatalogReader answers the catalog's read queries from final_entities,
// search, refresh_state_references, entity_history and catalog_state. It
// implements catalog.QueryStore. On SQLite statements are prepared once per
// text and reused; on PostgreSQL each is planned with its values.
type CatalogReader struct {
	db       *DB
	stmts    *stmtCache
	members  *memberSets
	entities *entityCache
}

// NewCatalogReader returns a reader over db.
func NewCatalogReader(db *DB) *CatalogReader {
	return &CatalogReader{db: db, stmts: newStmtCache(db.DB, 256), members: newMemberSets(), entities: newEntityCache(entityCacheBytes)}
}

// Close releases the prepared statements; the database stays open.
func (r *CatalogReader) Close() error {
	r.members.close()
	return r.stmts.close()
}

// Generation implements catalog.QueryStore.
func (r *CatalogReader) Generation(ctx context.Context) (int64, error) {
	var gen int64
	err := r.queryRow(ctx, generationQuery).Scan(&gen)
	if err != nil {
		return 0, fmt.Errorf("read catalog_state: %w", err)
	}
	return gen, nil
}

// EntityByRef implements catalog.QueryStore.
func (r *CatalogReader) EntityByRef(ctx context.Context, ref string) (json.RawMessage, error) {
	return r.oneEntity(ctx, `SELECT final_entity FROM final_entities WHERE entity_ref = $1`, ref)
}

// EntityByUID implements catalog.QueryStore. It goes through the search
// table's metadata.uid rows, which are lower-cased, like Backstage.
func (r *CatalogReader) EntityByUID(ctx context.Context, uid string) (json.RawMessage, error) {
	return r.oneEntity(ctx, `SELECT fe.final_entity FROM search s CROSS JOIN final_entities fe
		WHERE s.key = 'metadata.uid' AND s.value = $1 AND fe.id = s.id LIMIT 1`, uid)
}

func (r *CatalogReader) oneEntity(ctx context.Context, query string, arg any) (json.RawMessage, error) {
	var e entityText
	err := r.queryRow(ctx, query, arg).Scan(&e)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return json.RawMessage(e), nil
}

// entityText scans an entity's stored JSON (a TEXT column) into bytes
// without copying it twice. Both drivers hand a TEXT value over as a
// string they just copied out of the database; scanning it into a []byte
// would copy it again, which was half of what a page of entities
// allocated. The bytes share that string's memory, so they must never be
// written to: entity JSON is only ever copied out or decoded.
type entityText []byte

var _ sql.Scanner = (*entityText)(nil)

// Scan implements sql.Scanner.
func (e *entityText) Scan(src any) error {
	switch v := src.(type) {
	case string:
		*e = unsafe.Slice(unsafe.StringData(v), len(v))
	case []byte:
		// The driver owns these bytes only until the next row.
		*e = bytes.Clone(v)
	case nil:
		*e = nil
	default:
		return fmt.Errorf("entity JSON column holds %T", src)
	}
	return nil
}

// EntitiesByRefs implements catalog.QueryStore.
func (r *CatalogReader) EntitiesByRefs(ctx context.Context, refs []string, filter *catalog.Predicate) (map[string]json.RawMessage, error) {
	out := make(map[string]json.RawMessage, len(refs))
	if len(refs) == 0 {
		return out, nil
	}
	a := r.args()
	var b strings.Builder
	b.WriteString(`SELECT fe.entity_ref, fe.final_entity FROM final_entities fe WHERE fe.entity_ref IN (`)
	for i, ref := range refs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.add(ref))
	}
	b.WriteString(")")
	if filter != nil {
		cond, err := predicateSQL(filter, "fe.id", &a)
		if err != nil {
			return nil, err
		}
		b.WriteString(" AND ")
		b.WriteString(cond)
	}
	rows, err := r.query(ctx, b.String(), a.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var ref string
		var e entityText
		if err := rows.Scan(&ref, &e); err != nil {
			return nil, err
		}
		out[ref] = json.RawMessage(e)
	}
	return out, rows.Err()
}

// EntityParents implements catalog.QueryStore.
func (r *CatalogReader) EntityParents(ctx context.Context, ref string) ([]catalog.EntityParent, error) {
	rows, err := r.query(ctx, `SELECT fe.entity_ref, fe.final_entity
		FROM refresh_state_references rr CROSS JOIN final_entities fe
		WHERE rr.target_entity_ref = $1 AND fe.entity_ref = rr.source_entity_ref
		ORDER BY rr.id`, ref)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []catalog.EntityParent
	for rows.Next() {
		var p catalog.EntityParent
		var e entityText
		if err := rows.Scan(&p.Ref, &e); err != nil {
			return nil, err
		}
		p.Entity = json.RawMessage(e)
		out = append(out, p)
	}
	return out, rows.Err()
}

// EntityHistory implements catalog.QueryStore.
func (r *CatalogReader) EntityHistory(ctx context.Context, ref string, beforeID int64, limit int) ([]catalog.HistoryEntry, error) {
	// A creation stored without its diff is the final entity as it is
	// (keepCreationDiffs).
	const columns = `SELECT id, entity_ref, entity_uid, changed_at, source, change, previous_etag, new_etag,
		CASE WHEN diff = '' AND change = 'created'
			THEN coalesce((SELECT ` + createdDiffSQL + ` FROM final_entities f WHERE f.entity_ref = h.entity_ref), '')
			ELSE diff END
		FROM entity_history h`
	query := columns + ` WHERE entity_ref = $1 ORDER BY id DESC LIMIT $2`
	args := []any{ref, limit}
	if beforeID > 0 {
		query = columns + ` WHERE entity_ref = $1 AND id < $3 ORDER BY id DESC LIMIT $2`
		args = append(args, beforeID)
	}
	rows, err := r.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []catalog.HistoryEntry
	for rows.Next() {
		var (
			h       catalog.HistoryEntry
			changed int64
			diff    []byte
		)
		if err := rows.Scan(&h.ID, &h.EntityRef, &h.EntityUID, &changed, &h.Source, &h.Change, &h.PreviousEtag, &h.NewEtag, &diff); err != nil {
			return nil, err
		}
		h.ChangedAt = time.UnixMilli(changed).UTC()
		if len(strings.TrimSpace(string(diff))) == 0 {
			diff = []byte("null")
		}
		h.Diff = diff
		out = append(out, h)
	}
	return out, rows.Err()
}

// query runs a statement. On SQLite it goes through the prepared-statement
// cache. On PostgreSQL it is sent unprepared (pgx's exec mode, one round
// trip), so every execution is planned for its actual values: a cached
// generic plan cannot see that kind = 'component' matches half the catalog
// and picks nested loops that take seconds.
func (r *CatalogReader) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if r.db.Dialect == Postgres {
		rows, err := r.db.QueryContext(ctx, query, append([]any{pgx.QueryExecModeExec}, args...)...)
		if err != nil {
			return nil, fmt.Errorf("query catalog: %w", err)
		}
		return rows, nil
	}
	stmt, release, err := r.stmts.get(ctx, query)
	if err != nil {
		return nil, err
	}
	defer release()
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("query catalog: %w", err)
	}
	return rows, nil
}

// rowScanner is the part of *sql.Row the reader uses, so a failed prepare
// can be reported through Scan like any other error.
type rowScanner interface{ Scan(dest ...any) error }

type errRow struct{ err error }

func (e errRow) Scan(...any) error { return e.err }

func (r *CatalogReader) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	if r.db.Dialect == Postgres {
		return r.db.QueryRowContext(ctx, query, append([]any{pgx.QueryExecModeExec}, args...)...)
	}
	stmt, release, err := r.stmts.get(ctx, query)
	if err != nil {
		return errRow{err}
	}
	defer release()
	return stmt.QueryRowContext(ctx, args...)
}

var _ catalog.QueryStore = (*CatalogReader)(nil)
