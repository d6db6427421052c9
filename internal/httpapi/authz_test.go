package httpapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/store/storetest"
)

// expect is what one role gets from one request: the status, a check of
// the body, and the audit events ("action outcome") it leaves.
type expect struct {
	status int
	check  func(t *testing.T, f *authzFixture, res response)
	events []string
}

// matrixCase is one request of the routes × roles matrix; path and body
// may name fixture entities' uids as {uid:name} and the served test files
// as {files}.
type matrixCase struct {
	route, method, path, body string
	want                      map[string]expect
}

// Expected entity sets.
var (
	paymentsOwned = []string{"cart-api", "cart-service", "checkout", "checkout-web"}
	everything    = []string{"ada", "build-tools", "callboard-test-org", "cart-api", "cart-service", "checkout", "checkout-web", "payments", "platform", "remote-service"}
)

// namesAre checks the entities of an array or {"items"} body by name,
// ignoring generated location entities; order counts when ordered.
func namesAre(want []string, ordered ...bool) func(*testing.T, *authzFixture, response) {
	return func(t *testing.T, _ *authzFixture, res response) {
		t.Helper()
		var items []json.RawMessage
		var page struct {
			Items []json.RawMessage `json:"items"`
		}
		if json.Unmarshal(res.body, &items) != nil {
			decode(t, res, &page)
			items = page.Items
		}
		got := namesOf(t, items)
		got = slices.DeleteFunc(got, func(n string) bool { return strings.HasPrefix(n, "generated-") })
		if len(ordered) == 0 {
			slices.Sort(got)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("entities (-want +got):\n%s", diff)
		}
	}
}

func bodyIs(want string) func(*testing.T, *authzFixture, response) {
	return func(t *testing.T, _ *authzFixture, res response) {
		t.Helper()
		if got := strings.TrimSpace(string(res.body)); got != want {
			t.Errorf("body\n%s\nwant\n%s", got, want)
		}
	}
}

func errorIs(name, message string) func(*testing.T, *authzFixture, response) {
	return func(t *testing.T, _ *authzFixture, res response) {
		t.Helper()
		wantError(t, res, res.status, name, message)
	}
}

func totalIs(n int) func(*testing.T, *authzFixture, response) {
	return func(t *testing.T, _ *authzFixture, res response) {
		t.Helper()
		var page struct {
			Items      []json.RawMessage `json:"items"`
			TotalItems int               `json:"totalItems"`
		}
		decode(t, res, &page)
		if page.TotalItems != n || len(page.Items) != n {
			t.Errorf("%d items, totalItems %d; want %d", len(page.Items), page.TotalItems, n)
		}
	}
}

// Shorthands for the common answers.
var (
	notAllowed = errorIs("NotAllowedError", "")
	readDenied = []string{"catalog.entity.read denied"}
)

func deniedWrite(perm string) expect {
	return expect{status: http.StatusForbidden, check: notAllowed, events: []string{perm + " denied"}}
}

