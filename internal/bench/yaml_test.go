package bench

import (
	"bufio"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestScalar(t *testing.T) {
	tests := []struct{ in, want string }{
		{"team-a", "team-a"},
		{"Handles orders for the team.", "Handles orders for the team."},
		{"component:amber-ledger-1", "component:amber-ledger-1"},
		{"https://github.com/acme/x", "https://github.com/acme/x"},
		{"./org/users-0001.yaml", "./org/users-0001.yaml"},
		{"dir:.", "dir:."},
		{"a: b", `"a: b"`},
		{"ends:", `"ends:"`},
		{"", `""`},
		{"true", `"true"`},
		{"No", `"No"`},
		{"y", `"y"`},
		{"~", `"~"`},
		{"null", `"null"`},
		{"1.0.0", `"1.0.0"`},
		{"42", `"42"`},
		{"-x", `"-x"`},
		{"#tag", `"#tag"`},
		{"a #b", `"a #b"`},
		{"@handle", `"@handle"`},
		{"tab\there", `"tab\there"`},
		{"quote\"d", `"quote\"d"`},
		{" padded", `" padded"`},
		{"trailing ", `"trailing "`},
		{"{flow}", `"{flow}"`},
		{"ünïcode", `"ünïcode"`},
	}
	for _, tt := range tests {
		if got := scalar(tt.in); got != tt.want {
			t.Errorf("scalar(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestWriteDoc(t *testing.T) {
	doc := obj{
		{"apiVersion", "backstage.io/v1alpha1"},
		{"kind", "Component"},
		{"metadata", obj{
			{"name", "a"},
			{"annotations", obj{{"github.com/project-slug", "acme/a"}}},
			{"tags", []string{"go", "true"}},
			{"links", []obj{{{"url", "https://x.example"}, {"title", "X"}}, {}}},
			{"labels", obj{}},
		}},
		{"spec", obj{
			{"replicas", 3},
			{"enabled", false},
			{"empty", []string{}},
			{"definition", "openapi: 3.0.3\ninfo:\n  title: A\n\npaths: {}\n"},
			{"noNewline", "line one\nline two"},
			{"twoNewlines", "x\n\n"},
			{"indentedFirst", "  x\ny\n"},
		}},
	}
	want := `---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: a
  annotations:
    github.com/project-slug: acme/a
  tags:
    - go
    - "true"
  links:
    - url: https://x.example
      title: X
    - {}
  labels: {}
spec:
  replicas: 3
  enabled: false
  empty: []
  definition: |
    openapi: 3.0.3
    info:
      title: A

    paths: {}
  noNewline: |-
    line one
    line two
  twoNewlines: "x\n\n"
  indentedFirst: "  x\ny\n"
`
	var b strings.Builder
	w := bufio.NewWriter(&b)
	if err := writeDoc(w, doc); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("writeDoc (-want +got):\n%s", diff)
	}
}

func TestWriteDocRejectsUnknownTypes(t *testing.T) {
	w := bufio.NewWriter(&strings.Builder{})
	if err := writeDoc(w, obj{{"x", 1.5}}); err == nil {
		t.Fatal("want an error for a float")
	}
}

func TestToMap(t *testing.T) {
	m := obj{{"a", obj{{"b", []string{"c"}}}}, {"d", []obj{{{"e", 1}}}}}.toMap()
	inner := m["a"].(map[string]any)
	if inner["b"].([]any)[0] != "c" {
		t.Errorf("toMap lost a list item: %v", m)
	}
	if m["d"].([]any)[0].(map[string]any)["e"] != 1 {
		t.Errorf("toMap lost an object in a list: %v", m)
	}
}

// FuzzScalar checks scalar either leaves s alone (and then s passes the
// plain-scalar rules) or quotes it so that unquoting gives s back.
func FuzzScalar(f *testing.F) {
	for _, s := range []string{"team-a", "a: b", "1.0", "", "x\n", "component:x", "(x)", "yes"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := scalar(s)
		if out == s {
			if !plainSafe(s) || looksTyped(s) {
				t.Fatalf("%q written plain but not plain-safe", s)
			}
			return
		}
		back, err := strconv.Unquote(out)
		if err != nil || back != s {
			t.Fatalf("scalar(%q) = %s, unquotes to %q, %v", s, out, back, err)
		}
	})
}
