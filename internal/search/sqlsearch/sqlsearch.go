// Package sqlsearch holds what the SQL search engines (search/sqlite and
// search/postgres) share: numbered statement arguments, the vocabulary
// words of a document, reading hits and single-column results, and the
// generations left behind by rebuilds.
package sqlsearch

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

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

// NameTerms are the words of a document's name and title that typo
// tolerance may correct to: lower-cased, at least three letters, not
// numbers.
func NameTerms(d *search.Document) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range append(search.Words(d.Name), search.Words(d.Title)...) {
		if len([]rune(w)) < 3 || seen[w] || strings.Trim(w, "0123456789") == "" {
			continue
		}
		seen[w] = true
		out = append(out, w)
	}
	return out
}

// DropStale calls drop for each of typ's generations created before
// before that is not live: ones that rebuilds started and never finished.
func DropStale(ctx context.Context, db *sql.DB, typ string, before time.Time, drop func(context.Context, int64) error) error {
	rows, err := db.QueryContext(ctx, `SELECT g.id FROM search_generations g
		WHERE g.type = $1 AND g.created_at < $2
		  AND g.id <> coalesce((SELECT generation FROM search_indexes WHERE type = $1), 0)`,
		typ, before.UnixMilli())
	if err != nil {
		return fmt.Errorf("read search generations: %w", err)
	}
	stale, err := Column[int64](rows)
	if err != nil {
		return fmt.Errorf("read search generations: %w", err)
	}
	for _, g := range stale {
		if err := drop(ctx, g); err != nil {
			return err
		}
	}
	return nil
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
