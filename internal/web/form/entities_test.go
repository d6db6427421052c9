package form

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPickerQuery(t *testing.T) {
	me := []string{"user:default/jane", "group:default/harbour"}
	tests := []struct {
		name   string
		field  string
		own    []string
		want   EntityQuery
		errors bool
	}{
		{name: "owner picker defaults to groups and users", field: `{type: string, ui:field: OwnerPicker}`,
			want: EntityQuery{Filters: []Filter{{"kind": {Values: []string{"Group", "User"}}}}, Limit: maxSuggestions}},
		{name: "allowed kinds", field: `{type: string, ui:field: EntityPicker, ui:options: {allowedKinds: [System, Domain]}}`,
			want: EntityQuery{Filters: []Filter{{"kind": {Values: []string{"System", "Domain"}}}}, Limit: maxSuggestions}},
		{name: "a catalog filter and allowed kinds", field: `{type: string, ui:field: EntityPicker, ui:options: {allowedKinds: [Component], catalogFilter: {spec.type: [service, website], metadata.annotations.x/y: {exists: true}}}}`,
			want: EntityQuery{Filters: []Filter{{
				"kind": {Values: []string{"Component"}}, "spec.type": {Values: []string{"service", "website"}}, "metadata.annotations.x/y": {Exists: true},
			}}, Limit: maxSuggestions}},
		{name: "catalog filters are alternatives", field: `{type: array, ui:field: MultiEntityPicker, ui:options: {catalogFilter: [{kind: API}, {kind: Component, spec.lifecycle: production}]}}`,
			want: EntityQuery{Filters: []Filter{{"kind": {Values: []string{"API"}}}, {"kind": {Values: []string{"Component"}}, "spec.lifecycle": {Values: []string{"production"}}}}, Limit: maxSuggestions}},
		{name: "owned entities", field: `{type: string, ui:field: OwnedEntityPicker}`, own: me,
			want: EntityQuery{OwnedBy: me, Limit: maxSuggestions}},
		{name: "my groups", field: `{type: string, ui:field: MyGroupsPicker}`, own: me,
			want: EntityQuery{Filters: []Filter{{"kind": {Values: []string{"Group"}}, "relations.hasMember": {Values: []string{"user:default/jane"}}}}, Limit: maxSuggestions}},
		{name: "owned entities of nobody", field: `{type: string, ui:field: OwnedEntityPicker}`, errors: true},
		{name: "a filter value that is not understood", field: `{type: string, ui:field: EntityPicker, ui:options: {catalogFilter: {kind: {in: [a]}}}}`, errors: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := schemaOf(t, tt.field)
			got, err := pickerQuery(s, pickers[str(s, "ui:field")], tt.own)
			if (err != nil) != tt.errors {
				t.Fatalf("error = %v, want one: %v", err, tt.errors)
			}
			if tt.errors {
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("query (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCanonicalRef(t *testing.T) {
	for _, tt := range []struct{ typed, kind, ns, want string }{
		{"harbour", "Group", "", "group:default/harbour"},
		{"Group:Ops/Harbour", "", "", "group:ops/Harbour"},
		{"ops/harbour", "Group", "", "group:ops/harbour"},
		{"harbour", "", "", "harbour"},
		{" api:booking ", "Component", "team", "api:team/booking"},
		{"", "Group", "", ""},
	} {
		if got := canonicalRef(tt.typed, tt.kind, tt.ns); got != tt.want {
			t.Errorf("canonicalRef(%q, %q, %q) = %q, want %q", tt.typed, tt.kind, tt.ns, got, tt.want)
		}
	}
}

func TestNameAndTagRules(t *testing.T) {
	for name, want := range map[string]bool{
		"a": true, "tide-clock": true, "Tide_Clock.v2": true, "a--b": true,
		"": false, "-a": false, "a-": false, "a b": false, "é": false, strings64(): false,
	} {
		if got := validEntityName(name); got != want {
			t.Errorf("validEntityName(%q) = %v", name, got)
		}
	}
	for tag, want := range map[string]bool{
		"go": true, "c++": true, "team:ops": true, "a-b-c": true, "#1": true,
		"": false, "Go": false, "a--b": false, "-a": false, "a b": false,
	} {
		if got := validTag(tag); got != want {
			t.Errorf("validTag(%q) = %v", tag, got)
		}
	}
}

func strings64() string {
	b := make([]byte, 64)
	for i := range b {
		b[i] = 'a'
	}
	return string(b)
}

func TestHTMLPattern(t *testing.T) {
	for p, want := range map[string]string{
		"":         "",
		"^[a-z]+$": "[a-z]+",
		"[0-9]":    ".*(?:[0-9]).*",
		`^price\$`: `.*(?:^price\$).*`,
		"^a$|^b$":  "a$|^b",
	} {
		if got := htmlPattern(p); got != want {
			t.Errorf("htmlPattern(%q) = %q, want %q", p, got, want)
		}
	}
}
