package search

import (
	"testing"
	"time"
)

func TestFeedWindow(t *testing.T) {
	t0 := time.Unix(1000, 0)
	w := newFeedWindow(10, 5*time.Second)
	// 12 and 13 are visible; 11 commits later.
	fresh := w.fresh([]Change{{Pos: 12, Ref: "b"}, {Pos: 13, Ref: "c"}})
	if len(fresh) != 2 {
		t.Fatalf("fresh = %v", fresh)
	}
	w.applied(fresh, t0)
	if w.advance(t0.Add(time.Second)) || w.safe != 10 {
		t.Fatalf("safe moved before settling: %d", w.safe)
	}
	// Re-read from safe: 12 and 13 are not applied twice, 11 is new.
	fresh = w.fresh([]Change{{Pos: 11, Ref: "a"}, {Pos: 12, Ref: "b"}, {Pos: 13, Ref: "c"}})
	if len(fresh) != 1 || fresh[0].Pos != 11 {
		t.Fatalf("fresh = %v, want only 11", fresh)
	}
	w.applied(fresh, t0.Add(2*time.Second))
	// At t0+6s 12 and 13 have settled, 11 not yet: safe stays below 11.
	if w.advance(t0.Add(6*time.Second)) || w.safe != 10 {
		t.Fatalf("safe = %d, want 10 until 11 settles", w.safe)
	}
	if !w.advance(t0.Add(8*time.Second)) || w.safe != 13 || len(w.seen) != 0 {
		t.Fatalf("safe = %d, seen %v; want 13 and nothing left", w.safe, w.seen)
	}
	if got := w.fresh([]Change{{Pos: 9}, {Pos: 13}}); len(got) != 0 {
		t.Errorf("positions at or below safe are fresh: %v", got)
	}
}
