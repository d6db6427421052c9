package store

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/callboard/callboard/internal/catalog"
)

// A sorted page can be served two ways: walk the sort key's search rows
// in index order and test each entity against the filter until the page
// is full (cheap when many entities match), or read the entities matching
// the filter's most selective part and sort them (cheap when few match).
// filterFirstMax is the set size up to which the second way is used.
const filterFirstMax = 2000

// trigramKeys are the search keys that migration 0002 indexes by trigram
// for full-text filters; it must list the same keys.
var trigramKeys = map[string]bool{
	"metadata.name":            true,
	"metadata.title":           true,
	"spec.profile.displayname": true,
}

// CountEntities implements catalog.QueryStore.
func (r *CatalogReader) CountEntities(ctx context.Context, set catalog.EntitySet) (int, error) {
	query, args, err := r.countSQL(set)
	if err != nil {
		return 0, err
	}
	var n int
	if err := r.queryRow(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count entities: %w", err)
	}
	return n, nil
}

// EntityPage implements catalog.QueryStore.
func (r *CatalogReader) EntityPage(ctx context.Context, p catalog.EntityPage) ([]catalog.EntityRow, error) {
	query, args, err := r.pageSQL(p)
	if err != nil {
		return nil, err
	}
	rows, err := r.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]catalog.EntityRow, 0, min(p.Limit, 1024))
	for rows.Next() {
		var (
			row catalog.EntityRow
			e   []byte
		)
		if p.SortKey != "" {
			err = rows.Scan(&row.ID, &row.SortValue, &e)
		} else {
			err = rows.Scan(&row.ID, &e)
		}
		if err != nil {
			return nil, fmt.Errorf("read entity page: %w", err)
		}
		row.Entity = e
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read entity page: %w", err)
	}
	return out, nil
}

// source is where a plan takes its candidate entities from, exposed as
// alias c with an id column: the trigram index for a full-text filter, or
// one equality condition of the filter on the search_key_value index.
type source struct {
	fullText *catalog.FullTextFilter // trigram source
	eq       *catalog.Predicate      // equality source
}

// coversFullText reports whether the source already applies the set's
// full-text filter.
func (s *source) coversFullText() bool { return s.fullText != nil }

// sql returns the FROM item and WHERE terms of the source.
func (s *source) sql(r *CatalogReader, a *sqlArgs) (from string, where []string) {
	if s.fullText != nil {
		return r.trigramFrom(s.fullText, a), nil
	}
	return "search c", []string{"c.key = " + a.add(s.eq.Key) + " AND c.value = " + a.add(s.eq.Match.Values[0])}
}

// planSource picks the most selective driving source a set offers, nil
// when there is none; rest holds the filter conditions left to test.
func planSource(set catalog.EntitySet) (src *source, rest []*catalog.Predicate) {
	conds := conjuncts(set.Filter)
	if ft := set.FullText; ft != nil && trigramUsable(ft) {
		return &source{fullText: ft}, conds
	}
	if i := pickDriver(conds); i >= 0 {
		rest = append(append(rest, conds[:i]...), conds[i+1:]...)
		return &source{eq: conds[i]}, rest
	}
	return nil, conds
}

// pickDriver returns the index of the equality condition to drive a query
// from, -1 when there is none. Broad keys that most entities share are
// avoided when a narrower condition exists.
func pickDriver(conds []*catalog.Predicate) int {
	best := -1
	for i, c := range conds {
		if c.Op != catalog.OpField || c.Match.Kind != catalog.MatchEq || len(c.Match.Values) != 1 {
			continue
		}
		if best < 0 || (broadKeys[conds[best].Key] && !broadKeys[c.Key]) {
			best = i
		}
	}
	return best
}

var broadKeys = map[string]bool{"kind": true, "apiversion": true, "metadata.namespace": true}

func trigramUsable(ft *catalog.FullTextFilter) bool {
	if utf8.RuneCountInString(ft.Term) < 3 || strings.ContainsAny(ft.Term, "%_") || len(ft.Fields) == 0 {
		return false
	}
	for _, f := range ft.Fields {
		if !trigramKeys[f] {
			return false
		}
	}
	return true
}

