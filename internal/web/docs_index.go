package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/techdocs"
)

// docsIndexPage is the data of /docs.
type docsIndexPage struct {
	Rows   []docsRow
	Kinds  []option
	Owners []option
	Kind   string
	Owner  string
	// Filtered says a filter is set; ClearURL drops them.
	Filtered bool
	ClearURL string
	NextURL  string
	FirstURL string
	Total    int
}

// docsRow is an entity with docs.
type docsRow struct {
	Title, Href, Kind, Type, Description string
	Entity                               refLink
	Owner                                refLink
	Failed                               bool
}

// docsPageSize is how many entities a page of the index lists.
const docsPageSize = 50

// docsFilterKey is the catalog filter of entities with docs.
const docsFilterKey = "metadata.annotations." + entity.AnnotationTechDocsRef

// index is /docs: every entity with docs the reader may see, filtered by
// kind and owner, a page at a time.
func (d *Docs) index(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cat, err := d.reader(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	p := docsIndexPage{Kind: strings.TrimSpace(q.Get("kind")), Owner: strings.TrimSpace(q.Get("owner")), ClearURL: "/docs"}
	p.Filtered = p.Kind != "" || p.Owner != ""
	parts := []string{docsFilterKey}
	if p.Kind != "" {
		parts = append(parts, "kind="+p.Kind)
	}
	if p.Owner != "" {
		parts = append(parts, "relations.ownedBy="+p.Owner)
	}
	all, err := catalog.ParseFilterParams([]string{docsFilterKey})
	if err != nil {
		return err
	}
	filter := all
	if p.Filtered {
		if filter, err = catalog.ParseFilterParams([]string{strings.Join(parts, ",")}); err != nil {
			return err
		}
	}
	limit := docsPageSize
	req := catalog.QueryRequest{Filter: filter, Limit: &limit, Order: &catalog.Order{Field: "metadata.name"}, Cursor: q.Get("cursor")}
	res, err := cat.QueryEntities(ctx, req)
	if err != nil {
		return err
	}
	p.Total = res.TotalItems
	for _, raw := range res.Items {
		e, err := decodeEntity(raw)
		if err != nil {
			return err
		}
		row := docsRow{
			Title:       displayName(e),
			Href:        docsBase(e.Ref()),
			Kind:        e.Kind,
			Type:        specString(e, "type"),
			Description: markdownSummary(e.Metadata.Description),
			Entity:      refLink{Label: "Entity page", Href: refPath(e.Ref())},
			Failed:      techdocs.HasDocs(e) && d.docs.Status(e.Ref()).Error != "",
		}
		row.Owner, _ = ownerLink(e)
		p.Rows = append(p.Rows, row)
	}
	keep := url.Values{}
	if p.Kind != "" {
		keep.Set("kind", p.Kind)
	}
	if p.Owner != "" {
		keep.Set("owner", p.Owner)
	}
	if res.NextCursor != "" {
		next := url.Values{"cursor": {res.NextCursor}}
		for k, v := range keep {
			next[k] = v
		}
		p.NextURL = "/docs?" + next.Encode()
	}
	if q.Get("cursor") != "" {
		p.FirstURL = "/docs"
		if len(keep) > 0 {
			p.FirstURL += "?" + keep.Encode()
		}
	}
	facets, err := cat.Facets(ctx, catalog.FacetsRequest{Facets: []string{"kind", "relations.ownedBy"}, Filter: all})
	if err != nil {
		return err
	}
	for _, f := range facets["kind"] {
		p.Kinds = append(p.Kinds, option{Value: strings.ToLower(f.Value), Label: f.Value, Count: f.Count, Selected: strings.EqualFold(f.Value, p.Kind)})
	}
	for _, f := range facets["relations.ownedBy"] {
		p.Owners = append(p.Owners, option{Value: f.Value, Label: linkTo(f.Value, "group").Label, Count: f.Count, Selected: strings.EqualFold(f.Value, p.Owner)})
	}
	return d.render(w, r, http.StatusOK, "docs-index", "Docs", p)
}
