package config

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDefaultFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{
		"app-config.yaml", "app-config.production.yaml", "app-config.local.yaml",
		"app-config.production.local.yaml", "app-config.staging.yaml", "app-config.other.yaml",
	} {
		writeFile(t, filepath.Join(dir, name), "{}\n")
	}
	tests := []struct {
		env  string
		want []string
	}{
		{"", []string{"app-config.yaml", "app-config.local.yaml"}},
		{"production", []string{"app-config.yaml", "app-config.production.yaml", "app-config.local.yaml", "app-config.production.local.yaml"}},
		{"production, staging,", []string{"app-config.yaml", "app-config.production.yaml", "app-config.staging.yaml", "app-config.local.yaml", "app-config.production.local.yaml"}},
		{"missing", []string{"app-config.yaml", "app-config.local.yaml"}},
	}
	for _, tt := range tests {
		got, err := DefaultFiles(dir, tt.env)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, name := range tt.want {
			want = append(want, filepath.Join(dir, name))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("DefaultFiles(%q) (-want +got):\n%s", tt.env, diff)
		}
	}
	got, err := DefaultFiles(t.TempDir(), "")
	if err != nil || len(got) != 0 {
		t.Errorf("DefaultFiles of an empty directory = %v, %v", got, err)
	}
}
