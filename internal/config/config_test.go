package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// badFixtures maps each file under testdata/bad to the error Load gives.
var badFixtures = map[string]string{
	"adjacent.yaml":              `testdata/bad/adjacent.yaml:2:3: backend.baseUrl: include key $env should not have adjacent keys`,
	"allowed-types.yaml":         `testdata/bad/allowed-types.yaml:2:3: catalog.allowedLocationTypes: expected a list, got "url"`,
	"backend-type.yaml":          `testdata/bad/backend-type.yaml:1:1: backend: expected an object, got 7007`,
	"baseurl.yaml":               `testdata/bad/baseurl.yaml:2:3: backend.baseUrl: expected an absolute http or https URL, got "localhost:7007"`,
	"client-missing.yaml":        `testdata/bad/client-missing.yaml:2:3: backend.database: missing required key "client"`,
	"client.yaml":                `testdata/bad/client.yaml:3:5: backend.database.client: expected one of "better-sqlite3", "sqlite3", "sqlite", "pg", got "mysql"`,
	"conflict.yaml":              `testdata/bad/conflict.yaml:2:3: catalog.defaultLocationConflictStrategy: expected one of "reject", "refresh", got 3`,
	"duplicate.yaml":             `testdata/bad/duplicate.yaml:3:3: duplicate key "readonly" (first defined at line 2)`,
	"duration-unit.yaml":         `testdata/bad/duration-unit.yaml:3:5: catalog.stitchingStrategy.pollingInterval: unknown duration unit "fortnights", expected one or more of years, months, weeks, days, hours, minutes, seconds, milliseconds`,
	"file-missing.yaml":          `testdata/bad/file-missing.yaml:2:3: backend.secret: failed to read file no-such-secret.txt, open testdata/bad/no-such-secret.txt: no such file or directory`,
	"file-undefined.yaml":        `testdata/bad/file-undefined.yaml:2:3: backend.secret: $file substitution value was undefined`,
	"include-cycle.yaml":         `testdata/bad/include-cycle.yaml:1:1: catalog: include cycle: testdata/bad/include-cycle.yaml -> testdata/bad/include-cycle.yaml`,
	"include-ext.yaml":           `testdata/bad/include-ext.yaml:1:1: catalog: no configuration parser available for included file catalog.txt`,
	"include-missing.yaml":       `testdata/bad/include-missing.yaml:1:1: catalog: failed to read included file missing.yaml, open testdata/bad/missing.yaml: no such file or directory`,
	"include-not-object.yaml":    `testdata/bad/include-not-object.yaml:1:1: backend: value at 'client' in included file ../include/sub/database.yaml is not an object`,
	"include-not-string.yaml":    `testdata/bad/include-not-string.yaml:1:1: backend: $include include value is not a string`,
	"include-parse.yaml":         `testdata/bad/include-parse.yaml:1:1: backend: failed to parse included file syntax.yaml, testdata/bad/syntax.yaml: yaml: line 4: did not find expected ',' or ']'`,
	"interval-negative.yaml":     `testdata/bad/interval-negative.yaml:2:3: catalog.processingInterval: duration "-5 minutes" is negative`,
	"interval-true.yaml":         `testdata/bad/interval-true.yaml:2:3: catalog.processingInterval: expected a duration or false, got true`,
	"interval.yaml":              `testdata/bad/interval.yaml:2:3: catalog.processingInterval: expected a duration such as "PT2M", "2 minutes" or {minutes: 2}, got "soon"`,
	"listen.yaml":                `testdata/bad/listen.yaml:2:3: backend.listen: expected an address such as ":7007", "127.0.0.1:7007" or {host, port}, got "nowhere"`,
	"location-target.yaml":       `testdata/bad/location-target.yaml:3:7: catalog.locations[0]: missing required key "target"`,
	"location-type.yaml":         `testdata/bad/location-type.yaml:3:7: catalog.locations[0].type: expected a string, got an object`,
	"multi-doc.yaml":             `testdata/bad/multi-doc.yaml:2: expected a single YAML document, found another`,
	"orphan.yaml":                `testdata/bad/orphan.yaml:2:3: catalog.orphanStrategy: expected one of "delete", "keep", got "purge"`,
	"pg-connection-missing.yaml": `testdata/bad/pg-connection-missing.yaml:2:3: backend.database: missing required key "connection"`,
	"pg-connection-type.yaml":    `testdata/bad/pg-connection-type.yaml:4:5: backend.database.connection: expected a connection string or {host, port, user, password, database, ssl}, got a list`,
	"pg-port.yaml":               `testdata/bad/pg-port.yaml:6:7: backend.database.connection.port: expected an integer, got "five"`,
	"port-type.yaml":             `testdata/bad/port-type.yaml:3:5: backend.listen.port: expected an integer, got a list`,
	"port.yaml":                  `testdata/bad/port.yaml:2:3: backend.listen: port 70000 is out of range 0-65535`,
	"reading-host.yaml":          `testdata/bad/reading-host.yaml:4:9: backend.reading.allow[0].host: expected a host such as "example.com", "*.example.com" or "localhost:1024-65535", got "https://example.com/"`,
	"reading-paths.yaml":         `testdata/bad/reading-paths.yaml:5:9: backend.reading.allow[0].paths: expected a list, got "/docs"`,
	"reading-port.yaml":          `testdata/bad/reading-port.yaml:3:7: reading.allow[0].host: port range is not valid: 9000-80`,
	"readonly.yaml":              `testdata/bad/readonly.yaml:2:3: catalog.readonly: expected a boolean, got "sometimes"`,
	"rule-allow.yaml":            `testdata/bad/rule-allow.yaml:3:26: catalog.rules[0].allow[1]: expected a kind or {kind, spec.type}, got 42`,
	"rule-exact-pattern.yaml":    `testdata/bad/rule-exact-pattern.yaml:7:11: catalog.rules[0].locations[0].pattern: a rule location may have exact or pattern, not both`,
	"rule-kind.yaml":             `testdata/bad/rule-kind.yaml:4:11: catalog.rules[0].allow[0]: missing required key "kind"`,
	"rules-not-list.yaml":        `testdata/bad/rules-not-list.yaml:2:3: catalog.rules: expected a list, got an object`,
	"sqlite-both.yaml":           `testdata/bad/sqlite-both.yaml:4:5: backend.database.connection: expected exactly one of filename and directory`,
	"ssl.yaml":                   `testdata/bad/ssl.yaml:5:7: backend.database.connection.ssl: expected a boolean or {rejectUnauthorized}, got "maybe"`,
	"syntax.yaml":                `testdata/bad/syntax.yaml: yaml: line 4: did not find expected ',' or ']'`,
	"top-level-list.yaml":        `testdata/bad/top-level-list.yaml:1:1: expected an object at the top level, got a list`,
}

