package search

import (
	"context"
	"slices"
	"time"
)

// ChangeFeed is the catalog's change feed: one change per stitched,
// updated or deleted entity, at increasing positions (the entity history).
// The app adapts the catalog's storage to it.
type ChangeFeed interface {
	// Changes returns up to limit changes after position after, in order
	// of position.
	Changes(ctx context.Context, after int64, limit int) ([]Change, error)
	// Latest returns the position of the last change; 0 when none.
	Latest(ctx context.Context) (int64, error)
}

// Change is an entity that changed.
type Change struct {
	Pos int64
	// Ref is the entity's canonical ref.
	Ref string
}

// feedWindow follows a change feed whose positions are handed out before
// the writes that hold them commit, as a PostgreSQL identity column
// does: a change may become visible after one with a higher position. It
// reads from safe, the highest position up to which everything is
// applied and settled, remembers which later positions it has applied and
// moves safe past them once they are older than settle, by when nothing
// below them is expected to appear any more.
type feedWindow struct {
	safe   int64
	settle time.Duration
	seen   map[int64]time.Time
}

func newFeedWindow(safe int64, settle time.Duration) *feedWindow {
	return &feedWindow{safe: safe, settle: settle, seen: map[int64]time.Time{}}
}

// fresh returns the changes not applied yet.
func (w *feedWindow) fresh(changes []Change) []Change {
	var out []Change
	for _, c := range changes {
		if _, ok := w.seen[c.Pos]; !ok && c.Pos > w.safe {
			out = append(out, c)
		}
	}
	return out
}

// applied records changes as applied at now.
func (w *feedWindow) applied(changes []Change, now time.Time) {
	for _, c := range changes {
		w.seen[c.Pos] = now
	}
}

// advance moves safe past the applied positions that have settled, in
// order, and reports whether it moved.
func (w *feedWindow) advance(now time.Time) bool {
	pos := make([]int64, 0, len(w.seen))
	for p := range w.seen {
		pos = append(pos, p)
	}
	slices.Sort(pos)
	moved := false
	for _, p := range pos {
		if now.Sub(w.seen[p]) < w.settle {
			break
		}
		w.safe = p
		delete(w.seen, p)
		moved = true
	}
	return moved
}
