package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// pluginConfig is the kind of struct a plugin decodes its section into.
type pluginConfig struct {
	Token    string            `json:"token"`
	Host     string            `config:"host,required"`
	Mode     string            `config:"mode,oneof=fast|slow"`
	Retries  int               // key "retries"
	Ratio    float64           `config:"ratio"`
	Workers  uint8             `config:"workers"`
	Enabled  bool              `config:"enabled"`
	Every    time.Duration     `config:"every"`
	Orgs     []string          `config:"orgs"`
	Labels   map[string]string `config:"labels"`
	Extra    any               `config:"extra"`
	Nested   *nestedConfig     `config:"nested"`
	Ignored  string            `config:"-"`
	internal string
}

type nestedConfig struct {
	Name string `config:"name"`
}

func TestDecode(t *testing.T) {
	cfg, warnings := loadString(t, `
plugins:
  github:
    token: ${TOKEN}
    host: github.example.com
    mode: slow
    retries: "3"
    ratio: 0.5
    workers: 4
    enabled: 'true'
    every: {minutes: 5}
    orgs: [a, b]
    labels: {team: x}
    extra: {any: [1, two]}
    nested: {name: n}
    unknownKey: fine
`, "TOKEN=ghp_secret")
	if len(warnings) != 0 {
		t.Errorf("plugins is a known section, but got warnings %v", warnings)
	}
	got := pluginConfig{Ignored: "kept", internal: "kept"}
	if err := cfg.Decode("plugins.github", &got); err != nil {
		t.Fatal(err)
	}
	want := pluginConfig{
		Token: "ghp_secret", Host: "github.example.com", Mode: "slow", Retries: 3, Ratio: 0.5, Workers: 4,
		Enabled: true, Every: 5 * time.Minute, Orgs: []string{"a", "b"}, Labels: map[string]string{"team": "x"},
		Extra: map[string]any{"any": []any{int64(1), "two"}}, Nested: &nestedConfig{Name: "n"},
		Ignored: "kept", internal: "kept",
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(pluginConfig{})); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}
}

func TestDecodeAbsentLeavesValue(t *testing.T) {
	cfg, _ := loadString(t, "plugins: {}\n")
	v := pluginConfig{Host: "default"}
	if err := cfg.Decode("plugins.gitlab", &v); err != nil {
		t.Fatal(err)
	}
	if v.Host != "default" {
		t.Errorf("Host = %q, want it untouched", v.Host)
	}
	if err := cfg.Decode("plugins.gitlab", v); err == nil {
		t.Error("Decode into a non-pointer succeeded")
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		yaml string
		want string
	}{
		{"host: h\nmode: turbo", `app-config.yaml:4:5: plugins.x.mode: expected one of "fast", "slow", got "turbo"`},
		{"mode: fast", `app-config.yaml:2:3: plugins.x: missing required key "host"`},
		{"host: [h]", `app-config.yaml:3:5: plugins.x.host: expected a string, got a list`},
		{"host: h\ntoken: true", `app-config.yaml:4:5: plugins.x.token: expected a string, got true`},
		{"host: h\nretries: 1.5", `app-config.yaml:4:5: plugins.x.retries: expected an integer, got 1.5`},
		{"host: h\nretries: lots", `app-config.yaml:4:5: plugins.x.retries: expected an integer, got "lots"`},
		{"host: h\nworkers: -1", `app-config.yaml:4:5: plugins.x.workers: expected a non-negative integer, got -1`},
		{"host: h\nworkers: 300", `app-config.yaml:4:5: plugins.x.workers: expected a non-negative integer, got 300`},
		{"host: h\nratio: {a: 1}", `app-config.yaml:4:5: plugins.x.ratio: expected a number, got an object`},
		{"host: h\nenabled: 1", `app-config.yaml:4:5: plugins.x.enabled: expected a boolean, got 1`},
		{"host: h\nevery: later", `app-config.yaml:4:5: plugins.x.every: expected a duration such as "PT2M", "2 minutes" or {minutes: 2}, got "later"`},
		{"host: h\norgs: a", `app-config.yaml:4:5: plugins.x.orgs: expected a list, got "a"`},
		{"host: h\norgs: [a, [b]]", `app-config.yaml:4:15: plugins.x.orgs[1]: expected a string, got a list`},
		{"host: h\nlabels: [a]", `app-config.yaml:4:5: plugins.x.labels: expected an object, got a list`},
		{"host: h\nlabels: {a: {b: c}}", `app-config.yaml:4:14: plugins.x.labels.a: expected a string, got an object`},
		{"host: h\nnested: {name: [n]}", `app-config.yaml:4:14: plugins.x.nested.name: expected a string, got a list`},
	}
	for _, tt := range tests {
		cfg, _ := loadString(t, "plugins:\n  x:\n"+indentBody(tt.yaml))
		var v pluginConfig
		err := cfg.Decode("plugins.x", &v)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Decode of %q:\n got %v\nwant %s", tt.yaml, err, tt.want)
		}
	}
}

// indentBody places body under plugins.x: its line l, column c ends up at
// line l+2, column c+4 of the file.
func indentBody(body string) string {
	return "    " + strings.ReplaceAll(body, "\n", "\n    ") + "\n"
}

func TestUnknownKeyWarnings(t *testing.T) {
	_, warnings := loadString(t, `app:
  title: Portal
  baseUrl: http://localhost:3000
organization:
  name: Example
backend:
  cors:
    origin: http://localhost:3000
  csp: {connect-src: ["'self'"]}
catalog:
  import:
    entityFilename: catalog-info.yaml
  readonly: false
integrations:
  github:
    - host: github.com
      token: x
auth: {environment: development}
plugins:
  anything: {goes: here}
`)
	want := []string{
		`app-config.yaml:3: unknown key "app.baseUrl" is ignored`,
		`app-config.yaml:5: unknown key "organization.name" is ignored`,
		`app-config.yaml:8: unknown key "backend.cors.origin" is ignored`,
		`app-config.yaml:9: unknown key "backend.csp.connect-src" is ignored`,
		`app-config.yaml:12: unknown key "catalog.import.entityFilename" is ignored`,
	}
	if diff := cmp.Diff(want, warningStrings(warnings)); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if warnings[0].Key != "app.baseUrl" || warnings[0].Pos.Column != 3 {
		t.Errorf("first warning = %+v, want key app.baseUrl at column 3", warnings[0])
	}
}

func TestKnownSections(t *testing.T) {
	tests := map[string]bool{
		"auth":                                true,
		"auth.providers.github.development":   true,
		"backend.auth":                        true,
		"backend.auth.externalAccess[0].type": true,
		"plugins.x":                           true,
		"authz":                               false,
		"backend.authz":                       false,
		"backend.cors.origin":                 false,
		"catalog.locations[0].target":         false,
	}
	for path, want := range tests {
		if got := isKnownSection(path); got != want {
			t.Errorf("isKnownSection(%q) = %v, want %v", path, got, want)
		}
	}
}
