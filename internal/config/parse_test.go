package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseYAMLScalars(t *testing.T) {
	n, err := parseYAML([]byte(`
str: hello
quoted: "123"
int: 42
hex: 0x1F
float: 1.5
exp: 1e3
bool: True
yes: yes
null: ~
date: 2026-11-21
tagged: !custom value
`), "f.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"str":"hello","quoted":"123","int":42,"hex":31,"float":1.5,"exp":1000,"bool":true,"yes":"yes","null":null,"date":"2026-11-21","tagged":"value"}`
	if got := renderJSON(t, n); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestParseYAMLPositions(t *testing.T) {
	n, err := parseYAML([]byte("a:\n  b: 1\n  list:\n    - x\n    - {c: d}\n"), "f.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]Pos{
		"a":   {File: "f.yaml", Line: 1, Column: 1},
		"a.b": {File: "f.yaml", Line: 2, Column: 3},
	}
	for path, want := range tests {
		if diff := cmp.Diff(want, n.lookup(path).pos); diff != "" {
			t.Errorf("position of %s (-want +got):\n%s", path, diff)
		}
	}
	list := n.lookup("a.list")
	if diff := cmp.Diff(Pos{File: "f.yaml", Line: 5, Column: 7}, list.items[1].pos); diff != "" {
		t.Errorf("position of a.list[1] (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Pos{File: "f.yaml", Line: 5, Column: 8}, list.items[1].fields["c"].pos); diff != "" {
		t.Errorf("position of a.list[1].c (-want +got):\n%s", diff)
	}
}

func TestParseYAMLAliases(t *testing.T) {
	n, err := parseYAML([]byte("base: &b {x: 1}\ncopy: *b\n"), "f.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := renderJSON(t, n); got != `{"base":{"x":1},"copy":{"x":1}}` {
		t.Errorf("got %s", got)
	}
}

func TestParseYAMLEmpty(t *testing.T) {
	for _, in := range []string{"", "\n", "# only a comment\n"} {
		n, err := parseYAML([]byte(in), "f.yaml")
		if err != nil || n != nil {
			t.Errorf("parseYAML(%q) = %v, %v; want nil, nil", in, n, err)
		}
	}
}

func TestParseYAMLAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		b.WriteString("a" + itoa(i) + ": &a" + itoa(i) + " [")
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + itoa(i-1))
		}
		b.WriteString("]\n")
	}
	_, err := parseYAML([]byte(b.String()), "bomb.yaml")
	if err == nil || !strings.Contains(err.Error(), "expands to more than") {
		t.Errorf("error = %v, want the expansion limit", err)
	}
}

func TestParseYAMLDepth(t *testing.T) {
	in := strings.Repeat("[", 1000) + strings.Repeat("]", 1000)
	_, err := parseYAML([]byte(in), "deep.yaml")
	if err == nil {
		t.Error("parseYAML accepted 1000 levels of nesting")
	}
}

func TestLoadEmptyAndNullFiles(t *testing.T) {
	cfg, _ := loadString(t, "# nothing configured\n")
	if cfg.ListenAddr() != ":7007" {
		t.Errorf("ListenAddr = %q", cfg.ListenAddr())
	}
	cfg, _ = loadString(t, "~\n")
	if cfg.ListenAddr() != ":7007" {
		t.Errorf("ListenAddr = %q", cfg.ListenAddr())
	}
}

func itoa(i int) string { return string(rune('0' + i)) }

// FuzzParseAndDecode feeds arbitrary YAML through parsing, merging and
// decoding into Config: whatever the input, the result is a value or an
// error, never a panic.
func FuzzParseAndDecode(f *testing.F) {
	for _, s := range []string{
		"backend:\n  listen: ':7007'\n",
		"catalog:\n  rules:\n    - allow: [Component, {kind: API, spec.type: openapi}]\n",
		"catalog:\n  processingInterval: {minutes: 2}\n",
		"backend:\n  database:\n    client: pg\n    connection: {host: db, ssl: {rejectUnauthorized: false}}\n",
		"reading:\n  allow: [{host: '*.example.com:1-2'}]\n",
		"a: &a [*a]\n",
		"- 1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := parseYAML(data, "fuzz.yaml")
		if err != nil || n == nil || n.kind != kindObject {
			return
		}
		root := merge(newObject(Pos{}), n)
		stripNulls(root)
		cfg := defaults()
		d := decoder{unknown: func(*node, string) {}}
		d.decode(root, "", reflectValue(&cfg))
		if d.err() == nil {
			cfg.root = root
			cfg.ListenAddr()
			_, _, _ = cfg.Database()
			cfg.Redacted()
		}
	})
}