// matrix lists every catalog route; reads come first, writes last, so one
// fixture per role serves them all.
func matrix() []matrixCase {
	const c = "/api/catalog"
	return []matrixCase{
		{route: "GET /entities", method: "GET", path: c + "/entities", want: map[string]expect{
			"allowed":     {status: 200, check: namesAre(everything)},
			"denied":      {status: 200, check: bodyIs("[]"), events: readDenied},
			"conditional": {status: 200, check: namesAre(paymentsOwned)},
		}},
		{route: "GET /entities (paginated)", method: "GET", path: c + "/entities?limit=20", want: map[string]expect{
			"allowed":     {status: 200, check: namesAre(everything)},
			"denied":      {status: 200, check: bodyIs("[]"), events: readDenied},
			"conditional": {status: 200, check: namesAre(paymentsOwned)},
		}},
		{route: "GET /entities/by-uid/{uid}", method: "GET", path: c + "/entities/by-uid/{uid:cart-service}", want: map[string]expect{
			"allowed":     {status: 200},
			"denied":      {status: 404, check: errorIs("NotFoundError", "No entity with uid {uid:cart-service}"), events: readDenied},
			"conditional": {status: 200},
		}},
		{route: "GET /entities/by-uid/{uid} (not owned)", method: "GET", path: c + "/entities/by-uid/{uid:build-tools}", want: map[string]expect{
			"allowed":     {status: 200},
			"denied":      {status: 404, events: readDenied},
			"conditional": {status: 404, check: errorIs("NotFoundError", "No entity with uid {uid:build-tools}")},
		}},
		{route: "GET /entities/by-name/{kind}/{namespace}/{name}", method: "GET", path: c + "/entities/by-name/component/default/build-tools", want: map[string]expect{
			"allowed":     {status: 200},
			"denied":      {status: 404, check: errorIs("NotFoundError", "No entity named 'build-tools' found, with kind 'component' in namespace 'default'"), events: readDenied},
			"conditional": {status: 404, check: errorIs("NotFoundError", "No entity named 'build-tools' found, with kind 'component' in namespace 'default'")},
		}},
		{route: "GET /entities/by-name/{kind}/{namespace}/{name} (owned)", method: "GET", path: c + "/entities/by-name/component/default/cart-service", want: map[string]expect{
			"allowed": {status: 200}, "denied": {status: 404, events: readDenied}, "conditional": {status: 200},
		}},
		{route: "GET /entities/by-name/{kind}/{namespace}/{name}/ancestry", method: "GET", path: c + "/entities/by-name/component/default/cart-service/ancestry", want: map[string]expect{
			"allowed": {status: 200, check: ancestryLen(3)},
			"denied":  {status: 404, check: errorIs("NotFoundError", "No such entity component:default/cart-service"), events: readDenied},
			// The locations that emitted it are not payments'.
			"conditional": {status: 200, check: ancestryLen(1)},
		}},
		{route: "GET /entities/by-name/{kind}/{namespace}/{name}/history", method: "GET", path: c + "/entities/by-name/component/default/cart-service/history", want: map[string]expect{
			"allowed": {status: 200}, "denied": {status: 404, events: readDenied}, "conditional": {status: 200},
		}},
		{route: "POST /entities/by-refs", method: "POST", path: c + "/entities/by-refs",
			body: `{"entityRefs":["component:default/cart-service","component:default/build-tools"],"fields":["metadata.name"]}`, want: map[string]expect{
				"allowed":     {status: 200, check: namesAre([]string{"cart-service", "build-tools"}, true)},
				"denied":      {status: 200, check: bodyIs(`{"items":[null,null]}`), events: readDenied},
				"conditional": {status: 200, check: namesAre([]string{"cart-service", "<null>"}, true)},
			}},
		{route: "GET /entities/by-query", method: "GET", path: c + "/entities/by-query?filter=kind=component", want: map[string]expect{
			"allowed":     {status: 200, check: totalIs(4)},
			"denied":      {status: 200, check: bodyIs(`{"items":[],"totalItems":0,"pageInfo":{}}`), events: readDenied},
			"conditional": {status: 200, check: totalIs(2)},
		}},
		{route: "POST /entities/by-query", method: "POST", path: c + "/entities/by-query", body: `{"query":{"kind":"component"},"limit":1}`, want: map[string]expect{
			"allowed":     {status: 200, check: pageTotal(4)},
			"denied":      {status: 200, check: bodyIs(`{"items":[],"totalItems":0,"pageInfo":{}}`), events: readDenied},
			"conditional": {status: 200, check: pageTotal(2)},
		}},
		{route: "GET /entity-facets", method: "GET", path: c + "/entity-facets?facet=kind", want: map[string]expect{
			"allowed":     {status: 200, check: bodyIs(`{"facets":{"kind":[{"value":"API","count":1},{"value":"Component","count":4},{"value":"Group","count":2},{"value":"Location","count":3},{"value":"System","count":1},{"value":"User","count":1}]}}`)},
			"denied":      {status: 200, check: bodyIs(`{"facets":{"kind":[]}}`), events: readDenied},
			"conditional": {status: 200, check: bodyIs(`{"facets":{"kind":[{"value":"API","count":1},{"value":"Component","count":2},{"value":"System","count":1}]}}`)},
		}},
		{route: "POST /entity-facets", method: "POST", path: c + "/entity-facets", body: `{"facets":["spec.type"],"query":{"kind":"component"}}`, want: map[string]expect{
			"allowed":     {status: 200, check: bodyIs(`{"facets":{"spec.type":[{"value":"library","count":1},{"value":"service","count":2},{"value":"website","count":1}]}}`)},
			"denied":      {status: 200, check: bodyIs(`{"facets":{"spec.type":[]}}`), events: readDenied},
			"conditional": {status: 200, check: bodyIs(`{"facets":{"spec.type":[{"value":"service","count":1},{"value":"website","count":1}]}}`)},
		}},
		{route: "GET /locations", method: "GET", path: c + "/locations", want: map[string]expect{
			"allowed":     {status: 200, check: locationCount(1)},
			"denied":      {status: 200, check: bodyIs("[]"), events: []string{"catalog.location.read denied"}},
			"conditional": {status: 200, check: locationCount(1)},
		}},
		{route: "POST /locations/by-query", method: "POST", path: c + "/locations/by-query", body: `{}`, want: map[string]expect{
			"allowed":     {status: 200},
			"denied":      {status: 200, check: bodyIs(`{"items":[],"totalItems":0,"pageInfo":{}}`), events: []string{"catalog.location.read denied"}},
			"conditional": {status: 200},
		}},
		{route: "GET /locations/{id}", method: "GET", path: c + "/locations/{location}", want: map[string]expect{
			"allowed":     {status: 200},
			"denied":      {status: 404, check: errorIs("NotFoundError", "Found no location with ID {location}"), events: []string{"catalog.location.read denied"}},
			"conditional": {status: 200},
		}},
		{route: "GET /locations/by-entity/{kind}/{namespace}/{name}", method: "GET", path: c + "/locations/by-entity/component/default/remote-service", want: map[string]expect{
			"allowed":     {status: 200},
			"denied":      {status: 404, check: errorIs("NotFoundError", "Found no location for entity component:default/remote-service"), events: []string{"catalog.location.read denied"}},
			"conditional": {status: 404, check: errorIs("NotFoundError", "No entity named 'remote-service' found, with kind 'component' in namespace 'default'")},
		}},
		{route: "POST /analyze-location", method: "POST", path: c + "/analyze-location", body: `{"location":{"type":"url","target":"https://github.com/acme/web"}}`, want: map[string]expect{
			"allowed": {status: 200}, "denied": deniedWrite("catalog.location.analyze"), "conditional": {status: 200},
		}},
		{route: "POST /validate-entity", method: "POST", path: c + "/validate-entity",
			body: `{"location":"url:https://example.com/x.yaml","entity":{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"x"},"spec":{"type":"service","lifecycle":"production","owner":"team"}}}`, want: map[string]expect{
				"allowed": {status: 200}, "denied": deniedWrite("catalog.entity.validate"), "conditional": {status: 200},
			}},
		{route: "GET /entities/unprocessed/pending", method: "GET", path: c + "/entities/unprocessed/pending", want: map[string]expect{
			"allowed": {status: 200}, "denied": deniedWrite("catalog.entities.unprocessed.read"), "conditional": {status: 200},
		}},
		{route: "GET /entities/unprocessed/failed", method: "GET", path: c + "/entities/unprocessed/failed", want: map[string]expect{
			"allowed": {status: 200}, "denied": deniedWrite("catalog.entities.unprocessed.read"), "conditional": {status: 200},
		}},
		{route: "GET /.well-known/backstage/permissions/metadata", method: "GET", path: c + "/.well-known/backstage/permissions/metadata", want: map[string]expect{
			"allowed": {status: 200}, "denied": {status: 200}, "conditional": {status: 200},
		}},
		{route: "POST /.well-known/backstage/permissions/apply-conditions", method: "POST", path: c + "/.well-known/backstage/permissions/apply-conditions",
			body: `{"items":[{"id":"1","resourceRef":"component:default/cart-service","resourceType":"catalog-entity","conditions":{"rule":"IS_ENTITY_KIND","resourceType":"catalog-entity","params":{"kinds":["component"]}}}]}`,
			want: map[string]expect{
				"allowed":     {status: 403, check: errorIs("NotAllowedError", "This endpoint does not allow 'user' credentials"), events: []string{"callboard.admin denied"}},
				"denied":      {status: 403, events: []string{"callboard.admin denied"}},
				"conditional": {status: 403, events: []string{"callboard.admin denied"}},
				"admin":       {status: 200, check: bodyIs(`{"items":[{"id":"1","result":"ALLOW"}]}`)},
				"service":     {status: 200, check: bodyIs(`{"items":[{"id":"1","result":"ALLOW"}]}`)},
			}},
		{route: "POST /api/permission/authorize", method: "POST", path: "/api/permission/authorize",
			body: `{"items":[{"id":"a","permission":{"type":"resource","name":"catalog.entity.delete","attributes":{"action":"delete"},"resourceType":"catalog-entity"},"resourceRef":["component:default/cart-service","component:default/build-tools"]},` +
				`{"id":"b","permission":{"type":"basic","name":"catalog.location.create","attributes":{"action":"create"}}}]}`,
			want: map[string]expect{
				"allowed":     {status: 200, check: bodyIs(`{"items":[{"id":"a","result":["ALLOW","ALLOW"]},{"id":"b","result":"ALLOW"}]}`)},
				"denied":      {status: 200, check: bodyIs(`{"items":[{"id":"a","result":["DENY","DENY"]},{"id":"b","result":"DENY"}]}`)},
				"conditional": {status: 200, check: bodyIs(`{"items":[{"id":"a","result":["ALLOW","DENY"]},{"id":"b","result":"ALLOW"}]}`)},
			}},
		{route: "GET /api/audit/events", method: "GET", path: "/api/audit/events?limit=1", want: map[string]expect{
			"allowed":     deniedWrite("callboard.audit.read"),
			"denied":      deniedWrite("callboard.audit.read"),
			"conditional": deniedWrite("callboard.audit.read"),
			"admin":       {status: 200},
			"service":     {status: 200},
		}},
		{route: "GET /api/audit/events/export", method: "GET", path: "/api/audit/events/export", want: map[string]expect{
			"allowed": deniedWrite("callboard.audit.read"), "denied": deniedWrite("callboard.audit.read"), "conditional": deniedWrite("callboard.audit.read"),
			"admin": {status: 200},
		}},
		// Writes.
		{route: "POST /refresh", method: "POST", path: c + "/refresh", body: `{"entityRef":"component:default/cart-service"}`, want: map[string]expect{
			"allowed":     {status: 200, events: []string{"catalog.entity.refresh succeeded"}},
			"denied":      deniedWrite("catalog.entity.refresh"),
			"conditional": {status: 200, events: []string{"catalog.entity.refresh succeeded"}},
		}},
		{route: "POST /refresh (not owned)", method: "POST", path: c + "/refresh", body: `{"entityRef":"component:default/build-tools"}`, want: map[string]expect{
			"allowed":     {status: 200, events: []string{"catalog.entity.refresh succeeded"}},
			"denied":      deniedWrite("catalog.entity.refresh"),
			"conditional": deniedWrite("catalog.entity.refresh"),
		}},
		{route: "POST /locations (dry run)", method: "POST", path: c + "/locations?dryRun=true", body: `{"type":"url","target":"{files}/remote/other-info.yaml"}`, want: map[string]expect{
			"allowed": {status: 201}, "denied": deniedWrite("catalog.location.create"), "conditional": {status: 201},
		}},
		{route: "POST /locations", method: "POST", path: c + "/locations", body: `{"type":"url","target":"{files}/remote/other-info.yaml"}`, want: map[string]expect{
			"allowed":     {status: 201, events: []string{"catalog.location.create succeeded"}},
			"denied":      deniedWrite("catalog.location.create"),
			"conditional": {status: 201, events: []string{"catalog.location.create succeeded"}},
		}},
		{route: "POST /locations (conflict)", method: "POST", path: c + "/locations", body: `{"type":"url","target":"{files}/remote/other-info.yaml"}`, want: map[string]expect{
			"allowed":     {status: 409, events: []string{"catalog.location.create failed"}},
			"denied":      deniedWrite("catalog.location.create"),
			"conditional": {status: 409, events: []string{"catalog.location.create failed"}},
		}},
		{route: "PUT /locations/{id}", method: "PUT", path: c + "/locations/{location}", body: `{"type":"url","target":"{files}/remote/catalog-info.yaml"}`, want: map[string]expect{
			"allowed":     {status: 200, events: []string{"catalog.location.create succeeded"}},
			"denied":      deniedWrite("catalog.location.create"),
			"conditional": {status: 200, events: []string{"catalog.location.create succeeded"}},
		}},
		{route: "DELETE /locations/{id}", method: "DELETE", path: c + "/locations/{location}", want: map[string]expect{
			"allowed":     {status: 204, events: []string{"catalog.location.delete succeeded"}},
			"denied":      deniedWrite("catalog.location.delete"),
			"conditional": {status: 204, events: []string{"catalog.location.delete succeeded"}},
		}},
		{route: "DELETE /entities/unprocessed/delete/{entityId}", method: "DELETE", path: c + "/entities/unprocessed/delete/no-such-id", want: map[string]expect{
			"allowed":     {status: 204, events: []string{"catalog.entities.unprocessed.delete succeeded"}},
			"denied":      deniedWrite("catalog.entities.unprocessed.delete"),
			"conditional": {status: 204, events: []string{"catalog.entities.unprocessed.delete succeeded"}},
		}},
		{route: "DELETE /entities/by-uid/{uid} (not owned)", method: "DELETE", path: c + "/entities/by-uid/{uid:build-tools}", want: map[string]expect{
			"allowed":     {status: 204, events: []string{"catalog.entity.delete succeeded"}},
			"denied":      deniedWrite("catalog.entity.delete"),
			"conditional": deniedWrite("catalog.entity.delete"),
		}},
		{route: "DELETE /entities/by-uid/{uid} (unknown)", method: "DELETE", path: c + "/entities/by-uid/no-such-uid", want: map[string]expect{
			"allowed":     {status: 204, events: []string{"catalog.entity.delete succeeded"}},
			"denied":      deniedWrite("catalog.entity.delete"),
			"conditional": deniedWrite("catalog.entity.delete"),
		}},
		{route: "DELETE /entities/by-uid/{uid} (owned)", method: "DELETE", path: c + "/entities/by-uid/{uid:cart-api}", want: map[string]expect{
			"allowed":     {status: 204, events: []string{"catalog.entity.delete succeeded"}},
			"denied":      deniedWrite("catalog.entity.delete"),
			"conditional": {status: 204, events: []string{"catalog.entity.delete succeeded"}, check: deletedWithBefore("api:default/cart-api")},
		}},
	}
}

