package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
)

// Bounds of the templates page.
const (
	// maxTemplates bounds the templates one page lists; the filters
	// narrow a longer list.
	maxTemplates = 200
	// maxTemplateText bounds the free-text filter.
	maxTemplateText = 100
)

// recommendedTag marks the templates listed first, in a group of their
// own, as Backstage's documentation suggests grouping them.
const recommendedTag = "recommended"

// templateFilters are the filters of the templates page, each backed by a
// search key; values of one filter are alternatives.
var templateFilters = []filterDim{
	{"type", "Type", "spec.type"},
	{"owner", "Owner", "relations.ownedby"},
	{"tag", "Tags", "metadata.tags"},
}

// templatesPage is the data of /create.
type templatesPage struct {
	Text    string
	Filters []facetGroup
	Groups  []templateGroup
	// Total counts the templates matching; Shown those listed.
	Total, Shown int
	Filtered     bool
	// FacetsReady is false while the filters' values are being counted.
	FacetsReady bool
}

// templateGroup is a heading of the templates page and its templates.
type templateGroup struct {
	ID, Title string
	Templates []templateCard
}

// templateCard is one template.
type templateCard struct {
	Title, Description, Href, Ref string
	Type                          string
	Owner                         refLink
	Tags                          []string
	Recommended                   bool
}

// templatesPage lists the templates the reader may see: recommended
// first, then grouped by type, filterable by type, owner, tag and text.
// It reads one bounded page of templates and the filters' values, which
// the catalog counts over templates only and caches.
func (c *Create) templatesPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	text := strings.TrimSpace(q.Get("text"))
	if len([]rune(text)) > maxTemplateText {
		text = string([]rune(text)[:maxTemplateText])
	}
	chosen := map[string][]string{}
	for _, d := range templateFilters {
		for _, v := range q[d.Param] {
			if v = strings.TrimSpace(v); v != "" && !slices.Contains(chosen[d.Param], v) {
				chosen[d.Param] = append(chosen[d.Param], v)
			}
		}
	}
	cat, err := c.reader(r)
	if err != nil {
		return err
	}
	isTemplate := fieldIn("kind", []string{"template"})
	parts := []*catalog.Predicate{isTemplate}
	for _, d := range templateFilters {
		if vs := chosen[d.Param]; len(vs) > 0 {
			parts = append(parts, fieldIn(d.Key, vs))
		}
	}
	limit := maxTemplates
	req := catalog.QueryRequest{Filter: catalog.AllOf(parts...), Limit: &limit}
	if text != "" {
		req.FullText = &catalog.FullTextFilter{Term: text, Fields: fullTextFields}
	}
	res, err := cat.QueryEntities(r.Context(), req)
	if err != nil {
		return err
	}
	keys := make([]string, len(templateFilters))
	for i, d := range templateFilters {
		keys[i] = d.Key
	}
	// The counts are cached until the catalog changes; the first view
	// after a change may not wait for them (parts.go).
	me := viewerOf(r)
	key := me.Ref + "\x00" + strings.Join(me.Ownership, ",") + "\x00template-facets"
	counts, ready, err := part(c.site, r, c.site.partsDeadline(), key, func(ctx context.Context) (map[string][]catalog.FacetCount, error) {
		return cat.Facets(ctx, catalog.FacetsRequest{Facets: keys, Filter: isTemplate})
	})
	if err != nil {
		c.log.WarnContext(r.Context(), "template facet counts failed", "error", err)
	}
	p := &templatesPage{Text: text, Total: res.TotalItems, Filtered: text != "" || len(chosen) > 0, FacetsReady: ready}
	for _, g := range facetGroups(catalogView{Filters: chosen}, counts, ready, err != nil) {
		for _, d := range templateFilters {
			if d.Param == g.Param {
				g.Label = d.Label
			}
		}
		if g.Param == "type" || g.Param == "owner" || g.Param == "tag" {
			p.Filters = append(p.Filters, g)
		}
	}
	var cards []templateCard
	for _, raw := range res.Items {
		e, err := decodeSummary(raw)
		if err != nil {
			return err
		}
		cards = append(cards, templateCardOf(e))
	}
	p.Shown = len(cards)
	p.Groups = groupTemplates(cards)
	return c.render(w, r, http.StatusOK, "create", "Create something new", p)
}

// templateCardOf is the card of a template entity.
func templateCardOf(e *entity.Entity) templateCard {
	ref := e.Ref()
	ns := ref.Namespace
	if ns == "" {
		ns = entity.DefaultNamespace
	}
	card := templateCard{
		Title:       displayName(e),
		Description: markdownSummary(e.Metadata.Description),
		Href:        "/create/templates/" + url.PathEscape(ns) + "/" + url.PathEscape(ref.Name),
		Ref:         ref.String(),
		Type:        specString(e, "type"),
		Tags:        e.Metadata.Tags,
		Recommended: slices.Contains(e.Metadata.Tags, recommendedTag),
	}
	card.Owner, _ = ownerLink(e)
	return card
}

// groupTemplates puts recommended templates first, then one group per
// type (by type name, templates without one last), each by title.
func groupTemplates(cards []templateCard) []templateGroup {
	var recommended []templateCard
	byType := map[string][]templateCard{}
	for _, c := range cards {
		if c.Recommended {
			recommended = append(recommended, c)
			continue
		}
		byType[strings.ToLower(c.Type)] = append(byType[strings.ToLower(c.Type)], c)
	}
	byTitle := func(a, b templateCard) int {
		return strings.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title))
	}
	var out []templateGroup
	if len(recommended) > 0 {
		slices.SortStableFunc(recommended, byTitle)
		out = append(out, templateGroup{ID: "group-recommended", Title: "Recommended", Templates: recommended})
	}
	types := make([]string, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	slices.SortFunc(types, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case a == "":
			return 1
		case b == "":
			return -1
		}
		return strings.Compare(a, b)
	})
	for _, t := range types {
		list := byType[t]
		slices.SortStableFunc(list, byTitle)
		g := templateGroup{ID: "group-type-" + slug(t), Title: titleCase(list[0].Type), Templates: list}
		if t == "" {
			g.ID, g.Title = "group-other", "Other templates"
		}
		out = append(out, g)
	}
	return out
}

// slug makes an id part of free text: letters and digits, dashes for the
// rest.
func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}
