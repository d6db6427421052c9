package bench

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/config"
)

func TestWriteConfig(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		c    serveConfig
		want string
	}{
		{"sqlite", serveConfig{Port: 7123, SQLitePath: "/data/callboard.db", Root: "/data/catalog/catalog-info.yaml", Token: "cb-0123456789abcdef"}, `---
backend:
  baseUrl: http://127.0.0.1:7123
  listen:
    host: "127.0.0.1"
    port: 7123
  database:
    client: better-sqlite3
    connection:
      filename: /data/callboard.db
  auth:
    externalAccess:
      - type: static
        options:
          token: cb-0123456789abcdef
          subject: callboard-bench
catalog:
  locations:
    - type: file
      target: /data/catalog/catalog-info.yaml
  rules:
    - allow:
        - Component
        - API
        - Resource
        - System
        - Domain
        - Group
        - User
        - Location
        - Template
  processingInterval:
    hours: 24
`},
		{"postgres", serveConfig{Port: 7124, PostgresURL: "postgres://postgres@localhost:5432/cb_bench?sslmode=disable", Root: "/r.yaml", Token: "cb-0123456789abcdef"}, `---
backend:
  baseUrl: http://127.0.0.1:7124
  listen:
    host: "127.0.0.1"
    port: 7124
  database:
    client: pg
    connection: "postgres://postgres@localhost:5432/cb_bench?sslmode=disable"
  auth:
    externalAccess:
      - type: static
        options:
          token: cb-0123456789abcdef
          subject: callboard-bench
catalog:
  locations:
    - type: file
      target: /r.yaml
  rules:
    - allow:
        - Component
        - API
        - Resource
        - System
        - Domain
        - Group
        - User
        - Location
        - Template
  processingInterval:
    hours: 24
`},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, tt.name+".yaml")
		if err := writeConfig(path, tt.c); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, string(got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	if err := writeConfig(filepath.Join(dir, "missing", "x.yaml"), serveConfig{}); err == nil {
		t.Error("want an error for a missing directory")
	}
}

// TestConfigLoads checks the server's own config loader reads the written
// file without warnings and sees what the benchmark meant.
func TestConfigLoads(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		c            serveConfig
		dialect, dsn string
	}{
		{serveConfig{Port: 7123, SQLitePath: "/data/callboard.db", Root: "/data/catalog/catalog-info.yaml", Token: newToken()}, "sqlite", "/data/callboard.db"},
		{serveConfig{Port: 7124, PostgresURL: "postgres://postgres@localhost:5432/cb_bench?sslmode=disable", Root: "/r.yaml", Token: newToken()},
			"postgres", "postgres://postgres@localhost:5432/cb_bench?sslmode=disable"},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, "app-config.yaml")
		if err := writeConfig(path, tt.c); err != nil {
			t.Fatal(err)
		}
		cfg, warnings, err := config.LoadEnviron([]string{path}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(warnings) > 0 {
			t.Errorf("warnings: %v", warnings)
		}
		if got, want := cfg.ListenAddr(), "127.0.0.1:"+strconv.Itoa(tt.c.Port); got != want {
			t.Errorf("listen %s, want %s", got, want)
		}
		dialect, dsn, err := cfg.Database()
		if err != nil || dialect != tt.dialect || dsn != tt.dsn {
			t.Errorf("database = %s %s %v, want %s %s", dialect, dsn, err, tt.dialect, tt.dsn)
		}
		wantLoc := []config.Location{{Type: "file", Target: tt.c.Root}}
		if diff := cmp.Diff(wantLoc, cfg.Catalog.Locations); diff != "" {
			t.Errorf("locations (-want +got):\n%s", diff)
		}
		if iv := cfg.Catalog.ProcessingInterval; iv.Duration != 24*time.Hour || iv.Disabled {
			t.Errorf("processingInterval = %+v", iv)
		}
		var kinds []string
		for _, r := range cfg.Catalog.Rules {
			for _, k := range r.Allow {
				kinds = append(kinds, k.Kind)
			}
		}
		if diff := cmp.Diff(allKinds, kinds); diff != "" {
			t.Errorf("allowed kinds (-want +got):\n%s", diff)
		}
	}
}
