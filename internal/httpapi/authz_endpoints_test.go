package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/internal/permission"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

// conditionalAuthorizer answers every question CONDITIONAL with §g.1's
// example conditions, to show the wire form of such an answer.
type conditionalAuthorizer struct{}

func (conditionalAuthorizer) Decide(_ context.Context, u permission.User, perm permission.Permission, ref string) (permission.Decision, error) {
	if !perm.IsResource() {
		return permission.Decision{Result: permission.Allow, Rule: "basic"}, nil
	}
	c := permission.Criteria{AnyOf: []permission.Criteria{
		{Rule: "IS_ENTITY_OWNER", ResourceType: "catalog-entity", Params: map[string]any{"claims": []any{"user:default/guest", "group:default/team-a"}}},
		{Not: &permission.Criteria{Rule: "IS_ENTITY_KIND", ResourceType: "catalog-entity", Params: map[string]any{"kinds": []any{"User"}}}},
	}}
	return permission.Decision{Result: permission.Conditional, Conditions: &c, PluginID: "catalog", ResourceType: "catalog-entity", Rule: "example"}, nil
}

// §g.1's request, as a service asks it.
const g1Request = `{"items": [
  {"id": "uuid-1", "permission": {"type": "basic", "name": "catalog.entity.create", "attributes": {"action": "create"}}},
  {"id": "uuid-2", "permission": {"type": "resource", "name": "catalog.entity.read", "attributes": {"action": "read"},
                                  "resourceType": "catalog-entity"}, "resourceRef": "user:default/ada"},
  {"id": "uuid-3", "permission": {"type": "resource", "name": "catalog.entity.read", "attributes": {"action": "read"},
                                  "resourceType": "catalog-entity"}}]}`

func TestAuthorizeWireFormat(t *testing.T) {
	f := newAuthzFixture(t, storetest.Open(t, store.SQLite))
	f.api.handler = asRole(New(Options{Reader: f.query, Writer: f.engine, Permissions: conditionalAuthorizer{}}))

	res := f.do(t, "POST", "/api/permission/authorize", g1Request, "service")
	// uuid-2 names a User entity, which the conditions' "not a User" and
	// "owned by the claims" both refuse.
	want := `{"items":[{"id":"uuid-1","result":"ALLOW"},{"id":"uuid-2","result":"DENY"},` +
		`{"id":"uuid-3","result":"CONDITIONAL","pluginId":"catalog","resourceType":"catalog-entity","conditions":` +
		`{"anyOf":[{"rule":"IS_ENTITY_OWNER","resourceType":"catalog-entity","params":{"claims":["user:default/guest","group:default/team-a"]}},` +
		`{"not":{"rule":"IS_ENTITY_KIND","resourceType":"catalog-entity","params":{"kinds":["User"]}}}]}}]}`
	if res.status != 200 || string(res.body) != want {
		t.Errorf("%d\n%s\nwant\n%s", res.status, res.body, want)
	}

	// A user must name the resource.
	res = f.do(t, "POST", "/api/permission/authorize", g1Request, "allowed")
	wantError(t, res, http.StatusBadRequest, "InputError",
		"Resource permissions require a resourceRef to be set. Direct user requests without a resourceRef are not allowed.")

	// Conditions resolved against several named entities.
	res = f.do(t, "POST", "/api/permission/authorize", `{"items":[{"id":"x","permission":{"type":"resource","name":"catalog.entity.read","resourceType":"catalog-entity","attributes":{}},`+
		`"resourceRef":["component:default/cart-service","user:default/ada","group:default/payments"]}]}`, "allowed")
	if string(res.body) != `{"items":[{"id":"x","result":["ALLOW","DENY","ALLOW"]}]}` {
		t.Errorf("resolved: %s", res.body)
	}

	for body, msg := range map[string]string{
		`{"items":[{"permission":{"type":"basic","name":"a"}}]}`:                                          "Malformed request: items[0].id must be a non-empty string",
		`{"items":[{"id":"1","permission":{"type":"other","name":"a"}}]}`:                                 `Malformed request: items[0].permission.type must be "basic" or "resource"`,
		`{"items":[{"id":"1","permission":{"type":"resource","name":"a"}}]}`:                              "Malformed request: items[0].permission.resourceType is required for a resource permission",
		`{"items":[{"id":"1","permission":{"type":"basic","name":"a","attributes":{"action":"write"}}}]}`: "Malformed request: items[0].permission.attributes.action must be create, read, update or delete",
		`{"items":[{"id":"1","permission":{"type":"basic","name":"a"},"resourceRef":[]}]}`:                "Malformed request: items[0].resourceRef must be a string or a non-empty array of strings",
		`{"things":[]}`:  `Malformed request: missing required property "items"`,
		`{"items":null}`: `Malformed request: property "items" must be an array`,
	} {
		wantError(t, f.do(t, "POST", "/api/permission/authorize", body, "service"), http.StatusBadRequest, "InputError", msg)
	}
}

