package permission_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v4"

	"github.com/callboard/callboard/internal/permission"
)

// testDefinitions are a few catalog permissions (the app supplies the
// catalog's full list) plus the scaffolder's and Callboard's.
func testDefinitions(t testing.TB) *permission.Definitions {
	t.Helper()
	res := func(name, action string) permission.Definition {
		return permission.Definition{Permission: permission.Permission{Name: name, Type: permission.TypeResource, Action: action, ResourceType: permission.ResourceTypeEntity}, PluginID: permission.PluginCatalog}
	}
	basic := func(name, action string) permission.Definition {
		return permission.Definition{Permission: permission.Permission{Name: name, Type: permission.TypeBasic, Action: action}, PluginID: permission.PluginCatalog}
	}
	defs, err := permission.NewDefinitions([]permission.Definition{
		res("catalog.entity.read", "read"),
		res("catalog.entity.delete", "delete"),
		res("catalog.entity.refresh", "update"),
		basic("catalog.entity.create", "create"),
		basic("catalog.location.create", "create"),
		basic("catalog.location.read", "read"),
	}, permission.ScaffolderDefinitions(), permission.CallboardDefinitions())
	if err != nil {
		t.Fatal(err)
	}
	return defs
}

// policyFrom builds a policy from the YAML of a permission section.
func policyFrom(t testing.TB, src string, appliers map[string]permission.ConditionApplier) *permission.Policy {
	t.Helper()
	p, err := newPolicy(t, src, appliers)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newPolicy(t testing.TB, src string, appliers map[string]permission.ConditionApplier) (*permission.Policy, error) {
	t.Helper()
	cfg, err := permission.LoadConfig(yamlDecoder(src))
	if err != nil {
		t.Fatal(err)
	}
	return permission.NewPolicy(permission.Options{Config: cfg, Definitions: testDefinitions(t), Appliers: appliers})
}

// yamlDecoder decodes the YAML of a permission section the way the
// config package hands values over: objects as map[string]any, lists as
// []any, integers as int64.
type yamlDecoder string

func (y yamlDecoder) Decode(path string, v any) error {
	if path != "permission" {
		return errors.New("unexpected path " + path)
	}
	var raw struct {
		Enabled *bool            `yaml:"enabled"`
		Admins  []string         `yaml:"admins"`
		Rules   []map[string]any `yaml:"rules"`
	}
	if err := yaml.Unmarshal([]byte(y), &raw); err != nil {
		return err
	}
	c := v.(*permission.Config)
	c.Enabled, c.Admins = raw.Enabled, raw.Admins
	for _, r := range raw.Rules {
		str := func(k string) string { s, _ := r[k].(string); return s }
		list := func(k string) []string {
			var out []string
			for _, x := range asList(r[k]) {
				out = append(out, x.(string))
			}
			return out
		}
		c.Rules = append(c.Rules, permission.RuleConfig{
			Name: str("name"), Permission: str("permission"), Action: str("action"), ResourceType: str("resourceType"),
			Users: list("users"), Groups: list("groups"), When: str("when"), Decision: str("decision"),
			Conditions: normalise(r["conditions"]),
		})
	}
	return nil
}

func asList(v any) []any { l, _ := v.([]any); return l }

// normalise turns YAML's ints into int64, as the config package does.
func normalise(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalise(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalise(e)
		}
	case int:
		return int64(x)
	}
	return v
}

var (
	jane = permission.User{Ref: "user:default/jane", Ownership: []string{"user:default/jane", "group:default/team-a"}}
	bob  = permission.User{Ref: "user:default/bob", Ownership: []string{"user:default/bob", "group:default/admins"}}
	carl = permission.User{Ref: "user:default/carl", Ownership: []string{"user:default/carl", "group:default/contractors"}}
	dana = permission.User{Ref: "user:default/dana", Ownership: []string{"user:default/dana"}}
	anon = permission.User{}
	ci   = permission.User{Service: "external:ci"}
)

func perm(t testing.TB, name string) permission.Permission {
	t.Helper()
	return testDefinitions(t).Permission(name)
}

// outcome is the comparable part of a decision.
type outcome struct {
	Result     permission.Result
	Rule       string
	Conditions string
	Plugin     string
	Type       string
}

