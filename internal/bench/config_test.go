package bench

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteConfig(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		c    serveConfig
		want string
	}{
		{"sqlite", serveConfig{Port: 7123, SQLitePath: "/data/callboard.db", Root: "/data/catalog/catalog-info.yaml"}, `---
backend:
  baseUrl: http://127.0.0.1:7123
  listen:
    host: "127.0.0.1"
    port: 7123
  database:
    client: better-sqlite3
    connection:
      filename: /data/callboard.db
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
		{"postgres", serveConfig{Port: 7124, PostgresURL: "postgres://postgres@localhost:5432/cb_bench?sslmode=disable", Root: "/r.yaml"}, `---
backend:
  baseUrl: http://127.0.0.1:7124
  listen:
    host: "127.0.0.1"
    port: 7124
  database:
    client: pg
    connection: "postgres://postgres@localhost:5432/cb_bench?sslmode=disable"
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
		if string(got) != tt.want {
			t.Errorf("%s:\n%s\nwant:\n%s", tt.name, got, tt.want)
		}
	}
	if err := writeConfig(filepath.Join(dir, "missing", "x.yaml"), serveConfig{}); err == nil {
		t.Error("want an error for a missing directory")
	}
}