func ancestryLen(n int) func(*testing.T, *authzFixture, response) {
	return func(t *testing.T, _ *authzFixture, res response) {
		t.Helper()
		var a struct {
			Items []struct {
				ParentEntityRefs []string `json:"parentEntityRefs"`
			} `json:"items"`
		}
		decode(t, res, &a)
		if len(a.Items) != n {
			t.Errorf("ancestry has %d items, want %d: %s", len(a.Items), n, res.body)
		}
		if n == 1 && len(a.Items) == 1 && len(a.Items[0].ParentEntityRefs) != 0 {
			t.Errorf("hidden parents are listed: %s", res.body)
		}
	}
}

func pageTotal(n int) func(*testing.T, *authzFixture, response) {
	return func(t *testing.T, _ *authzFixture, res response) {
		t.Helper()
		var page struct {
			TotalItems int `json:"totalItems"`
		}
		decode(t, res, &page)
		if page.TotalItems != n {
			t.Errorf("totalItems %d, want %d", page.TotalItems, n)
		}
	}
}

func locationCount(n int) func(*testing.T, *authzFixture, response) {
	return func(t *testing.T, _ *authzFixture, res response) {
		t.Helper()
		var locs []json.RawMessage
		decode(t, res, &locs)
		if len(locs) != n {
			t.Errorf("%d locations, want %d", len(locs), n)
		}
	}
}

