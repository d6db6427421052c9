package catalog

import (
	"context"
	"sort"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
)

// ProcessTree processes root and, depth first, every entity emitted below
// it, without processor caches and without storing anything: the dry run of
// a location registration and entity validation use it. Entities come back
// in processing order, each with the relations the tree emitted from it
// (distinct, sorted by type then target, as stitching would give them).
// A failing entity contributes its errors and none of its descendants; an
// entity whose ref was already seen is an error
// "Duplicate nested entity: <ref>" and is not descended into, which also
// ends cycles between Location files.
func (o *Orchestrator) ProcessTree(ctx context.Context, root map[string]any) ([]*entity.Entity, []entity.SerializedError) {
	var (
		out   []*entity.Entity
		errs  []entity.SerializedError
		seen  = map[string]*entity.Entity{}
		rels  = map[string]map[entity.Relation]bool{}
		stack = []map[string]any{root}
	)
	for len(stack) > 0 {
		if err := ctx.Err(); err != nil {
			errs = append(errs, serializeError(err))
			break
		}
		data := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		res := o.Process(ctx, ProcessRequest{Entity: data})
		if !res.OK {
			errs = append(errs, res.Errors...)
			continue
		}
		ref := res.Entity.Ref().String()
		if seen[ref] != nil {
			errs = append(errs, serializeError(problem.Input("Duplicate nested entity: %s", ref)))
			continue
		}
		seen[ref] = res.Entity
		out = append(out, res.Entity)
		for _, r := range res.Relations {
			src := r.Source.String()
			if rels[src] == nil {
				rels[src] = map[entity.Relation]bool{}
			}
			rels[src][entity.Relation{Type: r.Type, TargetRef: r.Target.String()}] = true
		}
		for i := len(res.Deferred) - 1; i >= 0; i-- {
			stack = append(stack, res.Deferred[i].Entity)
		}
	}
	for ref, set := range rels {
		e := seen[ref]
		if e == nil {
			continue
		}
		e.Relations = e.Relations[:0]
		for r := range set {
			e.Relations = append(e.Relations, r)
		}
		sort.Slice(e.Relations, func(i, j int) bool {
			a, b := e.Relations[i], e.Relations[j]
			if a.Type != b.Type {
				return a.Type < b.Type
			}
			return a.TargetRef < b.TargetRef
		})
	}
	return out, errs
}
