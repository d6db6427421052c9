package store

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/callboard/callboard/internal/catalog"
)

// trigramSlots numbers the keys of SQLite's search_trigram table: its rowid
// is the entity id times four plus the slot (migration 0002 uses the same
// numbers). The keys are catalog.FullTextIndexedKeys.
var trigramSlots = map[string]int{
	"metadata.name":            1,
	"metadata.title":           2,
	"spec.profile.displayname": 3,
}

// sourceSQL is a driving source written out: the FROM item and WHERE terms,
// the expressions of an entity's id and (for rows of one key) its value,
// the expression to order by for id order, and how to start after an id.
type sourceSQL struct {
	from    string
	where   []string
	id      string
	value   string
	idOrder string
	// after returns the WHERE term that keeps ids beyond id in direction
	// cmp (">" or "<").
	after func(a *sqlArgs, cmp string, id int64) string
}

// idAfter is the usual after: the id expression compared with the id.
func idAfter(expr string) func(a *sqlArgs, cmp string, id int64) string {
	return func(a *sqlArgs, cmp string, id int64) string { return expr + " " + cmp + " " + a.add(id) }
}

// trigramSource writes the full-text source. On SQLite a trigram phrase
// match is a substring match (values and terms are lower-cased alike), so
// the index answers LIKE '%term%' exactly; a match's rowid names its
// entity and rows come in entity order. On PostgreSQL the partial GIN
// index on search answers LIKE itself; the keys are literals so the
// planner can match it. With one scalar key the rows are the source
// itself (an entity matches once); with several they are reduced to
// distinct ids.
func (r *CatalogReader) trigramSource(ft *catalog.FullTextFilter, a *sqlArgs, rows bool) sourceSQL {
	if r.db.Dialect == Postgres {
		keys := make([]string, 0, len(ft.Fields))
		for _, f := range ft.Fields {
			keys = append(keys, "'"+f+"'") // from catalog.FullTextIndexedKeys, no quoting needed
		}
		conds := []string{"c.key IN (" + strings.Join(keys, ", ") + ")", "c.value " + r.likeSQL(a.add("%"+ft.Term+"%"))}
		if rows {
			return sourceSQL{from: "search c", where: conds, id: "c.id", value: "c.value", idOrder: "c.id", after: idAfter("c.id")}
		}
		return sourceSQL{
			from: "(SELECT DISTINCT c.id AS id FROM search c WHERE " + strings.Join(conds, " AND ") + ") c",
			id:   "c.id", idOrder: "c.id", after: idAfter("c.id"),
		}
	}
	phrase := `"` + strings.ReplaceAll(ft.Term, `"`, `""`) + `"`
	var slots []string
	for _, f := range ft.Fields {
		slots = append(slots, strconv.Itoa(trigramSlots[f]))
	}
	if rows {
		return sourceSQL{
			from:    "search_trigram c",
			where:   []string{"c.search_trigram MATCH " + a.add(phrase), "c.rowid % 4 = " + slots[0]},
			id:      "(c.rowid / 4)",
			value:   "c.value",
			idOrder: "c.rowid",
			// rowid = id*4 + slot, slot 1..3: id > n ⟺ rowid > n*4+3,
			// id < n ⟺ rowid < n*4. Comparing the rowid lets the
			// trigram index start there.
			after: func(a *sqlArgs, cmp string, id int64) string {
				if cmp == ">" {
					return "c.rowid > " + a.add(id*4+3)
				}
				return "c.rowid < " + a.add(id*4)
			},
		}
	}
	inner := "SELECT DISTINCT t.rowid / 4 AS id FROM search_trigram t WHERE t.search_trigram MATCH " + a.add(phrase)
	if len(slots) < len(trigramSlots) {
		inner += " AND t.rowid % 4 IN (" + strings.Join(slots, ", ") + ")"
	}
	return sourceSQL{from: "(" + inner + ") c", id: "c.id", idOrder: "c.id", after: idAfter("c.id")}
}

// trigramSortSlot returns the search_trigram slot that holds the sort
// values of key on SQLite: the scalar keys the table mirrors. A sort value
// read there comes from a small table instead of the search table.
func (r *CatalogReader) trigramSortSlot(key string) (int, bool) {
	slot, ok := trigramSlots[key]
	return slot, ok && r.db.Dialect == SQLite && scalarKeys[key]
}

// trigramSlotsOf returns the trigram table's slots for fields on SQLite,
// false when a field is not mirrored there.
func (r *CatalogReader) trigramSlotsOf(fields []string) ([]int, bool) {
	if r.db.Dialect != SQLite || len(fields) == 0 {
		return nil, false
	}
	slots := make([]int, 0, len(fields))
	for _, f := range fields {
		slot, ok := trigramSlots[f]
		if !ok {
			return nil, false
		}
		slots = append(slots, slot)
	}
	return slots, true
}

// trigramContent is the table that holds search_trigram's values: FTS5's
// content shadow table, an ordinary table of (id INTEGER PRIMARY KEY, c0)
// that is part of SQLite's documented file format. Values looked up by
// entity (a sort value, a full-text test per owned entity) are read there
// directly: through the virtual table each probe is a call into FTS5 and
// took twice as long (5,000 group names: 7.5–14 ms against 19–30 ms).
const (
	trigramContent      = "search_trigram_content"
	trigramContentValue = "c0"
)

// trigramRow is the condition that alias, a row of trigramContent, holds
// the value of slot for the entity idExpr.
func trigramRow(idExpr string, slot int, alias string) string {
	return fmt.Sprintf("%s.id = %s * 4 + %d", alias, idExpr, slot)
}

// trigramValueLike tests the value of slot for the entity idExpr, read
// from alias (a row of trigramContent), for term as a substring.
func trigramValueLike(idExpr string, slot int, alias, term string, a *sqlArgs) string {
	return trigramRow(idExpr, slot, alias) + " AND " + alias + "." + trigramContentValue + " LIKE " + a.add("%"+term+"%")
}
