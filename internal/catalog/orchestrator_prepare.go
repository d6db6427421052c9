package catalog

import (
	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/plugin"
)

// Preparer is what the Emitter the orchestrator hands location readers
// offers for emitting many children quickly: PrepareEntity does the work
// of Entity that depends only on the child (the envelope check, the
// location annotations, the catalog.rules check, encoding and hashing)
// and may be called from several goroutines at once; EmitPrepared then
// takes the prepared child exactly as Entity would have taken it. A
// reader that parses files in parallel prepares each file's children on
// the goroutine that parsed it and emits them in order, so the run's one
// goroutine only appends.
type Preparer interface {
	PrepareEntity(raw plugin.RawEntity) PreparedEntity
	EmitPrepared(p PreparedEntity)
}

var _ Preparer = (*run)(nil)

// PreparedEntity is an emitted child made ready by PrepareEntity.
type PreparedEntity struct {
	err   error          // the envelope check failed
	ref   string         // canonical ref
	key   string         // location key
	data  map[string]any // annotated; nil when encoded
	child UnprocessedEntity
}

// PrepareEntity reads only what stays the same for the whole run (the
// entity's ref and origin, the rules and the EncodeChildren flag).
func (r *run) PrepareEntity(raw plugin.RawEntity) PreparedEntity {
	if err := entity.ValidateEnvelope(raw.Data); err != nil {
		return PreparedEntity{err: err}
	}
	key := r.locationKey(raw.Location)
	data := withLocationAnnotations(raw.Data, key, r.origin.String())
	p := PreparedEntity{ref: mapRef(data), key: key}
	if r.encode && r.o.rules.IsAllowed(data, r.origin) {
		if c, err := unprocessedFromMap(data, key); err == nil {
			p.child = c
			return p
		}
	}
	p.data = data
	return p
}

// locationKey is l's location key, one string for the entities of one file
// (each child holds its key for as long as its Location is written).
func (r *run) locationKey(l plugin.Location) string {
	r.keyMu.Lock()
	defer r.keyMu.Unlock()
	if l != r.lastLoc || r.lastKey == "" {
		r.lastLoc, r.lastKey = l, l.String()
	}
	return r.lastKey
}

// EmitPrepared keeps a prepared child: an envelope error is reported, a
// child with the ref of the entity being processed is dropped, an encoded
// child is kept as such and any other is deferred.
func (r *run) EmitPrepared(p PreparedEntity) {
	r.entities++
	switch {
	case p.err != nil:
		r.errs = append(r.errs, p.err)
	case p.ref == r.ref:
		r.o.log.Warn("ignored an emitted entity with the ref of the entity being processed", "entity", p.ref, "location", p.key)
	case p.data == nil:
		r.children = append(r.children, p.child)
	default:
		r.deferred = append(r.deferred, DeferredEntity{Entity: p.data, LocationKey: p.key})
	}
}
