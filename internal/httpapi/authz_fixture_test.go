package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/internal/auth"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/config"
	"github.com/callboard/callboard/internal/permission"
	"github.com/callboard/callboard/internal/store"
)

// authzPolicy is the policy of the authorization tests: contractors may
// not touch the catalog, payments sees and changes only what it owns.
const authzPolicy = `
permission:
  admins: [group:default/admins]
  rules:
    - name: contractors-out
      permission: "catalog.*"
      groups: [contractors]
      decision: deny
    - name: payments-owns
      permission: "catalog.entity.*"
      groups: [payments]
      decision: conditional
      conditions:
        isEntityOwner: {}
`

// roles are the identities the tests call as, by the X-Test-Role header.
var roles = map[string]*auth.Identity{
	"admin":       {Kind: auth.KindUser, UserEntityRef: "user:default/root", OwnershipEntityRefs: []string{"user:default/root", "group:default/admins"}},
	"allowed":     {Kind: auth.KindUser, UserEntityRef: "user:default/ada", OwnershipEntityRefs: []string{"user:default/ada", "group:default/platform"}},
	"denied":      {Kind: auth.KindUser, UserEntityRef: "user:default/eve", OwnershipEntityRefs: []string{"user:default/eve", "group:default/contractors"}},
	"conditional": {Kind: auth.KindUser, UserEntityRef: "user:default/paula", OwnershipEntityRefs: []string{"user:default/paula", "group:default/payments"}},
	"service":     {Kind: auth.KindService, Subject: "external:ci"},
}

// authzFixture is the API over the real engine, with the test policy and
// a real audit log on the same database.
type authzFixture struct {
	testCatalog
	api   *apiClient
	db    *store.DB
	query *catalog.Query
	log   *audit.Log
	// uids of fixture entities by name.
	uids map[string]string
}

func newAuthzFixture(t *testing.T, db *store.DB) *authzFixture {
	t.Helper()
	c := startCatalog(t, db)
	log := c.logger
	query := catalog.NewQuery(store.NewCatalogReader(db), catalog.QueryOptions{Logger: log})
	policy := testPolicy(t, authzPolicy, query)
	auditLog, err := audit.New(audit.Options{Store: store.NewAudit(db), Actor: actorOf, Logger: log, ClientIPHeader: "X-Forwarded-For"})
	if err != nil {
		t.Fatal(err)
	}
	api := New(Options{Reader: query, Writer: c.engine, Analyzer: c.orch, Unprocessed: catalog.NewUnprocessed(store.NewCatalog(db), c.engine),
		Logger: log, Permissions: policy, Audit: auditLog})
	f := &authzFixture{
		testCatalog: c,
		api:         &apiClient{handler: asRole(auditLog.Middleware(api)), validator: newSpecValidator(t)},
		db:          db,
		query:       query,
		log:         auditLog,
		uids:        map[string]string{},
	}
	f.waitIdle(t)
	for _, name := range []string{"cart-service", "build-tools", "cart-api"} {
		raw, err := query.EntityByRef(context.Background(), entity.Ref{Kind: "component", Name: name})
		if name == "cart-api" {
			raw, err = query.EntityByRef(context.Background(), entity.Ref{Kind: "api", Name: name})
		}
		if err != nil {
			t.Fatal(err)
		}
		var e entity.Entity
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatal(err)
		}
		f.uids[name] = e.Metadata.UID
	}
	return f
}

// testPolicy builds the policy from app-config YAML through the config
// loader, as the app does.
func testPolicy(t testing.TB, src string, query *catalog.Query) *permission.Policy {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app-config.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, warnings, err := config.Load([]string{path}, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) > 0 {
		t.Fatalf("config warnings: %v", warnings)
	}
	pc, err := permission.LoadConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var catalogDefs []permission.Definition
	for _, p := range catalog.Permissions() {
		catalogDefs = append(catalogDefs, permission.Definition{
			Permission: permission.Permission{Name: p.Name, Type: p.Type, Action: p.Action, ResourceType: p.ResourceType},
			PluginID:   permission.PluginCatalog,
		})
	}
	defs, err := permission.NewDefinitions(catalogDefs, permission.ScaffolderDefinitions(), permission.CallboardDefinitions())
	if err != nil {
		t.Fatal(err)
	}
	appliers := map[string]permission.ConditionApplier{}
	if query != nil {
		appliers[catalog.ResourceTypeEntity] = query
	}
	p, err := permission.NewPolicy(permission.Options{Config: pc, Definitions: defs, Appliers: appliers})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// actorOf is the audit log's view of the caller, as the app wires it.
func actorOf(ctx context.Context) audit.Actor {
	id, ok := auth.IdentityFrom(ctx)
	if !ok {
		return audit.Actor{Kind: audit.ActorAnonymous}
	}
	return audit.Actor{Ref: id.Principal(), Kind: string(id.Kind)}
}

// asRole puts the identity named by X-Test-Role in the request context,
// standing in for the authentication middleware.
func asRole(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, ok := roles[r.Header.Get("X-Test-Role")]; ok {
			r = r.WithContext(auth.WithIdentity(r.Context(), id))
		}
		next.ServeHTTP(w, r)
	})
}

// eventsSince returns "action outcome" of the events after id, oldest
// first, and the newest id.
func (f *authzFixture) eventsSince(t *testing.T, after int64) ([]string, int64) {
	t.Helper()
	page, err := f.log.Events(context.Background(), audit.Filter{}, "", audit.MaxLimit)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	newest := after
	for i := len(page.Items) - 1; i >= 0; i-- {
		e := page.Items[i]
		if e.ID <= after {
			continue
		}
		out = append(out, e.Action+" "+string(e.Outcome))
		newest = max(newest, e.ID)
	}
	return out, newest
}

func (f *authzFixture) newestEvent(t *testing.T) audit.Event {
	t.Helper()
	page, err := f.log.Events(context.Background(), audit.Filter{}, "", 1)
	if err != nil || len(page.Items) == 0 {
		t.Fatalf("no events: %v", err)
	}
	return page.Items[0]
}

func init() {
	// The audit export is JSON Lines; the spec checks it as text.
	openapi3filter.RegisterBodyDecoder("application/x-ndjson", openapi3filter.PlainBodyDecoder)
}

// do sends a request as role. Responses are validated against the specs,
// except refusals (403) of Backstage routes whose spec lists no 403 (such
// as validate-entity): Backstage answers them so too, with its error body,
// which is checked here instead.
func (f *authzFixture) do(t *testing.T, method, target, body, role string) response {
	t.Helper()
	res := serve(t, f.api.handler, method, target, body,
		"X-Test-Role", role, "User-Agent", "matrix-test", "X-Forwarded-For", "192.0.2.10")
	if res.status == http.StatusForbidden {
		wantError(t, res, http.StatusForbidden, "NotAllowedError", errorMessage(t, res))
		return res
	}
	f.api.validate(t, method, target, body, res)
	return res
}

// errorMessage returns the message of an error body.
func errorMessage(t *testing.T, res response) string {
	t.Helper()
	var b struct {
		Error struct{ Message string } `json:"error"`
	}
	decode(t, res, &b)
	return b.Error.Message
}
