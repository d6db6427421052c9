package search

import (
	"context"
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

// refreshEntities reads refs in batches and calls fn for each entity.
func refreshEntities(ctx context.Context, cat Catalog, refs []string, fn func(*entity.Entity) error) error {
	for start := 0; start < len(refs); start += CollateBatch {
		es, err := cat.EntitiesByRefs(ctx, refs[start:min(start+CollateBatch, len(refs))])
		if err != nil {
			return err
		}
		for _, e := range es {
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	return nil
}
