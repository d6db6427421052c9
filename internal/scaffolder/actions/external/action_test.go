package external

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/plugin"
)

// step is one run's context with its outputs and log lines collected.
type step struct {
	ac      *plugin.ActionContext
	mu      sync.Mutex
	outputs map[string]any
	logs    []string
}

func newStep(t *testing.T) *step {
	t.Helper()
	s := &step{outputs: map[string]any{}}
	s.ac = &plugin.ActionContext{
		Input:     map[string]any{"name": "orders-db", "size": 3},
		Workspace: t.TempDir(),
		Logger:    slog.New(&captureHandler{s: s}),
		Output: func(name string, value any) {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.outputs[name] = value
		},
		Secrets:  map[string]string{"token": "s3cr3t-token-value"},
		Template: plugin.TemplateInfo{EntityRef: "template:default/provision"},
		User:     plugin.TaskUser{Ref: "user:default/ada"},
		TaskID:   "task-1",
		StepID:   "db",
	}
	return s
}

func (s *step) logLines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.logs...)
}

// captureHandler records each log message of a step.
type captureHandler struct{ s *step }

func (h *captureHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *captureHandler) Handle(_ context.Context, r slog.Record) error {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	h.s.logs = append(h.s.logs, r.Message)
	return nil
}
func (h *captureHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *captureHandler) WithGroup(string) slog.Handler      { return h }

// build makes one action from c, failing the test on a config error.
func build(t *testing.T, c Config) plugin.Action {
	t.Helper()
	if c.Input == nil {
		c.Input = map[string]any{"type": "object"}
	}
	if c.ID == "" {
		c.ID = "acme:db:provision"
	}
	as, err := New([]Config{c})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return as[0]
}

// wantErr runs a and checks that its error contains each of want and
// never the step's secret.
func wantErr(t *testing.T, a plugin.Action, s *step, want ...string) error {
	t.Helper()
	err := a.Run(context.Background(), s.ac)
	if err == nil {
		t.Fatalf("Run succeeded; want an error containing %q (outputs %v)", want, s.outputs)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
	if strings.Contains(err.Error(), "s3cr3t-token-value") {
		t.Errorf("error %q shows a secret", err)
	}
	return err
}

func TestDecodeOutput(t *testing.T) {
	a := build(t, Config{Type: TypeExec, Command: []string{"true"}, Output: map[string]any{
		"type": "object",
		"properties": map[string]any{
			"url":  map[string]any{"type": "string"},
			"tags": map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
		},
		"required": []any{"url"},
	}}).(*action)
	tests := []struct {
		name, raw string
		want      map[string]any
		err       string
	}{
		{name: "object", raw: `{"url": "https://db", "tags": ["a"]}`, want: map[string]any{"url": "https://db", "tags": []any{"a"}}},
		{name: "syntax", raw: `{"url": "https://db",, }`, err: `output is not valid JSON: invalid character ',' looking for beginning of object key string at byte 22, near "url\": \"https://db\",, }"`},
		{name: "trailing", raw: `{"url": "x"} {}`, err: "invalid character '{' after top-level value at byte 14"},
		{name: "array", raw: `[1]`, err: "output must be a JSON object, got an array"},
		{name: "wrong type", raw: `{"url": 3}`, err: "output does not match its schema: output.url: got number, want string"},
		{name: "nested", raw: `{"url": "x", "tags": ["a", 2]}`, err: "output.tags.1: got number, want string"},
		{name: "missing", raw: `{}`, err: "output does not match its schema: output: missing property 'url'"},
		{name: "empty means none, which the schema rejects", raw: " \n", err: "missing property 'url'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.decode([]byte(tt.raw))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("decode error = %v, want it to contain %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("decode (-want +got):\n%s", d)
			}
		})
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Second:        "30s",
		60 * time.Second:        "1m",
		90 * time.Second:        "1m30s",
		time.Hour:               "1h",
		1500 * time.Millisecond: "1.5s",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestRedactor(t *testing.T) {
	a := &action{secret: "hmac-key"}
	r := a.redactor(map[string]string{"a": "abc", "b": "abcdef", "empty": ""})
	if got, want := r("key hmac-key, abcdef and abc"), "key ***, *** and ***"; got != want {
		t.Errorf("redact = %q, want %q", got, want)
	}
}

func FuzzDecode(f *testing.F) {
	a := &action{}
	for _, s := range []string{`{}`, `{"a": [1, {"b": null}]}`, `[`, `"x"`, ``, `{"a":1}{`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		out, err := a.decode(raw)
		if err == nil && out == nil {
			t.Fatal("decode returned neither an object nor an error")
		}
	})
}
