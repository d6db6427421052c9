package nunjucks

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

// refTemplates holds Backstage's example templates beside the repository.
const refTemplates = "../../../../shared/backstage-ref/scaffolder-templates"

// TestBackstageTemplates runs every template.yaml of Backstage's examples
// the way the scaffolder does: each string in steps (if, each, input) and
// spec.output renders against sample parameters and step outputs, `steps`
// references point at earlier steps, and the skeleton of each
// fetch:template step renders.
func TestBackstageTemplates(t *testing.T) {
	if _, err := os.Stat(refTemplates); err != nil {
		t.Skip("Backstage example templates not available")
	}
	var files []string
	err := filepath.WalkDir(refTemplates, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "template.yaml" {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no template.yaml found")
	}
	for _, file := range files {
		rel, _ := filepath.Rel(refTemplates, file)
		t.Run(rel, func(t *testing.T) { runTemplate(t, file) })
	}
}

func runTemplate(t *testing.T, file string) {
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	spec, _ := doc["spec"].(map[string]any)
	e := testEnv(Options{})
	steps := map[string]any{}
	ctx := map[string]any{
		"parameters":  sampleParameters(spec["parameters"]),
		"steps":       steps,
		"user":        map[string]any{"ref": "user:default/guest", "entity": map[string]any{"metadata": map[string]any{"name": "guest"}}},
		"secrets":     map[string]any{"backstageToken": "token"},
		"context":     map[string]any{"task": map[string]any{"id": "task-1"}},
		"environment": map[string]any{"parameters": map[string]any{}, "secrets": map[string]any{}},
	}
	stepList, _ := spec["steps"].([]any)
	for i, s := range stepList {
		step, _ := s.(map[string]any)
		id, _ := step["id"].(string)
		name := filepath.Base(filepath.Dir(file)) + ":steps[" + id + "]"
		for _, key := range []string{"if", "each", "input"} {
			checkRefs(t, e, name, step[key], steps)
		}
		if each, ok := step["each"]; ok {
			v := renderDeep(t, e, name+".each", each, ctx)
			ctx["each"] = map[string]any{"key": "0", "value": firstItem(v)}
		}
		if cond, ok := step["if"]; ok {
			renderDeep(t, e, name+".if", cond, ctx)
		}
		input, _ := renderDeep(t, e, name+".input", step["input"], ctx).(map[string]any)
		if action, _ := step["action"].(string); action == "fetch:template" || action == "fetch:template:file" {
			renderSkeleton(t, filepath.Dir(file), input)
		}
		steps[id] = map[string]any{"output": sampleOutputs(i)}
	}
	delete(ctx, "each")
	checkRefs(t, e, "output", spec["output"], steps)
	out := renderDeep(t, e, "output", spec["output"], ctx)
	if spec["output"] != nil && out == nil {
		t.Error("output rendered to nothing")
	}
}

// renderDeep renders every string in v with typed rendering and fails the
// test on errors or on expressions left in the result.
func renderDeep(t *testing.T, e *Env, where string, v any, ctx map[string]any) any {
	t.Helper()
	switch x := v.(type) {
	case string:
		got, err := e.RenderValue(where, x, ctx)
		if err != nil {
			t.Errorf("%s: %v", where, err)
			return nil
		}
		if s, ok := got.(string); ok && strings.Contains(s, "${{") {
			t.Errorf("%s: expression left in %q", where, s)
		}
		return got
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e2 := range x {
			out[k] = renderDeep(t, e, where+"."+k, e2, ctx)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e2 := range x {
			out[i] = renderDeep(t, e, where, e2, ctx)
		}
		return out
	}
	return v
}

// checkRefs fails when a string refers to a step that has not run yet.
func checkRefs(t *testing.T, e *Env, where string, v any, done map[string]any) {
	t.Helper()
	switch x := v.(type) {
	case string:
		refs, err := e.Refs(where, x)
		if err != nil {
			t.Errorf("%s: %v", where, err)
		}
		for _, r := range refs {
			if r[0] != "steps" {
				continue
			}
			if len(r) < 2 {
				t.Errorf("%s: dynamic step reference in %q", where, x)
			} else if _, ok := done[r[1]]; !ok {
				t.Errorf("%s: refers to step %q, which has not run", where, r[1])
			}
		}
	case map[string]any:
		for _, e2 := range x {
			checkRefs(t, e, where, e2, done)
		}
	case []any:
		for _, e2 := range x {
			checkRefs(t, e, where, e2, done)
		}
	}
}

// renderSkeleton renders the files of a fetch:template step the way the
// action does: paths and contents, with {values} as the context.
func renderSkeleton(t *testing.T, dir string, input map[string]any) {
	t.Helper()
	src, _ := input["url"].(string)
	if src == "" || strings.Contains(src, "://") {
		return
	}
	root := filepath.Join(dir, filepath.FromSlash(src))
	o := Options{TrimBlocks: input["trimBlocks"] == true, LstripBlocks: input["lstripBlocks"] == true}
	values, _ := input["values"].(map[string]any)
	ctx := map[string]any{"values": values}
	if input["cookiecutterCompat"] == true {
		o.VariableStart, o.VariableEnd, o.JinjaCompat = "{{", "}}", true
		ctx = map[string]any{"cookiecutter": values}
	}
	e := testEnv(o)
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if _, err := e.RenderString(rel+" (path)", filepath.ToSlash(rel), ctx); err != nil {
			t.Errorf("%v", err)
		}
		body, err := os.ReadFile(p)
		if err != nil || bytes.IndexByte(body, 0) >= 0 {
			return err
		}
		out, err := e.RenderString(rel, string(body), ctx)
		if err != nil {
			t.Errorf("%v", err)
			return nil
		}
		n++
		checkStructured(t, rel, out, values)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Errorf("skeleton %s has no files", root)
	}
}

// checkStructured parses rendered YAML and JSON files and checks that a
// "name" value made it through.
func checkStructured(t *testing.T, rel, out string, values map[string]any) {
	t.Helper()
	var doc map[string]any
	switch filepath.Ext(rel) {
	case ".yaml", ".yml":
		if err := yaml.Unmarshal([]byte(out), &doc); err != nil {
			t.Errorf("%s renders to invalid YAML: %v\n%s", rel, err, out)
			return
		}
		if md, ok := doc["metadata"].(map[string]any); ok && values["name"] != nil && md["name"] != values["name"] {
			t.Errorf("%s: metadata.name = %v, want %v", rel, md["name"], values["name"])
		}
	case ".json":
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Errorf("%s renders to invalid JSON: %v\n%s", rel, err, out)
			return
		}
		if values["name"] != nil && doc["name"] != nil && doc["name"] != values["name"] {
			t.Errorf("%s: name = %v, want %v", rel, doc["name"], values["name"])
		}
	}
}

