package scaffolder

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const orderedTemplate = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: not-a-template}
---
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: service
spec:
  parameters:
    - title: About
      properties:
        name: {type: string}
        owner: {type: string}
        description: {type: string}
        limits:
          type: object
          properties:
            memory: {type: string}
            cpu: {type: string}
    - title: Where
      ui:order: [repoUrl, branch]
      properties:
        repoUrl: {type: string}
        branch: {type: string}
  steps: []
`

func TestParseOrders(t *testing.T) {
	got := parseOrders([]byte(orderedTemplate))
	want := map[string][][]string{"default/service": {
		{"name", "owner", "description", "limits", "limits/memory", "limits/cpu"},
		{"repoUrl", "branch"},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("orders (-want +got):\n%s", diff)
	}
}

func TestTemplateFormFollowsSourceOrder(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(src, []byte(orderedTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	page := func(title string, props map[string]any, extra map[string]any) map[string]any {
		p := map[string]any{"title": title, "properties": props}
		for k, v := range extra {
			p[k] = v
		}
		return p
	}
	str := map[string]any{"type": "string"}
	ent := map[string]any{
		"apiVersion": "scaffolder.backstage.io/v1beta3",
		"kind":       "Template",
		"metadata": map[string]any{
			"name": "service", "namespace": "default",
			"annotations": map[string]any{annotationLocation: "file:" + src},
		},
		"spec": map[string]any{
			"type": "service",
			"parameters": []any{
				page("About", map[string]any{"name": str, "owner": str, "description": str,
					"limits": map[string]any{"type": "object", "properties": map[string]any{"memory": str, "cpu": str}}}, nil),
				page("Where", map[string]any{"repoUrl": str, "branch": str}, map[string]any{"ui:order": []any{"repoUrl", "branch"}}),
			},
			"steps": []any{},
		},
	}
	tpl, err := ParseTemplate(mustJSON(t, ent))
	if err != nil {
		t.Fatal(err)
	}
	e := &Engine{now: time.Now}
	e.withSourceOrder(context.Background(), tpl)
	if diff := cmp.Diff([]any{"name", "owner", "description", "limits", "*"}, tpl.Pages[0]["ui:order"]); diff != "" {
		t.Errorf("first page's ui:order (-want +got):\n%s", diff)
	}
	limits := tpl.Pages[0]["properties"].(map[string]any)["limits"].(map[string]any)
	if diff := cmp.Diff([]any{"memory", "cpu", "*"}, limits["ui:order"]); diff != "" {
		t.Errorf("nested object's ui:order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{"repoUrl", "branch"}, tpl.Pages[1]["ui:order"]); diff != "" {
		t.Errorf("a page's own ui:order was changed (-want +got):\n%s", diff)
	}

	// A source that cannot be read leaves the template as it is.
	ent["metadata"].(map[string]any)["annotations"] = map[string]any{annotationLocation: "file:" + filepath.Join(dir, "gone.yaml")}
	tpl, err = ParseTemplate(mustJSON(t, ent))
	if err != nil {
		t.Fatal(err)
	}
	e.withSourceOrder(context.Background(), tpl)
	if _, ok := tpl.Pages[0]["ui:order"]; ok {
		t.Errorf("ui:order set without a readable source: %v", tpl.Pages[0]["ui:order"])
	}
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
