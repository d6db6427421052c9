package entity

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// sharedRef returns the directory of Backstage's reference data, which
// lives beside the repository, and skips the test when it is absent.
func sharedRef(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "backstage-ref")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("Backstage reference data not available: %v", err)
	}
	return dir
}

// doc decodes a JSON object literal, for compact test tables.
func doc(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad test document %s: %v", s, err)
	}
	return m
}

// component returns a valid Component document to mutate in tests.
func component() map[string]any {
	return map[string]any{
		"apiVersion": "backstage.io/v1alpha1",
		"kind":       "Component",
		"metadata": map[string]any{
			"name":        "my-component",
			"namespace":   "the-namespace",
			"labels":      map[string]any{"backstage.io/custom": "ValueStuff"},
			"annotations": map[string]any{"example.com/bindings": "are-secret"},
			"tags":        []any{"java", "data-service"},
			"links":       []any{map[string]any{"url": "https://example.org", "title": "Website", "icon": "website"}},
		},
		"spec": map[string]any{"type": "service", "lifecycle": "production", "owner": "team-a"},
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
