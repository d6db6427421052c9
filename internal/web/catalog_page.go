package web

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
)

// Bounds of the catalog page.
const (
	// maxStarsInFilter caps the stars user=starred looks for.
	maxStarsInFilter = 200
	// maxUnresolvedOwners caps the unresolved owners health=unowned
	// filters by.
	maxUnresolvedOwners = 500
	// facetShown values of a facet show at first; up to facetListed sit
	// behind "more".
	facetShown  = 8
	facetListed = 50
)

// catalogPage is the data of the catalog table.
type catalogPage struct {
	View    catalogView
	Heading string
	// Noun names Total's entities: "components", "API" ...
	Noun     string
	Kinds    []option
	Users    []option
	Facets   []facetGroup
	Chips    []chip
	Columns  []columnHead
	ShowKind bool
	Rows     []catalogRow
	// Total is the number of matches, once TotalReady; First and Last
	// number the rows shown.
	Total, First, Last int
	TotalReady         bool
	FirstURL           string
	PrevURL, NextURL   string
	PageSizes          []option
	// SortNote says that sorting by a column hides entities without it.
	SortNote string
	ClearURL string
	// Sorts are the sort choices of the filter form.
	Sorts      []option
	LimitParam int
}

// option is one choice of a select or radio group.
type option struct {
	Value, Label string
	Count        int
	// Num is Count as the page writes it.
	Num      string
	Selected bool
	Href     string
}

// facetGroup is one filter of the form: its values with counts.
type facetGroup struct {
	Param, Label string
	// Ready is false while the counts are still being computed; Shown
	// then holds the selected values only.
	Ready bool
	Shown []option
	More  []option
	// Unlisted counts values beyond the listed ones.
	Unlisted int
	Error    bool
}

// chip is an active filter with a link that removes it.
type chip struct {
	Label, RemoveURL string
}

// columnHead is a sortable column.
type columnHead struct {
	Label, Href string
	// Sort is the aria-sort value: ascending, descending or "".
	Sort string
}

// catalogRow is one entity of the table.
type catalogRow struct {
	Href, Name  string
	Kind        string
	Type        string
	Lifecycle   string
	Owner       refLink
	System      refLink
	Description string
	Tags        []string
}

func (s *site) catalogPage(w http.ResponseWriter, r *http.Request) error {
	v, err := parseCatalogView(r.URL.Query())
	if err != nil {
		return err
	}
	cat, err := s.reader(r)
	if err != nil {
		return err
	}
	me := viewerOf(r)
	sc, err := s.scopeOf(r.Context(), v, me)
	if err != nil {
		return err
	}
	deadline := s.partsDeadline()
	key := me.Ref + "\x00" + strings.Join(me.Ownership, ",")
	// The count is a part: counting a large filtered set the first time
	// (13,600 libraries among 45,000 components, by lifecycle) can take
	// longer than the page. It starts first and the page waits for it
	// until the deadline: counted in time, the count is cached and plans
	// the page; otherwise the page plans from its filters' sizes and the
	// script fetches the count.
	whole := v.firstPage().request(sc)
	countKey, err := json.Marshal(whole)
	if err != nil {
		return err
	}
	countPart := startCount(s, key+"\x00count\x00"+string(countKey), func(ctx context.Context) (int, error) {
		none := 0
		whole.Limit = &none
		res, err := cat.QueryEntities(ctx, whole)
		if err != nil {
			return 0, err
		}
		return res.TotalItems, nil
	})
	total, totalReady, err := awaitPart[int](r, countPart, deadline)
	if err != nil {
		return err
	}
	// The other parts compute while the page reads its rows.
	kindsPart := startPart(s, key+"\x00kinds", func(ctx context.Context) ([]catalog.FacetCount, error) {
		f, err := cat.Facets(ctx, catalog.FacetsRequest{Facets: []string{"kind"}})
		return f["kind"], err
	})
	facetsPart := startPart(s, key+"\x00facets\x00"+v.Kind, func(ctx context.Context) (map[string][]catalog.FacetCount, error) {
		return facetCounts(ctx, cat, v.Kind)
	})
	req := v.request(sc)
	req.SkipTotal = true
	res, err := cat.QueryEntities(r.Context(), req)
	if err != nil {
		return err
	}
	p := &catalogPage{
		View:       v,
		Heading:    kindPlural(v.Kind),
		ShowKind:   v.Kind == "",
		Total:      total,
		TotalReady: totalReady,
		ClearURL:   catalogView{Kind: v.Kind, Sort: "name", Limit: v.Limit}.URL(),
		LimitParam: v.Limit,
	}
	for _, c := range sortColumns {
		if c.ID == "kind" && v.Kind != "" {
			continue
		}
		p.Sorts = append(p.Sorts, option{Value: c.ID, Label: c.Label, Selected: c.ID == v.Sort})
	}
	for _, raw := range res.Items {
		e, err := decodeSummary(raw)
		if err != nil {
			return err
		}
		p.Rows = append(p.Rows, viewRow(e))
	}
	p.Noun = kindNoun(v.Kind, p.Total)
	p.First = (v.Page-1)*v.Limit + 1
	p.Last = p.First + len(p.Rows) - 1
	if res.NextCursor != "" {
		next := v
		next.Cursor, next.Page = res.NextCursor, v.Page+1
		p.NextURL = next.URL()
	}
	if res.PrevCursor != "" {
		prev := v
		prev.Cursor, prev.Page = res.PrevCursor, max(v.Page-1, 1)
		if prev.Page == 1 {
			prev.Cursor = ""
		}
		p.PrevURL = prev.URL()
	}
	if v.Cursor != "" {
		p.FirstURL = v.firstPage().URL()
	}
	p.Columns = columnHeads(v)
	if col, _ := sortColumnByID(v.Sort); !col.Always {
		p.SortNote = "Sorted by " + strings.ToLower(col.Label) + ": entities without one are not listed."
	}
	for _, n := range pageSizes {
		sized := v.firstPage()
		sized.Limit = n
		p.PageSizes = append(p.PageSizes, option{Label: formatCount(n), Href: sized.URL(), Selected: n == v.Limit})
	}
	if me.Ref != "" {
		for _, u := range []struct{ value, label string }{{"", "All"}, {userOwned, "Owned by me"}, {userStarred, "Starred"}} {
			p.Users = append(p.Users, option{Value: u.value, Label: u.label, Selected: v.User == u.value})
		}
	}
	p.Chips = chipsOf(v)

	kinds, _, err := awaitPart[[]catalog.FacetCount](r, kindsPart, deadline)
	if err != nil && !problem.Is(err, problem.InputError) {
		return err
	}
	p.Kinds = kindOptions(v, kinds)
	groups, ready, err := awaitPart[map[string][]catalog.FacetCount](r, facetsPart, deadline)
	if err != nil {
		s.log.WarnContext(r.Context(), "facet counts failed", "error", err)
	}
	p.Facets = facetGroups(v, groups, ready, err != nil)
	return s.render(w, r, http.StatusOK, "catalog", p.Heading, p)
}

