package scaffolder_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/callboard/callboard/internal/scaffolder"
)

// parse reads a template whose spec is given (indented by two spaces).
func parse(t *testing.T, spec string) *scaffolder.Template {
	t.Helper()
	tpl, err := scaffolder.ParseTemplate(yamlJSON(t, "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: dag\nspec:\n  type: service\n"+spec))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func TestNeedsMistakes(t *testing.T) {
	h := newSQLiteHarness(t)
	for _, tc := range []struct {
		name string
		spec string
		want []string
	}{
		{"a DAG", `  steps:
    - {id: a, action: test:echo}
    - {id: b, action: test:echo, needs: []}
    - {id: c, action: test:echo, needs: [a, b], input: {message: '${{ steps.a.output.echo }}${{ steps.b.output.echo }}'}}
    - {id: d, action: test:echo, input: {message: '${{ steps.a.output.echo }}'}}
`, nil},
		{"an unknown step", `  steps:
    - {id: a, action: test:echo, needs: [ghost]}
`, []string{"template:default/dag: step a: needs[0]: needs step 'ghost', which does not exist"}},
		{"a step needing itself", `  steps:
    - {id: a, action: test:echo, needs: a}
`, []string{"template:default/dag: step a: needs[0]: a step cannot need itself"}},
		{"a cycle", `  steps:
    - {id: a, action: test:echo, needs: [c]}
    - {id: b, action: test:echo, needs: [a]}
    - {id: c, action: test:echo, needs: [b]}
`, []string{"template:default/dag: step a: needs: needs form a cycle: a → c → b → a"}},
		{"a reference to a step that is not an ancestor", `  steps:
    - {id: a, action: test:echo}
    - {id: b, action: test:echo, needs: []}
    - {id: c, action: test:echo, needs: [a], input: {message: '${{ steps.b.output.echo }}'}}
`, []string{"template:default/dag: step c: input.message: steps['b'] refers to a step that has not run yet"}},
		{"a compensation step sees its step and that step's ancestors only", `  steps:
    - {id: a, action: test:echo}
    - {id: b, action: test:echo, needs: []}
    - id: c
      action: test:echo
      needs: [a]
      onFailure:
        - {id: undo, action: test:echo, input: {message: '${{ steps.c.output.echo }}${{ steps.a.output.echo }}${{ steps.b.output.echo }}'}}
`, []string{"template:default/dag: step c: onFailure[undo].input.message: steps['b'] refers to a step that has not run yet"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, e := range h.engine.Check(parse(t, tc.spec)) {
				got = append(got, e.Error())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestNeedsParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, spec, want string
	}{
		{"needs of the wrong type", "  steps:\n    - {id: a, action: test:echo, needs: 3}\n", "needs must be a step id or a list of step ids"},
		{"an empty id in needs", "  steps:\n    - {id: a, action: test:echo, needs: ['']}\n", "needs[0] must be a step id"},
		{"spec.concurrency 0", "  concurrency: 0\n  steps: []\n", "concurrency must be a whole number of at least 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scaffolder.ParseTemplate(yamlJSON(t, "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: dag\nspec:\n  type: service\n"+tc.spec))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestTemplateGraph(t *testing.T) {
	tpl := parse(t, `  steps:
    - {id: a, name: Fetch, action: test:echo}
    - {id: b, action: test:echo, needs: [], if: '${{ parameters.b }}'}
    - id: fan
      action: test:echo
      needs: [a, b]
      each: [x, y]
      parallel: true
      onFailure:
        - {id: undo, action: test:echo}
        - {action: test:echo}
    - {id: last, action: test:echo, if: false}
`)
	want := &scaffolder.Graph{
		Nodes: []scaffolder.GraphNode{
			{ID: "a", Name: "Fetch", Action: "test:echo"},
			{ID: "b", Name: "test:echo", Action: "test:echo", If: "${{ parameters.b }}"},
			{ID: "fan", Name: "test:echo", Action: "test:echo", Each: true, Parallel: true},
			{ID: "undo", Name: "test:echo", Action: "test:echo", OnFailureOf: "fan"},
			{ID: "fan-onFailure-2", Name: "test:echo", Action: "test:echo", OnFailureOf: "fan"},
			{ID: "last", Name: "test:echo", Action: "test:echo", If: "false"},
		},
		Edges: []scaffolder.GraphEdge{
			{From: "a", To: "fan"}, {From: "b", To: "fan"},
			{From: "fan", To: "undo"}, {From: "undo", To: "fan-onFailure-2"},
			{From: "fan", To: "last"},
		},
	}
	if diff := cmp.Diff(want, scaffolder.TemplateGraph(tpl)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestTaskGraph(t *testing.T) {
	h := newWorkflowHarness(t)
	h.run(t)
	ref := h.template(t, "graph", `  steps:
    - {id: ok, action: test:echo}
    - id: flaky
      action: test:fail
      retry: {attempts: 2, backoff: 1ms}
      input: {message: broken}
      onFailure:
        - {id: undo, action: test:echo}
    - {id: after, action: test:echo}
`)
	id := h.create(t, ref, nil, nil)
	if task := h.wait(t, id); task.Status != scaffolder.StatusFailed {
		t.Fatalf("status %s", task.Status)
	}
	g, err := h.engine.TaskGraph(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	want := &scaffolder.Graph{
		Nodes: []scaffolder.GraphNode{
			{ID: "ok", Name: "test:echo", Action: "test:echo", Status: scaffolder.StatusCompleted, Attempts: 1},
			{ID: "flaky", Name: "test:fail", Action: "test:fail", Status: scaffolder.StatusFailed, Attempts: 2, Error: "Error: broken"},
			{ID: "undo", Name: "test:echo", Action: "test:echo", OnFailureOf: "flaky", Status: scaffolder.StatusCompleted, Attempts: 1},
			{ID: "after", Name: "test:echo", Action: "test:echo", Status: scaffolder.StatusSkipped, Attempts: 1},
		},
		Edges: []scaffolder.GraphEdge{{From: "ok", To: "flaky"}, {From: "flaky", To: "undo"}, {From: "flaky", To: "after"}},
	}
	if diff := cmp.Diff(want, g, cmpopts.IgnoreFields(scaffolder.GraphNode{}, "StartedAt", "EndedAt")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, n := range g.Nodes {
		if n.StartedAt.IsZero() || n.EndedAt.Before(n.StartedAt) {
			t.Errorf("node %s ran %v–%v", n.ID, n.StartedAt, n.EndedAt)
		}
	}
	if _, err := h.engine.TaskGraph(context.Background(), "no-such-task"); err == nil {
		t.Error("graph of an unknown task")
	}
}
