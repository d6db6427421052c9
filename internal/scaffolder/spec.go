package scaffolder

import (
	"encoding/json"
	"fmt"
)

// TaskSpec is what a task runs: Backstage's TaskSpec, built from the
// template and the submitted values when the task is created.
type TaskSpec struct {
	APIVersion   string         `json:"apiVersion"`
	Steps        []Step         `json:"steps"`
	Output       map[string]any `json:"output"`
	Parameters   map[string]any `json:"parameters"`
	Recovery     map[string]any `json:"EXPERIMENTAL_recovery,omitempty"`
	User         SpecUser       `json:"user"`
	TemplateInfo SpecTemplate   `json:"templateInfo"`
	// Concurrency bounds the steps running at once (Callboard's
	// addition); 0 means DefaultStepConcurrency.
	Concurrency int `json:"concurrency,omitempty"`
	// Entity is the entity a day-2 task acts on, ${{ entity }}; nil for
	// none.
	Entity map[string]any `json:"entity,omitempty"`
}

// SpecUser is who the task runs for.
type SpecUser struct {
	Entity map[string]any `json:"entity,omitempty"`
	Ref    string         `json:"ref,omitempty"`
}

// SpecTemplate is the template a task came from.
type SpecTemplate struct {
	EntityRef string `json:"entityRef"`
	BaseURL   string `json:"baseUrl,omitempty"`
	Entity    *struct {
		Metadata map[string]any `json:"metadata"`
	} `json:"entity,omitempty"`
}

// newTaskSpec builds the spec of a task from a template.
func newTaskSpec(t *Template, values map[string]any, user SpecUser) *TaskSpec {
	if values == nil {
		values = map[string]any{}
	}
	output := t.Output
	if output == nil {
		output = map[string]any{}
	}
	spec := &TaskSpec{
		APIVersion:  APIVersion,
		Steps:       t.Steps,
		Output:      output,
		Parameters:  values,
		Recovery:    t.Recovery,
		User:        user,
		Concurrency: t.Concurrency,
		TemplateInfo: SpecTemplate{
			EntityRef: t.Ref,
			BaseURL:   t.BaseURL,
		},
	}
	if meta, ok := t.Entity["metadata"].(map[string]any); ok {
		spec.TemplateInfo.Entity = &struct {
			Metadata map[string]any `json:"metadata"`
		}{meta}
	}
	return spec
}

// decodeSpec reads a stored TaskSpec.
func decodeSpec(raw json.RawMessage) (*TaskSpec, error) {
	var w struct {
		TaskSpec
		Steps []any `json:"steps"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, fmt.Errorf("decode task spec: %w", err)
	}
	spec := w.TaskSpec
	steps, err := parseSteps(w.Steps)
	if err != nil {
		return nil, fmt.Errorf("task spec: %w", err)
	}
	spec.Steps = steps
	if spec.Output == nil {
		spec.Output = map[string]any{}
	}
	if spec.Parameters == nil {
		spec.Parameters = map[string]any{}
	}
	return &spec, nil
}

// recoverStrategy is the template's EXPERIMENTAL_recovery strategy, "none"
// when it sets none.
func recoverStrategy(recovery map[string]any) string {
	if s, ok := recovery["EXPERIMENTAL_strategy"].(string); ok && s != "" {
		return s
	}
	return "none"
}