func TestAuthorizeWithPolicy(t *testing.T) {
	f := newAuthzFixture(t, storetest.Open(t, store.SQLite))
	ask := `{"items":[{"id":"1","permission":{"type":"basic","name":"callboard.audit.read","attributes":{"action":"read"}}},` +
		`{"id":"2","permission":{"type":"basic","name":"unknown.permission","attributes":{}}}]}`
	for role, want := range map[string]string{
		"admin":   `{"items":[{"id":"1","result":"ALLOW"},{"id":"2","result":"DENY"}]}`,
		"allowed": `{"items":[{"id":"1","result":"DENY"},{"id":"2","result":"DENY"}]}`,
		"service": `{"items":[{"id":"1","result":"ALLOW"},{"id":"2","result":"ALLOW"}]}`,
		"nobody":  `{"items":[{"id":"1","result":"DENY"},{"id":"2","result":"DENY"}]}`,
	} {
		if res := f.do(t, "POST", "/api/permission/authorize", ask, role); string(res.body) != want {
			t.Errorf("%s: %s, want %s", role, res.body, want)
		}
	}
}

func TestApplyConditions(t *testing.T) {
	f := newAuthzFixture(t, storetest.Open(t, store.SQLite))
	owner := `{"rule":"IS_ENTITY_OWNER","resourceType":"catalog-entity","params":{"claims":["group:default/payments"]}}`
	res := f.do(t, "POST", "/api/catalog/.well-known/backstage/permissions/apply-conditions",
		`{"items":[{"id":"a","resourceRef":["component:default/cart-service","component:default/build-tools","component:default/gone"],"resourceType":"catalog-entity","conditions":`+owner+`},`+
			`{"id":"b","resourceRef":"api:default/cart-api","resourceType":"catalog-entity","conditions":{"not":`+owner+`}}]}`, "service")
	if want := `{"items":[{"id":"a","result":["ALLOW","DENY","DENY"]},{"id":"b","result":"DENY"}]}`; string(res.body) != want {
		t.Errorf("%s\nwant %s", res.body, want)
	}
	res = f.do(t, "POST", "/api/catalog/.well-known/backstage/permissions/apply-conditions",
		`{"items":[{"id":"a","resourceRef":"x","resourceType":"scaffolder-task","conditions":`+owner+`},{"id":"b","resourceRef":"x","resourceType":"other","conditions":`+owner+`}]}`, "service")
	wantError(t, res, http.StatusBadRequest, "InputError", "Unexpected resource types: scaffolder-task, other.")
	res = f.do(t, "POST", "/api/catalog/.well-known/backstage/permissions/apply-conditions",
		`{"items":[{"id":"a","resourceRef":"x","resourceType":"catalog-entity","conditions":{"rule":"NOPE","resourceType":"catalog-entity"}}]}`, "service")
	wantError(t, res, http.StatusBadRequest, "InputError", `Invalid permission criteria at conditions: unknown rule "NOPE" for resource type "catalog-entity"`)
}

func TestPermissionMetadata(t *testing.T) {
	f := newAuthzFixture(t, storetest.Open(t, store.SQLite))
	res := f.do(t, "GET", "/api/catalog/.well-known/backstage/permissions/metadata", "", "allowed")
	var body struct {
		Permissions []map[string]any `json:"permissions"`
		Rules       []struct {
			Name string `json:"name"`
		} `json:"rules"`
	}
	decode(t, res, &body)
	if len(body.Permissions) != 13 || len(body.Rules) != 6 {
		t.Fatalf("%d permissions, %d rules", len(body.Permissions), len(body.Rules))
	}
	want := map[string]any{"type": "resource", "name": "catalog.entity.read", "attributes": map[string]any{"action": "read"}, "resourceType": "catalog-entity"}
	if diff := cmp.Diff(want, body.Permissions[0]); diff != "" {
		t.Errorf("first permission (-want +got):\n%s", diff)
	}
	if want := map[string]any{"type": "basic", "name": "catalog.entity.validate", "attributes": map[string]any{}}; !cmp.Equal(want, body.Permissions[4]) {
		t.Errorf("validate: %v", body.Permissions[4])
	}
}

