// Package sqlsearch holds what the SQL search engines (search/sqlite and
// search/postgres) build their statements from: numbered arguments, the
// permission condition and the filters over their shared document table
// layout.
package sqlsearch

import (
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

// ColumnFilters are the document fields both engines keep in columns of
// search_documents (f_<field>, lower-cased), so that the filters used most
// read a column rather than the document.
var ColumnFilters = map[string]string{
	"kind":      "f_kind",
	"type":      "f_type",
	"lifecycle": "f_lifecycle",
	"owner":     "f_owner",
	"namespace": "f_namespace",
}

// ColumnValues returns the values of the filter columns for a document,
// in the order of ColumnNames; nil where the field is missing or not a
// string.
func ColumnValues(d *search.Document) []any {
	out := make([]any, len(ColumnNames))
	for i, f := range ColumnNames {
		if s, ok := d.Extra[f].(string); ok {
			out[i] = strings.ToLower(s)
		}
	}
	return out
}

// ColumnNames are the fields of ColumnFilters in a fixed order.
var ColumnNames = []string{"kind", "type", "lifecycle", "owner", "namespace"}

// Access returns the SQL of a permission condition over the document
// alias d: the owners table for RuleOwner, the res_kind column for
// RuleKind. c must be relaxed (no opaque rule).
func Access(c *search.Condition, a *Args) string {
	switch {
	case c.AllOf != nil:
		if len(c.AllOf) == 0 {
			return "1 = 1"
		}
		return join(c.AllOf, " AND ", a)
	case c.AnyOf != nil:
		if len(c.AnyOf) == 0 {
			return "1 = 0"
		}
		return join(c.AnyOf, " OR ", a)
	case c.Not != nil:
		return "NOT (" + Access(c.Not, a) + ")"
	case c.Rule == search.RuleOwner:
		if len(c.Values) == 0 {
			return "1 = 0"
		}
		return "EXISTS (SELECT 1 FROM search_document_owners o WHERE o.owner IN (" + List(a, c.Values) + ") AND o.doc = d.id)"
	case c.Rule == search.RuleKind:
		if len(c.Values) == 0 {
			return "1 = 0"
		}
		return "d.res_kind IN (" + List(a, c.Values) + ")"
	}
	// An opaque rule left in: allow, the Service checks afterwards.
	return "1 = 1"
}

func join(cs []search.Condition, op string, a *Args) string {
	parts := make([]string, len(cs))
	for i := range cs {
		parts[i] = "(" + Access(&cs[i], a) + ")"
	}
	return strings.Join(parts, op)
}

// Where returns the conditions every document query shares: the live
// generations, the filters (jsonFilter writes those without a column)
// and the permission condition, joined by AND.
func Where(gens []int64, filters []search.Filter, access *search.Condition, a *Args, jsonFilter func(f search.Filter, a *Args) string) string {
	parts := []string{"d.generation IN (" + List(a, gens) + ")"}
	for _, f := range filters {
		if col, ok := ColumnFilters[f.Field]; ok {
			parts = append(parts, "d."+col+" IN ("+List(a, f.Values)+")")
			continue
		}
		parts = append(parts, jsonFilter(f, a))
	}
	if access != nil {
		parts = append(parts, "("+Access(access, a)+")")
	}
	return strings.Join(parts, " AND ")
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

// Paging splits a page (offset, limit) over ranked tiers of results: for
// each tier in order, size returns its number of results (counted up to
// at least the cap it is given) and fetch reads rows of it; Paging calls
// them only as far as the page needs.
func Paging(tiers int, offset, limit int, size func(tier, upTo int) (int, error), fetch func(tier, offset, limit int) (int, error)) error {
	skip, need := offset, limit
	for t := 0; t < tiers && need > 0; t++ {
		if skip > 0 {
			n, err := size(t, skip+1)
			if err != nil {
				return err
			}
			if n <= skip {
				skip -= n
				continue
			}
		}
		got, err := fetch(t, skip, need)
		if err != nil {
			return err
		}
		skip = 0
		need -= got
	}
	return nil
}
