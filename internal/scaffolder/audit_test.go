package scaffolder_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/scaffolder"
)

// TestStepAudit checks each step's end is in the audit log with its
// rendered input and its output, secrets hidden.
func TestStepAudit(t *testing.T) {
	h := newWorkflowHarness(t)
	h.run(t)
	ref := h.template(t, "audited", `
  steps:
    - id: greet
      action: test:echo
      input:
        message: hello ${{ parameters.name }}
    - id: each
      action: test:echo
      each: [x, y]
      input:
        message: item ${{ each.value }}
`)
	id := h.create(t, ref, map[string]any{"name": "ada"}, nil)
	if task := h.wait(t, id); task.Status != scaffolder.StatusCompleted {
		t.Fatalf("status %s", task.Status)
	}
	type stepEvent struct {
		StepID string `json:"stepId"`
		Input  any    `json:"input"`
	}
	var got []stepEvent
	h.audit.mu.Lock()
	for _, e := range h.audit.events {
		if e.Action != "scaffolder.step.end" {
			continue
		}
		if e.Target != "task:"+id || e.Outcome != "succeeded" {
			t.Errorf("event %s: target %s outcome %s", e.Action, e.Target, e.Outcome)
		}
		var d stepEvent
		if err := json.Unmarshal(e.Details, &d); err != nil {
			t.Fatal(err)
		}
		got = append(got, d)
	}
	h.audit.mu.Unlock()
	want := []stepEvent{
		{StepID: "greet", Input: map[string]any{"message": "hello ada"}},
		{StepID: "each", Input: []any{map[string]any{"message": "item x"}, map[string]any{"message": "item y"}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("step audit events (-want +got):\n%s", diff)
	}
}
