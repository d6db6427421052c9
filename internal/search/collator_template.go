package search

import (
	"context"
	"strings"

	"github.com/callboard/callboard/entity"
)

// TemplateCollator makes one software-template document per Template
// entity: title, text (the description), location
// (/create/templates/<namespace>/<name>), tags, type, owner, namespace,
// kind and name.
type TemplateCollator struct {
	Catalog Catalog
}

var _ entityCollator = (*TemplateCollator)(nil)

// Type is TypeTemplate.
func (c *TemplateCollator) Type() string { return TypeTemplate }

// Collate pages through the catalog's templates.
func (c *TemplateCollator) Collate(ctx context.Context, emit func([]Document) error) error {
	return c.Catalog.Entities(ctx, EntityFilter{Kind: "Template"}, CollateBatch, func(es []*entity.Entity) error {
		var docs []Document
		for _, e := range es {
			if d, ok := TemplateDocument(e); ok {
				docs = append(docs, d)
			}
		}
		return emit(docs)
	})
}

// Refresh returns the documents of those refs that are templates.
func (c *TemplateCollator) Refresh(ctx context.Context, refs []string) ([]Document, error) {
	var tmpl []string
	for _, r := range refs {
		if strings.HasPrefix(r, "template:") {
			tmpl = append(tmpl, r)
		}
	}
	return collateRefs(ctx, c, tmpl)
}

func (c *TemplateCollator) entityCatalog() Catalog { return c.Catalog }

func (c *TemplateCollator) entityDocuments(_ context.Context, es []*entity.Entity) ([]Document, error) {
	var docs []Document
	for _, e := range es {
		if d, ok := TemplateDocument(e); ok {
			docs = append(docs, d)
		}
	}
	return docs, nil
}

// TemplateDocument is the document of a Template entity; ok is false for
// other kinds.
func TemplateDocument(e *entity.Entity) (Document, bool) {
	if !strings.EqualFold(e.Kind, "Template") {
		return Document{}, false
	}
	ns := entityNamespace(e)
	title := e.Metadata.Title
	if title == "" {
		title = e.Metadata.Name
	}
	typ, owner := specString(e, "type"), specString(e, "owner")
	tags := make([]any, len(e.Metadata.Tags))
	for i, t := range e.Metadata.Tags {
		tags[i] = t
	}
	ref := e.Ref().String()
	return Document{
		Type:     TypeTemplate,
		ID:       ref,
		Group:    ref,
		Title:    title,
		Text:     e.Metadata.Description,
		Location: "/create/templates/" + ns + "/" + e.Metadata.Name,
		Extra: map[string]any{
			"tags":      tags,
			"type":      typ,
			"owner":     owner,
			"namespace": ns,
			"kind":      e.Kind,
			"name":      e.Metadata.Name,
		},
		Name:     e.Metadata.Name,
		Tags:     e.Metadata.Tags,
		Keywords: strings.Join(nonEmpty("template", typ, ownerName(owner)), " "),
		Auth:     entityAuth(e),
	}, true
}
