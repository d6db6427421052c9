package external

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/callboard/callboard/plugin"
)

// ConfigKey is where the actions are declared in app-config; errors name
// their fields below it.
const ConfigKey = "scaffolder.externalActions"

// Defaults for fields left out.
const (
	DefaultTimeout        = 60 * time.Second
	DefaultMaxOutputBytes = 1 << 20
)

// Types of external action.
const (
	TypeHTTP = "http"
	TypeExec = "exec"
)

// Config is one entry of scaffolder.externalActions.
type Config struct {
	// ID is the step's "action"; unique.
	ID          string `config:"id"`
	Description string `config:"description"`
	// Type is TypeHTTP or TypeExec.
	Type string `config:"type"`
	// URL, Secret and Headers are for http actions: where the request is
	// POSTed, the HMAC-SHA256 key that signs it, and extra headers.
	URL     string            `config:"url"`
	Secret  string            `config:"secret"`
	Headers map[string]string `config:"headers"`
	// Command and Env are for exec actions: the argv (no shell), and the
	// names of the variables copied from Callboard's environment; no other
	// variable is passed.
	Command []string `config:"command"`
	Env     []string `config:"env"`
	// Timeout bounds one run; zero means DefaultTimeout.
	Timeout time.Duration `config:"timeout"`
	// MaxOutputBytes bounds the response body or stdout; zero means
	// DefaultMaxOutputBytes.
	MaxOutputBytes int64 `config:"maxOutputBytes"`
	// Input (required) and Output (optional) are JSON Schemas.
	Input          map[string]any `config:"input"`
	Output         map[string]any `config:"output"`
	SupportsDryRun bool           `config:"supportsDryRun"`
}

// FieldError is a mistake in one field of one declared action.
type FieldError struct {
	// Index is the entry's position in the list.
	Index int
	// Field is the key below the entry, e.g. "url" or "headers.X-Team".
	Field   string
	Message string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("%s[%d].%s: %s", ConfigKey, e.Index, e.Field, e.Message)
}

// reservedHeaders are set by the action itself; configuring them would
// break the signature or the body's type.
var reservedHeaders = []string{"Content-Type", "Content-Length", "Host", headerTimestamp, headerSignature}

