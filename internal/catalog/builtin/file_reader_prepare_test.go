package builtin

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/plugin"
)

// plainEmitter hides everything an Emitter offers beyond plugin.Emitter
// (catalog.Preparer, catalog.Replayer), so a reader emits one entity at a
// time through Entity.
type plainEmitter struct{ plugin.Emitter }

// plainFileReader is the file reader given a plainEmitter.
type plainFileReader struct{ *FileReaderProcessor }

func (p plainFileReader) ReadLocation(ctx context.Context, loc plugin.Location, optional bool, emit plugin.Emitter, cache plugin.Cache) (bool, error) {
	return p.FileReaderProcessor.ReadLocation(ctx, loc, optional, plainEmitter{emit}, cache)
}

// TestFileLocationPreparedInParallel reads globs of many files, whose
// entities are prepared on the goroutines that parse them, and expects
// what emitting each entity through Entity gives: the same children with
// the same JSON and hashes in path order, the same deferred entities and
// the same errors in the same order.
func TestFileLocationPreparedInParallel(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{}
	for i := range 30 {
		var names []string
		for j := range 25 {
			names = append(names, fmt.Sprintf("c%02d-%02d", i, j))
		}
		files[fmt.Sprintf("ok/f%02d.yaml", i)] = componentYAML(names...)
	}
	// A child with the ref of the Location being read is dropped.
	files["ok/f05.yaml"] += "---\napiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: generated-root}\nspec: {target: x.yaml}\n"
	files["bad/a.yaml"] = "---\n[a list]\n" + componentYAML("a1") + "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: 7}\n"
	files["bad/b.yaml"] = componentYAML("b1") + "---\n- not an object\n"
	files["bad/c.yaml"] = "---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: g1}\nspec: {type: team, children: []}\n" + componentYAML("c1")
	files["bad/d.yaml"] = "kind: [\n"
	writeFiles(t, dir, files)

	rules, err := catalog.NewRules([]catalog.Rule{{Allow: []catalog.RuleKind{{Kind: "Component"}, {Kind: "Location"}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	orchestrator := func(plain bool) *catalog.Orchestrator {
		procs := Processors(Options{})
		if plain {
			for i, p := range procs {
				if f, ok := p.(*FileReaderProcessor); ok {
					procs[i] = plainFileReader{f}
				}
			}
		}
		return catalog.NewOrchestrator(catalog.OrchestratorOptions{Processors: procs, Rules: rules})
	}
	prepared, plain := orchestrator(false), orchestrator(true)
	for _, tt := range []struct {
		glob string
		ok   bool
	}{
		{"ok/*.yaml", true},
		{"bad/*.yaml", false},
		{"**/*.yaml", false},
	} {
		t.Run(tt.glob, func(t *testing.T) {
			for _, encode := range []bool{true, false} {
				loc := locationEntity("file", filepath.Join(dir, "root.yaml"))
				loc["spec"] = map[string]any{"target": filepath.Join(dir, tt.glob)}
				req := catalog.ProcessRequest{Entity: loc, EncodeChildren: encode}
				want := plain.Process(context.Background(), req)
				got := prepared.Process(context.Background(), req)
				if got.OK != tt.ok {
					t.Fatalf("encode=%v: OK = %v, errors %v", encode, got.OK, errorTexts(got.Errors))
				}
				if diff := cmp.Diff(errorTexts(want.Errors), errorTexts(got.Errors)); diff != "" {
					t.Errorf("encode=%v: errors (-plain +prepared):\n%s", encode, diff)
				}
				if diff := cmp.Diff(want.Children, got.Children); diff != "" {
					t.Errorf("encode=%v: children (-plain +prepared):\n%s", encode, diff)
				}
				if diff := cmp.Diff(want.Deferred, got.Deferred); diff != "" {
					t.Errorf("encode=%v: deferred (-plain +prepared):\n%s", encode, diff)
				}
				if diff := cmp.Diff(want.RefreshKeys, got.RefreshKeys); diff != "" {
					t.Errorf("encode=%v: refresh keys (-plain +prepared):\n%s", encode, diff)
				}
				if !tt.ok && len(got.Errors) < 4 {
					t.Errorf("encode=%v: errors %v, want one for each bad file", encode, errorTexts(got.Errors))
				}
				if tt.ok && encode && len(got.Children) != 30*25 {
					t.Errorf("encode=%v: %d children, want %d", encode, len(got.Children), 30*25)
				}
			}
		})
	}
}
