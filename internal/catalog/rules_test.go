package catalog

import (
	"testing"

	"github.com/callboard/callboard/plugin"
)

func TestRulesIsAllowed(t *testing.T) {
	file := plugin.Location{Type: "file", Target: "/srv/org.yaml"}
	gh := plugin.Location{Type: "url", Target: "https://github.com/Org/repo/blob/main/.catalog/templates.yaml"}
	other := plugin.Location{Type: "url", Target: "https://example.com/x.yaml"}
	component := map[string]any{"kind": "Component", "spec": map[string]any{"type": "service"}}
	group := map[string]any{"kind": "Group"}
	serviceTemplate := map[string]any{"kind": "Template", "spec": map[string]any{"type": "SERVICE"}}
	websiteTemplate := map[string]any{"kind": "Template", "spec": map[string]any{"type": "website"}}
	noKind := map[string]any{}

	configured, err := NewRules([]Rule{
		{Allow: []RuleKind{{Kind: "component"}, {Kind: "System"}}},
		{
			Allow:     []RuleKind{{Kind: "Template", SpecType: "service"}},
			Locations: []RuleLocation{{Type: "url", Pattern: "https://github.com/org/*/blob/main/**/*.yaml"}},
		},
		{Allow: []RuleKind{{Kind: "Resource"}}, Locations: []RuleLocation{}},
		{Allow: []RuleKind{{Kind: "Domain"}}, Locations: []RuleLocation{{Type: "url"}}},
		{Allow: []RuleKind{{Kind: "User"}}, Locations: []RuleLocation{{Type: "url", Exact: "https://example.com/x.yaml"}}},
	}, map[string][]Rule{"file:/srv/org.yaml": {{Allow: []RuleKind{{Kind: "Group"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	anyKind, err := NewRules([]Rule{{Allow: []RuleKind{{Kind: "*"}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	anyService, err := NewRules([]Rule{{Allow: []RuleKind{{Kind: "*", SpecType: "service"}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		rules *Rules
		e     map[string]any
		loc   plugin.Location
		want  bool
	}{
		{"default allows Component", nil, component, file, true},
		{"default allows Location", nil, map[string]any{"kind": "location"}, file, true},
		{"default refuses Group", nil, group, file, false},
		{"kind is case-insensitive", configured, component, other, true},
		{"no kind", configured, noKind, other, false},
		{"per-location rule at its location", configured, group, file, true},
		{"per-location rule elsewhere", configured, group, plugin.Location{Type: "file", Target: "/srv/other.yaml"}, false},
		{"pattern with spec.type, case-insensitive, dot-folder", configured, serviceTemplate, gh, true},
		{"pattern but other spec.type", configured, websiteTemplate, gh, false},
		{"pattern not matching", configured, serviceTemplate, other, false},
		{"empty locations match nothing", configured, map[string]any{"kind": "Resource"}, other, false},
		{"type-only location matcher", configured, map[string]any{"kind": "Domain"}, other, true},
		{"type-only location matcher, other type", configured, map[string]any{"kind": "Domain"}, file, false},
		{"exact location", configured, map[string]any{"kind": "User"}, other, true},
		{"exact location, other target", configured, map[string]any{"kind": "User"}, gh, false},
		{"any kind", anyKind, map[string]any{"kind": "Widget"}, file, true},
		{"any kind of a spec.type", anyService, component, file, true},
		{"any kind of another spec.type", anyService, group, file, false},
	}
	for _, tt := range tests {
		if got := tt.rules.IsAllowed(tt.e, tt.loc); got != tt.want {
			t.Errorf("%s: IsAllowed = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestNewRulesErrors(t *testing.T) {
	tests := []struct {
		name   string
		global []Rule
		per    map[string][]Rule
	}{
		{"exact and pattern", []Rule{{Allow: []RuleKind{{Kind: "A"}}, Locations: []RuleLocation{{Type: "url", Exact: "x", Pattern: "y"}}}}, nil},
		{"bad pattern", []Rule{{Allow: []RuleKind{{Kind: "A"}}, Locations: []RuleLocation{{Type: "url", Pattern: "a/[b"}}}}, nil},
		{"empty kind", []Rule{{Allow: []RuleKind{{}}}}, nil},
		{"bad location ref", nil, map[string][]Rule{"nocolon": {{Allow: []RuleKind{{Kind: "A"}}}}}},
	}
	for _, tt := range tests {
		if _, err := NewRules(tt.global, tt.per); err == nil {
			t.Errorf("%s: NewRules succeeded, want an error", tt.name)
		}
	}
}

func TestNewRulesDefault(t *testing.T) {
	r, err := NewRules(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	loc := plugin.Location{Type: "url", Target: "https://example.com/a.yaml"}
	for kind, want := range map[string]bool{"Component": true, "API": true, "Location": true, "Group": false, "User": false} {
		if got := r.IsAllowed(map[string]any{"kind": kind}, loc); got != want {
			t.Errorf("default rules, kind %s: IsAllowed = %v, want %v", kind, got, want)
		}
	}
	empty, err := NewRules([]Rule{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if empty.IsAllowed(map[string]any{"kind": "Component"}, loc) {
		t.Error("an explicitly empty rule list allows nothing")
	}
}
