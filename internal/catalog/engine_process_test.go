package catalog_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
	"github.com/callboard/callboard/plugin"
)

// countingProc counts how often each entity is pre-processed, as
// "<kind>:<name>". It is deterministic under the fingerprint fp unless
// impure is set.
type countingProc struct {
	fp     string
	impure bool
	mu     sync.Mutex
	seen   map[string]int
}

func (p *countingProc) Name() string { return "CountingProcessor" }

func (p *countingProc) PreProcessEntity(_ context.Context, data map[string]any, _ plugin.Location, _ plugin.Emitter, _ plugin.Cache) (map[string]any, error) {
	meta, _ := data["metadata"].(map[string]any)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen == nil {
		p.seen = map[string]int{}
	}
	p.seen[fmt.Sprintf("%v:%v", data["kind"], meta["name"])]++
	return data, nil
}

// processed returns what was processed since the last call, Locations
// left out: reading a Location is never skipped.
func (p *countingProc) processed() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]int{}
	for k, n := range p.seen {
		if !strings.HasPrefix(k, "Location:") {
			out[k] = n
		}
	}
	p.seen = nil
	return out
}

// skipped is processed without the entities named, which are processed
// however often their parent's write schedules them (a1 reads a
// placeholder, so it is never skipped).
func (p *countingProc) skipped(always ...string) map[string]int {
	out := p.processed()
	for _, k := range always {
		delete(out, k)
	}
	return out
}

// pureCounter is a countingProc that declares itself deterministic.
type pureCounter struct{ *countingProc }

func (p pureCounter) Fingerprint() string { return p.fp }

var _ plugin.DeterministicProcessor = pureCounter{}

// withCounter runs the built-in processors and p under rules.
func withCounter(t testing.TB, p *countingProc, rules []catalog.Rule) harnessOption {
	t.Helper()
	r, err := catalog.NewRules(rules, nil)
	if err != nil {
		t.Fatal(err)
	}
	var extra plugin.Processor = pureCounter{p}
	if p.impure {
		extra = p
	}
	procs := append(builtin.Processors(builtin.Options{}), extra)
	return func(o *catalog.EngineOptions) {
		o.Orchestrator = catalog.NewOrchestrator(catalog.OrchestratorOptions{Processors: procs, Rules: r})
	}
}

// secondPass makes every entity due and waits until it is processed.
func (h *harness) secondPass() {
	h.t.Helper()
	if _, err := h.db.ExecContext(context.Background(), `UPDATE refresh_schedule SET next_update_at = 0`); err != nil {
		h.t.Fatal(err)
	}
	h.idle()
}

// stateRows is every entity's stored input, result and cache.
func (h *harness) stateRows() []string {
	h.t.Helper()
	return h.strings(`SELECT entity_ref || ' ' || result_hash || ' ' || cache || ' ' || COALESCE(errors, '') || ' ' || unprocessed_entity
		FROM refresh_state ORDER BY entity_ref`)
}