func TestAuditAPI(t *testing.T) {
	f := newAuthzFixture(t, storetest.Open(t, store.SQLite))
	// Some history: a denied write, a refused read, a successful write.
	f.do(t, "POST", "/api/catalog/locations", `{"type":"url","target":"`+f.files+`/remote/catalog-info.yaml"}`, "denied")
	f.do(t, "GET", "/api/catalog/entities", "", "denied")
	f.do(t, "POST", "/api/catalog/locations", `{"type":"url","target":"`+f.files+`/remote/catalog-info.yaml"}`, "allowed")

	res := f.do(t, "GET", "/api/audit/events?limit=2", "", "admin")
	var page audit.Page
	decode(t, res, &page)
	if len(page.Items) != 2 || page.NextCursor == "" || page.Items[0].Action != "catalog.location.create" || page.Items[0].Outcome != audit.OutcomeSucceeded {
		t.Fatalf("page: %s", res.body)
	}
	created := page.Items[0]
	if created.ActorRef != "user:default/ada" || created.ActorKind != "user" || created.IP != "192.0.2.10" || created.UserAgent != "matrix-test" ||
		created.Rule != permission.RuleDefaultUser || !strings.Contains(string(created.After), `"type":"url"`) || created.Target != "url:"+f.files+"/remote/catalog-info.yaml" {
		t.Errorf("created: %+v", created)
	}
	res = f.do(t, "GET", "/api/audit/events?cursor="+page.NextCursor, "", "admin")
	decode(t, res, &page)
	if len(page.Items) != 1 || page.Items[0].Outcome != audit.OutcomeDenied || page.Items[0].Rule != "contractors-out" || page.Items[0].ActorRef != "user:default/eve" {
		t.Errorf("last page: %s", res.body)
	}

	for query, n := range map[string]int{
		"actor=user:default/eve":        2,
		"action=catalog.location.*":     2,
		"action=catalog.entity.read":    1,
		"target=/api/catalog/entities":  1,
		"from=2000-01-01&to=2000-01-02": 0,
		"to=2999-01-01":                 3,
	} {
		res := f.do(t, "GET", "/api/audit/events?"+query, "", "admin")
		decode(t, res, &page)
		if len(page.Items) != n {
			t.Errorf("%s: %d events, want %d", query, len(page.Items), n)
		}
	}
	wantError(t, f.do(t, "GET", "/api/audit/events?from=yesterday", "", "admin"), http.StatusBadRequest, "InputError",
		`Invalid from, "yesterday" is neither an RFC 3339 time nor a date (YYYY-MM-DD)`)
	wantError(t, f.do(t, "GET", "/api/audit/events?cursor=bad", "", "admin"), http.StatusBadRequest, "InputError", "Malformed cursor")
	wantError(t, f.do(t, "GET", "/api/audit/events?limit=0", "", "admin"), http.StatusBadRequest, "InputError", "Invalid limit, must be greater than zero")

	res = f.do(t, "GET", "/api/audit/events/export?from=2000-01-01", "", "admin")
	if ct := res.header.Get("Content-Type"); ct != "application/x-ndjson; charset=utf-8" ||
		res.header.Get("Content-Disposition") != `attachment; filename="callboard-audit-20000101T000000Z-all.jsonl"` {
		t.Errorf("headers: %v", res.header)
	}
	lines := strings.Split(strings.TrimSpace(string(res.body)), "\n")
	if len(lines) != 3 {
		t.Fatalf("export:\n%s", res.body)
	}
	var first audit.Event
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first.Action != "catalog.location.create" || first.Outcome != audit.OutcomeDenied {
		t.Errorf("first line: %v %s", err, lines[0])
	}
	// An empty range is an empty 200.
	res = f.do(t, "GET", "/api/audit/events/export?to=2000-01-01", "", "admin")
	if res.status != 200 || len(res.body) != 0 {
		t.Errorf("empty export: %d %q", res.status, res.body)
	}

	// Without an audit log the API is not there.
	f.api.handler = asRole(New(Options{Reader: f.query, Writer: f.engine}))
	wantError(t, f.do(t, "GET", "/api/audit/events", "", "admin"), http.StatusNotFound, "NotFoundError", "The audit log is not configured")
}
