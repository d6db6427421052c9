package app

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callboard/callboard/internal/config"
	"github.com/callboard/callboard/internal/scaffolder"
)

func loadExternalConfig(t *testing.T, yaml string, env ...string) *config.Config {
	t.Helper()
	p := filepath.Join(t.TempDir(), "app-config.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, warnings, err := config.LoadEnviron([]string{p}, env)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warnings {
		t.Errorf("warning: %s", w)
	}
	return cfg
}

func TestExternalActions(t *testing.T) {
	cfg := loadExternalConfig(t, `
scaffolder:
  externalActions:
    - id: acme:db:provision
      description: Provision a database
      type: http
      url: https://provisioner.internal/run
      secret: ${PROVISIONER_HMAC}
      headers: {X-Team: platform}
      timeout: 30s
      maxOutputBytes: 2048
      input:
        type: object
        required: [name]
        properties:
          name: {type: string}
          size: {type: integer, maximum: 10}
      output:
        type: object
        properties:
          dbUrl: {type: string}
      supportsDryRun: true
    - id: acme:dns:record
      type: exec
      command: [/opt/actions/dns, --fast]
      env: [PATH, AWS_REGION]
      timeout: PT2M
      input: {type: object}
`, "PROVISIONER_HMAC=k3y")
	as, err := externalActions(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 2 {
		t.Fatalf("got %d actions, want 2", len(as))
	}
	http, exec := as[0].Info(), as[1].Info()
	if http.ID != "acme:db:provision" || http.Description != "Provision a database" || !http.SupportsDryRun {
		t.Errorf("first action = %+v", http)
	}
	if http.Input["required"].([]any)[0] != "name" || http.Output == nil {
		t.Errorf("first action's schemas = %v, %v", http.Input, http.Output)
	}
	if exec.ID != "acme:dns:record" || exec.SupportsDryRun {
		t.Errorf("second action = %+v", exec)
	}
}

func TestExternalActionsAbsent(t *testing.T) {
	as, err := externalActions(loadExternalConfig(t, "scaffolder: {}\n"))
	if err != nil || len(as) != 0 {
		t.Errorf("externalActions = %v, %v; want none", as, err)
	}
}

func TestExternalActionsErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{name: "missing fields", yaml: `
scaffolder:
  externalActions:
    - type: http
      input: {type: object}
`, want: []string{"scaffolder.externalActions[0].id: required", "scaffolder.externalActions[0].url: required", "scaffolder.externalActions[0].secret: required"}},
		{name: "invalid timeout", yaml: `
scaffolder:
  externalActions:
    - id: a
      type: exec
      command: [x]
      timeout: soon
      input: {type: object}
`, want: []string{"app-config.yaml:7", "scaffolder.externalActions[0].timeout", `got "soon"`}},
		{name: "duplicate ids", yaml: `
scaffolder:
  externalActions:
    - {id: a, type: exec, command: [x], input: {type: object}}
    - {id: a, type: exec, command: [y], input: {type: object}}
`, want: []string{`scaffolder.externalActions[1].id: "a" is already declared`}},
		{name: "unknown type", yaml: `
scaffolder:
  externalActions:
    - {id: a, type: grpc, input: {type: object}}
`, want: []string{`scaffolder.externalActions[0].type: unknown type "grpc"`}},
		{name: "bad schema", yaml: `
scaffolder:
  externalActions:
    - {id: a, type: exec, command: [x], input: {type: 12}}
`, want: []string{"scaffolder.externalActions[0].input: invalid JSON Schema"}},
		{name: "not a list", yaml: `
scaffolder:
  externalActions: {id: a}
`, want: []string{"scaffolder.externalActions: expected a list"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := externalActions(loadExternalConfig(t, tt.yaml))
			if err == nil {
				t.Fatalf("externalActions succeeded; want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestExternalActionsSecretNotShown(t *testing.T) {
	cfg := loadExternalConfig(t, `
scaffolder:
  externalActions:
    - {id: a, type: http, url: not-a-url, secret: "${HMAC}", input: {type: object}, timeout: 1s}
`, "HMAC=super-secret-value")
	_, err := externalActions(cfg)
	if err == nil || strings.Contains(err.Error(), "super-secret-value") {
		t.Errorf("error = %v; want one that does not show the secret", err)
	}
}

// TestExternalActionInEngine runs a template whose step is an exec
// external action through the scaffolder engine: the input is validated
// against the declared schema, stderr becomes the step's log and stdout
// its outputs.
func TestExternalActionInEngine(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	prog := filepath.Join(t.TempDir(), "provision.sh")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\ncat > /dev/null\necho 'provisioning' >&2\necho '{\"dbUrl\": \"postgres://db.internal/orders\"}'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := loadExternalConfig(t, `
scaffolder:
  externalActions:
    - id: acme:db:provision
      type: exec
      command: [`+prog+`]
      supportsDryRun: true
      input: {type: object, required: [name], properties: {name: {type: string}}}
      output: {type: object, properties: {dbUrl: {type: string}}}
`)
	ext, err := externalActions(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e, err := newScaffolder(cfg, slog.New(slog.DiscardHandler), scaffolderDeps{extra: ext})
	if err != nil {
		t.Fatal(err)
	}
	template := func(input string) scaffolder.DryRunRequest {
		return scaffolder.DryRunRequest{
			Template: []byte(`{"apiVersion": "scaffolder.backstage.io/v1beta3", "kind": "Template", "metadata": {"name": "db"},
				"spec": {"type": "service", "steps": [{"id": "db", "name": "Database", "action": "acme:db:provision", "input": ` + input + `}],
				"output": {"url": "${{ steps.db.output.dbUrl }}"}}}`),
			UserRef: "user:default/ada",
		}
	}
	res, err := e.DryRun(context.Background(), template(`{"name": "orders"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Output["url"]; got != "postgres://db.internal/orders" {
		t.Errorf("output url = %v, want the action's dbUrl", got)
	}
	var logged bool
	for _, ev := range res.Log {
		logged = logged || (ev.StepID == "db" && ev.Message == "provisioning")
	}
	if !logged {
		t.Errorf("the program's stderr is not in the step's log: %+v", res.Log)
	}
	_, err = e.DryRun(context.Background(), template(`{"name": 5}`))
	if err == nil || !strings.Contains(err.Error(), "instance.name is not of a type(s) string") {
		t.Errorf("dry run with a bad input: error = %v, want the schema failure", err)
	}
}