const reuseRoot = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: root}\nspec:\n  targets: [./parts/*.yaml]\n"

// reuseCatalog writes a root Location over parts/a.yaml (a1, a2, with a1's
// description read by a placeholder) and parts/b.yaml (b1).
func reuseCatalog(t *testing.T) (dir, root string) {
	dir = t.TempDir()
	root = writeFile(t, dir, "root.yaml", reuseRoot)
	writeFile(t, dir, "parts/a.yaml", componentDoc("a1", "description: {$text: ../desc.txt}")+componentDoc("a2", ""))
	writeFile(t, dir, "parts/b.yaml", componentDoc("b1", ""))
	writeFile(t, dir, "desc.txt", "one")
	return dir, root
}

func componentDoc(name, extra string) string {
	meta := "metadata:\n  name: " + name + "\n"
	if extra != "" {
		meta += "  " + extra + "\n"
	}
	return "---\napiVersion: backstage.io/v1alpha1\nkind: Component\n" + meta + "spec: {type: service, lifecycle: production, owner: team-a}\n"
}

func TestEngineSecondPassReusesUnchangedResults(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, root := reuseCatalog(t)
		counter := &countingProc{fp: "v1"}
		h := newHarness(t, db, withCounter(t, counter, allKinds), withConfigLocations(plugin.Location{Type: "file", Target: root}))
		h.idle()
		if diff := cmp.Diff(map[string]int{"Component:a1": 1, "Component:a2": 1, "Component:b1": 1}, counter.processed()); diff != "" {
			t.Fatalf("cold start processed (-want +got):\n%s", diff)
		}
		before, counts := h.stateRows(), h.tableCounts()

		h.secondPass()
		// a1 reads a placeholder, which is input beside the entity.
		if diff := cmp.Diff(map[string]int{"Component:a1": 1}, counter.processed()); diff != "" {
			t.Errorf("second pass processed (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(before, h.stateRows()); diff != "" {
			t.Errorf("second pass changed stored state (-before +after):\n%s", diff)
		}
		if diff := cmp.Diff(counts, h.tableCounts()); diff != "" {
			t.Errorf("second pass changed row counts (-before +after):\n%s", diff)
		}
	})
}

func TestEngineSecondPassSeesChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dir, root := reuseCatalog(t)
		counter := &countingProc{fp: "v1"}
		h := newHarness(t, db, withCounter(t, counter, allKinds), withConfigLocations(plugin.Location{Type: "file", Target: root}))
		h.idle()
		counter.processed()

		t.Run("changed file", func(t *testing.T) {
			writeFile(t, dir, "parts/b.yaml", componentDoc("b1", "description: edited")+componentDoc("b2", ""))
			h.secondPass()
			if got := description(h.final("component:default/b1")); got != "edited" {
				t.Errorf("b1 description %q, want the edit", got)
			}
			if h.final("component:default/b2") == nil {
				t.Error("b2, added to a file, is not in the catalog")
			}
			if diff := cmp.Diff(map[string]int{"Component:b1": 1, "Component:b2": 1}, counter.skipped("Component:a1")); diff != "" {
				t.Errorf("processed (-want +got):\n%s", diff)
			}
		})
		t.Run("placeholder target", func(t *testing.T) {
			writeFile(t, dir, "desc.txt", "two")
			h.secondPass()
			if got := description(h.final("component:default/a1")); got != "two" {
				t.Errorf("a1 description %q, want the placeholder's new text", got)
			}
		})
		t.Run("added file", func(t *testing.T) {
			writeFile(t, dir, "parts/c.yaml", componentDoc("c1", ""))
			h.secondPass()
			if h.final("component:default/c1") == nil {
				t.Error("c1, in a new file, is not in the catalog")
			}
			if diff := cmp.Diff(map[string]int{"Component:c1": 1}, counter.skipped("Component:a1")); diff != "" {
				t.Errorf("processed (-want +got):\n%s", diff)
			}
		})
		t.Run("deleted file", func(t *testing.T) {
			if err := os.Remove(filepath.Join(dir, "parts/b.yaml")); err != nil {
				t.Fatal(err)
			}
			h.secondPass()
			for _, ref := range []string{"component:default/b1", "component:default/b2"} {
				if got := annotation(h.final(ref), "backstage.io/orphan"); got != "true" {
					t.Errorf("%s orphan annotation %q, want true", ref, got)
				}
			}
			if got := annotation(h.final("component:default/a2"), "backstage.io/orphan"); got != "" {
				t.Errorf("a2, in an unchanged file, has the orphan annotation %q", got)
			}
		})
	})
}

func TestEngineReuseEndsWithConfiguration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, root := reuseCatalog(t)
		locs := withConfigLocations(plugin.Location{Type: "file", Target: root})
		first := &countingProc{fp: "v1"}
		h := newHarness(t, db, withCounter(t, first, allKinds), locs)
		h.idle()
		h.stop()
		all := map[string]int{"Component:a1": 1, "Component:a2": 1, "Component:b1": 1}

		t.Run("processor configuration", func(t *testing.T) {
			c := &countingProc{fp: "v2"}
			h := newHarness(t, db, withCounter(t, c, allKinds), locs)
			h.secondPass()
			h.stop()
			if diff := cmp.Diff(all, c.processed()); diff != "" {
				t.Errorf("processed (-want +got):\n%s", diff)
			}
		})
		t.Run("processor that calls other systems", func(t *testing.T) {
			c := &countingProc{fp: "v2", impure: true}
			h := newHarness(t, db, withCounter(t, c, allKinds), locs)
			h.secondPass()
			h.secondPass()
			h.stop()
			if diff := cmp.Diff(map[string]int{"Component:a1": 2, "Component:a2": 2, "Component:b1": 2}, c.processed()); diff != "" {
				t.Errorf("processed (-want +got):\n%s", diff)
			}
		})
		t.Run("catalog rules", func(t *testing.T) {
			c := &countingProc{fp: "v2"}
			h := newHarness(t, db, withCounter(t, c, allKinds), locs)
			h.secondPass()
			h.stop()
			c.processed()
			// The same files under rules that no longer allow Components:
			// the Location's unchanged files must not be replayed.
			locationsOnly := []catalog.Rule{{Allow: []catalog.RuleKind{{Kind: "Location"}}}}
			h = newHarness(t, db, withCounter(t, c, locationsOnly), locs)
			h.secondPass()
			h.stop()
			errs := h.strings(`SELECT COALESCE(errors, '') FROM refresh_state WHERE entity_ref = 'location:default/root'`)
			if len(errs) != 1 || !strings.Contains(errs[0], "is not of an allowed kind") {
				t.Errorf("root Location errors %q, want the rules' refusal", errs)
			}
		})
	})
}

func description(e map[string]any) string {
	meta, _ := e["metadata"].(map[string]any)
	s, _ := meta["description"].(string)
	return s
}