// New checks the declared actions and builds them, in order. Every
// mistake is reported, each as a *FieldError, joined.
func New(cfgs []Config) ([]plugin.Action, error) {
	var errs []error
	fail := func(i int, field, format string, args ...any) {
		errs = append(errs, &FieldError{Index: i, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	seen := make(map[string]int, len(cfgs))
	out := make([]plugin.Action, 0, len(cfgs))
	for i, c := range cfgs {
		before := len(errs)
		switch {
		case c.ID == "":
			fail(i, "id", "required")
		case strings.ContainsFunc(c.ID, isSpaceOrControl):
			fail(i, "id", "%q must not contain spaces", c.ID)
		default:
			if j, dup := seen[c.ID]; dup {
				fail(i, "id", "%q is already declared by %s[%d]", c.ID, ConfigKey, j)
			}
			seen[c.ID] = i
		}
		if c.Timeout < 0 {
			fail(i, "timeout", "must not be negative")
		}
		if c.MaxOutputBytes < 0 {
			fail(i, "maxOutputBytes", "must not be negative")
		}
		var outSchema *jsonschema.Schema
		var inDoc, outDoc map[string]any
		var err error
		if c.Input == nil {
			fail(i, "input", "required: a JSON Schema of the step's input")
		} else if inDoc, _, err = compileSchema(c.Input); err != nil {
			fail(i, "input", "invalid JSON Schema: %v", err)
		}
		if c.Output != nil {
			if outDoc, outSchema, err = compileSchema(c.Output); err != nil {
				fail(i, "output", "invalid JSON Schema: %v", err)
			}
		}
		var call caller
		switch c.Type {
		case "":
			fail(i, "type", "required: %q or %q", TypeHTTP, TypeExec)
		case TypeHTTP:
			call = checkHTTP(i, c, fail)
		case TypeExec:
			call = checkExec(i, c, fail)
		default:
			fail(i, "type", "unknown type %q, want %q or %q", c.Type, TypeHTTP, TypeExec)
		}
		if len(errs) > before {
			continue
		}
		a := &action{
			info: plugin.ActionInfo{
				ID:             c.ID,
				Description:    c.Description,
				Input:          inDoc,
				Output:         outDoc,
				SupportsDryRun: c.SupportsDryRun,
			},
			call:      call,
			timeout:   orDefault(c.Timeout, DefaultTimeout),
			maxOutput: orDefault(c.MaxOutputBytes, DefaultMaxOutputBytes),
			output:    outSchema,
			secret:    c.Secret,
		}
		out = append(out, a)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// orDefault returns v, or def when v is zero.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func checkHTTP(i int, c Config, fail func(int, string, string, ...any)) caller {
	ok := true
	bad := func(field, format string, args ...any) {
		ok = false
		fail(i, field, format, args...)
	}
	var u *url.URL
	if c.URL == "" {
		bad("url", "required for type %q", TypeHTTP)
	} else {
		var err error
		u, err = url.Parse(c.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("url", "must be an absolute http or https URL")
		}
	}
	if c.Secret == "" {
		bad("secret", "required for type %q: the HMAC-SHA256 key that signs each request", TypeHTTP)
	}
	for name, value := range c.Headers {
		switch {
		case name == "" || strings.ContainsFunc(name, isSpaceOrControl) || strings.ContainsRune(name, ':'):
			bad("headers."+name, "invalid header name")
		case slices.ContainsFunc(reservedHeaders, func(r string) bool { return strings.EqualFold(r, name) }):
			bad("headers."+name, "is set by Callboard and cannot be configured")
		case strings.ContainsAny(value, "\r\n\x00"):
			bad("headers."+name, "value must be one line")
		}
	}
	for _, field := range []string{"command", "env"} {
		if (field == "command" && c.Command != nil) || (field == "env" && c.Env != nil) {
			bad(field, "only for type %q", TypeExec)
		}
	}
	if !ok {
		return nil
	}
	return newHTTPCaller(u, []byte(c.Secret), c.Headers)
}

func checkExec(i int, c Config, fail func(int, string, string, ...any)) caller {
	ok := true
	bad := func(field, format string, args ...any) {
		ok = false
		fail(i, field, format, args...)
	}
	if len(c.Command) == 0 || c.Command[0] == "" {
		bad("command", "required for type %q: the program and its arguments", TypeExec)
	}
	for j, name := range c.Env {
		if name == "" || strings.ContainsAny(name, "=\x00") {
			bad(fmt.Sprintf("env[%d]", j), "%q is not an environment variable name", name)
		}
	}
	for field, set := range map[string]bool{"url": c.URL != "", "secret": c.Secret != "", "headers": c.Headers != nil} {
		if set {
			bad(field, "only for type %q", TypeHTTP)
		}
	}
	if !ok {
		return nil
	}
	return &execCaller{argv: slices.Clone(c.Command), env: slices.Clone(c.Env)}
}

func isSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }

// schemaURL is the resource name schemas are compiled under; it is
// dropped from messages.
const schemaURL = "callboard:external.json"

// compileSchema compiles a JSON Schema written as decoded config (draft 7
// unless it says otherwise, as the engine assumes) and returns it with
// the schema as plain JSON data, which the actions list serves.
func compileSchema(s map[string]any) (map[string]any, *jsonschema.Schema, error) {
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, nil, err
	}
	var plain map[string]any
	if err := json.Unmarshal(raw, &plain); err != nil {
		return nil, nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, nil, err
	}
	sch, err := c.Compile(schemaURL)
	if err != nil {
		return nil, nil, errors.New(strings.ReplaceAll(err.Error(), schemaURL, "schema"))
	}
	return plain, sch, nil
}
