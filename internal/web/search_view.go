package web

import (
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/callboard/callboard/internal/search"
)

// The search page's address holds its whole view, in the parameters
// Backstage's search page writes, so that a link from either portal
// works in the other: query, types[] (result types), filters[<field>]
// (repeated for alternatives) and pageCursor. The qs forms types[0]=
// and filters[kind][0]= are read too.

// searchFilter is one filter of the search page: a document field the
// engine filters on, and the catalog search key whose values the form
// offers for it.
type searchFilter struct {
	Field, Label, Key string
}

// searchFilters are the page's filters, in the order the form shows them.
var searchFilters = []searchFilter{
	{"kind", "Kind", "kind"},
	{"type", "Type", "spec.type"},
	{"lifecycle", "Lifecycle", "spec.lifecycle"},
	{"owner", "Owner", "spec.owner"},
	{"namespace", "Namespace", "metadata.namespace"},
}

// Bounds of the search page's view.
const (
	// maxSearchValues bounds the values of one filter in an address.
	maxSearchValues = 20
	// maxSearchQuery bounds the query kept from an address; the service
	// refuses longer ones with a clear message, so the page keeps what
	// it shows in the box within the box's own limit.
	maxSearchQuery = 200
)

// searchView is what the search page shows, as its address says.
type searchView struct {
	Query   string
	Types   []string
	Filters map[string][]string
	Cursor  string
}

var (
	typesParam  = regexp.MustCompile(`^types(\[\d*\])?$`)
	filterParam = regexp.MustCompile(`^filters\[([A-Za-z_][A-Za-z0-9_-]*)\](\[\d*\])?$`)
)

// parseSearchView reads a view from a query string. Filters the page
// does not offer are left out; values are trimmed, empty ones dropped.
func parseSearchView(q url.Values) searchView {
	v := searchView{Filters: map[string][]string{}}
	v.Query = strings.TrimSpace(q.Get("query"))
	if v.Query == "" {
		v.Query = strings.TrimSpace(q.Get("term"))
	}
	if r := []rune(v.Query); len(r) > maxSearchQuery {
		v.Query = string(r[:maxSearchQuery])
	}
	v.Cursor = strings.TrimSpace(q.Get("pageCursor"))
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	// qs writes types[0], types[1] ...: read them in that order.
	slices.Sort(keys)
	add := func(list []string, vals []string) []string {
		for _, val := range vals {
			val = strings.TrimSpace(val)
			if val != "" && len(list) < maxSearchValues && !slices.Contains(list, val) {
				list = append(list, val)
			}
		}
		return list
	}
	for _, k := range keys {
		if typesParam.MatchString(k) {
			v.Types = add(v.Types, q[k])
			continue
		}
		m := filterParam.FindStringSubmatch(k)
		if m == nil || !slices.ContainsFunc(searchFilters, func(f searchFilter) bool { return f.Field == m[1] }) {
			continue
		}
		if vals := add(v.Filters[m[1]], q[k]); len(vals) > 0 {
			v.Filters[m[1]] = vals
		}
	}
	return v
}

// Active reports whether the view asks for results: a query or a
// filter. The page without either explains itself instead of listing
// every document.
func (v searchView) Active() bool {
	return v.Query != "" || len(v.Types) > 0 || len(v.Filters) > 0
}

// request is the view as the search service takes it.
func (v searchView) request() search.Request {
	req := search.Request{Term: v.Query, Types: v.Types, PageCursor: v.Cursor}
	if len(v.Filters) > 0 {
		req.Filters = make(map[string][]string, len(v.Filters))
		for k, vals := range v.Filters {
			req.Filters[k] = vals
		}
	}
	return req
}

// values writes the view back in the page's parameters.
func (v searchView) values() url.Values {
	out := url.Values{}
	if v.Query != "" {
		out.Set("query", v.Query)
	}
	for _, t := range v.Types {
		out.Add("types[]", t)
	}
	for _, f := range searchFilters {
		for _, val := range v.Filters[f.Field] {
			out.Add("filters["+f.Field+"]", val)
		}
	}
	if v.Cursor != "" {
		out.Set("pageCursor", v.Cursor)
	}
	return out
}

// URL is the view's address.
func (v searchView) URL() string {
	if q := v.values().Encode(); q != "" {
		return "/search?" + q
	}
	return "/search"
}

// at is the view at another page.
func (v searchView) at(cursor string) searchView {
	v.Cursor = cursor
	return v
}

// without is the view without one filter value (field "types" for a
// result type), from its first page.
func (v searchView) without(field, value string) searchView {
	out := v
	out.Cursor = ""
	if field == "types" {
		out.Types = slices.DeleteFunc(slices.Clone(v.Types), func(t string) bool { return t == value })
		return out
	}
	out.Filters = make(map[string][]string, len(v.Filters))
	for k, vals := range v.Filters {
		if k == field {
			vals = slices.DeleteFunc(slices.Clone(vals), func(x string) bool { return x == value })
		}
		if len(vals) > 0 {
			out.Filters[k] = vals
		}
	}
	return out
}
