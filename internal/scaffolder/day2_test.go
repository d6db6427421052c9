package scaffolder_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder"
)

const dayTwoEntity = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: svc
  tags: [go, web]
  annotations:
    backstage.io/techdocs-ref: dir:.
    github.com/project-slug: acme/svc
spec:
  type: service
  lifecycle: production
  replicas: 3
  public: true
`

func TestEntityFilterErrors(t *testing.T) {
	for _, tc := range []struct {
		name, filter, want string
	}{
		{"a string", `entityFilter: Component`, "template:default/day2: entityFilter: entityFilter must be an object such as {kind: Component, spec.type: service} or a list of them"},
		{"an empty object", `entityFilter: {}`, "template:default/day2: entityFilter: entityFilter[0] must be a non-empty object"},
		{"a list holding a string", `entityFilter: [{kind: API}, Component]`, "template:default/day2: entityFilter: entityFilter[1] must be a non-empty object"},
		{"a list of numbers", `entityFilter: {kind: [1, 2]}`, "template:default/day2: entityFilter: entityFilter[0].kind: a list of values must hold strings"},
		{"an object value", `entityFilter: {metadata: {name: x}}`, "template:default/day2: entityFilter: entityFilter[0].metadata must be a value or a list of values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scaffolder.ParseTemplate(yamlJSON(t, "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: day2\nspec:\n  type: service\n  steps: []\n  "+tc.filter+"\n"))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestAppliesTo(t *testing.T) {
	var ent map[string]any
	if err := json.Unmarshal(yamlJSON(t, dayTwoEntity), &ent); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, filter string
		want         bool
	}{
		{"kind and dotted spec path", `{kind: Component, spec.type: service}`, true},
		{"case is ignored", `{kind: component, spec.type: SERVICE}`, true},
		{"every key must match", `{kind: Component, spec.type: website}`, false},
		{"one of a list of values", `{kind: [API, Component]}`, true},
		{"none of a list of values", `{kind: [API, System]}`, false},
		{"an annotation key with dots", `{metadata.annotations.backstage.io/techdocs-ref: 'dir:.'}`, true},
		{"another annotation key with dots", `{metadata.annotations.github.com/project-slug: acme/svc}`, true},
		{"one of the entity's list values", `{metadata.tags: web}`, true},
		{"none of the entity's list values", `{metadata.tags: [rust, java]}`, false},
		{"a number", `{spec.replicas: 3}`, true},
		{"a boolean", `{spec.public: true}`, true},
		{"a missing path", `{spec.owner: team-a}`, false},
		{"a path to an object", `{metadata.annotations: x}`, false},
		{"any filter of a list", `[{kind: API}, {spec.lifecycle: production}]`, true},
		{"no filter of a list", `[{kind: API}, {spec.lifecycle: experimental}]`, false},
		{"no entityFilter", ``, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := "  steps: []\n"
			if tc.filter != "" {
				spec += "  entityFilter: " + tc.filter + "\n"
			}
			if got := parse(t, spec).AppliesTo(ent); got != tc.want {
				t.Errorf("AppliesTo = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDayTwoTask(t *testing.T) {
	h := newWorkflowHarness(t)
	h.run(t)
	h.catalog.mu.Lock()
	h.catalog.entities["component:default/svc"] = yamlJSON(t, dayTwoEntity)
	h.catalog.entities["component:default/lib"] = yamlJSON(t, strings.Replace(strings.Replace(dayTwoEntity, "type: service", "type: library", 1), "name: svc", "name: lib", 1))
	h.catalog.mu.Unlock()
	ref := h.template(t, "rotate", `  entityFilter: {kind: Component, spec.type: service}
  steps:
    - id: rotate
      action: test:echo
      input:
        message: ${{ entity.metadata.name }} ${{ entity.metadata.annotations['github.com/project-slug'] }}
  output:
    message: ${{ steps.rotate.output.echo }}
`)
	h.template(t, "other", "  entityFilter: {kind: API}\n  steps: []\n")
	h.template(t, "plain", "  steps: []\n")
	ctx := context.Background()
	create := func(entityRef string) (string, error) {
		return h.engine.Create(ctx, scaffolder.CreateRequest{TemplateRef: ref, EntityRef: entityRef, UserRef: ada, CreatedBy: ada})
	}
	id, err := create("component:default/svc")
	if err != nil {
		t.Fatal(err)
	}
	if task := h.wait(t, id); task.Status != scaffolder.StatusCompleted {
		t.Fatalf("status %s\n%s", task.Status, strings.Join(h.log(t, id), "\n"))
	}
	if got := h.completion(t, id).Output["message"]; got != "svc acme/svc" {
		t.Errorf("output %v", got)
	}
	if _, err := create("component:default/lib"); !problem.Is(err, problem.InputError) ||
		err.Error() != "InputError: template:default/rotate does not apply to component:default/lib: it does not match the template's spec.entityFilter" {
		t.Errorf("an entity the template does not apply to: %v", err)
	}
	if _, err := create("component:default/ghost"); !problem.Is(err, problem.NotFoundError) {
		t.Errorf("a missing entity: %v", err)
	}

	var ent map[string]any
	if err := json.Unmarshal(yamlJSON(t, dayTwoEntity), &ent); err != nil {
		t.Fatal(err)
	}
	ts, err := h.engine.TemplatesFor(ctx, ent)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tpl := range ts {
		names = append(names, tpl.Ref)
	}
	if diff := cmp.Diff([]string{ref}, names); diff != "" {
		t.Errorf("TemplatesFor (-want +got):\n%s", diff)
	}
	h.audit.mu.Lock()
	defer h.audit.mu.Unlock()
	var details map[string]any
	for _, e := range h.audit.events {
		if e.Action == "scaffolder.task.create" {
			if err := json.Unmarshal(e.Details, &details); err != nil {
				t.Fatal(err)
			}
		}
	}
	if details["entityRef"] != "component:default/svc" || details["taskId"] != id {
		t.Errorf("audit details %v", details)
	}
}
