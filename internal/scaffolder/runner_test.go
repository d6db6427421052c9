package scaffolder_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/scaffolder"
)

func TestRunnerSemantics(t *testing.T) {
	h := newSQLiteHarness(t)
	h.start(t)
	for _, tc := range []struct {
		name   string
		spec   string
		values map[string]any
		status scaffolder.Status
		log    []string
		output map[string]any
		err    *scaffolder.ErrorBody
	}{
		{
			name: "steps run in order and see earlier outputs",
			spec: `  steps:
    - id: a
      name: First
      action: test:echo
      input:
        message: hello ${{ parameters.name }}
    - id: b
      action: test:echo
      input:
        message: ${{ steps.a.output.echo | shout }}
    - action: test:echo
      input:
        message: ${{ parameters.obj }}
  output:
    result: ${{ steps['b'].output.echo }}
    typed: ${{ steps['step-3'].output.echo }}
    task: ${{ context.task.id | length > 0 }}
    user: ${{ user.ref }}
`,
			values: map[string]any{"name": "ada", "obj": map[string]any{"k": []any{1.0, true}}},
			status: scaffolder.StatusCompleted,
			log: []string{
				"log Starting up task with 3 steps",
				"log [a processing] Beginning step First",
				"log [a ] echo message=hello ada",
				"log [a completed] Finished step First",
				"log [b processing] Beginning step test:echo",
				"log [b ] echo message=HELLO ADA!",
				"log [b completed] Finished step test:echo",
				"log [step-3 processing] Beginning step test:echo",
				"log [step-3 ] echo message=map[k:[1 true]]",
				"log [step-3 completed] Finished step test:echo",
				"completion Run completed with status: completed",
			},
			output: map[string]any{"result": "HELLO ADA!", "typed": map[string]any{"k": []any{1.0, true}}, "task": true, "user": "user:default/ada"},
		},
		{
			name: "if false and falsy expressions skip the step",
			spec: `  steps:
    - id: literal
      action: test:echo
      if: false
    - id: falsy
      action: test:echo
      if: ${{ parameters.flag }}
    - id: empty-list
      action: test:echo
      if: ${{ parameters.list }}
    - id: truthy
      action: test:echo
      if: ${{ parameters.flag == false }}
      input:
        message: ran
`,
			values: map[string]any{"flag": false, "list": []any{}},
			status: scaffolder.StatusCompleted,
			log: []string{
				"log Starting up task with 4 steps",
				"log [literal processing] Beginning step test:echo",
				"log [literal skipped] Skipping step literal because its if condition was false",
				"log [falsy processing] Beginning step test:echo",
				"log [falsy skipped] Skipping step falsy because its if condition was false",
				"log [empty-list processing] Beginning step test:echo",
				"log [empty-list skipped] Skipping step empty-list because its if condition was false",
				"log [truthy processing] Beginning step test:echo",
				"log [truthy ] echo message=ran",
				"log [truthy completed] Finished step test:echo",
				"completion Run completed with status: completed",
			},
			output: map[string]any{},
		},
		{
			name: "each runs per item, if per iteration, outputs as lists",
			spec: `  steps:
    - id: list
      action: test:echo
      each: ${{ parameters.names }}
      if: ${{ each.value != 'skip' }}
      input:
        message: ${{ each.key }}=${{ each.value }}
    - id: object
      action: test:echo
      each:
        b: two
        a: one
      input:
        message: ${{ each.key }}:${{ each.value }}
  output:
    list: ${{ steps.list.output.echo }}
    object: ${{ steps.object.output.echo }}
`,
			values: map[string]any{"names": []any{"x", "skip", "y"}},
			status: scaffolder.StatusCompleted,
			log: []string{
				"log Starting up task with 2 steps",
				"log [list processing] Beginning step test:echo",
				"log [list ] echo message=0=x",
				"log [list ] echo message=2=y",
				"log [list completed] Finished step test:echo",
				"log [object processing] Beginning step test:echo",
				"log [object ] echo message=a:one",
				"log [object ] echo message=b:two",
				"log [object completed] Finished step test:echo",
				"completion Run completed with status: completed",
			},
			output: map[string]any{"list": []any{"0=x", "2=y"}, "object": []any{"a:one", "b:two"}},
		},
		{
			name: "after a failure only always() and failure() steps run",
			spec: `  steps:
    - id: ok
      action: test:echo
      input:
        message: first
    - id: boom
      action: test:fail
      input:
        message: it broke
    - id: later
      action: test:echo
    - id: cleanup
      action: test:echo
      if: ${{ always() }}
      input:
        message: cleanup
    - id: on-failure
      action: test:echo
      if: ${{ failure() and parameters.notify }}
      input:
        message: notify
    - id: conditional
      action: test:echo
      if: ${{ parameters.notify }}
    - id: second-failure
      action: test:fail
      if: ${{ always() }}
      input:
        message: also broke
  output:
    never: rendered
`,
			values: map[string]any{"notify": true},
			status: scaffolder.StatusFailed,
			log: []string{
				"log Starting up task with 7 steps",
				"log [ok processing] Beginning step test:echo",
				"log [ok ] echo message=first",
				"log [ok completed] Finished step test:echo",
				"log [boom processing] Beginning step test:fail",
				"log [boom failed] Error: it broke",
				"log [later processing] Beginning step test:echo",
				"log [later skipped] Skipping step later because a previous step failed",
				"log [cleanup processing] Beginning step test:echo",
				"log [cleanup ] echo message=cleanup",
				"log [cleanup completed] Finished step test:echo",
				"log [on-failure processing] Beginning step test:echo",
				"log [on-failure ] echo message=notify",
				"log [on-failure completed] Finished step test:echo",
				"log [conditional processing] Beginning step test:echo",
				"log [conditional skipped] Skipping step conditional because a previous step failed",
				"log [second-failure processing] Beginning step test:fail",
				"log [second-failure failed] Error: also broke",
				"completion Run completed with status: failed",
			},
			err: &scaffolder.ErrorBody{Name: "Error", Message: "it broke"},
		},
		{
			name: "failure() is false while nothing failed",
			spec: `  steps:
    - id: only-on-failure
      action: test:echo
      if: ${{ failure() }}
`,
			status: scaffolder.StatusCompleted,
			log: []string{
				"log Starting up task with 1 steps",
				"log [only-on-failure processing] Beginning step test:echo",
				"log [only-on-failure skipped] Skipping step only-on-failure because its if condition was false",
				"completion Run completed with status: completed",
			},
			output: map[string]any{},
		},
		{
			name: "rendered input is checked against the action's schema before it runs",
			spec: `  steps:
    - id: repo
      action: test:required
      input:
        name: ${{ parameters.count }}
`,
			values: map[string]any{"count": 3},
			status: scaffolder.StatusFailed,
			log: []string{
				"log Starting up task with 1 steps",
				"log [repo processing] Beginning step test:required",
				"log [repo failed] InputError: Invalid input passed to action test:required, instance.name is not of a type(s) string",
				"completion Run completed with status: failed",
			},
			err: &scaffolder.ErrorBody{Name: "InputError", Message: "Invalid input passed to action test:required, instance.name is not of a type(s) string"},
		},
		{
			name: "each iterations are all checked before any runs",
			spec: `  steps:
    - id: repos
      action: test:required
      each: ${{ parameters.names }}
      input:
        name: ${{ each.value }}
`,
			values: map[string]any{"names": []any{"ok", 7}},
			status: scaffolder.StatusFailed,
			log: []string{
				"log Starting up task with 1 steps",
				"log [repos processing] Beginning step test:required",
				"log [repos failed] InputError: Invalid input passed to action test:required[1], instance.name is not of a type(s) string",
				"completion Run completed with status: failed",
			},
			err: &scaffolder.ErrorBody{Name: "InputError", Message: "Invalid input passed to action test:required[1], instance.name is not of a type(s) string"},
		},
		{
			name: "each must be a list or an object",
			spec: `  steps:
    - id: bad
      action: test:echo
      each: ${{ parameters.name }}
`,
			values: map[string]any{"name": "ada"},
			status: scaffolder.StatusFailed,
			log: []string{
				"log Starting up task with 1 steps",
				"log [bad processing] Beginning step test:echo",
				`log [bad failed] InputError: Invalid value on action test:echo.each parameter, "${{ parameters.name }}" cannot be resolved to an array or object`,
				"completion Run completed with status: failed",
			},
			err: &scaffolder.ErrorBody{Name: "InputError", Message: `Invalid value on action test:echo.each parameter, "${{ parameters.name }}" cannot be resolved to an array or object`},
		},
		{
			name: "output links and text with a falsy if are dropped",
			spec: `  steps:
    - id: log
      action: test:echo
  output:
    links:
      - title: Home
        url: https://example.com
      - if: ${{ parameters.ci === "Yes" }}
        title: CI
        url: https://ci.example.com/${{ parameters.name }}
      - if: ${{ parameters.ci === "No" }}
        title: Never
    text:
      - title: Summary
        content: Component ${{ parameters.name }}
      - if: ${{ parameters.details }}
        title: Details
        content: hidden
`,
			values: map[string]any{"ci": "Yes", "name": "svc", "details": false},
			status: scaffolder.StatusCompleted,
			log: []string{
				"log Starting up task with 1 steps",
				"log [log processing] Beginning step test:echo",
				"log [log ] echo message=<nil>",
				"log [log completed] Finished step test:echo",
				"completion Run completed with status: completed",
			},
			output: map[string]any{
				"links": []any{
					map[string]any{"title": "Home", "url": "https://example.com"},
					map[string]any{"title": "CI", "url": "https://ci.example.com/svc"},
				},
				"text": []any{map[string]any{"title": "Summary", "content": "Component svc"}},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ref := h.template(t, "runner", tc.spec)
			id := h.create(t, ref, tc.values, nil)
			task := h.wait(t, id)
			if task.Status != tc.status {
				t.Errorf("status = %s, want %s", task.Status, tc.status)
			}
			if diff := cmp.Diff(tc.log, h.log(t, id)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			c := h.completion(t, id)
			if diff := cmp.Diff(tc.output, c.Output); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.err, c.Error); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}