func firstItem(v any) any {
	switch x := v.(type) {
	case []any:
		if len(x) > 0 {
			return x[0]
		}
	case map[string]any:
		for _, k := range sortedKeys(x) {
			return x[k]
		}
	}
	return nil
}

// sampleParameters builds plausible form values from a template's
// parameter schemas (one object or a list of pages).
func sampleParameters(params any) map[string]any {
	out := map[string]any{}
	pages, ok := params.([]any)
	if !ok {
		pages = []any{params}
	}
	for _, p := range pages {
		page, _ := p.(map[string]any)
		maps := sampleObject(page)
		for k, v := range maps {
			out[k] = v
		}
	}
	return out
}

func sampleObject(schema map[string]any) map[string]any {
	out := map[string]any{}
	props, _ := schema["properties"].(map[string]any)
	for name, p := range props {
		prop, _ := p.(map[string]any)
		out[name] = sampleValue(name, prop)
	}
	return out
}

func sampleValue(name string, prop map[string]any) any {
	if d, ok := prop["default"]; ok {
		return d
	}
	if enum, ok := prop["enum"].([]any); ok && len(enum) > 0 {
		return enum[0]
	}
	field, _ := prop["ui:field"].(string)
	switch prop["type"] {
	case "integer", "number":
		return 1
	case "boolean":
		return true
	case "object":
		return sampleObject(prop)
	case "array":
		if strings.Contains(field, "Entity") {
			return []any{"user:default/guest"}
		}
		return []any{"example"}
	}
	switch {
	case field == "RepoUrlPicker":
		return "github.com?owner=acme&repo=" + name
	case field != "EntityNamePicker" && (strings.Contains(field, "Entity") || field == "OwnerPicker"):
		return "group:default/team-a"
	}
	return "example-" + strings.ToLower(name)
}

// sampleOutputs are step outputs of the kinds Backstage actions produce.
func sampleOutputs(i int) map[string]any {
	return map[string]any{
		"remoteUrl":         "https://github.com/acme/demo",
		"repoContentsUrl":   "https://github.com/acme/demo/blob/main",
		"commitHash":        "0123456789abcdef",
		"entityRef":         "component:default/demo",
		"catalogInfoUrl":    "https://github.com/acme/demo/blob/main/catalog-info.yaml",
		"pullRequestNumber": i + 1,
	}
}
