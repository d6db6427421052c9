package store

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/callboard/callboard/internal/catalog"
)

// Facets implements catalog.QueryStore. Buckets are the original,
// case-preserving values, COALESCE(original_value, value), since the
// original is stored only when it differs; rows without either are not
// counted.
//
// Grouping on that expression would read every row of the key from the
// table. Instead two index-only reads are combined: counts per lower-cased
// value (search_key_value), and counts per (value, original) of the rows
// whose original differs (the partial index search_original, migration
// 0002). A value's own bucket is its count less the rows that carry a
// different original; each original gets its rows' count.
func (r *CatalogReader) Facets(ctx context.Context, keys []string, filter *catalog.Predicate) (map[string][]catalog.FacetCount, error) {
	out := make(map[string][]catalog.FacetCount, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	src, rest, err := r.facetSource(ctx, filter)
	if err != nil {
		return nil, err
	}
	type bucket struct{ key, value string }
	counts := map[bucket]int{}
	err = r.facetRows(ctx, keys, src, rest, false, func(key string, value, original *string, n int) {
		counts[bucket{key, *value}] += n
	})
	if err != nil {
		return nil, err
	}
	err = r.facetRows(ctx, keys, src, rest, true, func(key string, value, original *string, n int) {
		if value != nil {
			counts[bucket{key, *value}] -= n
		}
		counts[bucket{key, *original}] += n
	})
	if err != nil {
		return nil, err
	}
	for b, n := range counts {
		if n > 0 {
			out[b.key] = append(out[b.key], catalog.FacetCount{Value: b.value, Count: n})
		}
	}
	// Byte order on both databases (Go string order), whatever collation
	// PostgreSQL was set up with.
	for _, f := range out {
		sort.Slice(f, func(i, j int) bool { return f[i].Value < f[j].Value })
	}
	return out, nil
}

// facetDriveShare is the share of the catalog (one in facetDriveShare)
// below which facets are read from the filter's equality: each of its
// entities probed for its rows of the keys costs about five times a row of
// the keys looked up among the filter's entities. At 100,000 entities,
// CPU for the catalog table's six facet keys: 5,000 groups 0.10 s that way
// and 0.15 s the other, 6,000 resources 0.16 and 0.18 s, 15,000 APIs 0.49
// and 0.25 s, 45,000 components the other way 0.3 s.
const facetDriveShare = 15

// facetSource returns what facets under filter are read from: its
// driving equality when that names under a facetDriveShare-th of the
// catalog, with the conditions left to test; otherwise no source, and
// every condition is tested on each row of the keys.
func (r *CatalogReader) facetSource(ctx context.Context, filter *catalog.Predicate) (*source, []*catalog.Predicate, error) {
	src, rest := r.planSource(catalog.EntitySet{Filter: filter})
	if src == nil || src.eq == nil {
		return nil, conjuncts(filter), nil
	}
	n, err := r.CountEntities(ctx, catalog.EntitySet{Filter: src.eq})
	if err != nil {
		return nil, nil, err
	}
	total, err := r.CountEntities(ctx, catalog.EntitySet{})
	if err != nil {
		return nil, nil, err
	}
	if n*facetDriveShare >= total {
		return nil, conjuncts(filter), nil
	}
	return src, rest, nil
}

// facetRows runs one of the two facet reads: per (key, value) over rows
// with a value, or, with originals, per (key, value, original) over rows
// whose original differs from the value. With a source (facetSource) the
// rows are read from its entities; otherwise every row of the keys is
// tested against the conditions in rest.
func (r *CatalogReader) facetRows(ctx context.Context, keys []string, src *source, rest []*catalog.Predicate, originals bool,
	add func(key string, value, original *string, n int)) error {
	a := r.args()
	var b strings.Builder
	cols := "s.key, s.value"
	if originals {
		cols += ", s.original_value"
	}
	if src != nil {
		ss := src.sql(r, &a)
		b.WriteString("SELECT " + cols + ", count(*) FROM " + ss.from + " CROSS JOIN " + a.byEntity("s") + " WHERE ")
		for _, w := range ss.where {
			b.WriteString(w + " AND ")
		}
		b.WriteString("s.id = " + ss.id + " AND s.key")
	} else {
		b.WriteString("SELECT " + cols + ", count(*) FROM search s WHERE s.key")
	}
	writeIn(&b, keys, &a)
	if originals {
		b.WriteString(" AND s.original_value IS NOT NULL")
	} else {
		b.WriteString(" AND s.value IS NOT NULL")
	}
	for _, c := range rest {
		b.WriteString(" AND ")
		if c.Op == catalog.OpField && c.Match.Kind == catalog.MatchEq && len(c.Match.Values) > 0 {
			// Each row's entity is looked up among the condition's
			// entities, read once: kind=component tested on the 500,000
			// rows of six keys took a third of the time that probing
			// each entity's kind did.
			b.WriteString("s.id IN (SELECT f.id FROM search f WHERE f.key = " + a.add(c.Key) + " AND f.value")
			writeIn(&b, c.Match.Values, &a)
			b.WriteString(")")
			continue
		}
		cond, err := predicateSQL(c, "s.id", &a)
		if err != nil {
			return err
		}
		b.WriteString(cond)
	}
	b.WriteString(" GROUP BY " + cols)
	rows, err := r.query(ctx, b.String(), a.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			key             string
			value, original *string
			n               int
		)
		dest := []any{&key, &value, &n}
		if originals {
			dest = []any{&key, &value, &original, &n}
		}
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("read facets: %w", err)
		}
		add(key, value, original, n)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read facets: %w", err)
	}
	return nil
}
