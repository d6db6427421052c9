package catalog_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
	"github.com/callboard/callboard/plugin"
)

// acmeExamples is Backstage's example catalog next to the repository.
func acmeExamples(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../../../shared/backstage-ref/catalog-model/examples")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "all.yaml")); err != nil {
		t.Skipf("Backstage's example catalog is not available: %v", err)
	}
	return dir
}

// stubURLs answers every URL with a short text naming it, in place of the
// GitHub reads of the examples' $text placeholders.
type stubURLs struct{}

func (stubURLs) Read(_ context.Context, url, _ string) ([]byte, string, bool, error) {
	return []byte("stub of " + url + "\n"), "", false, nil
}

// TestAcmeExampleCatalog loads Backstage's example catalog (all.yaml and
// the acme organisation) through two file config locations with the real
// orchestrator and built-in processors, and checks every final entity
// against the same tree processed in one go by the orchestrator's dry run:
// the same entities, specs and relations, no orphans, no status; and the
// experimental kinds that stock Backstage rejects are not stitched.
func TestAcmeExampleCatalog(t *testing.T) {
	dir := acmeExamples(t)
	rules, err := catalog.NewRules([]catalog.Rule{{Allow: append(allKinds[0].Allow, catalog.RuleKind{Kind: "AiResource"})}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	orch := catalog.NewOrchestrator(catalog.OrchestratorOptions{
		Processors: builtin.Processors(builtin.Options{URLReader: stubURLs{}}),
		Rules:      rules,
	})
	all, org := filepath.Join(dir, "all.yaml"), filepath.Join(dir, "acme", "org.yaml")

	// The expectation: both trees as one dry run sees them (relations
	// cross between them), under a root that stands for both config
	// locations.
	want := map[string]*entity.Entity{}
	var failed []string
	root := locationFor("file", all)
	root["spec"] = map[string]any{"type": "file", "targets": []any{all, org}}
	ents, errs := orch.ProcessTree(context.Background(), root)
	for _, e := range ents[1:] {
		want[e.Ref().String()] = e
	}
	for _, e := range errs {
		failed = append(failed, e.Message)
	}
	for _, target := range []string{all, org} {
		e, err := entity.FromMap(locationFor("file", target))
		if err != nil {
			t.Fatal(err)
		}
		e.Metadata.Namespace = entity.DefaultNamespace
		e.Spec = map[string]any{"type": "file", "target": target}
		want[e.Ref().String()] = e
	}
	if len(want) < 50 || len(failed) != 3 {
		t.Fatalf("dry run gave %d entities and errors %q; the example catalog changed?", len(want), failed)
	}

	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db,
			withConfigLocations(plugin.Location{Type: "file", Target: all}, plugin.Location{Type: "file", Target: org}),
			func(o *catalog.EngineOptions) { o.Orchestrator = orch })
		h.idle()

		var wantRefs []string
		for ref := range want {
			wantRefs = append(wantRefs, ref)
		}
		sort.Strings(wantRefs)
		if diff := cmp.Diff(wantRefs, h.refs()); diff != "" {
			t.Fatalf("final entities (-want +got):\n%s", diff)
		}
		for _, ref := range wantRefs {
			got := h.final(ref)
			exp := want[ref]
			var gotEnt entity.Entity
			b, _ := json.Marshal(got)
			if err := json.Unmarshal(b, &gotEnt); err != nil {
				t.Fatal(err)
			}
			if gotEnt.Metadata.UID == "" || gotEnt.Metadata.Etag == "" {
				t.Errorf("%s: uid %q etag %q", ref, gotEnt.Metadata.UID, gotEnt.Metadata.Etag)
			}
			if gotEnt.Status != nil {
				t.Errorf("%s: status %+v", ref, gotEnt.Status)
			}
			if _, orphan := gotEnt.Metadata.Annotations[entity.AnnotationOrphan]; orphan {
				t.Errorf("%s is marked orphan", ref)
			}
			if diff := cmp.Diff(exp.Relations, gotEnt.Relations); diff != "" {
				t.Errorf("%s relations (-dry run +engine):\n%s", ref, diff)
			}
			if diff := cmp.Diff(exp.Spec, gotEnt.Spec); diff != "" {
				t.Errorf("%s spec (-dry run +engine):\n%s", ref, diff)
			}
			// The dry run had one origin for both trees.
			origin := gotEnt.Metadata.Annotations[entity.AnnotationManagedByOriginLocation]
			if origin != "file:"+all && origin != "file:"+org {
				t.Errorf("%s: origin %q is neither config location", ref, origin)
			}
			exp.Metadata.Annotations[entity.AnnotationManagedByOriginLocation] = origin
			exp.Metadata.UID, exp.Metadata.Etag = gotEnt.Metadata.UID, gotEnt.Metadata.Etag
			if diff := cmp.Diff(exp.Metadata, gotEnt.Metadata); diff != "" {
				t.Errorf("%s metadata (-dry run +engine):\n%s", ref, diff)
			}
		}
		// The entities stock Backstage rejects were processed, failed and
		// never stitched.
		var errs []string
		rows, err := db.Query(`SELECT errors FROM refresh_state WHERE errors <> '' ORDER BY entity_ref`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			var se []entity.SerializedError
			if err := json.Unmarshal([]byte(s), &se); err != nil {
				t.Fatal(err)
			}
			for _, e := range se {
				errs = append(errs, e.Message)
			}
		}
		rows.Close()
		sort.Strings(errs)
		sort.Strings(failed)
		if diff := cmp.Diff(failed, errs); diff != "" {
			t.Errorf("processing errors (-dry run +engine):\n%s", diff)
		}
		if n := h.count(`SELECT count(*) FROM final_entities f JOIN search s ON s.id = f.id
			WHERE s.key = 'relations.ownedby' AND f.entity_ref = 'component:default/artist-lookup'`); n != 1 {
			t.Errorf("artist-lookup has %d relations.ownedby search rows, want 1", n)
		}
	})
}

// locationFor is the Location entity the engine makes for a configured
// location, as a map for the dry run.
func locationFor(typ, target string) map[string]any {
	ref := typ + ":" + target
	return map[string]any{
		"apiVersion": "backstage.io/v1alpha1",
		"kind":       "Location",
		"metadata": map[string]any{
			"name": "generated-" + sha1Hex(ref),
			"annotations": map[string]any{
				entity.AnnotationManagedByLocation:       ref,
				entity.AnnotationManagedByOriginLocation: ref,
			},
		},
		"spec": map[string]any{"type": typ, "target": target},
	}
}
