package catalog

import (
	"context"
	"slices"
)

// planPage fills a page's planning hints from cached counts and puts the
// filter's single-value equality conditions first, smallest first, so the
// store drives the query from the most selective one. The counts cost a
// scan the first time a catalog generation sees them, nothing after.
func (q *Query) planPage(ctx context.Context, page *EntityPage) error {
	page.SortKeyMatches, page.SourceRows = -1, -1
	sorted := page.SortKey != ""
	indexed := FullTextIndexed(page.FullText)
	filter, driverSize, err := q.driversFirst(ctx, page.Filter, sorted && !indexed && page.Matches >= 0)
	if err != nil {
		return err
	}
	page.Filter = filter
	if !sorted || page.Matches < 0 || (!indexed && driverSize < 0) {
		return nil
	}
	switch {
	case indexed:
		n, err := q.count(ctx, EntitySet{FullText: page.FullText})
		if err != nil {
			return err
		}
		page.SourceRows = n
	default:
		page.SourceRows = driverSize
	}
	n, err := q.count(ctx, EntitySet{SortKey: page.SortKey})
	if err != nil {
		return err
	}
	page.SortKeyMatches = n
	return nil
}

// driversFirst puts a filter's single-value equality conditions (drivers)
// first, smallest first by their cached counts, and returns the size of
// the first, or -1 when the drivers were not counted: they are counted
// when there are two or more, or one and countOne is set.
func (q *Query) driversFirst(ctx context.Context, filter *Predicate, countOne bool) (*Predicate, int, error) {
	if filter == nil {
		return nil, -1, nil
	}
	conds := flattenAll(*filter)
	var eqs []int
	for i, c := range conds {
		if isDriver(c) {
			eqs = append(eqs, i)
		}
	}
	if len(eqs) == 0 || (len(eqs) == 1 && !countOne) {
		return filter, -1, nil
	}
	sizes := map[int]int{}
	for _, i := range eqs {
		n, err := q.count(ctx, EntitySet{Filter: &conds[i]})
		if err != nil {
			return nil, 0, err
		}
		sizes[i] = n
	}
	if len(eqs) == 1 {
		return filter, sizes[eqs[0]], nil
	}
	slices.SortStableFunc(eqs, func(a, b int) int { return sizes[a] - sizes[b] })
	ordered := make([]Predicate, 0, len(conds))
	for _, i := range eqs {
		ordered = append(ordered, conds[i])
	}
	for _, c := range conds {
		if !isDriver(c) {
			ordered = append(ordered, c)
		}
	}
	return &Predicate{Op: OpAll, Children: ordered}, sizes[eqs[0]], nil
}

// isDriver reports whether a condition can drive a query: one key, one
// value, a single range of the search index.
func isDriver(p Predicate) bool {
	return p.Op == OpField && p.Match.Kind == MatchEq && len(p.Match.Values) == 1
}

// flattenAll lists the conditions of nested $all nodes.
func flattenAll(p Predicate) []Predicate {
	if p.Op != OpAll && p.Op != "" {
		return []Predicate{p}
	}
	var out []Predicate
	for _, c := range p.Children {
		out = append(out, flattenAll(c)...)
	}
	return out
}