// trigramFrom reads the ids whose indexed keys contain the term. The keys
// are written as literals so PostgreSQL can match its partial index.
func (r *CatalogReader) trigramFrom(ft *catalog.FullTextFilter, a *sqlArgs) string {
	keys := make([]string, 0, len(ft.Fields))
	for _, f := range ft.Fields {
		keys = append(keys, "'"+f+"'") // from trigramKeys, no quoting needed
	}
	pattern := a.add("%" + ft.Term + "%")
	if r.db.Dialect == Postgres {
		return "(SELECT DISTINCT t.id FROM search t WHERE t.key IN (" + strings.Join(keys, ", ") + ") AND t.value LIKE " + pattern + " ESCAPE '') c"
	}
	return "(SELECT DISTINCT t.id FROM search_trigram t WHERE t.value LIKE " + pattern + " AND t.key IN (" + strings.Join(keys, ", ") + ")) c"
}

// fullTextSQL tests the full-text filter for the entity idExpr.
func (r *CatalogReader) fullTextSQL(ft *catalog.FullTextFilter, idExpr string, a *sqlArgs) string {
	var b strings.Builder
	b.WriteString("EXISTS (SELECT 1 FROM " + a.byEntity("t") + " WHERE t.id = ")
	b.WriteString(idExpr)
	b.WriteString(" AND t.key")
	writeIn(&b, ft.Fields, a)
	b.WriteString(" AND t.value ")
	b.WriteString(r.likeSQL(a.add("%" + ft.Term + "%")))
	b.WriteByte(')')
	return b.String()
}

// likeSQL is "LIKE pattern" without an escape character on either
// database (PostgreSQL's default escape is a backslash, SQLite has none).
func (r *CatalogReader) likeSQL(pattern string) string {
	if r.db.Dialect == Postgres {
		return "LIKE " + pattern + " ESCAPE ''"
	}
	return "LIKE " + pattern
}

// sortRowSQL restricts the search row d to the single row that places its
// entity: key K, a value, and the smallest value when an array gave the
// entity several.
func sortRowSQL(a *sqlArgs) string {
	return "d.value IS NOT NULL AND NOT EXISTS (SELECT 1 FROM " + a.byEntity("m") + " WHERE m.id = d.id AND m.key = d.key AND m.value < d.value)"
}

