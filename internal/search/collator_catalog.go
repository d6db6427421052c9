package search

import (
	"context"
	"strings"

	"github.com/callboard/callboard/entity"
)

// DefaultCatalogLocation is the catalog collator's location template
// (search.collators.catalog.locationTemplate).
const DefaultCatalogLocation = "/catalog/:namespace/:kind/:name"

// CatalogCollator makes one software-catalog document per entity, in
// Backstage's shape: title, text (description, and a user's or group's
// display name and email), location, componentType, type, namespace,
// kind, lifecycle and owner.
type CatalogCollator struct {
	Catalog Catalog
	// LocationTemplate is DefaultCatalogLocation when empty.
	LocationTemplate string
}

var _ entityCollator = (*CatalogCollator)(nil)

// Type is TypeCatalog.
func (c *CatalogCollator) Type() string { return TypeCatalog }

// Collate pages through the whole catalog.
func (c *CatalogCollator) Collate(ctx context.Context, emit func([]Document) error) error {
	return c.Catalog.Entities(ctx, EntityFilter{}, CollateBatch, func(es []*entity.Entity) error {
		docs := make([]Document, len(es))
		for i, e := range es {
			docs[i] = c.Document(e)
		}
		return emit(docs)
	})
}

// Refresh returns the documents of the entities that exist.
func (c *CatalogCollator) Refresh(ctx context.Context, refs []string) ([]Document, error) {
	return collateRefs(ctx, c, refs)
}

func (c *CatalogCollator) entityCatalog() Catalog { return c.Catalog }

func (c *CatalogCollator) entityDocuments(_ context.Context, es []*entity.Entity) ([]Document, error) {
	docs := make([]Document, len(es))
	for i, e := range es {
		docs[i] = c.Document(e)
	}
	return docs, nil
}

// Document is e's document.
func (c *CatalogCollator) Document(e *entity.Entity) Document {
	tmpl := c.LocationTemplate
	if tmpl == "" {
		tmpl = DefaultCatalogLocation
	}
	ns := entityNamespace(e)
	title := e.Metadata.Title
	if title == "" {
		title = e.Metadata.Name
	}
	texts := []string{e.Metadata.Description}
	kind := strings.ToLower(e.Kind)
	if kind == "user" || kind == "group" {
		if s := profileString(e, "displayName"); s != "" {
			texts = append(texts, s)
		}
	}
	if kind == "user" {
		if s := profileString(e, "email"); s != "" {
			texts = append(texts, s)
		}
	}
	typ := specString(e, "type")
	if typ == "" {
		typ = "other"
	}
	lifecycle, owner := specString(e, "lifecycle"), specString(e, "owner")
	ref := e.Ref().String()
	return Document{
		Type:     TypeCatalog,
		ID:       ref,
		Group:    ref,
		Title:    title,
		Text:     strings.Join(texts, " : "),
		Location: applyTemplate(tmpl, map[string]string{"namespace": ns, "kind": e.Kind, "name": e.Metadata.Name}),
		Extra: map[string]any{
			"componentType": typ,
			"type":          typ,
			"namespace":     ns,
			"kind":          e.Kind,
			"lifecycle":     lifecycle,
			"owner":         owner,
		},
		Name:     e.Metadata.Name,
		Tags:     e.Metadata.Tags,
		Keywords: strings.Join(nonEmpty(e.Kind, specString(e, "type"), lifecycle, ownerName(owner)), " "),
		Auth:     entityAuth(e),
	}
}

func nonEmpty(ss ...string) []string {
	out := ss[:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
