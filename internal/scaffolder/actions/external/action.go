package external

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/callboard/callboard/plugin"
)

// caller delivers one request to the external side and returns its raw
// answer, at most max bytes.
type caller interface {
	call(ctx context.Context, ac *plugin.ActionContext, body []byte, max int64, redact func(string) string) ([]byte, error)
}

var (
	_ caller = (*httpCaller)(nil)
	_ caller = (*execCaller)(nil)
)

// action is one declared external action.
type action struct {
	info      plugin.ActionInfo
	call      caller
	timeout   time.Duration
	maxOutput int64
	// output is the compiled output schema; nil accepts any object.
	output *jsonschema.Schema
	// secret is the HMAC key, kept out of every message.
	secret string
}

var _ plugin.Action = (*action)(nil)

func (a *action) Info() plugin.ActionInfo { return a.info }

// request is what the external side receives.
type request struct {
	Input       map[string]any `json:"input"`
	TaskID      string         `json:"taskId"`
	StepID      string         `json:"stepId"`
	TemplateRef string         `json:"templateRef"`
	User        string         `json:"user"`
	DryRun      bool           `json:"dryRun"`
}

// Run sends the step out, checks the answer and sets the step's outputs.
func (a *action) Run(ctx context.Context, ac *plugin.ActionContext) error {
	redact := a.redactor(ac.Secrets)
	input := ac.Input
	if input == nil {
		input = map[string]any{}
	}
	body, err := json.Marshal(request{
		Input:       input,
		TaskID:      ac.TaskID,
		StepID:      ac.StepID,
		TemplateRef: ac.Template.EntityRef,
		User:        ac.User.Ref,
		DryRun:      ac.DryRun,
	})
	if err != nil {
		return fmt.Errorf("%s: encode the request: %w", a.info.ID, err)
	}
	tctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	raw, err := a.call.call(tctx, ac, body, a.maxOutput, redact)
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w", a.info.ID, ctx.Err())
	case err != nil && errors.Is(tctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%s: timed out after %s", a.info.ID, formatDuration(a.timeout))
	case err != nil:
		return errors.New(redact(a.info.ID + ": " + err.Error()))
	}
	out, err := a.decode(raw)
	if err != nil {
		return errors.New(redact(a.info.ID + ": " + err.Error()))
	}
	for _, k := range slices.Sorted(maps.Keys(out)) {
		ac.Output(k, out[k])
	}
	return nil
}

// decode reads the answer: a JSON object that fits the output schema, or
// nothing at all (no outputs).
func (a *action) decode(raw []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = []byte("{}")
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("output is not valid JSON: %v at byte %d, near %s", se, se.Offset, near(raw, se.Offset))
		}
		return nil, fmt.Errorf("output is not valid JSON: %w", err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("output must be a JSON object, got %s", jsonKind(v))
	}
	if a.output != nil {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("output is not valid JSON: %w", err)
		}
		if err := a.output.Validate(doc); err != nil {
			return nil, fmt.Errorf("output does not match its schema: %s", schemaProblems(err))
		}
	}
	return obj, nil
}

// schemaProblems lists where and how a value failed its schema, as
// "output.url: got number, want string".
func schemaProblems(err error) string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	var msgs []string
	for _, u := range ve.BasicOutput().Errors {
		if u.Error == nil {
			continue
		}
		if _, group := u.Error.Kind.(*kind.Group); group {
			continue
		}
		path := "output"
		if u.InstanceLocation != "" {
			for tok := range strings.SplitSeq(strings.TrimPrefix(u.InstanceLocation, "/"), "/") {
				path += "." + strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
			}
		}
		msgs = append(msgs, path+": "+u.Error.String())
	}
	if len(msgs) == 0 {
		return ve.Error()
	}
	return strings.Join(msgs, "; ")
}

// near quotes the text around a byte offset of a JSON syntax error.
func near(raw []byte, offset int64) string {
	start := max(0, int(offset)-20)
	end := min(len(raw), int(offset)+20)
	return fmt.Sprintf("%q", raw[start:end])
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// redactor returns a function that masks the task's secrets and the HMAC
// key in text bound for an error or a log line; longer secrets first, so
// that one containing another is masked whole.
func (a *action) redactor(secrets map[string]string) func(string) string {
	var vals []string
	if a.secret != "" {
		vals = append(vals, a.secret)
	}
	for _, v := range secrets {
		if v != "" {
			vals = append(vals, v)
		}
	}
	sort.Slice(vals, func(i, j int) bool { return len(vals[i]) > len(vals[j]) })
	if len(vals) == 0 {
		return func(s string) string { return s }
	}
	pairs := make([]string, 0, 2*len(vals))
	for _, v := range vals {
		pairs = append(pairs, v, "***")
	}
	r := strings.NewReplacer(pairs...)
	return r.Replace
}

// formatDuration writes d as configured: "30s", "2m", "1h30m".
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// logger returns the step's logger, or one that discards.
func logger(ac *plugin.ActionContext) *slog.Logger {
	if ac.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return ac.Logger
}
