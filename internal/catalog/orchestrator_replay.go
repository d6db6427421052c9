package catalog

import "github.com/callboard/callboard/plugin"

// Replayer is what the Emitter the orchestrator hands location readers
// offers beyond plugin.Emitter: a reader that finds a file byte for byte
// as it was can emit the children it emitted from it last time, as they
// were encoded then, instead of parsing and encoding them again. See ADR
// 0009.
type Replayer interface {
	// ReplayScope is what a file's children depend on besides its bytes:
	// the build, catalog.rules and the origin of the Location being read.
	// A reader records it with the children and replays them only under
	// the same scope. It is "" when nothing may be replayed now.
	ReplayScope() string
	// Mark returns the current position in what the run emitted.
	Mark() ReplayMark
	// Emitted returns the children emitted since m, when every entity
	// emitted since was kept as an encoded child and no error was
	// reported; ok is false otherwise, and the file is not to be replayed.
	Emitted(m ReplayMark) (children []ReplayedChild, ok bool)
	// Replay emits children that Emitted returned for the file at loc.
	Replay(loc plugin.Location, children []ReplayedChild)
}

var _ Replayer = (*run)(nil)

// ReplayMark is a position in what a run emitted.
type ReplayMark struct{ entities, children, deferred, errs int }

// ReplayedChild is an emitted child as a reader records it for replay:
// its ref and the hash of its encoded form, which is all a result's hash
// takes from it.
type ReplayedChild struct {
	Ref  string `json:"r"`
	Hash string `json:"h"`
}

func (r *run) ReplayScope() string {
	if r.noReplay || !r.encode || r.o.replayScope == "" {
		return ""
	}
	return r.o.replayScope + "/" + r.origin.String()
}

func (r *run) Mark() ReplayMark {
	return ReplayMark{entities: r.entities, children: len(r.children), deferred: len(r.deferred), errs: len(r.errs)}
}

func (r *run) Emitted(m ReplayMark) ([]ReplayedChild, bool) {
	n := len(r.children) - m.children
	if r.entities-m.entities != n || len(r.deferred) != m.deferred || len(r.errs) != m.errs {
		return nil, false
	}
	out := make([]ReplayedChild, n)
	for i, c := range r.children[m.children:] {
		if c.JSON == "" {
			return nil, false // itself replayed
		}
		out[i] = ReplayedChild{Ref: c.Ref, Hash: c.Hash}
	}
	return out, true
}

// Replay appends the children without their JSON; ProcessResult.Replayed
// tells the engine to process again before storing.
func (r *run) Replay(loc plugin.Location, children []ReplayedChild) {
	key := loc.String()
	for _, c := range children {
		r.children = append(r.children, UnprocessedEntity{Ref: c.Ref, Hash: c.Hash, LocationKey: key})
	}
	r.replayed = r.replayed || len(children) > 0
}
