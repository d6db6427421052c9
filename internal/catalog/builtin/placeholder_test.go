package builtin

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/problem"
)

// mapReader is a URLReader serving fixed bodies by URL.
type mapReader map[string]string

func (m mapReader) Read(_ context.Context, url, _ string) ([]byte, string, bool, error) {
	body, ok := m[url]
	if !ok {
		return nil, "", false, problem.NotFound("could not read %s, 404 Not Found", url)
	}
	return []byte(body), "", false, nil
}

func TestPlaceholdersInFileLocations(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"catalog-info.yaml": "",
		"api/openapi.yaml":  "openapi: 3.0.0\n",
		"data.json":         `{"a": [1, "two"], "b": null}`,
		"one.yaml":          "x: 1\ny: [a, b]\n",
		"two.yaml":          "x: 1\n---\ny: 2\n",
		"bad.json":          `{"a": `,
		"bad.yaml":          "a: [\n",
	})
	locRef := "file:" + filepath.Join(dir, "catalog-info.yaml")
	o := newOrchestrator(t, Options{URLReader: mapReader{"https://example.com/remote.txt": "remote text"}})

	spec := map[string]any{
		"type": "openapi", "lifecycle": "production", "owner": "team-a",
		"definition": map[string]any{"$text": "./api/openapi.yaml"},
		"data":       map[string]any{"$json": "data.json"},
		"list":       []any{"keep", map[string]any{"$yaml": "./one.yaml"}},
		"remote":     map[string]any{"$text": "https://example.com/remote.txt"},
		"schema":     map[string]any{"$ref": "#/definitions/x"},
		"mixed":      map[string]any{"$text": "./api/openapi.yaml", "other": 1},
		"nonString":  map[string]any{"$text": 42},
		"unknown":    map[string]any{"$env": "HOME"},
	}
	in := componentAt(locRef, spec, nil)
	in["kind"] = "API"
	before, _ := json.Marshal(in)
	res := process(t, o, in, nil)
	if !res.OK {
		t.Fatalf("errors: %v", errorTexts(res.Errors))
	}
	want := map[string]any{
		"type": "openapi", "lifecycle": "production", "owner": "team-a",
		"definition": "openapi: 3.0.0\n",
		"data":       map[string]any{"a": []any{float64(1), "two"}, "b": nil},
		"list":       []any{"keep", map[string]any{"x": float64(1), "y": []any{"a", "b"}}},
		"remote":     "remote text",
		"schema":     map[string]any{"$ref": "#/definitions/x"},
		"mixed":      map[string]any{"$text": "./api/openapi.yaml", "other": float64(1)},
		"nonString":  map[string]any{"$text": float64(42)},
		"unknown":    map[string]any{"$env": "HOME"},
	}
	if diff := cmp.Diff(want, res.Entity.Spec); diff != "" {
		t.Errorf("spec (-want +got):\n%s", diff)
	}
	wantKeys := []string{
		"file:" + filepath.Join(dir, "api/openapi.yaml"),
		"file:" + filepath.Join(dir, "data.json"),
		"file:" + filepath.Join(dir, "one.yaml"),
		"url:https://example.com/remote.txt",
	}
	if diff := cmp.Diff(wantKeys, sorted(res.RefreshKeys)); diff != "" {
		t.Errorf("refresh keys (-want +got):\n%s", diff)
	}
	if after, _ := json.Marshal(in); string(after) != string(before) {
		t.Error("placeholder resolution changed the request entity")
	}

	const prefix = "InputError: Processor PlaceholderProcessor threw an error while preprocessing; caused by Error: "
	errTests := []struct {
		placeholder map[string]any
		want        string
	}{
		{map[string]any{"$text": "./missing.txt"}, "Placeholder $text could not read location ./missing.txt, open " + filepath.Join(dir, "missing.txt") + ": no such file or directory"},
		{map[string]any{"$json": "./bad.json"}, "Placeholder $json failed to parse JSON data at ./bad.json, unexpected end of JSON input"},
		{map[string]any{"$yaml": "./two.yaml"}, "Placeholder $yaml expected to find exactly one document of data at ./two.yaml, found 2"},
		{map[string]any{"$yaml": "./bad.yaml"}, "Placeholder $yaml found an error in the data at ./bad.yaml, did not find expected node content (while parsing a flow node) at line 2, column 1"},
		{map[string]any{"$text": "/etc/passwd"}, "Placeholder $text could not form a URL out of " + filepath.Join(dir, "catalog-info.yaml") + " and /etc/passwd, absolute paths are not allowed"},
		{map[string]any{"$text": "https://example.com/gone"}, "Placeholder $text could not read location https://example.com/gone, could not read https://example.com/gone, 404 Not Found"},
	}
	for _, tt := range errTests {
		in := componentAt(locRef, map[string]any{"type": "service", "lifecycle": "production", "owner": "team-a", "x": tt.placeholder}, nil)
		res := process(t, o, in, nil)
		if diff := cmp.Diff([]string{prefix + tt.want}, errorTexts(res.Errors)); diff != "" {
			t.Errorf("%v: errors (-want +got):\n%s", tt.placeholder, diff)
		}
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestPlaceholdersInURLLocations(t *testing.T) {
	srv := newFileServer(t, map[string]file{
		"/org/api/openapi.yaml": {body: "openapi: 3.1.0\n"},
		"/docs/readme.md":       {body: "# Hello"},
	})
	o := newOrchestrator(t, Options{ReadingAllow: []AllowRule{allowServer(srv)}})
	locRef := "url:" + srv.URL + "/org/catalog-info.yaml"
	in := componentAt(locRef, map[string]any{
		"type": "service", "lifecycle": "production", "owner": "team-a",
		"definition": map[string]any{"$text": "./api/openapi.yaml"},
		"readme":     map[string]any{"$text": "../docs/readme.md"},
	}, nil)
	res := process(t, o, in, nil)
	if !res.OK {
		t.Fatalf("errors: %v", errorTexts(res.Errors))
	}
	if res.Entity.Spec["definition"] != "openapi: 3.1.0\n" || res.Entity.Spec["readme"] != "# Hello" {
		t.Errorf("spec = %v", res.Entity.Spec)
	}
	wantKeys := []string{"url:" + srv.URL + "/docs/readme.md", "url:" + srv.URL + "/org/api/openapi.yaml"}
	if diff := cmp.Diff(wantKeys, sorted(res.RefreshKeys)); diff != "" {
		t.Errorf("refresh keys (-want +got):\n%s", diff)
	}

	const prefix = "InputError: Processor PlaceholderProcessor threw an error while preprocessing; caused by Error: "
	outside := "https://not-allowed.example.com/x.yaml"
	for _, tt := range []struct{ value, want string }{
		{"./missing.yaml", "Placeholder $text could not read location ./missing.yaml, could not read " + srv.URL + "/org/missing.yaml, 404 Not Found"},
		{outside, "Placeholder $text could not read location " + outside + ", Reading from '" + outside + "' is not allowed. You may need to configure an integration for the target host, or add it to the configured list of allowed hosts at 'backend.reading.allow'"},
	} {
		in := componentAt(locRef, map[string]any{"type": "service", "lifecycle": "production", "owner": "team-a", "x": map[string]any{"$text": tt.value}}, nil)
		res := process(t, o, in, nil)
		if diff := cmp.Diff([]string{prefix + tt.want}, errorTexts(res.Errors)); diff != "" {
			t.Errorf("%s: errors (-want +got):\n%s", tt.value, diff)
		}
	}
}

func TestPlaceholderSameRepository(t *testing.T) {
	base := "https://github.com/org/repo/blob/main/catalog-info.yaml"
	reader := mapReader{
		"https://github.com/org/repo/tree/main/api.yaml":  "same repo, relative",
		"https://github.com/org/repo/blob/dev/api.yaml":   "same repo, other branch",
		"https://github.com/org/other/blob/main/api.yaml": "other repo",
		"https://example.com/api.yaml":                    "not a git URL",
	}
	o := newOrchestrator(t, Options{URLReader: reader})
	for _, tt := range []struct{ value, want string }{
		{"./api.yaml", "same repo, relative"},
		{"https://github.com/org/repo/blob/dev/api.yaml", "same repo, other branch"},
		{"https://example.com/api.yaml", "not a git URL"},
		{"https://github.com/org/other/blob/main/api.yaml", "InputError: Processor PlaceholderProcessor threw an error while preprocessing; caused by Error: Placeholder may only reference files from the same repository as the entity"},
	} {
		in := componentAt("url:"+base, map[string]any{"type": "service", "lifecycle": "production", "owner": "team-a", "x": map[string]any{"$text": tt.value}}, nil)
		res := process(t, o, in, nil)
		got := strings.Join(errorTexts(res.Errors), "; ")
		if res.OK {
			got, _ = res.Entity.Spec["x"].(string)
		}
		if got != tt.want {
			t.Errorf("$text %s = %q, want %q", tt.value, got, tt.want)
		}
	}
}
