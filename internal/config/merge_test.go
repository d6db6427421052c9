package config

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMerge(t *testing.T) {
	tests := []struct {
		name   string
		layers []string // YAML documents, lowest priority first
		want   string
	}{
		{"objects merge deeply", []string{"a: {b: 1, c: {d: 2}}", "a: {c: {e: 3}, f: 4}"}, `{"a":{"b":1,"c":{"d":2,"e":3},"f":4}}`},
		{"scalars replace", []string{"a: {b: 1}", "a: {b: two}"}, `{"a":{"b":"two"}}`},
		{"lists replace, never concatenate", []string{"a: [1, 2, 3]", "a: [4]"}, `{"a":[4]}`},
		{"object replaces scalar", []string{"a: x", "a: {b: 1}"}, `{"a":{"b":1}}`},
		{"scalar replaces object", []string{"a: {b: 1}", "a: x"}, `{"a":"x"}`},
		{"null removes", []string{"a: {b: 1, c: 2}", "a: {b: null}"}, `{"a":{"c":2}}`},
		{"null removes a whole section", []string{"a: {b: 1}\nz: 1", "a: ~"}, `{"z":1}`},
		{"null without a lower value", []string{"a: {b: null, c: 1}"}, `{"a":{"c":1}}`},
		{"later keys appended in order", []string{"b: 1\na: 1", "c: 1\na: 2"}, `{"b":1,"a":2,"c":1}`},
		{"empty layer", []string{"a: 1", ""}, `{"a":1}`},
		{"three layers", []string{"a: 1\nb: 1", "b: 2\nc: 2", "c: 3"}, `{"a":1,"b":2,"c":3}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var root *node
			for i, layer := range tt.layers {
				n, err := parseYAML([]byte(layer), "layer")
				if err != nil {
					t.Fatalf("layer %d: %v", i, err)
				}
				root = merge(root, n)
			}
			stripNulls(root)
			if got := renderJSON(t, root); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestLoadMergesFilesInOrder(t *testing.T) {
	cfg, _, err := LoadEnviron([]string{"testdata/good/app-config.yaml", "testdata/good/app-config.production.yaml"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Backend.BaseURL != "https://callboard.example.com" {
		t.Errorf("baseUrl = %q, want the later file's", cfg.Backend.BaseURL)
	}
	if cfg.Backend.Listen.Port != 7100 {
		t.Errorf("listen port = %d, want the earlier file's 7100", cfg.Backend.Listen.Port)
	}
	dialect, dsn, err := cfg.Database()
	if err != nil || dialect != DialectPostgres || dsn != "postgres://callboard@db.example.com:5432/callboard" {
		t.Errorf("Database() = %q, %q, %v", dialect, dsn, err)
	}
	if diff := cmp.Diff([]string{"url"}, cfg.Catalog.AllowedLocationTypes); diff != "" {
		t.Errorf("allowedLocationTypes (-want +got):\n%s", diff)
	}
	// orphanStrategy: null removed the earlier "keep", so the default applies.
	if cfg.Catalog.OrphanStrategy != "delete" {
		t.Errorf("orphanStrategy = %q, want the default after null", cfg.Catalog.OrphanStrategy)
	}
	// rules: null removed the rules, so the default rules apply.
	if diff := cmp.Diff(DefaultRules(), cfg.Catalog.Rules); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
	if cfg.Catalog.ProcessingInterval.Duration != 3*time.Minute {
		t.Errorf("processingInterval = %v, want the earlier file's", cfg.Catalog.ProcessingInterval)
	}
}

func TestMergedValuesKeepTheirFile(t *testing.T) {
	dir := t.TempDir()
	base, local := filepath.Join(dir, "app-config.yaml"), filepath.Join(dir, "app-config.local.yaml")
	writeFile(t, base, "catalog:\n  readonly: true\n  orphanStrategy: delete\n")
	writeFile(t, local, "# local overrides\ncatalog:\n  orphanStrategy: never\n")
	_, _, err := LoadEnviron([]string{base, local}, nil)
	want := local + `:3:3: catalog.orphanStrategy: expected one of "delete", "keep", got "never"`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant %s", err, want)
	}
}
