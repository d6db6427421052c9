package external

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/plugin"
)

var anyObject = map[string]any{"type": "object"}

func httpConfig() Config {
	return Config{ID: "acme:db:provision", Type: TypeHTTP, URL: "https://provisioner.internal/run", Secret: "k", Input: anyObject}
}

func execConfig() Config {
	return Config{ID: "acme:db:exec", Type: TypeExec, Command: []string{"/bin/true"}, Input: anyObject}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		cfgs []Config
		want []string
	}{
		{name: "missing id", cfgs: []Config{{Type: TypeExec, Command: []string{"x"}, Input: anyObject}},
			want: []string{"scaffolder.externalActions[0].id: required"}},
		{name: "id with space", cfgs: []Config{{ID: "a b", Type: TypeExec, Command: []string{"x"}, Input: anyObject}},
			want: []string{`scaffolder.externalActions[0].id: "a b" must not contain spaces`}},
		{name: "duplicate id", cfgs: []Config{execConfig(), execConfig()},
			want: []string{`scaffolder.externalActions[1].id: "acme:db:exec" is already declared by scaffolder.externalActions[0]`}},
		{name: "missing type", cfgs: []Config{{ID: "a", Input: anyObject}},
			want: []string{`scaffolder.externalActions[0].type: required: "http" or "exec"`}},
		{name: "unknown type", cfgs: []Config{{ID: "a", Type: "grpc", Input: anyObject}},
			want: []string{`scaffolder.externalActions[0].type: unknown type "grpc", want "http" or "exec"`}},
		{name: "missing input", cfgs: []Config{func() Config { c := execConfig(); c.Input = nil; return c }()},
			want: []string{"scaffolder.externalActions[0].input: required"}},
		{name: "bad input schema", cfgs: []Config{func() Config { c := execConfig(); c.Input = map[string]any{"type": 7}; return c }()},
			want: []string{"scaffolder.externalActions[0].input: invalid JSON Schema"}},
		{name: "bad output schema", cfgs: []Config{func() Config {
			c := execConfig()
			c.Output = map[string]any{"properties": map[string]any{"x": map[string]any{"minLength": "two"}}}
			return c
		}()}, want: []string{"scaffolder.externalActions[0].output: invalid JSON Schema"}},
		{name: "negative timeout and limit", cfgs: []Config{func() Config { c := execConfig(); c.Timeout = -time.Second; c.MaxOutputBytes = -1; return c }()},
			want: []string{"scaffolder.externalActions[0].timeout: must not be negative", "scaffolder.externalActions[0].maxOutputBytes: must not be negative"}},
		{name: "http without url and secret", cfgs: []Config{{ID: "a", Type: TypeHTTP, Input: anyObject}},
			want: []string{`scaffolder.externalActions[0].url: required for type "http"`, `scaffolder.externalActions[0].secret: required for type "http"`}},
		{name: "relative url", cfgs: []Config{func() Config { c := httpConfig(); c.URL = "/run"; return c }()},
			want: []string{"scaffolder.externalActions[0].url: must be an absolute http or https URL"}},
		{name: "ftp url", cfgs: []Config{func() Config { c := httpConfig(); c.URL = "ftp://host/x"; return c }()},
			want: []string{"scaffolder.externalActions[0].url: must be an absolute http or https URL"}},
		{name: "reserved header", cfgs: []Config{func() Config {
			c := httpConfig()
			c.Headers = map[string]string{"x-callboard-signature": "x"}
			return c
		}()},
			want: []string{"scaffolder.externalActions[0].headers.x-callboard-signature: is set by Callboard"}},
		{name: "header value on two lines", cfgs: []Config{func() Config { c := httpConfig(); c.Headers = map[string]string{"X-Team": "a\nb"}; return c }()},
			want: []string{"scaffolder.externalActions[0].headers.X-Team: value must be one line"}},
		{name: "http with command", cfgs: []Config{func() Config { c := httpConfig(); c.Command = []string{"x"}; return c }()},
			want: []string{`scaffolder.externalActions[0].command: only for type "exec"`}},
		{name: "exec without command", cfgs: []Config{{ID: "a", Type: TypeExec, Input: anyObject}},
			want: []string{`scaffolder.externalActions[0].command: required for type "exec"`}},
		{name: "exec with bad env name", cfgs: []Config{func() Config { c := execConfig(); c.Env = []string{"PATH", "A=B"}; return c }()},
			want: []string{`scaffolder.externalActions[0].env[1]: "A=B" is not an environment variable name`}},
		{name: "exec with url", cfgs: []Config{func() Config { c := execConfig(); c.URL = "https://x"; return c }()},
			want: []string{`scaffolder.externalActions[0].url: only for type "http"`}},
		{name: "every entry is checked", cfgs: []Config{{ID: "a", Input: anyObject}, {ID: "b", Input: anyObject}},
			want: []string{"scaffolder.externalActions[0].type", "scaffolder.externalActions[1].type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as, err := New(tt.cfgs)
			if err == nil {
				t.Fatalf("New succeeded with %d actions; want errors %q", len(as), tt.want)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Errorf("error %v is not a *FieldError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestNewSecretNotInErrors(t *testing.T) {
	c := httpConfig()
	c.Secret = "very-secret-hmac"
	c.URL = "relative"
	_, err := New([]Config{c})
	if err == nil || strings.Contains(err.Error(), "very-secret-hmac") {
		t.Fatalf("New error = %v; want an error without the secret", err)
	}
}

func TestNewInfoAndDefaults(t *testing.T) {
	h := httpConfig()
	h.Description = "Provision a database"
	h.Input = map[string]any{"type": "object", "required": []any{"name"}, "properties": map[string]any{"size": map[string]any{"type": "integer", "maximum": int64(10)}}}
	h.Output = map[string]any{"type": "object"}
	h.SupportsDryRun = true
	e := execConfig()
	e.Timeout = 5 * time.Second
	e.MaxOutputBytes = 10
	as, err := New([]Config{h, e})
	if err != nil {
		t.Fatal(err)
	}
	want := plugin.ActionInfo{
		ID:          "acme:db:provision",
		Description: "Provision a database",
		// Numbers come back as JSON decodes them, as the actions list
		// serves them.
		Input:          map[string]any{"type": "object", "required": []any{"name"}, "properties": map[string]any{"size": map[string]any{"type": "integer", "maximum": float64(10)}}},
		Output:         map[string]any{"type": "object"},
		SupportsDryRun: true,
	}
	if d := cmp.Diff(want, as[0].Info()); d != "" {
		t.Errorf("Info (-want +got):\n%s", d)
	}
	got := []struct {
		timeout time.Duration
		max     int64
	}{{as[0].(*action).timeout, as[0].(*action).maxOutput}, {as[1].(*action).timeout, as[1].(*action).maxOutput}}
	if got[0].timeout != DefaultTimeout || got[0].max != DefaultMaxOutputBytes || got[1].timeout != 5*time.Second || got[1].max != 10 {
		t.Errorf("timeouts and limits = %+v, want the defaults then 5s and 10", got)
	}
}
