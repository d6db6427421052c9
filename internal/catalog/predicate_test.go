package catalog

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/callboard/callboard/internal/problem"
)

func TestParsePredicate(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want *Predicate
	}{
		{"absent", ``, nil},
		{"null", `null`, nil},
		{"empty object matches all", `{}`, &Predicate{Op: OpAll, Children: []Predicate{}}},
		{"string", `{"Kind": "Component"}`, &[]Predicate{eq("kind", "component")}[0]},
		{"numbers as JavaScript prints them", `{"a": 1.0, "b": 1e21, "c": 0.0000001, "d": -2.5}`,
			&[]Predicate{all(eq("a", "1"), eq("b", "1e+21"), eq("c", "1e-7"), eq("d", "-2.5"))}[0]},
		{"boolean", `{"spec.x": true}`, &[]Predicate{eq("spec.x", "true")}[0]},
		{"several keys are anded", `{"kind": "api", "spec.type": "openapi"}`,
			&[]Predicate{all(eq("kind", "api"), eq("spec.type", "openapi"))}[0]},
		{"$exists", `{"spec.type": {"$exists": true}, "spec.owner": {"$exists": false}}`,
			&[]Predicate{all(exists("spec.type", true), exists("spec.owner", false))}[0]},
		{"$in", `{"kind": {"$in": ["API", 2, false]}}`, &[]Predicate{eq("kind", "api", "2", "false")}[0]},
		{"empty $in", `{"kind": {"$in": []}}`, &[]Predicate{eq("kind")}[0]},
		{"$hasPrefix", `{"metadata.name": {"$hasPrefix": "Back"}}`, &[]Predicate{prefix("metadata.name", "back")}[0]},
		{"$contains primitive", `{"metadata.tags": {"$contains": "Java"}}`, &[]Predicate{eq("metadata.tags", "java")}[0]},
		{"$contains relation", `{"relations": {"$contains": {"type": "ownedBy", "targetRef": "group:default/A"}}}`,
			&[]Predicate{eq("relations.ownedby", "group:default/a")}[0]},
		{"$contains relation $in", `{"relations": {"$contains": {"type": "ownedBy", "targetRef": {"$in": ["group:default/a", "user:default/B"]}}}}`,
			&[]Predicate{eq("relations.ownedby", "group:default/a", "user:default/b")}[0]},
		{"$contains relation of a type", `{"relations": {"$contains": {"TYPE": "dependsOn"}}}`,
			&[]Predicate{exists("relations.dependson", true)}[0]},
		{"logic", `{"$all": [{"kind": "component"}, {"$not": {"$any": [{"spec.lifecycle": "experimental"}, {"spec.owner": {"$exists": false}}]}}]}`,
			&[]Predicate{all(eq("kind", "component"), not(anyOf(eq("spec.lifecycle", "experimental"), exists("spec.owner", false))))}[0]},
		{"empty $any", `{"$any": []}`, &Predicate{Op: OpAny, Children: []Predicate{}}},
		{"$not wins over other keys", `{"$not": {"kind": "a"}, "$all": [], "kind": "b"}`, &[]Predicate{not(eq("kind", "a"))}[0]},
		{"$all wins over $any", `{"$any": [], "$all": [{"kind": "a"}]}`, &[]Predicate{all(eq("kind", "a"))}[0]},
		{"repeated key keeps the last value", `{"kind": "a", "kind": "b"}`, &[]Predicate{eq("kind", "b")}[0]},
		{"other $ keys are field keys", `{"$foo": "x"}`, &[]Predicate{eq("$foo", "x")}[0]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePredicate(json.RawMessage(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ParsePredicate(%s) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParsePredicateErrors(t *testing.T) {
	const expected = "expected a primitive value, $exists, $in, $hasPrefix, or $contains operator, but got "
	for _, tt := range []struct{ in, want string }{
		{`"component"`, `Invalid filter predicate: top-level primitive values are not supported. Wrap the value in a field expression, e.g. { "kind": "component" }`},
		{`[1, 2]`, `Invalid filter predicate: top-level primitive values are not supported. Wrap the value in a field expression, e.g. { "kind": [1,2] }`},
		{`{"$all": [{"kind": "a"}, 3]}`, `Invalid filter predicate: top-level primitive values are not supported. Wrap the value in a field expression, e.g. { "kind": 3 }`},
		{`{"Kind": null}`, `Invalid filter predicate value for field "kind": ` + expected + `null`},
		{`{"kind": ["a"]}`, `Invalid filter predicate value for field "kind": ` + expected + `["a"]`},
		{`{"kind": {"$eq": "a"}}`, `Invalid filter predicate value for field "kind": ` + expected + `{"$eq":"a"}`},
		{`{"kind": {"$exists": "yes"}}`, `Invalid filter predicate value for field "kind": ` + expected + `{"$exists":"yes"}`},
		{`{"kind": {"$in": "a"}}`, `Invalid filter predicate value for field "kind": ` + expected + `{"$in":"a"}`},
		{`{"kind": {"$in": [{"a": 1}]}}`, `Invalid filter predicate value for field "kind": ` + expected + `{"$in":[{"a":1}]}`},
		{`{"kind": {"$hasPrefix": 1}}`, `Invalid filter predicate value for field "kind": ` + expected + `{"$hasPrefix":1}`},
		{`{"spec": {"$contains": {"type": "x"}}}`, `Object form of $contains is not supported for field "spec"`},
		{`{"spec": {"$contains": [1]}}`, `Unsupported $contains target for field "spec": [1]`},
		{`{"spec": {"$contains": null}}`, `Unsupported $contains target for field "spec": null`},
		{`{"relations": {"$contains": {"targetRef": "a"}}}`, `The $contains operator for "relations" requires a "type" string property`},
		{`{"relations": {"$contains": {"type": 5}}}`, `The $contains operator for "relations" requires a "type" string property`},
		{`{"relations": {"$contains": {"type": "a", "Type": "b"}}}`, `Duplicate key "Type" in $contains for "relations"`},
		{`{"relations": {"$contains": {"type": "a", "kind": "b"}}}`, `Unsupported key "kind" in $contains for "relations". Only "type" and "targetRef" are supported`},
		{`{"relations": {"$contains": {"type": "a", "targetRef": {"$in": []}}}}`, `Empty "$in" array for $contains on "relations" is not allowed`},
		{`{"relations": {"$contains": {"type": "a", "targetRef": 7}}}`, `Unsupported value in $contains for "relations": expected a string or { "$in": [strings] }, but got 7`},
		{`{"relations": {"$contains": {"type": "a", "targetRef": {"$in": [1]}}}}`, `Unsupported value in $contains for "relations": expected a string or { "$in": [strings] }, but got {"$in":[1]}`},
		{`{"$all": {"kind": "a"}}`, `Invalid filter predicate: $all must be an array, but got {"kind":"a"}`},
		{`{"kind": `, `Invalid filter predicate: the query is not valid JSON`},
	} {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParsePredicate(json.RawMessage(tt.in))
			checkInputError(t, err, tt.want)
		})
	}
}

func TestPredicateJSONRoundTrip(t *testing.T) {
	for _, p := range []Predicate{
		eq("kind", "component"),
		eq("kind", "a", "b"),
		eq("kind"),
		exists("spec.type", false),
		prefix("metadata.name", "ba"),
		all(),
		anyOf(),
		all(eq("a", "1"), not(anyOf(exists("b", true), prefix("c", "x")))),
	} {
		raw, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var back Predicate
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatalf("unmarshal %s: %v", raw, err)
		}
		if p.Op == OpAll && len(p.Children) == 0 {
			p.Children = []Predicate{}
		}
		if p.Op == OpAny && len(p.Children) == 0 {
			p.Children = []Predicate{}
		}
		if diff := cmp.Diff(p, back, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("round trip of %s (-want +got):\n%s", raw, diff)
		}
	}
	if _, err := json.Marshal(Predicate{Op: OpNot}); err == nil {
		t.Error("marshalling $not without a child succeeded")
	}
}

func TestAllOf(t *testing.T) {
	a, b := eq("kind", "a"), eq("spec.type", "b")
	if got := AllOf(nil, nil); got != nil {
		t.Errorf("AllOf(nil, nil) = %v", got)
	}
	if diff := cmp.Diff(&a, AllOf(nil, &a)); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff(&[]Predicate{all(a, b)}[0], AllOf(&a, &b)); diff != "" {
		t.Error(diff)
	}
}

func TestJSNumberString(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0", "-0": "0", "1.50": "1.5", "100": "100", "1e3": "1000", "123456789012345678901": "123456789012345680000", "1234567890123456789012": "1.2345678901234568e+21",
		"1e-6": "0.000001", "1.5e-7": "1.5e-7", "1e400": "infinity", "-1e400": "-infinity",
	} {
		if got := jsNumberString(in); got != want {
			t.Errorf("jsNumberString(%s) = %s, want %s", in, got, want)
		}
	}
}