// deletedWithBefore checks the delete's audit event keeps the entity.
func deletedWithBefore(ref string) func(*testing.T, *authzFixture, response) {
	return func(t *testing.T, f *authzFixture, _ response) {
		t.Helper()
		e := f.newestEvent(t)
		if e.Target != ref || !strings.Contains(string(e.Before), `"name":"cart-api"`) || e.Rule != "payments-owns" ||
			e.ActorRef != "user:default/paula" || e.IP != "192.0.2.10" || e.UserAgent != "matrix-test" {
			t.Errorf("delete event: %+v", e)
		}
	}
}

// TestRoutesRolesMatrix calls every catalog route (and the permission and
// audit routes) as a role that is allowed, one that is denied and one that
// gets a conditional decision, and checks status, body and audit events.
func TestRoutesRolesMatrix(t *testing.T) {
	cases := matrix()
	covered := map[string]bool{}
	for _, mc := range cases {
		covered[mc.method+" "+strings.Fields(mc.route)[1]] = true
	}
	for _, r := range scaffolderRolesCovered() { // TestScaffolderPermissions
		covered[r] = true
	}
	for _, r := range techdocsRolesCovered() { // TestTechdocsPermissions
		covered[r] = true
	}
	for _, r := range searchRolesCovered() { // TestSearchPermissions
		covered[r] = true
	}
	for _, dialect := range storetest.Dialects() {
		for _, role := range []string{"allowed", "denied", "conditional", "admin", "service"} {
			t.Run(string(dialect)+"/"+role, func(t *testing.T) {
				f := newAuthzFixture(t, storetest.Open(t, dialect))
				loc, err := f.engine.CreateLocation(t.Context(), catalogLocation(f.files+"/remote/catalog-info.yaml"), catalog.CreateLocationOptions{})
				if err != nil {
					t.Fatal(err)
				}
				f.waitIdle(t)
				_, last := f.eventsSince(t, 0)
				for _, mc := range cases {
					want, ok := mc.want[role]
					if !ok {
						continue
					}
					repl := strings.NewReplacer("{files}", f.files, "{location}", loc.Location.ID,
						"{uid:cart-service}", f.uids["cart-service"], "{uid:build-tools}", f.uids["build-tools"], "{uid:cart-api}", f.uids["cart-api"])
					res := f.do(t, mc.method, repl.Replace(mc.path), repl.Replace(mc.body), role)
					if res.status != want.status {
						t.Errorf("%s: status %d, want %d: %s", mc.route, res.status, want.status, res.body)
						continue
					}
					if want.check != nil {
						// Bodies are compared with the placeholders put back.
						unrepl := strings.NewReplacer(f.uids["cart-service"], "{uid:cart-service}", f.uids["build-tools"], "{uid:build-tools}", loc.Location.ID, "{location}")
						res.body = []byte(unrepl.Replace(string(res.body)))
						t.Run(mc.route, func(t *testing.T) { want.check(t, f, res) })
					}
					var events []string
					events, last = f.eventsSince(t, last)
					wantEvents := want.events
					if wantEvents == nil {
						wantEvents = []string{}
					}
					if diff := cmp.Diff(wantEvents, events); diff != "" {
						t.Errorf("%s: audit events (-want +got):\n%s", mc.route, diff)
					}
				}
			})
		}
	}

	// Every route of the surface is in the matrix (health aside).
	for _, rt := range (&server{}).routes() {
		method, path, _ := strings.Cut(rt.pattern, " ")
		path = strings.TrimPrefix(path, "/api/catalog")
		if strings.HasPrefix(path, "/healthcheck") || strings.HasPrefix(path, "/.backstage/health") {
			continue
		}
		if !covered[method+" "+path] && !covered[method+" "+rt.pattern[len(method)+1:]] {
			t.Errorf("route %s is not in the matrix", rt.pattern)
		}
	}
}

func catalogLocation(target string) catalog.LocationInput {
	return catalog.LocationInput{Type: "url", Target: target}
}
