package actions

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v4"
)

func compileSchema(t *testing.T, name string, s map[string]any) *jsonschema.Schema {
	t.Helper()
	// Round-trip through JSON, as the engine and GET /v2/actions see it.
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(name, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(name)
	if err != nil {
		t.Fatalf("%s does not compile: %v", name, err)
	}
	return sch
}

// described checks that every property of a schema (and of its oneOf
// alternatives and array items) has a description.
func described(t *testing.T, where string, s map[string]any) {
	t.Helper()
	if alts, ok := s["oneOf"].([]any); ok {
		for _, a := range alts {
			if m, ok := a.(map[string]any); ok {
				described(t, where, m)
			}
		}
	}
	if items, ok := s["items"].(map[string]any); ok {
		described(t, where+"[]", items)
	}
	props, _ := s["properties"].(map[string]any)
	for name, p := range props {
		m := p.(map[string]any)
		if d, _ := m["description"].(string); d == "" {
			t.Errorf("%s.%s has no description", where, name)
		}
		described(t, where+"."+name, m)
	}
}

// placeholders replaces strings holding ${{ }} expressions by a plain
// value, so that examples can be checked against the input schema.
func placeholders(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = placeholders(e)
		}
	case []any:
		for i, e := range x {
			x[i] = placeholders(e)
		}
	case string:
		if strings.Contains(x, "${{") {
			return "value"
		}
	}
	return v
}

func TestBuiltin(t *testing.T) {
	acts := Builtin(Deps{})
	var ids []string
	for _, a := range acts {
		ids = append(ids, a.Info().ID)
	}
	want := []string{
		"approval:request", "catalog:fetch", "catalog:register", "catalog:write", "debug:log", "debug:wait",
		"fetch:plain", "fetch:plain:file", "fetch:template", "fetch:template:file", "flow:sleep",
		"fs:delete", "fs:readdir", "fs:rename", "wait:callback", "workspace:template", "workspace:template:file",
	}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Fatalf("ids (-want +got):\n%s", diff)
	}
	for _, a := range acts {
		info := a.Info()
		t.Run(info.ID, func(t *testing.T) {
			if info.Description == "" || len(info.Examples) == 0 {
				t.Error("no description or no examples")
			}
			if got, want := info.SupportsDryRun, info.ID != "catalog:register"; got != want {
				t.Errorf("SupportsDryRun = %v, want %v", got, want)
			}
			input := compileSchema(t, "input.json", info.Input)
			described(t, "input", info.Input)
			if info.Output != nil {
				compileSchema(t, "output.json", info.Output)
				described(t, "output", info.Output)
			}
			for i, ex := range info.Examples {
				var doc struct {
					Steps []struct {
						ID, Name, Action string
						Input            map[string]any
					}
				}
				if err := yaml.Unmarshal([]byte(ex.Example), &doc); err != nil {
					t.Fatalf("example %d: %v", i, err)
				}
				if len(doc.Steps) != 1 || doc.Steps[0].Action != info.ID || doc.Steps[0].ID == "" || ex.Description == "" {
					t.Errorf("example %d is not one described step of %s: %+v", i, info.ID, doc)
					continue
				}
				in := placeholders(jsonValue(t, doc.Steps[0].Input))
				if err := input.Validate(in); err != nil {
					t.Errorf("example %d does not match the input schema: %v", i, err)
				}
			}
		})
	}
}

// jsonValue converts YAML-decoded data to what JSON decoding gives.
func jsonValue(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestInputSchemasRejectBadInput(t *testing.T) {
	byID := map[string]map[string]any{}
	for _, a := range Builtin(Deps{}) {
		byID[a.Info().ID] = a.Info().Input
	}
	tests := []struct {
		id    string
		input string
	}{
		{"fs:rename", `{}`},
		{"fs:rename", `{"files": [{"from": "a"}]}`},
		{"fs:delete", `{"files": "a"}`},
		{"fetch:template", `{"targetPath": "x"}`},
		{"fetch:template", `{"url": "./s", "templateFileExtension": 3}`},
		{"fetch:template:file", `{"url": "./s"}`},
		{"catalog:register", `{"optional": true}`},
		{"catalog:register", `{"catalogInfoUrl": "a", "repoContentsUrl": "b"}`},
		{"catalog:write", `{"filePath": "x"}`},
		{"debug:log", `{"listWorkspace": "everything"}`},
		{"debug:wait", `{"seconds": "5"}`},
		{"fs:readdir", `{"recursive": true}`},
		{"workspace:template", `{"sourcePath": "a"}`},
	}
	for _, tt := range tests {
		sch := compileSchema(t, "input.json", byID[tt.id])
		in, err := jsonschema.UnmarshalJSON(strings.NewReader(tt.input))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(in); err == nil {
			t.Errorf("%s accepted %s", tt.id, tt.input)
		}
	}
}
