package httpapi

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/internal/scaffolder"
	"github.com/callboard/callboard/plugin"
)

// engineAudit keeps the events the engine records.
type engineAudit struct {
	mu     sync.Mutex
	events []string
}

func (a *engineAudit) Record(_ context.Context, e audit.Event) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.events = append(a.events, e.Action+" "+string(e.Outcome))
	return nil
}

func (a *engineAudit) has(s string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, e := range a.events {
		if e == s {
			return true
		}
	}
	return false
}

// gateAction waits for the platform group's approval.
func gateAction() plugin.Action {
	return &fixtureAction{
		info: plugin.ActionInfo{ID: "test:gate"},
		run: func(ctx context.Context, ac *plugin.ActionContext) error {
			res, err := ac.Wait(ctx, plugin.Wait{Kind: plugin.WaitApproval, Approval: &plugin.ApprovalWait{
				Approvers: []string{"group:default/platform"}, MinApprovals: 1, Message: "Ship it?"}})
			if err != nil {
				return err
			}
			ac.Output("decision", res.Payload["decision"])
			return nil
		},
	}
}

// TestWorkflowRoutesOnTheEngine runs an approval through the real engine:
// the approver sees it, someone else is refused (and the refusal is in
// the engine's audit), the approval decides, and the task's graph and
// history answer in the documented shapes.
func TestWorkflowRoutesOnTheEngine(t *testing.T) {
	rec := &engineAudit{}
	f := newScaffolderFixture(t, func(o *scaffolder.Options) {
		o.Actions = append(o.Actions, gateAction())
		o.Audit = rec
	})
	f.catalog.add(t, "template:default/gated", `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: gated}
spec:
  type: service
  steps:
    - {id: gate, name: Gate, action: test:gate}
    - {id: publish, action: test:publish}
`)
	id, err := f.engine.Create(context.Background(), scaffolder.CreateRequest{TemplateRef: "template:default/gated", UserRef: "user:default/bob", CreatedBy: "user:default/bob"})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		res := f.do(t, "allowed", "GET", wf+"/approvals?status=pending", "", true)
		if res.status == 200 && strings.Contains(string(res.body), `"taskId":"`+id+`"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no pending approval: %d %s", res.status, res.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if res := f.do(t, "conditional", "GET", wf+"/approvals?status=pending", "", true); strings.Contains(string(res.body), id) {
		t.Errorf("a non-approver sees the approval: %s", res.body)
	}

	path := wf + "/tasks/" + id + "/steps/gate/decision"
	res := f.do(t, "conditional", "POST", path, `{"decision":"approve"}`, true)
	if res.status != 403 || !rec.has("scaffolder.approval.decide denied") {
		t.Errorf("non-approver: %d %s; engine audit %v", res.status, res.body, rec.events)
	}
	res = f.do(t, "allowed", "POST", path, `{"decision":"approve","comment":"fine"}`, true)
	if res.status != 200 || !strings.Contains(string(res.body), `"status":"decided"`) {
		t.Fatalf("approve: %d %s", res.status, res.body)
	}
	res = f.do(t, "allowed", "POST", path, `{"decision":"approve"}`, true)
	if res.status != 409 {
		t.Errorf("second vote: %d %s", res.status, res.body)
	}
	if st := f.waitTask(t, id); st != scaffolder.StatusCompleted {
		t.Fatalf("task %s", st)
	}

	// The task itself still answers as Backstage's spec says.
	if res := f.do(t, "allowed", "GET", wf+"/tasks/"+id, ""); res.status != 200 {
		t.Errorf("task: %d %s", res.status, res.body)
	}
	res = f.do(t, "allowed", "GET", wf+"/tasks/"+id+"/graph", "", true)
	if res.status != 200 || !strings.Contains(string(res.body), `"id":"gate"`) || !strings.Contains(string(res.body), `"status":"completed"`) {
		t.Errorf("graph: %d %s", res.status, res.body)
	}
	res = f.do(t, "allowed", "GET", wf+"/tasks/"+id+"/history", "", true)
	if res.status != 200 || !strings.Contains(string(res.body), `"stepId":"publish"`) {
		t.Errorf("history: %d %s", res.status, res.body)
	}
	res = f.do(t, "allowed", "GET", wf+"/templates/default/template/gated/graph", "", true)
	if res.status != 200 || !strings.Contains(string(res.body), `{"from":"gate","to":"publish"}`) {
		t.Errorf("template graph: %d %s", res.status, res.body)
	}
	res = f.do(t, "allowed", "POST", wf+"/callbacks/not-a-token", `{}`, true)
	if res.status < 400 || res.status >= 500 {
		t.Errorf("bad callback token: %d %s", res.status, res.body)
	}
}

// TestCreateDayTwoTask creates a task acting on an entity through the
// REST API: entityRef reaches the engine, which checks the template's
// entityFilter.
func TestCreateDayTwoTask(t *testing.T) {
	f := newScaffolderFixture(t)
	f.catalog.add(t, "template:default/day-two", `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: day-two}
spec:
  type: service
  entityFilter: {kind: Component}
  steps:
    - {id: publish, action: test:publish}
`)
	f.catalog.add(t, "component:default/web", `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: web}
spec: {type: website, owner: team, lifecycle: production}
`)
	f.catalog.add(t, "api:default/web-api", `apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: web-api}
spec: {type: openapi, owner: team, lifecycle: production, definition: x}
`)
	ok := f.do(t, "allowed", "POST", "/api/scaffolder/v2/tasks", `{"templateRef":"template:default/day-two","values":{},"entityRef":"component:default/web"}`)
	if ok.status != 201 {
		t.Fatalf("matching entity: %d %s", ok.status, ok.body)
	}
	bad := f.do(t, "allowed", "POST", "/api/scaffolder/v2/tasks", `{"templateRef":"template:default/day-two","values":{},"entityRef":"api:default/web-api"}`, true)
	if bad.status != 400 || !strings.Contains(string(bad.body), "entityFilter") {
		t.Errorf("entity the template does not apply to: %d %s", bad.status, bad.body)
	}
}
