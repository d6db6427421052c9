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
	var conds []Predicate
	if page.Filter != nil {
		conds = flattenAll(*page.Filter)
	}
	var eqs []int
	for i, c := range conds {
		if isDriver(c) {
			eqs = append(eqs, i)
		}
	}
	indexed := FullTextIndexed(page.FullText)
	needSizes := len(eqs) >= 2 || (sorted && len(eqs) == 1 && !indexed && page.Matches >= 0)
	sizes := map[int]int{}
	if needSizes {
		for _, i := range eqs {
			n, err := q.count(ctx, EntitySet{Filter: &conds[i]})
			if err != nil {
				return err
			}
			sizes[i] = n
		}
	}
	if len(eqs) >= 2 {
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
		page.Filter = &Predicate{Op: OpAll, Children: ordered}
	}
	if !sorted || page.Matches < 0 || (!indexed && len(eqs) == 0) {
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
		page.SourceRows = sizes[eqs[0]]
	}
	n, err := q.count(ctx, EntitySet{SortKey: page.SortKey})
	if err != nil {
		return err
	}
	page.SortKeyMatches = n
	return nil
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
