package search

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/problem"
)

func TestParseCriteria(t *testing.T) {
	raw := `{"anyOf": [
		{"rule": "IS_ENTITY_OWNER", "resourceType": "catalog-entity", "params": {"claims": ["User:default/Jane", "group:default/team-a"]}},
		{"not": {"rule": "IS_ENTITY_KIND", "resourceType": "catalog-entity", "params": {"kinds": ["User"]}}},
		{"allOf": [{"rule": "HAS_ANNOTATION", "resourceType": "catalog-entity", "params": {"annotation": "a"}}]}]}`
	c, err := ParseCriteria(json.RawMessage(raw))
	if err != nil {
		t.Fatal(err)
	}
	want := &Condition{AnyOf: []Condition{
		{Rule: RuleOwner, Values: []string{"user:default/jane", "group:default/team-a"}},
		{Not: &Condition{Rule: RuleKind, Values: []string{"user"}}},
		{AllOf: []Condition{{Rule: RuleOpaque}}},
	}}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("ParseCriteria (-want +got):\n%s", diff)
	}
	if !c.Opaque() {
		t.Error("HAS_ANNOTATION is not opaque")
	}
}

func TestParseCriteriaErrors(t *testing.T) {
	tests := []struct{ raw, want string }{
		{`[]`, "Invalid permission criteria at conditions: expected an object with allOf, anyOf, not or rule"},
		{`{"allOf": [], "anyOf": []}`, "Invalid permission criteria at conditions: expected exactly one of allOf, anyOf, not or rule"},
		{`{"anyOf": []}`, "Invalid permission criteria at conditions: anyOf must not be empty"},
		{`{"not": {"rule": "IS_ENTITY_KIND", "resourceType": "scaffolder-template"}}`, `Invalid permission criteria at conditions.not: rule IS_ENTITY_KIND is for resource type "scaffolder-template", not "catalog-entity"`},
		{`{"allOf": [{"rule": "IS_ENTITY_OWNER", "resourceType": "catalog-entity", "params": {"claims": "x"}}]}`, "Invalid parameters of IS_ENTITY_OWNER at conditions.allOf[0]: claims must be an array of strings"},
		{`{"rule": "IS_ENTITY_KIND", "resourceType": "catalog-entity", "extra": 1}`, "Invalid permission criteria at conditions: expected an object with allOf, anyOf, not or rule"},
	}
	for _, tt := range tests {
		_, err := ParseCriteria(json.RawMessage(tt.raw))
		p, ok := problem.As(err)
		if !ok || p.Name != problem.InputError || p.Message != tt.want {
			t.Errorf("ParseCriteria(%s) = %v, want InputError %q", tt.raw, err, tt.want)
		}
	}
}

func TestRelaxed(t *testing.T) {
	opaque := Condition{Rule: RuleOpaque}
	kind := Condition{Rule: RuleKind, Values: []string{"user"}}
	tests := []struct {
		name string
		in   Condition
		want *Condition
	}{
		{"opaque alone", opaque, nil},
		{"not opaque", Condition{Not: &opaque}, nil},
		{"all with opaque", Condition{AllOf: []Condition{opaque, kind}}, &kind},
		{"any with opaque", Condition{AnyOf: []Condition{opaque, kind}}, nil},
		{"not all", Condition{Not: &Condition{AllOf: []Condition{opaque, kind}}}, nil},
		{"not any", Condition{Not: &Condition{AnyOf: []Condition{opaque, kind}}}, &Condition{Not: &kind}},
		{"not not opaque", Condition{Not: &Condition{Not: &opaque}}, nil},
		{"plain", kind, &kind},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.in.Relaxed()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestRelaxedKeepsEverythingAllowed checks on random conditions that the
// relaxed condition holds wherever the exact one may, whatever the
// opaque rules decide: engines must never drop an allowed document.
func TestRelaxedKeepsEverythingAllowed(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	auths := []Auth{
		{Kind: "user", Owners: nil},
		{Kind: "component", Owners: []string{"group:default/a"}},
		{Kind: "component", Owners: []string{"group:default/b"}},
		{Kind: "api", Owners: []string{"group:default/a", "group:default/b"}},
	}
	for range 2000 {
		c := randomCondition(rng, 3)
		relaxed := c.Relaxed()
		for _, a := range auths {
			for opaqueValue := range 2 {
				exact := evaluate(&c, &a, opaqueValue == 1)
				loose := relaxed == nil || relaxed.Matches(&a)
				if exact && !loose {
					b, _ := json.Marshal(c)
					t.Fatalf("%s allows %+v (opaque=%v) but its relaxed form does not", b, a, opaqueValue == 1)
				}
			}
		}
		if relaxed.Opaque() {
			t.Fatal("a relaxed condition is opaque")
		}
	}
}

// evaluate is the exact value of c with every opaque rule decided as
// opaque says.
func evaluate(c *Condition, a *Auth, opaque bool) bool {
	switch {
	case c.AllOf != nil:
		for i := range c.AllOf {
			if !evaluate(&c.AllOf[i], a, opaque) {
				return false
			}
		}
		return true
	case c.AnyOf != nil:
		for i := range c.AnyOf {
			if evaluate(&c.AnyOf[i], a, opaque) {
				return true
			}
		}
		return false
	case c.Not != nil:
		return !evaluate(c.Not, a, opaque)
	case c.Rule == RuleOpaque:
		return opaque
	}
	return c.Matches(a)
}

func randomCondition(rng *rand.Rand, depth int) Condition {
	n := rng.IntN(6)
	if depth == 0 {
		n = 3 + rng.IntN(3)
	}
	switch n {
	case 0, 1:
		items := make([]Condition, 1+rng.IntN(3))
		for i := range items {
			items[i] = randomCondition(rng, depth-1)
		}
		if n == 0 {
			return Condition{AllOf: items}
		}
		return Condition{AnyOf: items}
	case 2:
		c := randomCondition(rng, depth-1)
		return Condition{Not: &c}
	case 3:
		return Condition{Rule: RuleOpaque}
	case 4:
		return Condition{Rule: RuleKind, Values: []string{[]string{"user", "component"}[rng.IntN(2)]}}
	}
	return Condition{Rule: RuleOwner, Values: []string{[]string{"group:default/a", "group:default/b"}[rng.IntN(2)]}}
}