// scopeOf looks up what the view's user and health choices stand for.
func (s *site) scopeOf(ctx context.Context, v catalogView, me viewer) (scope, error) {
	var sc scope
	if v.User != "" && me.Ref == "" {
		return sc, problem.Input("Sign in to see the entities you own or starred.")
	}
	switch v.User {
	case userOwned:
		sc.Ownership = me.Ownership
	case userStarred:
		stars, err := s.ui.Stars(ctx, me.Ref, maxStarsInFilter)
		if err != nil {
			return sc, err
		}
		sc.Starred = stars
	}
	if v.Health == healthUnowned {
		owners, err := s.ui.UnresolvedOwners(ctx, maxUnresolvedOwners)
		if err != nil {
			return sc, err
		}
		sc.Unresolved = owners
	}
	return sc, nil
}

// facetCounts reads the counts of every filter's values among the
// entities of the view's kind, as Backstage's pickers count them. They
// do not follow the other filters: counts over every combination of
// filters would each scan the search rows of six keys, while one read per
// kind is shared by every view of that kind and cached until the catalog
// changes.
func facetCounts(ctx context.Context, cat CatalogReader, kind string) (map[string][]catalog.FacetCount, error) {
	keys := make([]string, len(filterDims))
	for i, d := range filterDims {
		keys[i] = d.Key
	}
	req := catalog.FacetsRequest{Facets: keys}
	if kind != "" {
		req.Filter = fieldIn("kind", []string{kind})
	}
	return cat.Facets(ctx, req)
}

// facetGroups lays out the filters' values: the most common first, the
// chosen ones always shown. A facet may have thousands of values (owners,
// tags); only the listed ones are sorted and labelled.
func facetGroups(v catalogView, counts map[string][]catalog.FacetCount, ready, failed bool) []facetGroup {
	out := make([]facetGroup, 0, len(filterDims))
	for _, d := range filterDims {
		label := func(value string) string { return facetLabel(d.Param, value) }
		out = append(out, newFacetGroup(d.Param, d.Label, v.Filters[d.Param], counts[d.Key], ready, failed, label))
	}
	return out
}

