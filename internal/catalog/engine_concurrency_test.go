package catalog_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/bench"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
	"github.com/callboard/callboard/plugin"
)

// inFlight records which entities are being processed, by any engine, and
// every time one was processed while already in flight.
type inFlight struct {
	mu        sync.Mutex
	now       map[string]int // ref -> engine
	twice     []string
	processed map[int]int // engine -> entities processed
	seen      map[string]bool
}

func newInFlight() *inFlight {
	return &inFlight{now: map[string]int{}, processed: map[int]int{}, seen: map[string]bool{}}
}

// trackingOrchestrator wraps the real orchestrator for one engine.
type trackingOrchestrator struct {
	catalog.EngineOrchestrator
	engine int
	f      *inFlight
}

func (o trackingOrchestrator) Process(ctx context.Context, req catalog.ProcessRequest) catalog.ProcessResult {
	kind, _ := req.Entity["kind"].(string)
	meta, _ := req.Entity["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	ns, _ := meta["namespace"].(string)
	ref := entity.Ref{Kind: kind, Namespace: ns, Name: name}.String()
	o.f.mu.Lock()
	if other, busy := o.f.now[ref]; busy {
		o.f.twice = append(o.f.twice, ref)
		_ = other
	}
	o.f.now[ref] = o.engine
	o.f.processed[o.engine]++
	o.f.seen[ref] = true
	o.f.mu.Unlock()
	// Widen the window in which a second claim could slip in.
	time.Sleep(200 * time.Microsecond)
	res := o.EngineOrchestrator.Process(ctx, req)
	o.f.mu.Lock()
	delete(o.f.now, ref)
	o.f.mu.Unlock()
	return res
}

// TestTwoEnginesShareOneDatabase runs two engines on one database: no
// entity may be processed by both at once, and nothing may be lost, also
// while refreshes make entities due again during their processing.
func TestTwoEnginesShareOneDatabase(t *testing.T) {
	dir := t.TempDir()
	sum, err := bench.Generate(dir, 600, 7)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			opts := storetest.Options(t, d)
			dbs := make([]*store.DB, 2)
			for i := range dbs {
				db, err := store.Open(context.Background(), opts)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				dbs[i] = db
			}
			if _, err := dbs[0].Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			f := newInFlight()
			var hs []*harness
			for i, db := range dbs {
				hs = append(hs, newHarness(t, db,
					withConfigLocations(plugin.Location{Type: "file", Target: sum.Root}),
					func(o *catalog.EngineOptions) {
						o.Orchestrator = trackingOrchestrator{EngineOrchestrator: o.Orchestrator, engine: i, f: f}
						o.BatchSize = 50
					}))
			}
			idleAll := func() {
				for _, h := range hs {
					h.idleTimeout = 5 * time.Minute
					h.idle()
				}
				// One engine's last write may have given the other work.
				for _, h := range hs {
					h.idle()
				}
			}
			idleAll()
			want := sum.Total + 1 // and the config Location
			if n := hs[0].count(`SELECT count(*) FROM final_entities`); n != want {
				t.Errorf("%d final entities, want %d", n, want)
			}

			// Make everything due again, several times, while refreshing
			// entities that are likely in flight.
			ctx := context.Background()
			refs := hs[0].strings(`SELECT entity_ref FROM refresh_state ORDER BY entity_ref`)
			for round := 0; round < 3; round++ {
				if _, err := dbs[0].Exec(`UPDATE refresh_schedule SET next_update_at = 0`); err != nil {
					t.Fatal(err)
				}
				for i := 0; i < len(refs); i += 7 {
					if err := hs[i%2].eng.Refresh(ctx, refs[i]); err != nil {
						t.Fatal(err)
					}
				}
				idleAll()
			}

			f.mu.Lock()
			defer f.mu.Unlock()
			if len(f.twice) > 0 {
				t.Errorf("%d entities were processed by two engines at once, e.g. %v", len(f.twice), f.twice[:min(5, len(f.twice))])
			}
			if f.processed[0] == 0 || f.processed[1] == 0 {
				t.Errorf("work was not shared: engine 0 processed %d, engine 1 %d", f.processed[0], f.processed[1])
			}
			if len(f.seen) != want {
				t.Errorf("%d distinct entities processed, want %d", len(f.seen), want)
			}
			if n := hs[0].count(`SELECT count(*) FROM final_entities`); n != want {
				t.Errorf("%d final entities after the refreshes, want %d", n, want)
			}
			if n := hs[0].count(`SELECT count(*) FROM stitch_queue`); n != 0 {
				t.Errorf("%d stitch queue entries left", n)
			}
			t.Logf("engine 0 processed %d entities, engine 1 %d", f.processed[0], f.processed[1])
		})
	}
}
