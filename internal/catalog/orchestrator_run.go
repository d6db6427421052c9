package catalog

import (
	"sync"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/plugin"
)

// run is the state of one Process call; it is the Emitter every processor
// reports to.
type run struct {
	o           *Orchestrator
	ref         string // canonical ref of the entity being processed
	loc, origin plugin.Location
	cache       *cacheSet
	encode      bool // ProcessRequest.EncodeChildren
	noReplay    bool // ProcessRequest.NoReplay
	external    bool // the result depends on more than the entity
	replayed    bool // some children were replayed
	entities    int  // calls of Entity

	keyMu   sync.Mutex // PrepareEntity may run on several goroutines
	lastLoc plugin.Location
	lastKey string // lastLoc.String()

	deferred    []DeferredEntity
	children    []UnprocessedEntity
	relations   []plugin.RelationEdge
	refreshKeys []string
	errs        []error
}

var (
	_ plugin.Emitter               = (*run)(nil)
	_ plugin.ExternalInputReporter = (*run)(nil)
)

// Entity takes an emitted child: it must pass the envelope check, is
// annotated with where it was found and where its parent originated, and
// is dropped when it has the parent's own ref.
func (r *run) Entity(raw plugin.RawEntity) { r.EmitPrepared(r.PrepareEntity(raw)) }

// fork returns a run that reads one target of the Location r processes,
// on a goroutine of its own; join then adds what it emitted to r.
func (r *run) fork() *run {
	return &run{o: r.o, ref: r.ref, loc: r.loc, origin: r.origin, cache: r.cache, encode: r.encode, noReplay: r.noReplay}
}

// join adds what a forked run emitted, as if it had been emitted to r.
func (r *run) join(sub *run) {
	r.external = r.external || sub.external
	r.replayed = r.replayed || sub.replayed
	r.entities += sub.entities
	r.deferred = append(r.deferred, sub.deferred...)
	r.children = append(r.children, sub.children...)
	r.relations = append(r.relations, sub.relations...)
	for _, k := range sub.refreshKeys {
		r.RefreshKey(k)
	}
	r.errs = append(r.errs, sub.errs...)
}

func (r *run) Relation(e plugin.RelationEdge) {
	if r.relations == nil {
		r.relations = make([]plugin.RelationEdge, 0, 16) // most entities emit a few pairs
	}
	r.relations = append(r.relations, e)
}

// ExternalInput marks the result as depending on more than the entity.
func (r *run) ExternalInput() { r.external = true }

func (r *run) Error(err error, _ plugin.Location) { r.errs = append(r.errs, err) }

func (r *run) RefreshKey(key string) {
	for _, k := range r.refreshKeys {
		if k == key {
			return
		}
	}
	r.refreshKeys = append(r.refreshKeys, key)
}

// withLocationAnnotations returns data with the managed-by-location and
// managed-by-origin-location annotations set, overwriting what the source
// said. The maps on the way are copied, not changed: the emitter may hold on
// to its data. Annotations that are not an object are left for validation
// to report.
func withLocationAnnotations(data map[string]any, loc, origin string) map[string]any {
	meta, ok := data["metadata"].(map[string]any)
	if !ok {
		return data
	}
	var ann map[string]any
	switch a := meta["annotations"].(type) {
	case nil:
		ann = make(map[string]any, 2)
	case map[string]any:
		ann = make(map[string]any, len(a)+2)
		for k, v := range a {
			ann[k] = v
		}
	default:
		return data
	}
	ann[entity.AnnotationManagedByLocation] = loc
	ann[entity.AnnotationManagedByOriginLocation] = origin
	return setPath(data, meta, "annotations", ann)
}

// setPath returns a shallow copy of data whose metadata is a shallow copy
// of meta with key set to v.
func setPath(data, meta map[string]any, key string, v any) map[string]any {
	m := make(map[string]any, len(meta)+1)
	for k, x := range meta {
		m[k] = x
	}
	m[key] = v
	out := make(map[string]any, len(data))
	for k, x := range data {
		out[k] = x
	}
	out["metadata"] = m
	return out
}
