package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/callboard/callboard/internal/catalog"
)

// ListPage implements catalog.QueryStore. Each order key is read as the
// smallest value of that search key for the entity, so an array does not
// repeat the entity; entities lacking it sort last.
func (r *CatalogReader) ListPage(ctx context.Context, p catalog.ListPage) ([]json.RawMessage, error) {
	a := r.args()
	var b strings.Builder
	where := func() error {
		if p.Filter == nil {
			return nil
		}
		cond, err := predicateSQL(p.Filter, "fe.id", &a)
		if err != nil {
			return err
		}
		b.WriteString(" WHERE " + cond)
		return nil
	}
	if len(p.Order) == 0 {
		b.WriteString("SELECT fe.final_entity FROM final_entities fe")
		if err := where(); err != nil {
			return nil, err
		}
		b.WriteString(" ORDER BY fe.entity_ref ASC")
	} else {
		b.WriteString("SELECT o.final_entity FROM (SELECT fe.id, fe.final_entity")
		for i, o := range p.Order {
			fmt.Fprintf(&b, ", (SELECT min(s.value) FROM %s WHERE s.id = fe.id AND s.key = %s) AS o%d", a.byEntity("s"), a.add(o.Field), i)
		}
		b.WriteString(" FROM final_entities fe")
		if err := where(); err != nil {
			return nil, err
		}
		b.WriteString(") o ORDER BY ")
		for i, o := range p.Order {
			fmt.Fprintf(&b, "(o.o%d IS NULL), o.o%d %s, ", i, i, map[bool]string{false: "ASC", true: "DESC"}[o.Desc])
		}
		b.WriteString("o.id ASC")
	}
	switch {
	case p.Limit >= 0:
		b.WriteString(" LIMIT " + a.add(p.Limit))
	case p.Offset > 0 && r.db.Dialect == SQLite:
		b.WriteString(" LIMIT -1") // SQLite needs a LIMIT before OFFSET
	}
	if p.Offset > 0 {
		b.WriteString(" OFFSET " + a.add(p.Offset))
	}
	rows, err := r.query(ctx, b.String(), a.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []json.RawMessage
	for rows.Next() {
		var e entityText
		if err := rows.Scan(&e); err != nil {
			return nil, fmt.Errorf("read entity list: %w", err)
		}
		out = append(out, json.RawMessage(e))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read entity list: %w", err)
	}
	return out, nil
}
