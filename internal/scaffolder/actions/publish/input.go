package publish

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

// decodeInput decodes the step's input into v, a struct with json tags.
// The scaffolder has validated the input against the action's schema, so
// a failure here is a schema that allowed more than the action reads.
func decodeInput(in map[string]any, v any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return problem.Input("input: %v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return problem.Input("input: %v", err)
	}
	return nil
}

// checkpoint runs fn once per task for key, as ActionContext.Checkpoint
// does, and decodes a replayed result (stored as JSON) back into T.
func checkpoint[T any](ac *plugin.ActionContext, key string, fn func() (T, error)) (T, error) {
	var zero T
	if ac.Checkpoint == nil {
		return fn()
	}
	got, err := ac.Checkpoint(key, func() (any, error) { return fn() })
	if err != nil {
		return zero, err
	}
	if v, ok := got.(T); ok {
		return v, nil
	}
	b, err := json.Marshal(got)
	if err != nil {
		return zero, fmt.Errorf("checkpoint %s: %w", key, err)
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return zero, fmt.Errorf("checkpoint %s: %w", key, err)
	}
	return v, nil
}

// output sets a step output when the context collects them.
func output(ac *plugin.ActionContext, name string, value any) {
	if ac.Output != nil {
		ac.Output(name, value)
	}
}

// firstOf returns the first non-empty string.
func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// orDefault returns *p, or def when p is nil.
func orDefault[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// sortedKeys returns m's keys in order, so that requests are made in a
// stable order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
