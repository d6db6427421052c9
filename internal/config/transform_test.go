package config

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadIncludesFixture(t *testing.T) {
	cfg, warnings, err := LoadEnviron([]string{"testdata/include/app-config.yaml"}, []string{"BASE_URL=  https://portal.example.com  "})
	if err != nil {
		t.Fatal(err)
	}
	wantDB := Database{Client: "pg", Postgres: PostgresConnection{
		Host: "db.internal", Port: 5433, User: "callboard", Password: "hunter2",
	}}
	if diff := cmp.Diff(wantDB, cfg.Backend.Database); diff != "" {
		t.Errorf("database (-want +got):\n%s", diff)
	}
	if cfg.Backend.BaseURL != "https://portal.example.com" {
		t.Errorf("baseUrl from $env = %q", cfg.Backend.BaseURL)
	}
	wantLocations := []Location{{Type: "file", Target: "./catalog/all.yaml"}}
	if diff := cmp.Diff(wantLocations, cfg.Catalog.Locations); diff != "" {
		t.Errorf("locations (-want +got):\n%s", diff)
	}
	// "${EXTRA_LOCATION_TYPE}" is unset: the list element is dropped.
	if diff := cmp.Diff([]string{"url"}, cfg.Catalog.AllowedLocationTypes); diff != "" {
		t.Errorf("allowedLocationTypes (-want +got):\n%s", diff)
	}
	var secret struct {
		Keys []struct {
			Secret string
		}
	}
	if err := cfg.Decode("backend.auth", &secret); err != nil {
		t.Fatal(err)
	}
	if len(secret.Keys) != 1 || secret.Keys[0].Secret != "hunter2" {
		t.Errorf("$file value = %+v, want hunter2 with trailing whitespace trimmed", secret.Keys)
	}
	// backend.auth is a known section: the auth subsystem decodes it.
	if diff := cmp.Diff([]string(nil), warningStrings(warnings)); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

func TestLoadIncludesFallbackAndUnset(t *testing.T) {
	cfg, _, err := LoadEnviron([]string{"testdata/include/app-config.yaml"},
		[]string{"CATALOG_DIR=/srv/catalog", "DB_NAME=portal", "EXTRA_LOCATION_TYPE=file"})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Catalog.Locations[0].Target; got != "/srv/catalog/all.yaml" {
		t.Errorf("target = %q, want the variable over the fallback", got)
	}
	if got := cfg.Backend.Database.Postgres.Database; got != "portal" {
		t.Errorf("database = %q, want portal", got)
	}
	if diff := cmp.Diff([]string{"url", "file"}, cfg.Catalog.AllowedLocationTypes); diff != "" {
		t.Errorf("allowedLocationTypes (-want +got):\n%s", diff)
	}
	// BASE_URL is unset: $env drops the key and the default stays.
	if cfg.Backend.BaseURL != "http://localhost:7007" {
		t.Errorf("baseUrl = %q, want the default", cfg.Backend.BaseURL)
	}
}

func TestDirectives(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		env   []string
		want  string // JSON-ish rendering of plugins.test, or the error
	}{
		{
			name: "file trims trailing whitespace only",
			files: map[string]string{
				"app-config.yaml": "plugins:\n  test:\n    $file: token.txt\n",
				"token.txt":       "  abc \t\n\n",
			},
			want: `"  abc"`,
		},
		{
			name: "file content is not substituted",
			files: map[string]string{
				"app-config.yaml": "plugins:\n  test:\n    $file: token.txt\n",
				"token.txt":       "${FOO}",
			},
			env:  []string{"FOO=foo"},
			want: `"${FOO}"`,
		},
		{
			name:  "file path is substituted",
			files: map[string]string{"app-config.yaml": "plugins:\n  test:\n    $file: ${DIR}/token.txt\n", "secrets/token.txt": "t"},
			env:   []string{"DIR=secrets"},
			want:  `"t"`,
		},
		{
			name:  "env",
			files: map[string]string{"app-config.yaml": "plugins:\n  test:\n    $env: TOKEN\n"},
			env:   []string{"TOKEN= tok "},
			want:  `"tok"`,
		},
		{
			name:  "env unset drops the key",
			files: map[string]string{"app-config.yaml": "plugins:\n  test:\n    a:\n      $env: TOKEN\n    b: 1\n"},
			want:  `{"b":1}`,
		},
		{
			name:  "env in a list drops the element",
			files: map[string]string{"app-config.yaml": "plugins:\n  test:\n    - $env: A\n    - $env: B\n"},
			env:   []string{"B=b"},
			want:  `["b"]`,
		},
		{
			name: "include yaml sub-path",
			files: map[string]string{
				"app-config.yaml": "plugins:\n  test:\n    $include: other.yaml#a.b\n",
				"other.yaml":      "a:\n  b:\n    c: 1\n",
			},
			want: `{"c":1}`,
		},
		{
			name: "include missing sub-path drops the key",
			files: map[string]string{
				"app-config.yaml": "plugins:\n  test:\n    x:\n      $include: other.yaml#a.nope\n",
				"other.yaml":      "a:\n  b: 1\n",
			},
			want: `{}`,
		},
		{
			name: "include json",
			files: map[string]string{
				"app-config.yaml": "plugins:\n  test:\n    $include: other.json\n",
				"other.json":      `{"list": [1, "two", true, null]}`,
			},
			want: `{"list":[1,"two",true,null]}`,
		},
		{
			name: "included string is substituted",
			files: map[string]string{
				"app-config.yaml": "plugins:\n  test:\n    $include: other.yaml#s\n",
				"other.yaml":      "s: hello ${WHO}\n",
			},
			env:  []string{"WHO=world"},
			want: `"hello world"`,
		},
		{
			name: "nested includes resolve against the included file",
			files: map[string]string{
				"app-config.yaml":   "plugins:\n  test:\n    $include: conf/a.yaml\n",
				"conf/a.yaml":       "a:\n  $include: deeper/b.yml\nf:\n  $file: ../t.txt\n",
				"conf/deeper/b.yml": "b: 2\n",
				"t.txt":             "t\n",
			},
			want: `{"a":{"b":2},"f":"t"}`,
		},
		{
			name: "include at the root of an included file",
			files: map[string]string{
				"app-config.yaml": "plugins:\n  test:\n    $include: a.yaml\n",
				"a.yaml":          "$include: b.yaml\n",
				"b.yaml":          "x: 1\n",
			},
			want: `{"x":1}`,
		},
		{
			name:  "other dollar keys are left alone",
			files: map[string]string{"app-config.yaml": "plugins:\n  test:\n    $ref: '#/x'\n    $schema: s\n"},
			want:  `{"$ref":"#/x","$schema":"s"}`,
		},
		{
			name:  "keys are never substituted",
			files: map[string]string{"app-config.yaml": "plugins:\n  test:\n    ${FOO}: 1\n"},
			env:   []string{"FOO=foo"},
			want:  `{"${FOO}":1}`,
		},
		{
			name: "include value is substituted first",
			files: map[string]string{
				"app-config.yaml": "plugins:\n  test:\n    $include: ${NAME:-other}.yaml\n",
				"other.yaml":      "x: 1\n",
			},
			want: `{"x":1}`,
		},
		{
			name: "include cycle across files",
			files: map[string]string{
				"app-config.yaml": "plugins:\n  test:\n    $include: a.yaml\n",
				"a.yaml":          "x:\n  $include: b.yaml\n",
				"b.yaml":          "y:\n  $include: a.yaml\n",
			},
			want: `error: b.yaml:1:1: plugins.test.x.y: include cycle: a.yaml -> b.yaml -> a.yaml`,
		},
		{
			name: "type errors point into the included file",
			files: map[string]string{
				"app-config.yaml": "catalog:\n  $include: catalog.yaml\n",
				"catalog.yaml":    "# catalog settings\nreadonly: perhaps\n",
			},
			want: `error: catalog.yaml:2:1: catalog.readonly: expected a boolean, got "perhaps"`,
		},
		{
			name:  "env value must be a string",
			files: map[string]string{"app-config.yaml": "plugins:\n  test:\n    $env: {a: 1}\n"},
			want:  `error: app-config.yaml:2:3: plugins.test: $env include value is not a string`,
		},
		{
			name:  "undefined include path",
			files: map[string]string{"app-config.yaml": "plugins:\n  test:\n    $include: ${NOPE}.yaml\n"},
			want:  `error: app-config.yaml:2:3: plugins.test: $include substitution value was undefined`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.files {
				writeFile(t, filepath.Join(dir, name), content)
			}
			t.Chdir(dir)
			cfg, _, err := LoadEnviron([]string{"app-config.yaml"}, tt.env)
			var got string
			if err != nil {
				got = "error: " + err.Error()
			} else {
				got = renderJSON(t, cfg.root.lookup("plugins.test"))
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func warningStrings(ws []Warning) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.String())
	}
	return out
}

// renderJSON renders a tree compactly with object keys in order.
func renderJSON(t *testing.T, n *node) string {
	t.Helper()
	if n == nil {
		return "<absent>"
	}
	var b strings.Builder
	var walk func(n *node)
	walk = func(n *node) {
		switch n.kind {
		case kindObject:
			b.WriteString("{")
			for i, k := range n.keys {
				if i > 0 {
					b.WriteString(",")
				}
				b.WriteString(`"` + k + `":`)
				walk(n.fields[k])
			}
			b.WriteString("}")
		case kindList:
			b.WriteString("[")
			for i, item := range n.items {
				if i > 0 {
					b.WriteString(",")
				}
				walk(item)
			}
			b.WriteString("]")
		case kindString:
			b.WriteString(`"` + n.text + `"`)
		case kindNull:
			b.WriteString("null")
		default:
			b.WriteString(n.text)
		}
	}
	walk(n)
	return b.String()
}
