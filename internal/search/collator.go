package search

import (
	"context"
	"reflect"
	"strings"

	"github.com/callboard/callboard/entity"
)

// Collator produces the documents of one type (Backstage's collator
// factories): all of them for a rebuild, or those of some entities for
// an incremental update.
type Collator interface {
	Type() string
	// Collate calls emit with every document of the type, a batch at a
	// time, never holding the whole set in memory.
	Collate(ctx context.Context, emit func([]Document) error) error
	// Refresh returns the current documents of the entities with the
	// given canonical refs (their Group); an entity that is gone or has
	// no documents of the type gets none.
	Refresh(ctx context.Context, refs []string) ([]Document, error)
}

// entityCollator is a Collator whose documents are made from catalog
// entities one at a time: the indexer reads the entities of a batch of
// changes once for every such collator over the same catalog, where each
// one's Refresh would read (and the app decode) them again.
type entityCollator interface {
	Collator
	entityCatalog() Catalog
	// entityDocuments returns the documents of es, those of the
	// collator's type only.
	entityDocuments(ctx context.Context, es []*entity.Entity) ([]Document, error)
}

// sameCatalog reports whether a and b are the same catalog; values of a
// type that cannot be compared are never the same.
func sameCatalog(a, b Catalog) bool {
	ta := reflect.TypeOf(a)
	return ta == reflect.TypeOf(b) && ta != nil && ta.Comparable() && a == b
}

// Catalog is the catalog as collators read it; the app adapts the
// catalog's query service to it. It reads the whole catalog, not what
// one caller may see: documents carry their entity for the permission
// filter applied at query time.
type Catalog interface {
	// Entities calls fn with successive batches of at most size entities
	// matching f, in a stable order.
	Entities(ctx context.Context, f EntityFilter, size int, fn func([]*entity.Entity) error) error
	// EntitiesByRefs returns those of the canonical refs that exist.
	EntitiesByRefs(ctx context.Context, refs []string) ([]*entity.Entity, error)
}

// EntityFilter narrows Catalog.Entities.
type EntityFilter struct {
	// Kind, when set, keeps entities of that kind (any case).
	Kind string
	// Annotation, when set, keeps entities that have it.
	Annotation string
}

// CollateBatch is how many entities a collator reads at a time, as
// Backstage's catalog collator pages.
const CollateBatch = 500

// entityOwners returns the canonical refs of the entity's ownedBy
// relations.
func entityOwners(e *entity.Entity) []string {
	var out []string
	for _, r := range e.Relations {
		if r.Type == entity.RelationOwnedBy {
			out = append(out, strings.ToLower(r.TargetRef))
		}
	}
	return out
}

// entityAuth is the Auth of documents made from e.
func entityAuth(e *entity.Entity) Auth {
	return Auth{ResourceRef: e.Ref().String(), Kind: strings.ToLower(e.Kind), Owners: entityOwners(e)}
}

// specString returns spec.<key> when it is a string.
func specString(e *entity.Entity, key string) string {
	s, _ := e.Spec[key].(string)
	return s
}

// profileString returns spec.profile.<key> when it is a string.
func profileString(e *entity.Entity, key string) string {
	p, _ := e.Spec["profile"].(map[string]any)
	s, _ := p[key].(string)
	return s
}

// entityNamespace is the entity's namespace, defaulted.
func entityNamespace(e *entity.Entity) string {
	if e.Metadata.Namespace == "" {
		return entity.DefaultNamespace
	}
	return e.Metadata.Namespace
}

// ownerName is the name part of an owner reference, for keywords.
func ownerName(ref string) string {
	if i := strings.LastIndexAny(ref, ":/"); i >= 0 {
		return ref[i+1:]
	}
	return ref
}

// applyTemplate fills a location template's :namespace, :kind, :name
// and :path placeholders.
func applyTemplate(tmpl string, args map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(tmpl); {
		if tmpl[i] == ':' {
			j := i + 1
			for j < len(tmpl) && (tmpl[j] >= 'a' && tmpl[j] <= 'z' || tmpl[j] >= 'A' && tmpl[j] <= 'Z') {
				j++
			}
			if v, ok := args[tmpl[i+1:j]]; ok {
				b.WriteString(v)
				i = j
				continue
			}
		}
		b.WriteByte(tmpl[i])
		i++
	}
	return b.String()
}

// readEntities reads those of refs that exist, CollateBatch at a time.
func readEntities(ctx context.Context, cat Catalog, refs []string) ([]*entity.Entity, error) {
	var out []*entity.Entity
	for start := 0; start < len(refs); start += CollateBatch {
		es, err := cat.EntitiesByRefs(ctx, refs[start:min(start+CollateBatch, len(refs))])
		if err != nil {
			return nil, err
		}
		out = append(out, es...)
	}
	return out, nil
}

// collateRefs is the Refresh of an entityCollator.
func collateRefs(ctx context.Context, c entityCollator, refs []string) ([]Document, error) {
	es, err := readEntities(ctx, c.entityCatalog(), refs)
	if err != nil {
		return nil, err
	}
	return c.entityDocuments(ctx, es)
}
