package web

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
)

// The catalog table's whole view lives in its URL, so it can be shared,
// bookmarked and rebuilt by the server alone:
//
//	/catalog?kind=component&type=service&owner=group:default/harbour-team
//	        &tag=java&text=fare&sort=owner&dir=desc&limit=50&cursor=...
//
// kind is a kind, lower-cased, or "all"; without it the table shows
// components. Each filter (type, owner, lifecycle, tag, namespace, system)
// may repeat: values of one filter are alternatives, filters combine.
// user=owned|starred narrows to the reader's own or starred entities,
// health=orphan|unowned to the catalog health lists of the home page.

// filterDim is one filter of the table, backed by a search key.
type filterDim struct {
	Param, Label, Key string
}

// filterDims are the table's filters, in the order the form shows them.
var filterDims = []filterDim{
	{"type", "Type", "spec.type"},
	{"owner", "Owner", "relations.ownedby"},
	{"lifecycle", "Lifecycle", "spec.lifecycle"},
	{"tag", "Tags", "metadata.tags"},
	{"namespace", "Namespace", "metadata.namespace"},
	{"system", "System", "spec.system"},
}

// sortColumn is a column the table sorts by.
type sortColumn struct {
	ID, Label, Field string
	// Always says every entity has the field, so sorting by it hides none.
	Always bool
}

var sortColumns = []sortColumn{
	{"name", "Name", "metadata.name", true},
	{"kind", "Kind", "kind", true},
	{"system", "System", "spec.system", false},
	{"owner", "Owner", "spec.owner", false},
	{"type", "Type", "spec.type", false},
	{"lifecycle", "Lifecycle", "spec.lifecycle", false},
	{"namespace", "Namespace", "metadata.namespace", true},
}

func sortColumnByID(id string) (sortColumn, bool) {
	for _, c := range sortColumns {
		if c.ID == id {
			return c, true
		}
	}
	return sortColumn{}, false
}

// Table view values.
const (
	defaultKind  = "component"
	allKinds     = "all"
	userOwned    = "owned"
	userStarred  = "starred"
	healthOrphan = "orphan"
	// healthUnowned lists entities whose owner resolves to no entity.
	healthUnowned = "unowned"

	defaultPageSize = 25
	maxPageSize     = 100
	// maxFilterValues and maxValueLength bound what a URL may ask for.
	maxFilterValues = 20
	maxValueLength  = 200
	maxTextLength   = 100
)

// pageSizes are the sizes the table offers.
var pageSizes = []int{25, 50, 100}

// fullTextFields are the fields the free-text filter searches: those the
// catalog indexes by trigram.
var fullTextFields = []string{"metadata.name", "metadata.title", "spec.profile.displayname"}

// catalogView is the table's state, parsed from and written to its URL.
type catalogView struct {
	// Kind is lower-cased; "" shows every kind.
	Kind    string
	Text    string
	User    string
	Health  string
	Filters map[string][]string
	Sort    string
	Desc    bool
	Limit   int
	Cursor  string
	// Page is the page number shown, carried along the cursors.
	Page int
}

// parseCatalogView reads the view from a query string; what cannot be a
// view is an InputError naming the parameter.
func parseCatalogView(q url.Values) (catalogView, error) {
	v := catalogView{Kind: defaultKind, Sort: "name", Limit: defaultPageSize, Page: 1, Filters: map[string][]string{}}
	if q.Has("kind") {
		k := strings.ToLower(strings.TrimSpace(q.Get("kind")))
		if len(k) > maxValueLength {
			return v, problem.Input("The kind is too long.")
		}
		if k == allKinds || k == "" {
			k = ""
		}
		v.Kind = k
	}
	v.Text = strings.TrimSpace(q.Get("text"))
	if len([]rune(v.Text)) > maxTextLength {
		return v, problem.Input("The search text is longer than %d characters.", maxTextLength)
	}
	switch v.User = q.Get("user"); v.User {
	case "", "all":
		v.User = ""
	case userOwned, userStarred:
	default:
		return v, problem.Input("There is no %q choice for user; choose owned, starred or all.", v.User)
	}
	switch v.Health = q.Get("health"); v.Health {
	case "", healthOrphan, healthUnowned:
	default:
		return v, problem.Input("There is no %q health list; choose orphan or unowned.", v.Health)
	}
	for _, d := range filterDims {
		var vals []string
		for _, s := range q[d.Param] {
			s = strings.TrimSpace(s)
			if s == "" || slices.Contains(vals, s) {
				continue
			}
			if len(s) > maxValueLength {
				return v, problem.Input("A %s filter value is longer than %d characters.", d.Param, maxValueLength)
			}
			vals = append(vals, s)
		}
		if len(vals) > maxFilterValues {
			return v, problem.Input("At most %d %s filter values at once.", maxFilterValues, d.Param)
		}
		if len(vals) > 0 {
			slices.Sort(vals)
			v.Filters[d.Param] = vals
		}
	}
	if s := q.Get("sort"); s != "" {
		if _, ok := sortColumnByID(s); !ok {
			return v, problem.Input("The table cannot be sorted by %q.", s)
		}
		v.Sort = s
	}
	switch d := q.Get("dir"); d {
	case "", "asc":
	case "desc":
		v.Desc = true
	default:
		return v, problem.Input("The sort direction must be asc or desc.")
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPageSize {
			return v, problem.Input("The page size must be a number from 1 to %d.", maxPageSize)
		}
		v.Limit = n
	}
	v.Cursor = q.Get("cursor")
	if s := q.Get("page"); s != "" && v.Cursor != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			v.Page = n
		}
	}
	return v, nil
}

