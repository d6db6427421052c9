package app

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/internal/auth"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/config"
	"github.com/callboard/callboard/internal/problem"
)

// A policy that keeps the guest from registering locations and lets it
// read only groups, and makes it an admin so it can read the audit log.
var guestPolicy = []string{
	`APP_CONFIG_permission={"admins":["user:development/guest"],"rules":[` +
		`{"name":"no-registering","permission":"catalog.location.create","users":["user:development/guest"],"decision":"deny"},` +
		`{"name":"groups-only","permission":"catalog.entity.read","decision":"conditional","conditions":{"isEntityKind":{"kinds":["Group"]}}}]}`,
}

func TestPolicyEnforcedAndAudited(t *testing.T) {
	base, _ := startDemo(t, guestPolicy...)
	c := guestClient(t, base)

	resp, body := send(t, c, http.MethodPost, base+"/api/catalog/locations", `{"type":"url","target":"https://example.com/catalog-info.yaml"}`,
		"Content-Type", "application/json", "User-Agent", "policy-test")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `"name":"NotAllowedError"`) {
		t.Errorf("register: %d %s", resp.StatusCode, body)
	}
	var page struct {
		Items []struct {
			Metadata struct{ Name string } `json:"metadata"`
			Kind     string                `json:"kind"`
		} `json:"items"`
		TotalItems int `json:"totalItems"`
	}
	getJSON(t, c, base+"/api/catalog/entities/by-query?limit=500", &page)
	if page.TotalItems == 0 {
		t.Fatal("the guest sees no groups")
	}
	for _, e := range page.Items {
		if e.Kind != "Group" {
			t.Errorf("the guest sees %s %s", e.Kind, e.Metadata.Name)
		}
	}

	var events audit.Page
	if code := getJSON(t, c, base+"/api/audit/events?action=catalog.location.create", &events); code != http.StatusOK || len(events.Items) != 1 {
		t.Fatalf("audit events: %d %+v", code, events)
	}
	e := events.Items[0]
	if e.Outcome != audit.OutcomeDenied || e.Rule != "no-registering" || e.ActorRef != "user:development/guest" || e.ActorKind != "guest" ||
		e.UserAgent != "policy-test" || e.IP != "127.0.0.1" {
		t.Errorf("denial: %+v", e)
	}
	// Writes other handlers serve are recorded too: a personal access token.
	resp, body = send(t, c, http.MethodPost, base+"/api/auth/v1/tokens", `{"name":"ci","scopes":["read"]}`, "Content-Type", "application/json")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create token: %d %s", resp.StatusCode, body)
	}
	if code := getJSON(t, c, base+"/api/audit/events?action=http.post&target=/api/auth/v1/tokens", &events); code != http.StatusOK || len(events.Items) != 1 ||
		events.Items[0].Outcome != audit.OutcomeSucceeded || events.Items[0].ActorRef != "user:development/guest" || strings.Contains(string(events.Items[0].Details), "cbp_") {
		t.Errorf("token event: %d %+v", code, events)
	}
	if code := getJSON(t, c, base+"/api/audit/events?action=permission.policy.change", &events); code != http.StatusOK || len(events.Items) != 1 ||
		!strings.Contains(string(events.Items[0].After), `"no-registering"`) {
		t.Errorf("policy change: %d %+v", code, events)
	}
}

// TestDemoPolicyDefaults: with no permission section, the guest reads the
// catalog and registers locations, and the audit log is for admins only.
func TestDemoPolicyDefaults(t *testing.T) {
	base, _ := startDemo(t)
	c := guestClient(t, base)
	if code := getJSON(t, c, base+"/api/audit/events", nil); code != http.StatusForbidden {
		t.Errorf("audit events as a non-admin: %d", code)
	}
	var list []any
	if code := getJSON(t, c, base+"/api/catalog/entities", &list); code != http.StatusOK || len(list) < 10 {
		t.Errorf("catalog: %d, %d entities", code, len(list))
	}
}

