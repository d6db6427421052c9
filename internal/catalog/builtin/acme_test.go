package builtin

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callboard/callboard/entity"
)

var update = flag.Bool("update", false, "rewrite golden files")

// examplesDir is Backstage's example catalog, next to the repository.
func examplesDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs("../../../../shared/backstage-ref/catalog-model/examples")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "all.yaml")); err != nil {
		t.Skipf("Backstage's example catalog is not available: %v", err)
	}
	return dir
}

// stubReader answers every URL with a short text naming it, standing in
// for the GitHub reads of the example catalog's $text placeholders.
type stubReader struct{}

func (stubReader) Read(_ context.Context, url, _ string) ([]byte, string, bool, error) {
	return []byte("stub of " + url + "\n"), "", false, nil
}

// TestAcmeCatalog processes Backstage's example catalog (all.yaml and the
// acme organisation) the way a dry run does and compares every entity, with
// the relations the tree produces, and every error with a golden file.
// The AiResource entities and the mcp-server API fail, as on a stock
// Backstage. Refresh with: go test ./internal/catalog/builtin -run Acme -update
func TestAcmeCatalog(t *testing.T) {
	dir := examplesDir(t)
	o := newOrchestrator(t, Options{URLReader: stubReader{}})
	root := locationEntity("file", filepath.Join(dir, "all.yaml"))
	root["spec"] = map[string]any{"type": "file", "targets": []any{
		filepath.Join(dir, "all.yaml"),
		filepath.Join(dir, "acme/org.yaml"),
	}}
	ents, errs := o.ProcessTree(context.Background(), root)

	out := struct {
		Entities []*entity.Entity         `json:"entities"`
		Errors   []entity.SerializedError `json:"errors"`
	}{ents, errs}
	got, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = bytes.ReplaceAll(got, []byte(dir), []byte("$EXAMPLES"))
	got = append(got, '\n')

	golden := filepath.Join("testdata", "acme.golden.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("processed catalog differs from %s; run with -update and review the diff", golden)
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Errorf("first difference at line %d:\n got: %s\nwant: %s", i+1, gl[i], wl[i])
				break
			}
		}
	}

	// Spot checks that do not depend on the golden file being right.
	byRef := map[string]*entity.Entity{}
	for _, e := range ents {
		byRef[e.Ref().String()] = e
	}
	for ref, rel := range map[string]entity.Relation{
		"component:default/petstore":        {Type: entity.RelationProvidesAPI, TargetRef: "api:default/petstore"},
		"api:default/petstore":              {Type: entity.RelationAPIProvidedBy, TargetRef: "component:default/petstore"},
		"group:default/team-c":              {Type: entity.RelationOwnerOf, TargetRef: "component:default/petstore"},
		"user:default/breanna.davison":      {Type: entity.RelationMemberOf, TargetRef: "group:default/team-a"},
		"group:default/team-a":              {Type: entity.RelationHasMember, TargetRef: "user:default/breanna.davison"},
		"system:default/audio-playback":     {Type: entity.RelationHasPart, TargetRef: "component:default/playback-sdk"},
		"component:default/playback-order":  {Type: entity.RelationOwnedBy, TargetRef: "group:default/guest"},
		"domain:default/playback":           {Type: entity.RelationHasPart, TargetRef: "system:default/audio-playback"},
		"group:default/acme-corp":           {Type: entity.RelationParentOf, TargetRef: "group:default/infrastructure"},
		"component:default/wayback-archive": {Type: entity.RelationHasPart, TargetRef: "component:default/wayback-archive-storage"},
		"component:default/wayback-search":  {Type: entity.RelationConsumesAPI, TargetRef: "api:default/wayback-archive"},
	} {
		e := byRef[ref]
		if e == nil {
			t.Errorf("%s is missing", ref)
			continue
		}
		found := false
		for _, r := range e.Relations {
			found = found || r == rel
		}
		if !found {
			t.Errorf("%s has no relation %+v; it has %+v", ref, rel, e.Relations)
		}
	}
	if len(errs) != 3 {
		t.Errorf("got %d errors, want 3 (two AiResources, one mcp-server API): %+v", len(errs), errs)
	}
}

// TestAcmeCatalogConcurrently processes the example catalog from several
// goroutines with one orchestrator, as the engine's workers do; run with
// -race.
func TestAcmeCatalogConcurrently(t *testing.T) {
	dir := examplesDir(t)
	o := newOrchestrator(t, Options{URLReader: stubReader{}})
	root := locationEntity("file", filepath.Join(dir, "all.yaml"))
	want, _ := o.ProcessTree(context.Background(), root)
	done := make(chan []*entity.Entity)
	for i := 0; i < 4; i++ {
		go func() {
			got, _ := o.ProcessTree(context.Background(), root)
			done <- got
		}()
	}
	for i := 0; i < 4; i++ {
		if got := <-done; len(got) != len(want) {
			t.Errorf("a concurrent run processed %d entities, want %d", len(got), len(want))
		}
	}
}