// values writes the view as a query string, in a fixed order, leaving out
// defaults.
func (v catalogView) values() url.Values {
	q := url.Values{}
	switch v.Kind {
	case defaultKind:
	case "":
		q.Set("kind", allKinds)
	default:
		q.Set("kind", v.Kind)
	}
	for _, d := range filterDims {
		for _, s := range v.Filters[d.Param] {
			q.Add(d.Param, s)
		}
	}
	if v.Text != "" {
		q.Set("text", v.Text)
	}
	if v.User != "" {
		q.Set("user", v.User)
	}
	if v.Health != "" {
		q.Set("health", v.Health)
	}
	if v.Sort != "name" {
		q.Set("sort", v.Sort)
	}
	if v.Desc {
		q.Set("dir", "desc")
	}
	if v.Limit != defaultPageSize {
		q.Set("limit", strconv.Itoa(v.Limit))
	}
	if v.Cursor != "" {
		q.Set("cursor", v.Cursor)
		if v.Page > 1 {
			q.Set("page", strconv.Itoa(v.Page))
		}
	}
	return q
}

// URL is the table's address for the view.
func (v catalogView) URL() string {
	if q := v.values().Encode(); q != "" {
		return "/catalog?" + q
	}
	return "/catalog"
}

// firstPage is the view without its place in the list: any change to the
// filters or the order starts from the top.
func (v catalogView) firstPage() catalogView {
	v.Cursor, v.Page = "", 1
	v.Filters = cloneFilters(v.Filters)
	return v
}

func cloneFilters(f map[string][]string) map[string][]string {
	out := make(map[string][]string, len(f))
	for k, vs := range f {
		out[k] = slices.Clone(vs)
	}
	return out
}

// without is the first page of the view with one filter value removed.
func (v catalogView) without(param, value string) catalogView {
	v = v.firstPage()
	v.Filters[param] = slices.DeleteFunc(v.Filters[param], func(s string) bool { return s == value })
	if len(v.Filters[param]) == 0 {
		delete(v.Filters, param)
	}
	return v
}

// fieldIn matches entities whose key has one of values (any case).
func fieldIn(key string, values []string) *catalog.Predicate {
	lower := make([]string, 0, len(values))
	for _, s := range values {
		l := strings.ToLower(s)
		if !slices.Contains(lower, l) {
			lower = append(lower, l)
		}
	}
	slices.Sort(lower)
	return &catalog.Predicate{Op: catalog.OpField, Key: key, Match: catalog.FieldMatch{Kind: catalog.MatchEq, Values: lower}}
}

// refsPredicate matches the entities with the given refs.
func refsPredicate(refs []string) *catalog.Predicate {
	var alts []catalog.Predicate
	for _, s := range refs {
		r, err := entity.ParseRef(s, entity.RefDefaults{})
		if err != nil {
			continue
		}
		alts = append(alts, *catalog.AllOf(
			fieldIn("kind", []string{r.Kind}),
			fieldIn("metadata.namespace", []string{r.Namespace}),
			fieldIn("metadata.name", []string{r.Name}),
		))
	}
	if len(alts) == 0 {
		return catalog.MatchNothing()
	}
	return &catalog.Predicate{Op: catalog.OpAny, Children: alts}
}

// scope is what the view's user and health choices resolve to: the
// entity refs or owners they stand for, which the page looks up.
type scope struct {
	// Ownership are the reader's ownership refs, for user=owned.
	Ownership []string
	// Starred are the reader's starred refs, for user=starred.
	Starred []string
	// Unresolved are the owners that are no entity, for health=unowned.
	Unresolved []string
}

// filter is the predicate of the view, leaving out the filter param
// (a facet's own) when skip names one.
func (v catalogView) filter(sc scope, skip string) *catalog.Predicate {
	var parts []*catalog.Predicate
	if v.Kind != "" {
		parts = append(parts, fieldIn("kind", []string{v.Kind}))
	}
	for _, d := range filterDims {
		if d.Param == skip || len(v.Filters[d.Param]) == 0 {
			continue
		}
		parts = append(parts, fieldIn(d.Key, v.Filters[d.Param]))
	}
	switch v.User {
	case userOwned:
		if len(sc.Ownership) == 0 {
			parts = append(parts, catalog.MatchNothing())
		} else {
			parts = append(parts, fieldIn("relations.ownedby", sc.Ownership))
		}
	case userStarred:
		parts = append(parts, refsPredicate(sc.Starred))
	}
	switch v.Health {
	case healthOrphan:
		parts = append(parts, fieldIn("metadata.annotations."+entity.AnnotationOrphan, []string{"true"}))
	case healthUnowned:
		if len(sc.Unresolved) == 0 {
			parts = append(parts, catalog.MatchNothing())
		} else {
			parts = append(parts, fieldIn("relations.ownedby", sc.Unresolved))
		}
	}
	return catalog.AllOf(parts...)
}

// request is the catalog query of the view's page.
func (v catalogView) request(sc scope) catalog.QueryRequest {
	limit := v.Limit
	if v.Cursor != "" {
		return catalog.QueryRequest{Cursor: v.Cursor, Limit: &limit}
	}
	col, _ := sortColumnByID(v.Sort)
	req := catalog.QueryRequest{
		Filter: v.filter(sc, ""),
		Order:  &catalog.Order{Field: col.Field, Desc: v.Desc},
		Limit:  &limit,
	}
	if v.Text != "" {
		req.FullText = &catalog.FullTextFilter{Term: v.Text, Fields: fullTextFields}
	}
	return req
}
