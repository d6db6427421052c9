package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/internal/auth"
	"github.com/callboard/callboard/internal/permission"
	"github.com/callboard/callboard/internal/problem"
)

// fakeExplainer answers from fixed data and records the questions.
type fakeExplainer struct {
	asked []ExplainQuery
}

func (f *fakeExplainer) View() permission.PolicyView {
	return permission.PolicyView{
		Enabled: true,
		Admins:  []string{"group:default/platform"},
		Rules: []permission.RuleView{
			{Name: "contractors-read-only", Permission: "catalog.*", Groups: []string{"group:default/contractors"}, When: `permission.action != "read"`, Decision: "deny"},
			{Name: "owners-delete", Permission: "catalog.entity.delete", Decision: "conditional",
				Conditions: `{"rule":"IS_ENTITY_OWNER","resourceType":"catalog-entity","params":{"claims":["(the user's ownership refs)"]}}`},
		},
	}
}

func (f *fakeExplainer) PermissionNames() []string {
	return []string{"catalog.entity.delete", "catalog.entity.read", "callboard.audit.read"}
}

func (f *fakeExplainer) Explain(_ context.Context, q ExplainQuery) (*Explanation, error) {
	f.asked = append(f.asked, q)
	if q.Entity == "not a ref:" {
		return nil, problem.Input(`Entity reference "not a ref:" was not on the form [<kind>:][<namespace>/]<name>`)
	}
	e := &Explanation{
		User: "user:default/jane", InCatalog: true, Ownership: []string{"user:default/jane", "group:default/harbour"},
		Permission: permission.Permission{Name: q.Permission, Type: "resource", Action: "delete", ResourceType: "catalog-entity"}, Known: true,
		Entity: q.Entity, Result: permission.Allow, Rule: "owners-delete",
	}
	if q.Entity == "" {
		e.Result = permission.Conditional
		e.Conditions = `{"rule":"IS_ENTITY_OWNER","resourceType":"catalog-entity","params":{"claims":["user:default/jane","group:default/harbour"]}}`
	}
	return e, nil
}

// fakeAudit serves two pages of events.
type fakeAudit struct {
	filters []audit.Filter
	cursors []string
}

func (f *fakeAudit) Events(_ context.Context, filter audit.Filter, cursor string, limit int) (*audit.Page, error) {
	f.filters, f.cursors = append(f.filters, filter), append(f.cursors, cursor)
	if cursor == "bad" {
		return nil, problem.Input("Malformed cursor")
	}
	at := time.Date(2026, 11, 20, 9, 30, 15, 0, time.UTC)
	if cursor != "" {
		return &audit.Page{Items: []audit.Event{{ID: 1, Time: at.Add(-time.Hour), ActorRef: "callboard", ActorKind: "system",
			Action: "permission.policy.change", Target: "permission", Outcome: audit.OutcomeSucceeded, After: json.RawMessage(`{"enabled":true}`)}}}, nil
	}
	return &audit.Page{NextCursor: "older-1", Items: []audit.Event{
		{ID: 3, Time: at, ActorRef: "user:default/jane", ActorKind: "user", Action: "catalog.location.create", Target: "url:https://git.example.com/harbour/catalog-info.yaml",
			Outcome: audit.OutcomeSucceeded, Rule: "(default: signed-in users)", IP: "192.0.2.7", UserAgent: "Mozilla/5.0",
			After: json.RawMessage(`{"id":"loc-1","type":"url","target":"https://git.example.com/harbour/catalog-info.yaml"}`)},
		{ID: 2, Time: at.Add(-time.Minute), ActorRef: "user:default/eve", ActorKind: "user", Action: "catalog.entity.delete", Target: "component:default/tide-clock",
			Outcome: audit.OutcomeDenied, Rule: "contractors-read-only", IP: "198.51.100.1"},
	}}, nil
}

// adminSite serves the admin pages as jane; refuse lists the permissions
// Authorize refuses.
func adminSite(t *testing.T, x *fakeExplainer, a *fakeAudit, refuse ...string) http.Handler {
	t.Helper()
	h := NewAdminPages(AdminOptions{
		Policy: x, Audit: a,
		Authorize: func(_ context.Context, name string) error {
			for _, r := range refuse {
				if r == name {
					return problem.NotAllowed("You are not allowed to do this (%s).", name)
				}
			}
			return nil
		},
		Logger: slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(auth.WithIdentity(r.Context(), janeSession)))
	})
}

