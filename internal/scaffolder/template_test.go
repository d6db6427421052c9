package scaffolder_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder"
)

func TestParseTemplate(t *testing.T) {
	tpl, err := scaffolder.ParseTemplate(yamlJSON(t, `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: svc
  namespace: team
  title: Service
  annotations:
    backstage.io/managed-by-location: url:https://git.example.com/o/r/blob/main/templates/svc/template.yaml
spec:
  type: service
  parameters:
    title: Only page
    properties:
      name: {type: string}
  steps:
    - action: test:echo
    - id: named
      name: Named
      action: test:echo
      input: {message: hi}
  EXPERIMENTAL_recovery:
    EXPERIMENTAL_strategy: startOver
`))
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Ref != "template:team/svc" || tpl.BaseURL != "https://git.example.com/o/r/blob/main/templates/svc/" {
		t.Errorf("ref %q, base %q", tpl.Ref, tpl.BaseURL)
	}
	var got []string
	for _, s := range tpl.Steps {
		got = append(got, s.ID+"/"+s.Name)
	}
	if diff := cmp.Diff([]string{"step-1/test:echo", "named/Named"}, got); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	ps := tpl.ParameterSchema()
	if ps.Title != "Service" || len(ps.Steps) != 1 || ps.Steps[0].Title != "Only page" {
		t.Errorf("parameter schema %+v", ps)
	}

	for _, tc := range []struct{ src, want string }{
		{"apiVersion: scaffolder.backstage.io/v1beta2\nkind: Template\nmetadata: {name: x}\nspec: {steps: []}",
			"Unsupported apiVersion field in schema entity, scaffolder.backstage.io/v1beta2"},
		{"apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: x}\nspec: {steps: [{id: a}]}",
			"template:default/x: step a: action: a step needs an action"},
		{"apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: x}\nspec: {steps: {}}",
			"template:default/x: steps: steps must be a list"},
	} {
		_, err := scaffolder.ParseTemplate(yamlJSON(t, tc.src))
		if !problem.Is(err, problem.InputError) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error = %v, want InputError %q", err, tc.want)
		}
	}
}

