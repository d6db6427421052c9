package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
)

// byRefsChunk bounds the refs looked up per statement.
const byRefsChunk = 500

// EntityByRef serves GET /entities/by-name/{kind}/{namespace}/{name}: the
// lookup is case-insensitive.
func (q *Query) EntityByRef(ctx context.Context, ref entity.Ref) (json.RawMessage, error) {
	e, err := q.store.EntityByRef(ctx, ref.String())
	if err != nil {
		return nil, fmt.Errorf("read entity %s: %w", ref, err)
	}
	if e == nil {
		ns := ref.Namespace
		if ns == "" {
			ns = entity.DefaultNamespace
		}
		return nil, problem.NotFound("No entity named '%s' found, with kind '%s' in namespace '%s'", ref.Name, ref.Kind, ns)
	}
	return e, nil
}

// EntityByUID serves GET /entities/by-uid/{uid}; uids match
// case-insensitively, as Backstage matches them through the search table.
func (q *Query) EntityByUID(ctx context.Context, uid string) (json.RawMessage, error) {
	e, err := q.store.EntityByUID(ctx, strings.ToLower(uid))
	if err != nil {
		return nil, fmt.Errorf("read entity with uid %s: %w", uid, err)
	}
	if e == nil {
		return nil, problem.NotFound("No entity with uid %s", uid)
	}
	return e, nil
}

// EntitiesByRefs serves POST /entities/by-refs (§a.6): one item per ref,
// in order, nil where no entity has that canonical ref (compared
// verbatim, so "Component:default/Foo" finds nothing) or where the entity
// does not match the filter.
func (q *Query) EntitiesByRefs(ctx context.Context, req ByRefsRequest) ([]json.RawMessage, error) {
	found := make(map[string]json.RawMessage, len(req.Refs))
	for start := 0; start < len(req.Refs); start += byRefsChunk {
		chunk := req.Refs[start:min(start+byRefsChunk, len(req.Refs))]
		m, err := q.store.EntitiesByRefs(ctx, chunk, req.Filter)
		if err != nil {
			return nil, fmt.Errorf("read entities by refs: %w", err)
		}
		for ref, e := range m {
			found[ref] = e
		}
	}
	items := make([]json.RawMessage, len(req.Refs))
	for i, ref := range req.Refs {
		e, ok := found[ref]
		if !ok {
			continue
		}
		item, err := Project(e, req.Fields)
		if err != nil {
			return nil, fmt.Errorf("entity %s: %w", ref, err)
		}
		items[i] = item
	}
	return items, nil
}

// Ancestry serves GET /entities/by-name/.../ancestry (§a.6): the entity
// first, then its parents depth-first, each once, following who emitted
// whom. Providers are not entities, so a chain ends at the entity a
// provider or location registration put in.
func (q *Query) Ancestry(ctx context.Context, ref entity.Ref) (*Ancestry, error) {
	root := ref.String()
	e, err := q.store.EntityByRef(ctx, root)
	if err != nil {
		return nil, fmt.Errorf("read entity %s: %w", root, err)
	}
	if e == nil {
		return nil, problem.NotFound("No such entity %s", root)
	}
	type pending struct {
		ref    string
		entity json.RawMessage
	}
	res := &Ancestry{RootEntityRef: root, Items: []AncestryItem{}}
	seen := map[string]bool{root: true}
	todo := []pending{{root, e}}
	for len(todo) > 0 {
		current := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		parents, err := q.store.EntityParents(ctx, current.ref)
		if err != nil {
			return nil, fmt.Errorf("read parents of %s: %w", current.ref, err)
		}
		refs := make([]string, 0, len(parents))
		for _, p := range parents {
			refs = append(refs, p.Ref)
			if !seen[p.Ref] {
				seen[p.Ref] = true
				todo = append(todo, pending{p.Ref, p.Entity})
			}
		}
		res.Items = append(res.Items, AncestryItem{Entity: current.entity, ParentEntityRefs: refs})
	}
	return res, nil
}