// newFacetGroup lays out one filter's values from their counts: case
// variants of a value counted together (the filter matches them
// together), the most common listed first, the chosen ones always shown,
// each labelled by labelOf. Until the counts are ready it shows the chosen
// values only.
func newFacetGroup(param, title string, chosen []string, fc []catalog.FacetCount, ready, failed bool, labelOf func(string) string) facetGroup {
	g := facetGroup{Param: param, Label: title, Ready: ready, Error: failed}
	if !ready {
		for _, c := range chosen {
			g.Shown = append(g.Shown, option{Value: c, Label: labelOf(c), Selected: true})
		}
		return g
	}
	index := make(map[string]int, len(fc))
	merged := make([]catalog.FacetCount, 0, len(fc))
	for _, f := range fc {
		l := strings.ToLower(f.Value)
		if i, ok := index[l]; ok {
			merged[i].Count += f.Count
			continue
		}
		index[l] = len(merged)
		merged = append(merged, f)
	}
	picked := map[string]bool{}
	var opts []option
	for _, f := range topFacets(merged, facetListed) {
		picked[strings.ToLower(f.Value)] = true
		opts = append(opts, option{Value: f.Value, Count: f.Count})
	}
	g.Unlisted = len(merged) - len(opts)
	for _, c := range chosen {
		l := strings.ToLower(c)
		if picked[l] {
			continue
		}
		picked[l] = true
		o := option{Value: c}
		if i, ok := index[l]; ok {
			o.Value, o.Count = merged[i].Value, merged[i].Count
			g.Unlisted--
		}
		opts = append(opts, o)
	}
	for i, o := range opts {
		o.Label = labelOf(o.Value)
		o.Num = formatCount(o.Count)
		o.Selected = slices.ContainsFunc(chosen, func(c string) bool { return strings.EqualFold(c, o.Value) })
		if i < facetShown || o.Selected {
			g.Shown = append(g.Shown, o)
		} else {
			g.More = append(g.More, o)
		}
	}
	return g
}

// topFacets returns the n most common values, most common first, ties in
// value order, without sorting all of them.
func topFacets(fc []catalog.FacetCount, n int) []catalog.FacetCount {
	before := func(a, b catalog.FacetCount) bool {
		return a.Count > b.Count || a.Count == b.Count && a.Value < b.Value
	}
	top := make([]catalog.FacetCount, 0, n+1)
	for _, f := range fc {
		if len(top) == n && !before(f, top[n-1]) {
			continue
		}
		i, _ := slices.BinarySearchFunc(top, f, func(x, y catalog.FacetCount) int {
			if before(x, y) {
				return -1
			}
			return 1
		})
		top = slices.Insert(top, i, f)
		if len(top) > n {
			top = top[:n]
		}
	}
	return top
}

// facetLabel shows an owner ref the short way.
func facetLabel(param, value string) string {
	if param == "owner" {
		return linkTo(value, "group").Label
	}
	return value
}

// kindOptions are the kind select's choices.
func kindOptions(v catalogView, kinds []catalog.FacetCount) []option {
	out := []option{{Value: allKinds, Label: "All kinds", Selected: v.Kind == ""}}
	seen := false
	for _, k := range kinds {
		l := strings.ToLower(k.Value)
		if slices.ContainsFunc(out, func(o option) bool { return o.Value == l }) {
			continue
		}
		out = append(out, option{Value: l, Label: k.Value, Count: k.Count, Num: formatCount(k.Count), Selected: l == v.Kind})
		seen = seen || l == v.Kind
	}
	if v.Kind != "" && !seen {
		out = append(out, option{Value: v.Kind, Label: titleCase(v.Kind), Selected: true})
	}
	return out
}

// chipsOf lists the view's active filters.
func chipsOf(v catalogView) []chip {
	var out []chip
	for _, d := range filterDims {
		for _, val := range v.Filters[d.Param] {
			out = append(out, chip{Label: d.Label + ": " + facetLabel(d.Param, val), RemoveURL: v.without(d.Param, val).URL()})
		}
	}
	if v.Text != "" {
		w := v.firstPage()
		w.Text = ""
		out = append(out, chip{Label: "Text: " + v.Text, RemoveURL: w.URL()})
	}
	if v.User != "" {
		w := v.firstPage()
		w.User = ""
		label := map[string]string{userOwned: "Owned by me", userStarred: "Starred"}[v.User]
		out = append(out, chip{Label: label, RemoveURL: w.URL()})
	}
	if v.Health != "" {
		w := v.firstPage()
		w.Health = ""
		label := map[string]string{healthOrphan: "Orphans", healthUnowned: "Owner not in the catalog"}[v.Health]
		out = append(out, chip{Label: label, RemoveURL: w.URL()})
	}
	return out
}

// columnHeads are the sortable columns with their links: a column sorts
// ascending first, then toggles.
func columnHeads(v catalogView) []columnHead {
	var out []columnHead
	for _, c := range sortColumns {
		if c.ID == "kind" && v.Kind != "" || c.ID == "namespace" {
			continue
		}
		next := v.firstPage()
		next.Sort = c.ID
		next.Desc = false
		h := columnHead{Label: c.Label}
		if v.Sort == c.ID {
			h.Sort = "ascending"
			if v.Desc {
				h.Sort = "descending"
			}
			next.Desc = !v.Desc
		}
		h.Href = next.URL()
		out = append(out, h)
	}
	return out
}

// viewRow is one entity as the table shows it.
func viewRow(e *entity.Entity) catalogRow {
	row := catalogRow{
		Href:        refPath(e.Ref()),
		Name:        displayName(e),
		Kind:        e.Kind,
		Type:        specString(e, "type"),
		Lifecycle:   specString(e, "lifecycle"),
		Description: markdownSummary(e.Metadata.Description),
		Tags:        e.Metadata.Tags,
	}
	row.Owner, _ = ownerLink(e)
	row.System, _ = specRef(e, "system", "system")
	return row
}