func outcomeOf(t *testing.T, d permission.Decision) outcome {
	t.Helper()
	o := outcome{Result: d.Result, Rule: d.Rule, Plugin: d.PluginID, Type: d.ResourceType}
	if d.Conditions != nil {
		b, err := json.Marshal(d.Conditions)
		if err != nil {
			t.Fatal(err)
		}
		o.Conditions = string(b)
	}
	return o
}

const examplePolicy = `
admins: [group:default/admins]
rules:
  - name: contractors-read-only
    permission: "catalog.*"
    groups: [contractors]
    when: permission.action != "read"
    decision: deny
  - name: own-deletes
    permission: catalog.entity.delete
    decision: conditional
    conditions:
      anyOf:
        - isEntityOwner: {}
        - allOf:
            - isEntityKind: {kinds: [Location]}
            - hasAnnotation: {annotation: backstage.io/managed-by-location, value: "url:https://example.com/x"}
  - name: hide-secrets
    permission: catalog.entity.read
    groups: [contractors]
    decision: conditional
    conditions:
      not:
        anyOf:
          - hasLabel: {label: secret}
          - hasSpec: {key: type, value: database}
          - hasMetadata: {key: title}
  - name: fixed-claims
    permission: catalog.entity.refresh
    users: [bob]
    decision: conditional
    conditions:
      isEntityOwner: {claims: ["Group:default/Team-A", team-b]}
  - name: backstage-form
    permission: catalog.entity.refresh
    users: [user:default/jane]
    decision: conditional
    conditions:
      rule: IS_ENTITY_KIND
      resourceType: catalog-entity
      params: {kinds: [Component]}
  - name: jane-creates-no-tasks
    permission: scaffolder.task.create
    when: user.ref == "user:default/jane" && "group:default/team-a" in user.ownership
    decision: deny
  - name: admin-by-cel
    permission: callboard.policy.read
    when: user.admin
    decision: allow
`

