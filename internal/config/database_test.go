package config

import (
	"path/filepath"
	"testing"
)

func TestDatabase(t *testing.T) {
	tests := []struct {
		name     string
		yaml     string
		dialect  string
		dsn      string
		warnings []string
	}{
		{name: "default", yaml: "backend: {}", dialect: "sqlite", dsn: "./callboard.db"},
		{name: "better-sqlite3 memory", yaml: "backend:\n  database:\n    client: better-sqlite3\n    connection: ':memory:'", dialect: "sqlite", dsn: ":memory:"},
		{name: "sqlite3 path", yaml: "backend:\n  database:\n    client: sqlite3\n    connection: data/portal.db", dialect: "sqlite", dsn: "data/portal.db"},
		{name: "sqlite without connection", yaml: "backend:\n  database:\n    client: sqlite", dialect: "sqlite", dsn: ":memory:"},
		{name: "sqlite filename", yaml: "backend:\n  database:\n    client: better-sqlite3\n    connection:\n      filename: /var/lib/callboard/db.sqlite", dialect: "sqlite", dsn: "/var/lib/callboard/db.sqlite"},
		{name: "sqlite directory", yaml: "backend:\n  database:\n    client: better-sqlite3\n    connection:\n      directory: /var/lib/callboard", dialect: "sqlite", dsn: filepath.Join("/var/lib/callboard", "callboard.db")},
		{name: "pg url", yaml: "backend:\n  database:\n    client: pg\n    connection: postgres://u:p@db:5432/callboard?sslmode=disable", dialect: "postgres", dsn: "postgres://u:p@db:5432/callboard?sslmode=disable"},
		{name: "pg key value", yaml: "backend:\n  database:\n    client: pg\n    connection: host=db user=u dbname=cb", dialect: "postgres", dsn: "host=db user=u dbname=cb"},
		{
			name:    "pg object with escaping",
			yaml:    "backend:\n  database:\n    client: pg\n    connection:\n      host: db.example.com\n      port: 6543\n      user: 'cb user'\n      password: 'p@ss:w/rd#1'\n      database: portal",
			dialect: "postgres", dsn: "postgres://cb%20user:p%40ss%3Aw%2Frd%231@db.example.com:6543/portal",
		},
		{name: "pg object defaults", yaml: "backend:\n  database:\n    client: pg\n    connection: {user: cb}", dialect: "postgres", dsn: "postgres://cb@localhost:5432"},
		{name: "pg port as string", yaml: "backend:\n  database:\n    client: pg\n    connection: {host: db, port: '5433'}", dialect: "postgres", dsn: "postgres://db:5433"},
		{name: "pg ssl true", yaml: "backend:\n  database:\n    client: pg\n    connection: {host: db, ssl: true}", dialect: "postgres", dsn: "postgres://db:5432?sslmode=verify-full"},
		{name: "pg ssl false", yaml: "backend:\n  database:\n    client: pg\n    connection: {host: db, ssl: false}", dialect: "postgres", dsn: "postgres://db:5432?sslmode=disable"},
		{name: "pg ssl unverified", yaml: "backend:\n  database:\n    client: pg\n    connection: {host: db, ssl: {rejectUnauthorized: false}}", dialect: "postgres", dsn: "postgres://db:5432?sslmode=require"},
		{
			name:    "pg ssl object with ca",
			yaml:    "backend:\n  database:\n    client: pg\n    connection:\n      host: db\n      ssl:\n        ca: PEM",
			dialect: "postgres", dsn: "postgres://db:5432?sslmode=verify-full",
			warnings: []string{`app-config.yaml:7: unknown key "backend.database.connection.ssl.ca" is ignored`},
		},
		{
			name:    "unknown database keys warn",
			yaml:    "backend:\n  database:\n    client: pg\n    connection: postgres://db/cb\n    pluginDivisionMode: schema\n    knexConfig:\n      pool: {min: 1}",
			dialect: "postgres", dsn: "postgres://db/cb",
			warnings: []string{
				`app-config.yaml:5: unknown key "backend.database.pluginDivisionMode" is ignored`,
				`app-config.yaml:7: unknown key "backend.database.knexConfig.pool.min" is ignored`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, warnings := loadString(t, tt.yaml)
			dialect, dsn, err := cfg.Database()
			if err != nil || dialect != tt.dialect || dsn != tt.dsn {
				t.Errorf("Database() = %q, %q, %v; want %q, %q", dialect, dsn, err, tt.dialect, tt.dsn)
			}
			if got := warningStrings(warnings); len(got)+len(tt.warnings) > 0 && !equalStrings(got, tt.warnings) {
				t.Errorf("warnings = %q, want %q", got, tt.warnings)
			}
		})
	}
}

func TestDatabaseUnsupportedClient(t *testing.T) {
	cfg := &Config{Backend: Backend{Database: Database{Client: "mysql"}}}
	if _, _, err := cfg.Database(); err == nil {
		t.Error("Database() accepted client mysql")
	}
}

// loadString loads one app-config.yaml with the given content.
func loadString(t *testing.T, content string, environ ...string) (*Config, []Warning) {
	t.Helper()
	t.Chdir(t.TempDir())
	writeFile(t, "app-config.yaml", content)
	cfg, warnings, err := LoadEnviron([]string{"app-config.yaml"}, environ)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, warnings
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