func TestLoadBadFixtures(t *testing.T) {
	entries, err := os.ReadDir("testdata/bad")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, ok := badFixtures[e.Name()]; !ok {
			t.Errorf("testdata/bad/%s has no expected error in badFixtures", e.Name())
		}
	}
	for name, want := range badFixtures {
		t.Run(name, func(t *testing.T) {
			_, _, err := LoadEnviron([]string{filepath.Join("testdata/bad", name)}, nil)
			if err == nil {
				t.Fatalf("Load succeeded, want error %q", want)
			}
			if got := err.Error(); got != want {
				t.Errorf("error:\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestLoadTypeErrorIsLocated(t *testing.T) {
	_, _, err := LoadEnviron([]string{"testdata/bad/readonly.yaml"}, nil)
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v is not a *config.Error", err)
	}
	want := &Error{Pos: Pos{File: "testdata/bad/readonly.yaml", Line: 2, Column: 3}, Key: "catalog.readonly", Message: `expected a boolean, got "sometimes"`}
	if diff := cmp.Diff(want, ce); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
}

func TestLoadCollectsEveryMistake(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "app-config.yaml")
	writeFile(t, file, "catalog:\n  readonly: sometimes\n  orphanStrategy: purge\n")
	_, _, err := LoadEnviron([]string{file}, nil)
	var errs []*Error
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		errs = append(errs, e.(*Error))
	}
	var keys []string
	for _, e := range errs {
		keys = append(keys, e.Key)
	}
	if diff := cmp.Diff([]string{"catalog.readonly", "catalog.orphanStrategy"}, keys); diff != "" {
		t.Errorf("error keys (-want +got):\n%s", diff)
	}
}

func TestLoadGood(t *testing.T) {
	cfg, warnings, err := LoadEnviron([]string{"testdata/good/app-config.yaml"}, []string{"GITHUB_TOKEN=ghp_x"})
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings: %v", warnings)
	}
	want := &Config{
		Backend: Backend{
			Listen:   Listen{Host: "127.0.0.1", Port: 7100},
			BaseURL:  "https://portal.example.com",
			Database: Database{Client: "better-sqlite3", SQLite: SQLiteConnection{Directory: "./data"}},
			Reading: Reading{Allow: []ReadingAllow{
				{Host: "docs.example.com"},
				{Host: "*.internal.example.com:8000-8100", Paths: []string{"/catalog/"}},
				{Host: "raw.example.org"},
			}},
		},
		Catalog: Catalog{
			Locations: []Location{
				{Type: "file", Target: "./catalog/all.yaml"},
				{
					Type: "url", Target: "https://git.example.com/org/people/blob/main/org.yaml",
					Rules: []LocationRule{{Allow: []KindMatcher{{Kind: "User"}, {Kind: "Group"}}}},
				},
			},
			Rules: []Rule{
				{Allow: []KindMatcher{{Kind: "Component"}, {Kind: "API"}, {Kind: "Location"}, {Kind: "Template", SpecType: "service"}}},
				{
					Allow: []KindMatcher{{Kind: "User"}, {Kind: "Group"}},
					Locations: []LocationMatcher{
						{Type: "url", Pattern: "https://git.example.com/org/*/blob/main/org.yaml"},
						{Type: "file", Exact: "./org.yaml"},
					},
				},
			},
			ProcessingInterval:              Interval{Duration: 3 * time.Minute},
			OrphanStrategy:                  "keep",
			OrphanProviderStrategy:          "delete",
			DefaultLocationConflictStrategy: "refresh",
			AllowedLocationTypes:            []string{"url", "file"},
			StitchingStrategy:               StitchingStrategy{PollingInterval: 500 * time.Millisecond},
		},
	}
	if diff := cmp.Diff(want, cfg, cmp.AllowUnexported(Config{}), cmp.Comparer(func(a, b *node) bool { return true })); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	if got := cfg.ListenAddr(); got != "127.0.0.1:7100" {
		t.Errorf("ListenAddr = %q", got)
	}
	dialect, dsn, err := cfg.Database()
	if err != nil || dialect != DialectSQLite || dsn != filepath.Join("data", "callboard.db") {
		t.Errorf("Database() = %q, %q, %v", dialect, dsn, err)
	}
}

