// Package sqlsearch holds what the SQL search engines (search/sqlite and
// search/postgres) share where their logic and SQL are the same:
// numbered statement arguments, reading hits and single-column results,
// the state values, the indexes' generations, the typo vocabulary and
// the gathering of suggestions. What differs between the dialects stays
// in each engine.
package sqlsearch

import (
	"database/sql"
	"strconv"
	"strings"

	"github.com/callboard/callboard/internal/search"
)

// Args collects a statement's arguments; Add returns the placeholder
// ($1, $2, ...) of the value it adds, which both databases accept.
type Args struct{ Values []any }

// Add appends v and returns its placeholder.
func (a *Args) Add(v any) string {
	a.Values = append(a.Values, v)
	return "$" + strconv.Itoa(len(a.Values))
}

// List appends the values and returns their placeholders joined by
// commas.
func List[T any](a *Args, vs []T) string {
	ph := make([]string, len(vs))
	for i, v := range vs {
		ph[i] = a.Add(v)
	}
	return strings.Join(ph, ", ")
}

// Column reads the single column of every row, and closes rows.
func Column[T any](rows *sql.Rows) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Hits reads rows of (id, type, document, res_ref) into hits in the order
// of ids, with highlights for hl (nil for none), and closes rows. Ids
// without a row are left out.
func Hits(rows *sql.Rows, ids []int64, hl *search.Query) ([]search.Hit, error) {
	defer rows.Close()
	byID := make(map[int64]search.Hit, len(ids))
	for rows.Next() {
		var (
			id  int64
			h   search.Hit
			doc string
		)
		if err := rows.Scan(&id, &h.Type, &doc, &h.ResourceRef); err != nil {
			return nil, err
		}
		h.Document = []byte(doc)
		if hl != nil {
			h.Highlight = search.HighlightsOf(*hl, h.Document)
		}
		byID[id] = h
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]search.Hit, 0, len(ids))
	for _, id := range ids {
		if h, ok := byID[id]; ok {
			out = append(out, h)
		}
	}
	return out, nil
}