func TestDecide(t *testing.T) {
	p := policyFrom(t, examplePolicy, nil)
	tests := []struct {
		name string
		user permission.User
		perm string
		want outcome
	}{
		{"default allows users to read", jane, "catalog.entity.read", outcome{Result: permission.Allow, Rule: permission.RuleDefaultUser}},
		{"default allows standard writes", jane, "catalog.location.create", outcome{Result: permission.Allow, Rule: permission.RuleDefaultUser}},
		{"admin permission denied to users", jane, "callboard.audit.read", outcome{Result: permission.Deny, Rule: permission.RuleDefaultNotAdmin}},
		{"admin permission allowed to admins", bob, "callboard.audit.read", outcome{Result: permission.Allow, Rule: permission.RuleDefaultAdmin}},
		{"anonymous denied", anon, "catalog.entity.read", outcome{Result: permission.Deny, Rule: permission.RuleAnonymous}},
		{"service allowed", ci, "callboard.admin", outcome{Result: permission.Allow, Rule: permission.RuleService}},
		{"glob, group and when deny", carl, "catalog.location.create", outcome{Result: permission.Deny, Rule: "contractors-read-only"}},
		{"when false falls through", carl, "catalog.location.read", outcome{Result: permission.Allow, Rule: permission.RuleDefaultUser}},
		{"conditional with the user's claims", jane, "catalog.entity.delete", outcome{
			Result: permission.Conditional, Rule: "own-deletes", Plugin: "catalog", Type: "catalog-entity",
			Conditions: `{"anyOf":[{"rule":"IS_ENTITY_OWNER","resourceType":"catalog-entity","params":{"claims":["user:default/jane","group:default/team-a"]}},` +
				`{"allOf":[{"rule":"IS_ENTITY_KIND","resourceType":"catalog-entity","params":{"kinds":["Location"]}},` +
				`{"rule":"HAS_ANNOTATION","resourceType":"catalog-entity","params":{"annotation":"backstage.io/managed-by-location","value":"url:https://example.com/x"}}]}]}`,
		}},
		{"first match wins over later rules", carl, "catalog.entity.delete", outcome{Result: permission.Deny, Rule: "contractors-read-only"}},
		{"not, label, spec, metadata", carl, "catalog.entity.read", outcome{
			Result: permission.Conditional, Rule: "hide-secrets", Plugin: "catalog", Type: "catalog-entity",
			Conditions: `{"not":{"anyOf":[{"rule":"HAS_LABEL","resourceType":"catalog-entity","params":{"label":"secret"}},` +
				`{"rule":"HAS_SPEC","resourceType":"catalog-entity","params":{"key":"type","value":"database"}},` +
				`{"rule":"HAS_METADATA","resourceType":"catalog-entity","params":{"key":"title"}}]}}`,
		}},
		{"claims given in config are canonical refs", bob, "catalog.entity.refresh", outcome{
			Result: permission.Conditional, Rule: "fixed-claims", Plugin: "catalog", Type: "catalog-entity",
			Conditions: `{"rule":"IS_ENTITY_OWNER","resourceType":"catalog-entity","params":{"claims":["group:default/team-a","group:default/team-b"]}}`,
		}},
		{"Backstage's rule form", jane, "catalog.entity.refresh", outcome{
			Result: permission.Conditional, Rule: "backstage-form", Plugin: "catalog", Type: "catalog-entity",
			Conditions: `{"rule":"IS_ENTITY_KIND","resourceType":"catalog-entity","params":{"kinds":["Component"]}}`,
		}},
		{"users limit a rule", dana, "catalog.entity.refresh", outcome{Result: permission.Allow, Rule: permission.RuleDefaultUser}},
		{"CEL over user ref and ownership", jane, "scaffolder.task.create", outcome{Result: permission.Deny, Rule: "jane-creates-no-tasks"}},
		{"CEL does not match others", bob, "scaffolder.task.create", outcome{Result: permission.Allow, Rule: permission.RuleDefaultUser}},
		{"CEL user.admin", bob, "callboard.policy.read", outcome{Result: permission.Allow, Rule: "admin-by-cel"}},
		{"CEL user.admin false falls to the default", jane, "callboard.policy.read", outcome{Result: permission.Deny, Rule: permission.RuleDefaultNotAdmin}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := p.Decide(context.Background(), tt.user, perm(t, tt.perm), "")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, outcomeOf(t, d)); diff != "" {
				t.Errorf("decision (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecideUnknownPermission(t *testing.T) {
	p := policyFrom(t, `rules: [{name: any-plugin, permission: "other.*", decision: allow}]`, nil)
	ask := func(name string) outcome {
		d, err := p.Decide(context.Background(), jane, permission.Permission{Name: name, Type: permission.TypeBasic}, "")
		if err != nil {
			t.Fatal(err)
		}
		return outcomeOf(t, d)
	}
	if diff := cmp.Diff(outcome{Result: permission.Deny, Rule: permission.RuleDefaultUnknown}, ask("unknown.thing")); diff != "" {
		t.Errorf("unknown permission (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(outcome{Result: permission.Allow, Rule: "any-plugin"}, ask("other.thing")); diff != "" {
		t.Errorf("a rule for an unknown permission (-want +got):\n%s", diff)
	}
}

func TestDecideDisabled(t *testing.T) {
	p := policyFrom(t, "enabled: false\nrules: [{permission: '*', decision: deny}]", nil)
	for _, u := range []permission.User{jane, anon, ci} {
		d, err := p.Decide(context.Background(), u, perm(t, "callboard.admin"), "")
		if err != nil {
			t.Fatal(err)
		}
		if d.Result != permission.Allow || d.Rule != permission.RuleDisabled {
			t.Errorf("%+v: %+v, want ALLOW by %s", u, d, permission.RuleDisabled)
		}
	}
	if p.Enabled() {
		t.Error("Enabled() = true")
	}
	if !policyFrom(t, "", nil).Enabled() {
		t.Error("an absent permission section must leave the policy enabled")
	}
}

func TestDecideServiceRestrictions(t *testing.T) {
	p := policyFrom(t, "", nil)
	svc := permission.User{Service: "external:backup", Restrictions: []permission.Restriction{
		{Plugin: "catalog", Actions: []string{"read"}},
		{Plugin: "scaffolder", Permissions: []string{"scaffolder.task.read"}},
	}}
	tests := []struct {
		perm string
		want permission.Result
	}{
		{"catalog.entity.read", permission.Allow},
		{"catalog.location.read", permission.Allow},
		{"catalog.entity.delete", permission.Deny},
		{"scaffolder.task.read", permission.Allow},
		{"scaffolder.task.create", permission.Deny},
		{"callboard.audit.read", permission.Deny},
	}
	for _, tt := range tests {
		d, err := p.Decide(context.Background(), svc, perm(t, tt.perm), "")
		if err != nil {
			t.Fatal(err)
		}
		if d.Result != tt.want {
			t.Errorf("%s: %s by %s, want %s", tt.perm, d.Result, d.Rule, tt.want)
		}
	}
}

// fakeApplier answers apply-conditions from a fixed map and records what
// it was asked.
type fakeApplier struct {
	allowed map[string]bool
	asked   []string
	claims  []any
}

func (f *fakeApplier) ApplyConditions(_ context.Context, ref string, conditions json.RawMessage) (bool, error) {
	f.asked = append(f.asked, ref)
	var c permission.Criteria
	if err := json.Unmarshal(conditions, &c); err != nil {
		return false, err
	}
	f.claims = c.Params["claims"].([]any)
	return f.allowed[ref], nil
}

func TestDecideResourceRef(t *testing.T) {
	applier := &fakeApplier{allowed: map[string]bool{"component:default/mine": true}}
	p := policyFrom(t, `rules: [{name: owners, permission: catalog.entity.delete, decision: conditional, conditions: {isEntityOwner: {}}}]`,
		map[string]permission.ConditionApplier{permission.ResourceTypeEntity: applier})
	for ref, want := range map[string]permission.Result{"component:default/mine": permission.Allow, "component:default/theirs": permission.Deny} {
		d, err := p.Decide(context.Background(), jane, perm(t, "catalog.entity.delete"), ref)
		if err != nil {
			t.Fatal(err)
		}
		if d.Result != want || d.Rule != "owners" || d.Conditions != nil {
			t.Errorf("%s: %+v, want %s by owners without conditions", ref, d, want)
		}
	}
	if diff := cmp.Diff([]any{"user:default/jane", "group:default/team-a"}, applier.claims); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
	// An allowed basic permission never reaches the applier.
	applier.asked = nil
	if _, err := p.Decide(context.Background(), jane, perm(t, "catalog.entity.read"), "component:default/x"); err != nil {
		t.Fatal(err)
	}
	if len(applier.asked) != 0 {
		t.Errorf("applier asked about %v", applier.asked)
	}
}

func TestDecideCELRuntimeError(t *testing.T) {
	p := policyFrom(t, `rules: [{name: bad-key, permission: '*', when: 'user.ownership[5] == "x"', decision: deny}]`, nil)
	_, err := p.Decide(context.Background(), jane, perm(t, "catalog.entity.read"), "")
	if err == nil || !strings.Contains(err.Error(), "bad-key") {
		t.Errorf("err = %v, want a runtime error naming the rule", err)
	}
}

func TestIsAdmin(t *testing.T) {
	p := policyFrom(t, "admins: [group:default/admins, user:default/jane]", nil)
	for u, want := range map[*permission.User]bool{&jane: true, &bob: true, &carl: false, &anon: false, &ci: false} {
		if got := p.IsAdmin(*u); got != want {
			t.Errorf("IsAdmin(%+v) = %v, want %v", *u, got, want)
		}
	}
}

func TestPolicyConfigErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"missing permission", `rules: [{name: r, decision: allow}]`, "permission.rules[0] (r): permission is required"},
		{"bad glob", `rules: [{permission: "catalog.[", decision: allow}]`, `permission.rules[0]: permission "catalog.[" is not a valid glob`},
		{"bad decision", `rules: [{permission: x, decision: maybe}]`, `decision must be allow, deny or conditional, not "maybe"`},
		{"bad action", `rules: [{permission: x, action: write, decision: allow}]`, `action must be create, read, update or delete, not "write"`},
		{"conditions on allow", `rules: [{permission: x, decision: allow, conditions: {isEntityOwner: {}}}]`, "conditions belong to decision conditional"},
		{"conditional without conditions", `rules: [{permission: x, decision: conditional}]`, "decision conditional needs conditions"},
		{"unknown condition", `rules: [{permission: x, decision: conditional, conditions: {isOwner: {}}}]`, `conditions: unknown condition "isOwner"`},
		{"two keys", `rules: [{permission: x, decision: conditional, conditions: {allOf: [], anyOf: []}}]`, "expected exactly one of allOf, anyOf, not or a condition"},
		{"empty anyOf", `rules: [{permission: x, decision: conditional, conditions: {anyOf: []}}]`, "conditions.anyOf: expected a non-empty list"},
		{"kinds missing", `rules: [{permission: x, decision: conditional, conditions: {not: {isEntityKind: {}}}}]`, "conditions.not.isEntityKind.kinds: expected a non-empty list of strings"},
		{"unknown parameter", `rules: [{permission: x, decision: conditional, conditions: {hasLabel: {label: a, values: b}}}]`, `unknown parameter "values"`},
		{"annotation missing", `rules: [{permission: x, decision: conditional, conditions: {hasAnnotation: {value: b}}}]`, "conditions.hasAnnotation.annotation: expected a non-empty string"},
		{"bad claim", `rules: [{permission: x, decision: conditional, conditions: {isEntityOwner: {claims: ["a:"]}}}]`, "conditions.isEntityOwner.claims[0]"},
		{"unknown rule form", `rules: [{permission: x, decision: conditional, conditions: {rule: IS_OWNER}}]`, `conditions.rule: unknown rule "IS_OWNER"`},
		{"resource type mismatch", `rules: [{permission: x, resourceType: scaffolder-task, decision: conditional, conditions: {isEntityOwner: {}}}]`, `resourceType "scaffolder-task" does not match the conditions' resource type "catalog-entity"`},
		{"CEL syntax", `rules: [{name: broken, permission: x, when: "user.ref ==", decision: allow}]`, "permission.rules[0] (broken): when: ERROR"},
		{"CEL not boolean", `rules: [{name: str, permission: x, when: "user.ref", decision: allow}]`, "permission.rules[0] (str): when: expression must be a boolean"},
		{"CEL unknown variable", `rules: [{name: var, permission: x, when: "group == 'x'", decision: allow}]`, "undeclared reference to 'group'"},
		{"CEL unknown field", `rules: [{name: field, permission: x, when: "user.nope == 'x'", decision: allow}]`, "undefined field 'nope'"},
		{"duplicate names", `rules: [{name: a, permission: x, decision: allow}, {name: a, permission: y, decision: deny}]`, `permission.rules[1]: name "a" is already used by rules[0]`},
		{"admin without kind", `admins: [jane]`, "permission.admins[0]"},
		{"admin of another kind", `admins: [component:default/x]`, `must be a user or group ref`},
		{"bad user", `rules: [{permission: x, users: [":"], decision: allow}]`, "permission.rules[0]: users[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newPolicy(t, tt.src, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestView(t *testing.T) {
	p := policyFrom(t, `
admins: [Group:default/Admins]
rules:
  - {name: owners, permission: catalog.entity.delete, groups: [team-a], decision: conditional, conditions: {anyOf: [{isEntityOwner: {}}, {isEntityKind: {kinds: [API]}}]}}
  - {permission: "*", when: "user.admin", decision: allow}
`, nil)
	want := permission.PolicyView{
		Enabled: true,
		Admins:  []string{"group:default/admins"},
		Rules: []permission.RuleView{
			{Name: "owners", Permission: "catalog.entity.delete", Groups: []string{"group:default/team-a"}, Decision: "conditional",
				Conditions: `{"anyOf":[{"rule":"IS_ENTITY_OWNER","resourceType":"catalog-entity","params":{"claims":["(the user's ownership refs)"]}},{"rule":"IS_ENTITY_KIND","resourceType":"catalog-entity","params":{"kinds":["API"]}}]}`},
			{Name: "rules[1]", Permission: "*", When: "user.admin", Decision: "allow"},
		},
	}
	if diff := cmp.Diff(want, p.View()); diff != "" {
		t.Errorf("view (-want +got):\n%s", diff)
	}
}
