package permission_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/permission"
)

func TestCriteriaJSON(t *testing.T) {
	// The conditions of §g.1's example answer.
	const src = `{"anyOf":[{"rule":"IS_ENTITY_OWNER","resourceType":"catalog-entity","params":{"claims":["user:default/guest","group:default/team-a"]}},` +
		`{"not":{"rule":"IS_ENTITY_KIND","resourceType":"catalog-entity","params":{"kinds":["User"]}}}]}`
	var c permission.Criteria
	if err := json.Unmarshal([]byte(src), &c); err != nil {
		t.Fatal(err)
	}
	want := permission.Criteria{AnyOf: []permission.Criteria{
		{Rule: "IS_ENTITY_OWNER", ResourceType: "catalog-entity", Params: map[string]any{"claims": []any{"user:default/guest", "group:default/team-a"}}},
		{Not: &permission.Criteria{Rule: "IS_ENTITY_KIND", ResourceType: "catalog-entity", Params: map[string]any{"kinds": []any{"User"}}}},
	}}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != src {
		t.Errorf("encoded\n%s\nwant\n%s", b, src)
	}
}

func TestCriteriaInvalid(t *testing.T) {
	tests := map[string]string{
		`null`:                 "not null",
		`{}`:                   "exactly one of",
		`{"allOf":[]}`:         `"allOf" must not be empty`,
		`{"anyOf":[]}`:         `"anyOf" must not be empty`,
		`{"rule":"X"}`:         "rule X has no resourceType",
		`{"resourceType":"x"}`: `"resourceType" and "params" belong with "rule"`,
		`{"allOf":[{}]}`:       "exactly one of",
		`{"not":{"anyOf":[]}}`: `"anyOf" must not be empty`,
		`{"allOf":[{"rule":"X","resourceType":"t"}],"not":{"rule":"X","resourceType":"t"}}`: "exactly one of",
		`{"not":null}`: "exactly one of",
		`[]`:           "cannot unmarshal array",
	}
	for src, want := range tests {
		var c permission.Criteria
		err := json.Unmarshal([]byte(src), &c)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", src, err, want)
		}
	}
}

// FuzzCriteria checks that whatever decodes re-encodes to JSON that decodes
// to the same criteria.
func FuzzCriteria(f *testing.F) {
	for _, s := range []string{
		`{"rule":"IS_ENTITY_KIND","resourceType":"catalog-entity","params":{"kinds":["API"]}}`,
		`{"anyOf":[{"not":{"rule":"A","resourceType":"t"}},{"allOf":[{"rule":"B","resourceType":"t","params":{}}]}]}`,
		`{"allOf":[]}`, `{}`, `null`, `{"not":{"not":{"rule":"x","resourceType":"y"}}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var c permission.Criteria
		if err := json.Unmarshal([]byte(src), &c); err != nil {
			return
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("encode %s: %v", src, err)
		}
		var again permission.Criteria
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatalf("re-decode %s: %v", b, err)
		}
		if diff := cmp.Diff(c, again); diff != "" {
			t.Fatalf("round trip of %s (-first +second):\n%s", src, diff)
		}
	})
}

func TestDefinitions(t *testing.T) {
	defs := testDefinitions(t)
	if _, ok := defs.Lookup("scaffolder.task.create"); !ok {
		t.Error("scaffolder.task.create is not defined")
	}
	var names []string
	for _, d := range defs.Plugin(permission.PluginCallboard) {
		names = append(names, d.Name)
	}
	want := []string{"callboard.admin", "callboard.audit.read", "callboard.policy.read", "callboard.approval.read", "callboard.approval.decide"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("callboard permissions (-want +got):\n%s", diff)
	}
	bad := map[string][]permission.Definition{
		"defined twice":           {permission.CallboardDefinitions()[0], permission.CallboardDefinitions()[0]},
		"type must be basic":      {{Permission: permission.Permission{Name: "a", Type: "other"}, PluginID: "p"}},
		"needs a resource type":   {{Permission: permission.Permission{Name: "a", Type: permission.TypeResource}, PluginID: "p"}},
		"no plugin id":            {{Permission: permission.Permission{Name: "a", Type: permission.TypeBasic}}},
		`permission name " a" is`: {{Permission: permission.Permission{Name: " a", Type: permission.TypeBasic}, PluginID: "p"}},
	}
	for want, list := range bad {
		if _, err := permission.NewDefinitions(list); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q", err, want)
		}
	}
}
