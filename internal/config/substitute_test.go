package config

import (
	"strings"
	"testing"
)

func TestSubstitute(t *testing.T) {
	env := trimmed(mapEnv(map[string]string{
		"FOO":    "foo",
		"EMPTY":  "",
		"SPACED": "  padded \n",
	}))
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"plain", "plain", true},
		{"", "", true},
		{"${FOO}", "foo", true},
		{"a-${FOO}-b", "a-foo-b", true},
		{"${FOO}${FOO}", "foofoo", true},
		{"${ FOO }", "foo", true},
		{"${SPACED}", "padded", true},
		{"${EMPTY}", "", true},
		{"x${EMPTY}y", "xy", true},
		{"${UNSET}", "", false},
		{"x ${FOO} ${UNSET}", "", false},
		{"${UNSET:-fallback}", "fallback", true},
		{"${UNSET:- spaced fallback }", "spaced fallback", true},
		{"${EMPTY:-fallback}", "fallback", true},
		{"${FOO:-fallback}", "foo", true},
		{"${UNSET:-a:-b}", "a:-b", true},
		{"${UNSET:-}", "", false},
		{"${EMPTY:-}", "", false},
		{"$${FOO}", "${FOO}", true},
		{"$${UNSET}", "${UNSET}", true},
		{"$$${FOO}", "$${FOO}", true},
		{"$${FOO} and ${FOO}", "${FOO} and foo", true},
		{"$FOO", "$FOO", true},
		{"${A{B}}", "${A{B}}", true},
		{"${}", "", false},
		{"${FOO", "${FOO", true},
		{"price: $5", "price: $5", true},
	}
	for _, tt := range tests {
		got, ok := substitute(tt.in, env)
		if got != tt.want || ok != tt.ok {
			t.Errorf("substitute(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func mapEnv(m map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok
	}
}

func FuzzSubstitute(f *testing.F) {
	for _, s := range []string{"plain", "${FOO}", "a${B:-c}d", "$${X}", "$$${Y}", "${A{B}}", "${", "}${}", "${:-}"} {
		f.Add(s)
	}
	allSet := func(string) (string, bool) { return "v", true }
	noneSet := func(string) (string, bool) { return "", false }
	f.Fuzz(func(t *testing.T, s string) {
		out, ok := substitute(s, allSet)
		if !ok {
			t.Fatalf("substitute(%q) dropped the value although every variable is set", s)
		}
		if !strings.Contains(s, "${") && out != s {
			t.Fatalf("substitute(%q) = %q, want it unchanged", s, out)
		}
		if len(substitutionPattern.FindAllString(s, -1)) == 0 && out != s {
			t.Fatalf("substitute(%q) = %q without any reference", s, out)
		}
		out2, ok2 := substitute(s, noneSet)
		if ok2 && strings.Count(out2, "v") > strings.Count(s, "v") {
			t.Fatalf("substitute(%q) with no variables set invented %q", s, out2)
		}
	})
}
