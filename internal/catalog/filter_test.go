package catalog

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/callboard/callboard/internal/problem"
)

func eq(key string, values ...string) Predicate {
	return Predicate{Op: OpField, Key: key, Match: FieldMatch{Kind: MatchEq, Values: values}}
}

func exists(key string, b bool) Predicate {
	return Predicate{Op: OpField, Key: key, Match: FieldMatch{Kind: MatchExists, Exists: b}}
}

func prefix(key, p string) Predicate {
	return Predicate{Op: OpField, Key: key, Match: FieldMatch{Kind: MatchPrefix, Values: []string{p}}}
}

func all(ps ...Predicate) Predicate { return Predicate{Op: OpAll, Children: ps} }
func anyOf(ps ...Predicate) Predicate {
	return Predicate{Op: OpAny, Children: ps}
}
func not(p Predicate) Predicate { return Predicate{Op: OpNot, Children: []Predicate{p}} }

func TestParseFilterParams(t *testing.T) {
	tests := []struct {
		name   string
		params []string
		want   *Predicate
	}{
		{"none", nil, nil},
		{"only empty statements", []string{"", " , ,"}, nil},
		{"one statement", []string{"kind=component"}, &[]Predicate{eq("kind", "component")}[0]},
		{"and inside a set", []string{"kind=component,spec.type=service"},
			&[]Predicate{all(eq("kind", "component"), eq("spec.type", "service"))}[0]},
		{"or across sets", []string{"kind=user,metadata.namespace=default", "kind=group,spec.type"},
			&[]Predicate{anyOf(
				all(eq("kind", "user"), eq("metadata.namespace", "default")),
				all(eq("kind", "group"), exists("spec.type", true)))}[0]},
		{"repeated keys merge into one condition", []string{"kind=component,kind=API"},
			&[]Predicate{eq("kind", "component", "api")}[0]},
		{"repeated values collapse", []string{"kind=a,kind=A"}, &[]Predicate{eq("kind", "a")}[0]},
		{"existence wins over values of the same key", []string{"spec.type=service,spec.type"},
			&[]Predicate{exists("spec.type", true)}[0]},
		{"keys merge as typed, match lower-cased", []string{"Kind=a,kind=b"},
			&[]Predicate{all(eq("kind", "a"), eq("kind", "b"))}[0]},
		{"trimmed and lower-cased", []string{"  Metadata.Name =  Foo Bar , "},
			&[]Predicate{eq("metadata.name", "foo bar")}[0]},
		{"only the first = splits", []string{"metadata.annotations.a=b=c"},
			&[]Predicate{eq("metadata.annotations.a", "b=c")}[0]},
		{"empty value", []string{"spec.type="}, &[]Predicate{eq("spec.type", "")}[0]},
		{"array items and relations", []string{"metadata.tags.java,relations.ownedby=group:default/team-a"},
			&[]Predicate{all(exists("metadata.tags.java", true), eq("relations.ownedby", "group:default/team-a"))}[0]},
		{"empty sets are dropped", []string{"", "kind=a"}, &[]Predicate{eq("kind", "a")}[0]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFilterParams(tt.params)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseFilterParams(%q) (-want +got):\n%s", tt.params, diff)
			}
		})
	}
}

func TestParseFilterParamsErrors(t *testing.T) {
	for _, tt := range []struct {
		params []string
		want   string
	}{
		{[]string{"=a"}, "Invalid filter, '=a' is not a valid statement (expected a string on the form a=b or a= or a)"},
		{[]string{"kind=a, = b"}, "Invalid filter, '= b' is not a valid statement (expected a string on the form a=b or a= or a)"},
		{[]string{"kind=a", "x,="}, "Invalid filter, '=' is not a valid statement (expected a string on the form a=b or a= or a)"},
	} {
		_, err := ParseFilterParams(tt.params)
		checkInputError(t, err, tt.want)
	}
}

func checkInputError(t *testing.T, err error, want string) {
	t.Helper()
	p, ok := problem.As(err)
	if !ok || p.Name != problem.InputError {
		t.Fatalf("error = %v, want InputError %q", err, want)
	}
	if p.Message != want {
		t.Errorf("message = %q\nwant      %q", p.Message, want)
	}
}

func FuzzParseFilterParams(f *testing.F) {
	for _, s := range []string{"kind=component", "kind=a,kind=b,spec.type", "=x", " , ", "a=b=c", "metadata.tags.java"} {
		f.Add(s, "kind=group")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		p, err := ParseFilterParams([]string{a, b})
		if err != nil {
			if !problem.Is(err, problem.InputError) {
				t.Fatalf("error is not an InputError: %v", err)
			}
			return
		}
		if p == nil {
			return
		}
		// Every parsed filter survives the cursor's round trip, unless a
		// key collides with a logical operator's name.
		raw, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParsePredicate(raw)
		if err != nil {
			if hasOperatorKey(*p) {
				return
			}
			t.Fatalf("ParsePredicate(%s): %v", raw, err)
		}
		if !hasOperatorKey(*p) && !cmp.Equal(normalize(*p), normalize(*back), cmpopts.EquateEmpty()) {
			t.Fatalf("round trip changed the filter: %s\n%s", cmp.Diff(p, back), raw)
		}
	})
}

func hasOperatorKey(p Predicate) bool {
	switch p.Key {
	case "$all", "$any", "$not":
		return true
	}
	for _, c := range p.Children {
		if hasOperatorKey(c) {
			return true
		}
	}
	return false
}

// normalize flattens nested $all, which parsing a field expression with
// several keys produces; the meaning is the same.
func normalize(p Predicate) Predicate {
	if p.Op != OpAll && p.Op != OpAny && p.Op != OpNot {
		return p
	}
	var out []Predicate
	for _, c := range p.Children {
		c = normalize(c)
		if p.Op == OpAll && c.Op == OpAll {
			out = append(out, c.Children...)
			continue
		}
		out = append(out, c)
	}
	if p.Op == OpAll && len(out) == 1 {
		return out[0]
	}
	p.Children = out
	return p
}