func TestAdminPermissionsPage(t *testing.T) {
	x := &fakeExplainer{}
	h := adminSite(t, x, &fakeAudit{})
	rec := send(t, h, http.MethodGet, "/admin/permissions", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	checkGolden(t, "admin-permissions", rec.Body.String())

	rec = send(t, h, http.MethodGet, "/admin/permissions?user=jane&permission=catalog.entity.delete&entity=component:default/tide-clock", nil)
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, "<strong>ALLOW</strong>: <code>user:default/jane</code> may use <code>catalog.entity.delete</code> on <code>component:default/tide-clock</code>.") ||
		!strings.Contains(body, "Decided by <strong>owners-delete</strong>.") {
		t.Errorf("answer: %d\n%s", rec.Code, body)
	}
	checkGolden(t, "admin-permissions-answer", body)
	want := []ExplainQuery{{User: "jane", Permission: "catalog.entity.delete", Entity: "component:default/tide-clock"}}
	if diff := cmp.Diff(want, x.asked); diff != "" {
		t.Errorf("asked (-want +got):\n%s", diff)
	}

	rec = send(t, h, http.MethodGet, "/admin/permissions?user=jane&permission=catalog.entity.delete", nil)
	if !strings.Contains(rec.Body.String(), "<strong>CONDITIONAL</strong>") || !strings.Contains(rec.Body.String(), "group:default/harbour") {
		t.Errorf("conditional answer:\n%s", rec.Body)
	}
	for target, msg := range map[string]string{
		"/admin/permissions?user=jane": "Give a user and a permission.",
		"/admin/permissions?user=jane&permission=catalog.entity.delete&entity=not+a+ref:": "was not on the form",
	} {
		rec := send(t, h, http.MethodGet, target, nil)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), msg) {
			t.Errorf("%s: %d\n%s", target, rec.Code, rec.Body)
		}
	}

	rec = send(t, adminSite(t, x, &fakeAudit{}, permission.CallboardPolicyRead), http.MethodGet, "/admin/permissions", nil)
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "You are not allowed to do this (callboard.policy.read).") {
		t.Errorf("refused: %d\n%s", rec.Code, rec.Body)
	}
}

func TestAuditPage(t *testing.T) {
	a := &fakeAudit{}
	h := adminSite(t, &fakeExplainer{}, a)
	rec := send(t, h, http.MethodGet, "/audit", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	checkGolden(t, "audit", rec.Body.String())

	rec = send(t, h, http.MethodGet, "/audit?actor=user:default/eve&action=catalog.*&target=&from=2026-11-20&to=2026-11-20&cursor=older-1", nil)
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, `href="/audit?action=catalog.%2A&amp;actor=user%3Adefault%2Feve&amp;from=2026-11-20&amp;to=2026-11-20">Newest events</a>`) ||
		!strings.Contains(body, `href="/api/audit/events/export?from=2026-11-20&amp;to=2026-11-20"`) || !strings.Contains(body, "permission.policy.change") ||
		strings.Contains(body, "Older events") {
		t.Errorf("second page: %d\n%s", rec.Code, body)
	}
	last := a.filters[len(a.filters)-1]
	wantFilter := audit.Filter{Actor: "user:default/eve", Action: "catalog.*", From: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)}
	if diff := cmp.Diff(wantFilter, last); diff != "" || a.cursors[len(a.cursors)-1] != "older-1" {
		t.Errorf("filter (-want +got):\n%s", diff)
	}

	for target, msg := range map[string]string{
		"/audit?from=last+week": `From: &#34;last week&#34; is neither an RFC 3339 time nor a date (YYYY-MM-DD)`,
		"/audit?cursor=bad":     "Malformed cursor",
	} {
		rec := send(t, h, http.MethodGet, target, nil)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), msg) {
			t.Errorf("%s: %d\n%s", target, rec.Code, rec.Body)
		}
	}
	rec = send(t, adminSite(t, &fakeExplainer{}, a, permission.CallboardAuditRead), http.MethodGet, "/audit", nil)
	if rec.Code != http.StatusForbidden {
		t.Errorf("refused: %d", rec.Code)
	}
	if rec := send(t, h, http.MethodGet, "/audit/other", nil); rec.Code != http.StatusNotFound {
		t.Errorf("unknown path: %d", rec.Code)
	}
}