func TestLoadDefaults(t *testing.T) {
	cfg, warnings, err := LoadEnviron(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings: %v", warnings)
	}
	if got := cfg.ListenAddr(); got != ":7007" {
		t.Errorf("ListenAddr = %q, want :7007", got)
	}
	if cfg.Backend.BaseURL != "http://localhost:7007" {
		t.Errorf("BaseURL = %q", cfg.Backend.BaseURL)
	}
	dialect, dsn, err := cfg.Database()
	if err != nil || dialect != DialectSQLite || dsn != "./callboard.db" {
		t.Errorf("Database() = %q, %q, %v; want sqlite ./callboard.db", dialect, dsn, err)
	}
	wantCatalog := Catalog{
		Rules:                           DefaultRules(),
		OrphanStrategy:                  "delete",
		OrphanProviderStrategy:          "keep",
		DefaultLocationConflictStrategy: "reject",
		AllowedLocationTypes:            []string{"url"},
	}
	if diff := cmp.Diff(wantCatalog, cfg.Catalog); diff != "" {
		t.Errorf("catalog (-want +got):\n%s", diff)
	}
}

func TestLoadEmptyRulesAllowNothing(t *testing.T) {
	file := filepath.Join(t.TempDir(), "app-config.yaml")
	writeFile(t, file, "catalog:\n  rules: []\n")
	cfg, _, err := LoadEnviron([]string{file}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Catalog.Rules == nil || len(cfg.Catalog.Rules) != 0 {
		t.Errorf("Rules = %#v, want an empty non-nil list", cfg.Catalog.Rules)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, _, err := LoadEnviron([]string{"testdata/no-such-file.yaml"}, nil)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error = %v, want a not-exist error", err)
	}
}

func TestLoadUsesEnvFunc(t *testing.T) {
	t.Setenv("APP_CONFIG_catalog_readonly", "true")
	env := func(name string) (string, bool) {
		if name == "APP_CONFIG_catalog_readonly" {
			return "true", true
		}
		return "", false
	}
	cfg, _, err := Load(nil, env)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Catalog.Readonly {
		t.Error("APP_CONFIG_catalog_readonly was not applied")
	}
	// A variable env does not know is not applied, even if the process has it.
	cfg, _, err = Load(nil, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Catalog.Readonly {
		t.Error("override applied without env knowing the variable")
	}
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