func TestPolicyChangeRecordedOnce(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
	db := filepath.Join(t.TempDir(), "callboard.db")
	build := func(environ ...string) *App {
		t.Helper()
		cfg, _, err := config.LoadEnviron([]string{"examples/app-config.yaml"},
			append([]string{"APP_CONFIG_backend_database_connection=" + db, "APP_CONFIG_catalog_processingInterval=false"}, environ...))
		if err != nil {
			t.Fatal(err)
		}
		a, err := New(context.Background(), Options{Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		return a
	}
	changes := func(a *App) []audit.Event {
		page, err := a.audit.Events(context.Background(), audit.Filter{Action: "permission.policy.change"}, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		return page.Items
	}
	build()
	if n := len(changes(build())); n != 1 {
		t.Errorf("%d policy changes after two starts with one policy, want 1", n)
	}
	got := changes(build(`APP_CONFIG_permission_admins=["group:default/admins"]`))
	if len(got) != 2 || !strings.Contains(string(got[0].After), "group:default/admins") || len(got[0].Before) == 0 || got[0].ActorKind != audit.ActorSystem {
		t.Errorf("changes: %+v", got)
	}
}

func TestBadPolicyIsAConfigError(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
	cfg, _, err := config.LoadEnviron([]string{"examples/app-config.yaml"}, []string{
		"APP_CONFIG_backend_database_connection=" + filepath.Join(t.TempDir(), "db"),
		`APP_CONFIG_permission={"rules":[{"name":"typo","permission":"*","when":"user.reff == ''","decision":"deny"}]}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(context.Background(), Options{Config: cfg})
	if err == nil || !strings.Contains(err.Error(), "permission.rules[0] (typo): when:") {
		t.Errorf("err = %v", err)
	}
}

func TestPageAuthz(t *testing.T) {
	_, a := startDemo(t, guestPolicy...)
	authz := pageAuthz{policy: a.policy, query: a.query, audit: a.audit, log: a.log}
	guest := auth.WithIdentity(context.Background(), &auth.Identity{Kind: auth.KindGuest, UserEntityRef: "user:development/guest",
		OwnershipEntityRefs: []string{"user:development/guest"}})
	if err := authz.authorize(guest, "catalog.location.create", ""); !problem.Is(err, problem.NotAllowedError) {
		t.Errorf("register: %v", err)
	}
	if err := authz.authorize(guest, "catalog.location.delete", ""); err != nil {
		t.Errorf("unregister: %v", err)
	}
	rd, err := authz.readerFor(guest)
	if err != nil {
		t.Fatal(err)
	}
	facets, err := rd.Facets(guest, catalogFacets("kind"))
	if err != nil || len(facets["kind"]) != 1 || facets["kind"][0].Value != "Group" {
		t.Errorf("kinds the guest sees: %v %v", facets, err)
	}
	// Nobody signed in sees nothing.
	rd, err = authz.readerFor(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if facets, err := rd.Facets(context.Background(), catalogFacets("kind")); err != nil || len(facets["kind"]) != 0 {
		t.Errorf("kinds nobody sees: %v %v", facets, err)
	}
}

func catalogFacets(keys ...string) catalog.FacetsRequest { return catalog.FacetsRequest{Facets: keys} }

func TestAdminPages(t *testing.T) {
	base, _ := startDemo(t, guestPolicy...)
	c := guestClient(t, base)
	resp, body := send(t, c, http.MethodGet, base+"/admin/permissions?user=user:development/guest&permission=catalog.location.create", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Decided by <strong>no-registering</strong>.") ||
		!strings.Contains(body, "<strong>DENY</strong>: <code>user:development/guest</code>") {
		t.Errorf("explain: %d\n%s", resp.StatusCode, body)
	}
	// A demo user, with ownership through their groups, on one entity.
	resp, body = send(t, c, http.MethodGet, base+"/admin/permissions?user=user:default/ines.varga&permission=catalog.entity.read&entity=group:default/harbour-team", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "groups-only") {
		t.Errorf("explain on an entity: %d\n%s", resp.StatusCode, body)
	}
	resp, body = send(t, c, http.MethodGet, base+"/audit?action=permission.*", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "permission.policy.change") {
		t.Errorf("audit page: %d\n%s", resp.StatusCode, body)
	}
}

func TestAdminPagesNeedAdmins(t *testing.T) {
	base, _ := startDemo(t)
	c := guestClient(t, base)
	for _, p := range []string{"/admin/permissions", "/audit"} {
		if resp, _ := send(t, c, http.MethodGet, base+p, ""); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s as a non-admin: %d", p, resp.StatusCode)
		}
	}
}