func TestCheckTemplate(t *testing.T) {
	h := newSQLiteHarness(t)
	for _, tc := range []struct {
		name string
		spec string
		want []string
	}{
		{"a valid template", `  parameters:
    - properties:
        name: {type: string, ui:field: EntityNamePicker}
  steps:
    - id: a
      action: test:echo
      input: {message: "${{ parameters.name }}"}
    - id: b
      action: test:echo
      if: ${{ steps.a.output.echo }}
  output:
    text: ${{ steps.b.output.echo }}
`, nil},
		{"unknown action", `  steps:
    - id: a
      action: fetch:nothing
`, []string{"template:default/check: step a: action: Template action with ID 'fetch:nothing' is not registered. See https://backstage.io/docs/features/software-templates/builtin-actions/ on how to add a new action module."}},
		{"duplicate step ids", `  steps:
    - id: a
      action: test:echo
    - id: a
      action: test:echo
`, []string{"template:default/check: step a: id: step id 'a' is already used by step 1"}},
		{"expression syntax error", `  steps:
    - id: a
      action: test:echo
      input:
        message: "line one\n${{ parameters.name | }}"
`, []string{"template:default/check: step a: input.message:2:"}},
		{"reference to a later step and to no step", `  steps:
    - id: a
      action: test:echo
      input:
        message: ${{ steps.b.output.echo }}
    - id: b
      action: test:echo
      each: ${{ steps['nope'].output.list }}
`, []string{
			"template:default/check: step a: input.message: steps['b'] refers to a step that has not run yet",
			"template:default/check: step b: each: steps['nope'] refers to a step that does not exist",
		}},
		{"a step referring to itself", `  steps:
    - id: a
      action: test:echo
      if: ${{ steps.a.output.echo }}
`, []string{"template:default/check: step a: if: steps['a'] refers to a step that has not run yet"}},
		{"output referring to no step", `  steps:
    - id: a
      action: test:echo
  output:
    links:
      - url: ${{ steps.gone.output.url }}
`, []string{"template:default/check: output.links[0].url: steps['gone'] refers to a step that does not exist"}},
		{"invalid parameter schema", `  parameters:
    - properties:
        name: {type: strin}
  steps:
    - action: test:echo
`, []string{"template:default/check: parameters[0]: invalid parameter schema:"}},
		{"input missing a required property", `  steps:
    - id: a
      action: test:required
      input: {}
`, []string{`template:default/check: step a: input: Invalid input passed to action test:required, instance requires property "name"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ref := h.template(t, "check", tc.spec)
			tpl, err := h.engine.Template(context.Background(), ref)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range h.engine.Check(tpl) {
				got = append(got, e.Error())
			}
			if len(got) != len(tc.want) {
				t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) {
					t.Errorf("problem %d = %q, want %q", i, got[i], tc.want[i])
				}
			}
			// Creating a task fails with the first problem, before anything
			// is stored.
			_, err = h.engine.Create(context.Background(), scaffolder.CreateRequest{TemplateRef: ref, CreatedBy: "u", Values: map[string]any{}})
			if len(tc.want) > 0 {
				var te *scaffolder.TemplateError
				if !problem.Is(err, problem.InputError) || !errors.As(err, &te) || !strings.HasPrefix(err.Error(), "InputError: "+tc.want[0]) {
					t.Errorf("Create: %v", err)
				}
			} else if err != nil {
				t.Errorf("Create: %v", err)
			}
		})
	}
	tasks, _, err := h.engine.Tasks(context.Background(), scaffolder.TaskQuery{})
	if err != nil || len(tasks) != 1 {
		t.Errorf("%d tasks stored (%v), want only the valid one", len(tasks), err)
	}
}

func TestValidateValues(t *testing.T) {
	h := newSQLiteHarness(t)
	ref := h.template(t, "values", `  parameters:
    - title: Name
      required: [name]
      properties:
        name:
          type: string
          pattern: '^[a-z-]+$'
          ui:autofocus: true
    - title: More
      properties:
        replicas: {type: integer, minimum: 1}
        tier: {type: string, enum: [gold, silver]}
  secrets:
    schema:
      required: [token]
      properties:
        token: {type: string, minLength: 10}
  steps:
    - action: test:echo
`)
	ctx := context.Background()
	create := func(values map[string]any, secrets map[string]string) error {
		_, err := h.engine.Create(ctx, scaffolder.CreateRequest{TemplateRef: ref, Values: values, Secrets: secrets, CreatedBy: "u"})
		return err
	}
	for _, tc := range []struct {
		name    string
		values  map[string]any
		secrets map[string]string
		page    int
		want    []scaffolder.ValidationError
	}{
		{"required", map[string]any{}, nil, 0, []scaffolder.ValidationError{{
			Path: []any{}, Property: "instance", Message: `requires property "name"`, Name: "required", Argument: "name",
			Stack: `instance requires property "name"`, Instance: map[string]any{},
		}}},
		{"pattern", map[string]any{"name": "Bad Name"}, nil, 0, []scaffolder.ValidationError{{
			Path: []any{"name"}, Property: "instance.name", Message: `does not match pattern "^[a-z-]+$"`, Name: "pattern", Argument: "^[a-z-]+$",
			Stack: `instance.name does not match pattern "^[a-z-]+$"`, Instance: "Bad Name",
		}}},
		{"second page", map[string]any{"name": "ok", "replicas": 0, "tier": "bronze"}, nil, 1, []scaffolder.ValidationError{
			{Path: []any{"replicas"}, Property: "instance.replicas", Message: "must be greater than or equal to 1", Name: "minimum", Argument: 1.0,
				Stack: "instance.replicas must be greater than or equal to 1", Instance: 0.0},
			{Path: []any{"tier"}, Property: "instance.tier", Message: "is not one of enum values: gold,silver", Name: "enum", Argument: []any{"gold", "silver"},
				Stack: "instance.tier is not one of enum values: gold,silver", Instance: "bronze"},
		}},
		{"secrets", map[string]any{"name": "ok"}, map[string]string{"token": "short"}, -1, []scaffolder.ValidationError{{
			Path: []any{"token"}, Property: "instance.token", Message: "does not meet minimum length of 10", Name: "minLength", Argument: 10.0,
			Stack: "instance.token does not meet minimum length of 10", Instance: "***",
		}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := create(tc.values, tc.secrets)
			var ve *scaffolder.ValuesError
			if !errors.As(err, &ve) {
				t.Fatalf("error = %v, want a ValuesError", err)
			}
			if ve.Page != tc.page {
				t.Errorf("page = %d, want %d", ve.Page, tc.page)
			}
			for i := range ve.Errors {
				ve.Errors[i].Schema = nil
			}
			sortErrors(ve.Errors)
			if diff := cmp.Diff(tc.want, ve.Errors); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
	if err := create(map[string]any{"name": "ok", "replicas": 2}, map[string]string{"token": "long enough token"}); err != nil {
		t.Errorf("valid values refused: %v", err)
	}
}

func sortErrors(es []scaffolder.ValidationError) {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].Property < es[j-1].Property; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}
