package catalog

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

func TestAnalyzeSuggestsComponent(t *testing.T) {
	o := NewOrchestrator(OrchestratorOptions{})
	tests := []struct {
		target string
		want   map[string]any
	}{
		{"https://github.com/acme/shop", map[string]any{"name": "shop", "annotations": map[string]any{"github.com/project-slug": "acme/shop"}}},
		{"https://github.com/acme/shop/blob/main/catalog-info.yaml", map[string]any{"name": "shop", "annotations": map[string]any{"github.com/project-slug": "acme/shop"}}},
		{"https://gitlab.com/acme/shop.git", map[string]any{"name": "shop", "annotations": map[string]any{"gitlab.com/project-slug": "acme/shop"}}},
		{"https://bitbucket.org/acme/shop/src/main/", map[string]any{"name": "shop", "annotations": map[string]any{"bitbucket.org/project-slug": "acme/shop"}}},
		{"https://dev.azure.com/acme/payments/_git/shop", map[string]any{"name": "shop", "annotations": map[string]any{"dev.azure.com/project-slug": "payments/shop"}}},
		{"https://git.example.com/acme/shop", map[string]any{"name": "shop"}},
	}
	for _, tt := range tests {
		res, err := o.Analyze(context.Background(), AnalyzeRequest{Location: LocationInput{Type: "url", Target: tt.target}}, nil)
		if err != nil {
			t.Errorf("%s: %v", tt.target, err)
			continue
		}
		want := &AnalyzeResult{
			ExistingEntityFiles: []ExistingEntityFile{},
			GenerateEntities: []GeneratedEntity{{
				Entity: map[string]any{
					"apiVersion": "backstage.io/v1alpha1",
					"kind":       "Component",
					"metadata":   tt.want,
					"spec":       map[string]any{"type": "other", "lifecycle": "unknown"},
				},
				Fields: []AnalyzeFieldHint{},
			}},
		}
		if diff := cmp.Diff(want, res); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.target, diff)
		}
	}
}

func TestAnalyzeNotAURL(t *testing.T) {
	o := NewOrchestrator(OrchestratorOptions{})
	for _, target := range []string{"github.com/acme/shop", "", "./catalog-info.yaml", "%"} {
		_, err := o.Analyze(context.Background(), AnalyzeRequest{Location: LocationInput{Type: "url", Target: target}}, nil)
		if !problem.Is(err, problem.InputError) || err.(*problem.Error).Message != "The given location.target is not a URL" {
			t.Errorf("%q: err = %v", target, err)
		}
	}
}

func TestAnalyzeExistingFile(t *testing.T) {
	const file = "https://git.example.com/acme/shop/raw/catalog-info.yaml"
	docs := []map[string]any{
		{"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": map[string]any{"name": "shop"}},
		{"apiVersion": "backstage.io/v1alpha1", "kind": "API", "metadata": map[string]any{"name": "shop-api"}},
	}
	var seen []plugin.Location
	o := NewOrchestrator(OrchestratorOptions{Processors: []plugin.Processor{reader("url", "url", &seen, docs...)}})
	var asked []LocationInput
	res, err := o.Analyze(context.Background(), AnalyzeRequest{Location: LocationInput{Type: "url", Target: file}},
		func(l LocationInput) bool { asked = append(asked, l); return true })
	if err != nil {
		t.Fatal(err)
	}
	if len(res.ExistingEntityFiles) != 2 || len(res.GenerateEntities) != 0 {
		t.Fatalf("result = %+v", res)
	}
	got := res.ExistingEntityFiles[1]
	if got.Location != (LocationInput{Type: "url", Target: file}) || !got.IsRegistered || got.Entity.Kind != "API" || got.Entity.Metadata.Name != "shop-api" {
		t.Errorf("second file = %+v", got)
	}
	if diff := cmp.Diff([]LocationInput{{Type: "url", Target: file}}, asked); diff != "" {
		t.Errorf("registered lookups (-want +got):\n%s", diff)
	}

	// An unreadable file falls back to a suggestion.
	failing := readProc{&fakeProc{name: "url", read: func(loc plugin.Location, _ bool, emit plugin.Emitter, _ plugin.Cache) (bool, error) {
		emit.Error(errors.New("not found"), loc)
		return true, nil
	}}}
	o = NewOrchestrator(OrchestratorOptions{Processors: []plugin.Processor{failing}})
	res, err = o.Analyze(context.Background(), AnalyzeRequest{Location: LocationInput{Type: "url", Target: file}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.ExistingEntityFiles) != 0 || len(res.GenerateEntities) != 1 {
		t.Errorf("result = %+v", res)
	}
}
