package search

import (
	"context"
	"strconv"
	"strings"

	"github.com/callboard/callboard/entity"
)

// DefaultDocsLocation is the techdocs collator's location template
// (search.collators.techdocs.locationTemplate).
const DefaultDocsLocation = "/docs/:namespace/:kind/:name/:path"

// Sites reads the search indexes of published docs sites; the app adapts
// the TechDocs publisher to it.
type Sites interface {
	// SitePages returns the entries of the search index
	// (search/search_index.json) of ref's published site, their text
	// without markup; found is false when the entity has no site.
	SitePages(ctx context.Context, ref entity.Ref) (pages []SitePage, found bool, err error)
}

// SitePage is an entry of a site's search index.
type SitePage struct {
	// Location is relative to the site root: "guides/setup/#install".
	Location string
	Title    string
	Text     string
}

// TechDocsCollator makes one techdocs document per entry of the search
// index of each entity's published site, in Backstage's shape: title,
// text, location, path, kind, namespace, name, entityTitle,
// componentType, type, lifecycle and owner.
type TechDocsCollator struct {
	Catalog Catalog
	Sites   Sites
	// LocationTemplate is DefaultDocsLocation when empty.
	LocationTemplate string
	// LegacyCasing keeps the entity's namespace, kind and name as written
	// in locations (techdocs.legacyUseCaseSensitiveTripletPaths);
	// otherwise they are lower-cased.
	LegacyCasing bool
}

var _ entityCollator = (*TechDocsCollator)(nil)

// Type is TypeTechDocs.
func (c *TechDocsCollator) Type() string { return TypeTechDocs }

// Collate pages through the entities with docs and reads each one's
// site.
func (c *TechDocsCollator) Collate(ctx context.Context, emit func([]Document) error) error {
	f := EntityFilter{Annotation: entity.AnnotationTechDocsRef}
	return c.Catalog.Entities(ctx, f, CollateBatch, func(es []*entity.Entity) error {
		for _, e := range es {
			docs, err := c.documents(ctx, e)
			if err != nil {
				return err
			}
			if len(docs) > 0 {
				if err := emit(docs); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Refresh reads the sites of those refs' entities that have docs.
func (c *TechDocsCollator) Refresh(ctx context.Context, refs []string) ([]Document, error) {
	return collateRefs(ctx, c, refs)
}

func (c *TechDocsCollator) entityCatalog() Catalog { return c.Catalog }

func (c *TechDocsCollator) entityDocuments(ctx context.Context, es []*entity.Entity) ([]Document, error) {
	var docs []Document
	for _, e := range es {
		d, err := c.documents(ctx, e)
		if err != nil {
			return nil, err
		}
		docs = append(docs, d...)
	}
	return docs, nil
}

// documents reads e's site; an entity without the annotation or a site
// has none.
func (c *TechDocsCollator) documents(ctx context.Context, e *entity.Entity) ([]Document, error) {
	if e.Annotation(entity.AnnotationTechDocsRef) == "" {
		return nil, nil
	}
	pages, found, err := c.Sites.SitePages(ctx, e.Ref())
	if err != nil || !found {
		return nil, err
	}
	tmpl := c.LocationTemplate
	if tmpl == "" {
		tmpl = DefaultDocsLocation
	}
	ns, kind, name := entityNamespace(e), e.Kind, e.Metadata.Name
	if !c.LegacyCasing {
		ns, kind, name = strings.ToLower(ns), strings.ToLower(kind), strings.ToLower(name)
	}
	typ := specString(e, "type")
	entityTitle := e.Metadata.Title
	if entityTitle == "" {
		entityTitle = e.Metadata.Name
	}
	ref := e.Ref().String()
	auth := entityAuth(e)
	docs := make([]Document, 0, len(pages))
	seen := map[string]int{}
	for _, p := range pages {
		id := ref + "#" + p.Location
		if n := seen[id]; n > 0 {
			id += "#" + strconv.Itoa(n)
		}
		seen[ref+"#"+p.Location]++
		docs = append(docs, Document{
			Type:     TypeTechDocs,
			ID:       id,
			Group:    ref,
			Title:    p.Title,
			Text:     p.Text,
			Location: applyTemplate(tmpl, map[string]string{"namespace": ns, "kind": kind, "name": name, "path": p.Location}),
			Extra: map[string]any{
				"path":          p.Location,
				"kind":          kind,
				"namespace":     ns,
				"name":          name,
				"entityTitle":   entityTitle,
				"componentType": typ,
				"type":          typ,
				"lifecycle":     specString(e, "lifecycle"),
				"owner":         specString(e, "owner"),
			},
			Keywords: entityTitle,
			LongText: true,
			Auth:     auth,
		})
	}
	return docs, nil
}