func (r *CatalogReader) pageSQL(p catalog.EntityPage) (string, []any, error) {
	a := sqlArgs{dialect: r.db.Dialect}
	var where []string
	src, rest := planSource(p.EntitySet)
	dir, cmp := "ASC", ">"
	if p.Desc {
		dir, cmp = "DESC", "<"
	}
	var b strings.Builder
	ft := p.FullText

	switch {
	case p.SortKey != "" && (src == nil || p.Matches < 0 || p.Matches > filterFirstMax):
		// Walk the sort key in index order.
		b.WriteString("SELECT d.id, d.value, fe.final_entity FROM search d CROSS JOIN final_entities fe WHERE ")
		where = append(where, "d.key = "+a.add(p.SortKey), sortRowSQL(&a))
		if p.After != nil {
			where = append(where, "(d.value, d.id) "+cmp+" ("+a.add(p.After.Value)+", "+a.add(p.After.ID)+")")
		}
		conds, err := andSQL(conjuncts(p.Filter), "d.id", &a)
		if err != nil {
			return "", nil, err
		}
		if conds != "" {
			where = append(where, conds)
		}
		if ft != nil {
			if len(ft.Fields) == 1 && ft.Fields[0] == p.SortKey {
				where = append(where, "d.value "+r.likeSQL(a.add("%"+ft.Term+"%")))
			} else {
				where = append(where, r.fullTextSQL(ft, "d.id", &a))
			}
		}
		where = append(where, "fe.id = d.id")
		b.WriteString(strings.Join(where, " AND "))
		fmt.Fprintf(&b, " ORDER BY d.value %s, d.id %s", dir, dir)
	case p.SortKey != "":
		// Few entities match: read them, then sort by the sort key.
		from, srcWhere := src.sql(r, &a)
		b.WriteString("SELECT d.id, d.value, fe.final_entity FROM " + from + " CROSS JOIN " + a.byEntity("d") + " CROSS JOIN final_entities fe WHERE ")
		where = append(where, srcWhere...)
		conds, err := andSQL(rest, "c.id", &a)
		if err != nil {
			return "", nil, err
		}
		if conds != "" {
			where = append(where, conds)
		}
		if ft != nil && !src.coversFullText() {
			where = append(where, r.fullTextSQL(ft, "c.id", &a))
		}
		where = append(where, "d.id = c.id", "d.key = "+a.add(p.SortKey), sortRowSQL(&a))
		if p.After != nil {
			where = append(where, "(d.value, d.id) "+cmp+" ("+a.add(p.After.Value)+", "+a.add(p.After.ID)+")")
		}
		where = append(where, "fe.id = d.id")
		b.WriteString(strings.Join(where, " AND "))
		fmt.Fprintf(&b, " ORDER BY d.value %s, d.id %s", dir, dir)
	case src != nil:
		from, srcWhere := src.sql(r, &a)
		b.WriteString("SELECT c.id, fe.final_entity FROM " + from + " CROSS JOIN final_entities fe WHERE ")
		where = append(where, srcWhere...)
		if p.After != nil {
			where = append(where, "c.id "+cmp+" "+a.add(p.After.ID))
		}
		conds, err := andSQL(rest, "c.id", &a)
		if err != nil {
			return "", nil, err
		}
		if conds != "" {
			where = append(where, conds)
		}
		if ft != nil && !src.coversFullText() {
			where = append(where, r.fullTextSQL(ft, "c.id", &a))
		}
		where = append(where, "fe.id = c.id")
		b.WriteString(strings.Join(where, " AND "))
		fmt.Fprintf(&b, " ORDER BY c.id %s", dir)
	default:
		b.WriteString("SELECT fe.id, fe.final_entity FROM final_entities fe")
		if p.After != nil {
			where = append(where, "fe.id "+cmp+" "+a.add(p.After.ID))
		}
		conds, err := andSQL(rest, "fe.id", &a)
		if err != nil {
			return "", nil, err
		}
		if conds != "" {
			where = append(where, conds)
		}
		if ft != nil {
			where = append(where, r.fullTextSQL(ft, "fe.id", &a))
		}
		if len(where) > 0 {
			b.WriteString(" WHERE " + strings.Join(where, " AND "))
		}
		fmt.Fprintf(&b, " ORDER BY fe.id %s", dir)
	}
	b.WriteString(" LIMIT " + a.add(p.Limit))
	if p.Offset > 0 {
		b.WriteString(" OFFSET " + a.add(p.Offset))
	}
	return b.String(), a.args, nil
}

func (r *CatalogReader) countSQL(set catalog.EntitySet) (string, []any, error) {
	a := sqlArgs{dialect: r.db.Dialect}
	var where []string
	src, rest := planSource(set)
	idExpr := "c.id"
	var b strings.Builder
	switch {
	case src != nil:
		from, srcWhere := src.sql(r, &a)
		b.WriteString("SELECT count(*) FROM " + from)
		where = append(where, srcWhere...)
	case set.SortKey != "":
		// Entities with several values for the key have several rows.
		b.WriteString("SELECT count(DISTINCT d.id) FROM search d")
		where = append(where, "d.key = "+a.add(set.SortKey), "d.value IS NOT NULL")
		idExpr = "d.id"
	default:
		b.WriteString("SELECT count(*) FROM final_entities fe")
		idExpr = "fe.id"
	}
	conds, err := andSQL(rest, idExpr, &a)
	if err != nil {
		return "", nil, err
	}
	if conds != "" {
		where = append(where, conds)
	}
	if ft := set.FullText; ft != nil && (src == nil || !src.coversFullText()) {
		where = append(where, r.fullTextSQL(ft, idExpr, &a))
	}
	if src != nil && set.SortKey != "" {
		where = append(where, "EXISTS (SELECT 1 FROM "+a.byEntity("k")+" WHERE k.id = c.id AND k.key = "+a.add(set.SortKey)+" AND k.value IS NOT NULL)")
	}
	if len(where) > 0 {
		b.WriteString(" WHERE " + strings.Join(where, " AND "))
	}
	return b.String(), a.args, nil
}
