package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A Backstage app-config carries frontend keys: app.title is read by the
// web UI, every other app.* key and organization.* warn once.
func TestFrontendKeys(t *testing.T) {
	file := filepath.Join(t.TempDir(), "app-config.yaml")
	err := os.WriteFile(file, []byte("app:\n  title: Acme Portal\n  baseUrl: http://localhost:3000\norganization:\n  name: Acme\n"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	_, warnings, err := LoadEnviron([]string{file}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range warnings {
		got = append(got, w.Key)
	}
	if diff := cmp.Diff([]string{"app.baseUrl", "organization.name"}, got); diff != "" {
		t.Errorf("warned keys (-want +got):\n%s", diff)
	}
}
