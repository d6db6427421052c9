package actions

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

// action is a plugin.Action made of its description and a run function.
type action struct {
	info plugin.ActionInfo
	run  func(ctx context.Context, ac *plugin.ActionContext) error
}

var _ plugin.Action = (*action)(nil)

func (a *action) Info() plugin.ActionInfo { return a.info }

func (a *action) Run(ctx context.Context, ac *plugin.ActionContext) error {
	return a.run(ctx, ac)
}

// decodeInput decodes a step's input into the action's input struct. The
// engine has validated the input against the action's schema already, so
// a failure here means the schema and the struct disagree or Run was
// called directly with bad input.
func decodeInput[T any](id string, ac *plugin.ActionContext) (T, error) {
	var in T
	b, err := json.Marshal(ac.Input)
	if err != nil {
		return in, problem.Input("Invalid input passed to action %s: %v", id, err)
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return in, problem.Input("Invalid input passed to action %s: %v", id, jsonFieldError(err))
	}
	return in, nil
}

// jsonFieldError rewords a decoding error to name the input field.
func jsonFieldError(err error) string {
	if te, ok := err.(*json.UnmarshalTypeError); ok && te.Field != "" {
		return "input " + te.Field + " must be " + jsonTypeName(te.Type.Kind().String()) + ", not " + te.Value
	}
	return err.Error()
}

func jsonTypeName(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice":
		return "an array"
	case "map", "struct":
		return "an object"
	case "int", "int64", "float64":
		return "a number"
	}
	return "a " + goKind
}

// logger is the step's logger, or one that discards when Run is called
// without one.
func logger(ac *plugin.ActionContext) *slog.Logger {
	if ac.Logger != nil {
		return ac.Logger
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// output sets a step output when the caller collects them.
func output(ac *plugin.ActionContext, name string, value any) {
	if ac.Output != nil {
		ac.Output(name, value)
	}
}