func FuzzParsePredicate(f *testing.F) {
	for _, s := range []string{
		`{"kind":"component"}`, `{"$all":[{"a":1},{"$not":{"b":{"$exists":false}}}]}`,
		`{"relations":{"$contains":{"type":"ownedBy","targetRef":{"$in":["a"]}}}}`,
		`{"x":{"$hasPrefix":"ab"}}`, `{"$any":[]}`, `[]`, `"x"`, `{"a":{"$in":[1,true,"x"]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := ParsePredicate(in)
		if err != nil {
			if !problem.Is(err, problem.InputError) {
				t.Fatalf("error is not an InputError: %v", err)
			}
			return
		}
		if p == nil {
			return
		}
		raw, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("marshal parsed predicate: %v", err)
		}
		back, err := ParsePredicate(raw)
		if err != nil {
			if hasOperatorKey(*p) {
				return
			}
			t.Fatalf("re-parse %s: %v", raw, err)
		}
		if !hasOperatorKey(*p) && !cmp.Equal(normalize(*p), normalize(*back), cmpopts.EquateEmpty()) {
			t.Fatalf("round trip changed the predicate:\n%s\n%s", cmp.Diff(normalize(*p), normalize(*back), cmpopts.EquateEmpty()), raw)
		}
	})
}
