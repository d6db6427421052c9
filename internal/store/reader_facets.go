package store

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/callboard/callboard/internal/catalog"
)

// Facets implements catalog.QueryStore. Buckets are the original,
// case-preserving values (COALESCE(original_value, value), since the
// original is stored only when it differs); rows without a value (null or
// over 200 characters) are not counted.
func (r *CatalogReader) Facets(ctx context.Context, keys []string, filter *catalog.Predicate) (map[string][]catalog.FacetCount, error) {
	out := make(map[string][]catalog.FacetCount, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	a := sqlArgs{dialect: r.db.Dialect}
	var b strings.Builder
	b.WriteString("SELECT s.key, COALESCE(s.original_value, s.value), count(*) FROM search s WHERE s.key")
	writeIn(&b, keys, &a)
	b.WriteString(" AND COALESCE(s.original_value, s.value) IS NOT NULL")
	if filter != nil {
		cond, err := predicateSQL(filter, "s.id", &a)
		if err != nil {
			return nil, err
		}
		b.WriteString(" AND " + cond)
	}
	b.WriteString(" GROUP BY s.key, COALESCE(s.original_value, s.value)")
	rows, err := r.query(ctx, b.String(), a.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var fc catalog.FacetCount
		if err := rows.Scan(&key, &fc.Value, &fc.Count); err != nil {
			return nil, fmt.Errorf("read facets: %w", err)
		}
		out[key] = append(out[key], fc)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read facets: %w", err)
	}
	// Byte order on both databases (Go string order), whatever collation
	// PostgreSQL was set up with.
	for _, f := range out {
		sort.Slice(f, func(i, j int) bool { return f[i].Value < f[j].Value })
	}
	return out, nil
}
