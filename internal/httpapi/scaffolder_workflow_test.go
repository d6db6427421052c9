package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

// fakeWorkflows stands in for the engine's workflow methods; the other
// Scaffolder methods are not called by these routes. Each method records
// its argument and answers with err when set.
type fakeWorkflows struct {
	Scaffolder
	mu        sync.Mutex
	calls     []string
	query     scaffolder.ApprovalQuery
	decision  scaffolder.Decision
	replay    scaffolder.ReplayRequest
	token     string
	payload   map[string]any
	err       error
	approval  *scaffolder.Approval
	approvals []scaffolder.Approval
	graph     *scaffolder.Graph
	history   []scaffolder.StepState
	template  *scaffolder.Template
	// refusals counts refused decisions, which the engine records in
	// the audit log.
	refusals int
}

func (f *fakeWorkflows) called(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, name)
}

func (f *fakeWorkflows) Approvals(_ context.Context, q scaffolder.ApprovalQuery) ([]scaffolder.Approval, error) {
	f.called("Approvals")
	f.query = q
	return f.approvals, f.err
}

func (f *fakeWorkflows) Decide(_ context.Context, d scaffolder.Decision) (*scaffolder.Approval, error) {
	f.called("Decide")
	f.decision = d
	if f.err != nil {
		if problem.Is(f.err, problem.NotAllowedError) {
			f.refusals++
		}
		return nil, f.err
	}
	return f.approval, nil
}

func (f *fakeWorkflows) Callback(_ context.Context, token string, payload map[string]any) error {
	f.called("Callback")
	f.token, f.payload = token, payload
	return f.err
}

func (f *fakeWorkflows) Replay(_ context.Context, r scaffolder.ReplayRequest) error {
	f.called("Replay")
	f.replay = r
	return f.err
}

func (f *fakeWorkflows) TaskGraph(_ context.Context, id string) (*scaffolder.Graph, error) {
	f.called("TaskGraph " + id)
	return f.graph, f.err
}

func (f *fakeWorkflows) StepHistory(_ context.Context, id string) ([]scaffolder.StepState, error) {
	f.called("StepHistory " + id)
	return f.history, f.err
}

func (f *fakeWorkflows) Template(_ context.Context, ref string) (*scaffolder.Template, error) {
	f.called("Template " + ref)
	if f.err != nil {
		return nil, f.err
	}
	return f.template, nil
}

// workflowFixture is the API over fakeWorkflows with the test policy
// (contractors are refused scaffolder.*) and a real audit log.
type workflowFixture struct {
	api   *apiClient
	fake  *fakeWorkflows
	audit *audit.Log
	last  int64
}

func newWorkflowFixture(t *testing.T, slackOpts *SlackOptions) *workflowFixture {
	t.Helper()
	db := storetest.Open(t, store.SQLite)
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	auditLog, err := audit.New(audit.Options{Store: store.NewAudit(db), Actor: actorOf, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	fake := &fakeWorkflows{}
	h := asRole(auditLog.Middleware(New(Options{
		Logger: log, Permissions: testPolicy(t, scaffolderSpecPolicy, nil), Audit: auditLog, Scaffolder: fake, Slack: slackOpts,
	})))
	f := &workflowFixture{api: &apiClient{handler: h, validator: newSpecValidator(t)}, fake: fake, audit: auditLog}
	t.Cleanup(func() {
		if f.api.checked == 0 {
			t.Error("no response was validated against api/scaffolder.openapi.yaml")
		}
	})
	return f
}

// call resets the fake to answer err, sends the request as role and
// returns the answer, the fake's calls and the audit events it left.
func (f *workflowFixture) call(t *testing.T, role, method, target, body string, err error, hdr ...string) (response, []string, []string) {
	t.Helper()
	f.fake.mu.Lock()
	f.fake.calls, f.fake.err = nil, err
	f.fake.mu.Unlock()
	res := f.api.do(t, method, target, body, append([]string{"X-Test-Role", role}, hdr...)...)
	page, perr := f.audit.Events(context.Background(), audit.Filter{}, "", audit.MaxLimit)
	if perr != nil {
		t.Fatal(perr)
	}
	var events []string
	newest := f.last
	for i := len(page.Items) - 1; i >= 0; i-- {
		if e := page.Items[i]; e.ID > f.last {
			events = append(events, e.Action+" "+string(e.Outcome))
			newest = max(newest, e.ID)
		}
	}
	f.last = newest
	return res, f.fake.calls, events
}

const wf = "/api/scaffolder/v2"

func TestListApprovals(t *testing.T) {
	f := newWorkflowFixture(t, nil)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	f.fake.approvals = []scaffolder.Approval{{
		ID: "w1", ApprovalRequest: scaffolder.ApprovalRequest{TaskID: "t1", StepID: "approve", Requester: "user:default/bob",
			Approvers: []string{"group:default/platform"}, MinApprovals: 1, Message: "Ship it?"},
		Status: "pending", Votes: []scaffolder.Vote{}, CreatedAt: at,
	}}

	res, calls, events := f.call(t, "allowed", "GET", wf+"/approvals?status=pending&limit=5", "", nil)
	if res.status != 200 || !strings.Contains(string(res.body), `"message":"Ship it?"`) || len(events) != 0 {
		t.Fatalf("allowed: %d %s %v", res.status, res.body, events)
	}
	want := scaffolder.ApprovalQuery{Status: "pending", Actor: "user:default/ada", Refs: []string{"user:default/ada", "group:default/platform"}, Limit: 5}
	if diff := cmp.Diff(want, f.fake.query); diff != "" || len(calls) != 1 {
		t.Errorf("query (-want +got):\n%s calls %v", diff, calls)
	}

	for _, tc := range []struct {
		name, role, target string
		status             int
		body               string
		events             []string
	}{
		{"denied", "denied", wf + "/approvals", 200, `{"items":[]}`, []string{"scaffolder.task.read denied"}},
		{"service", "service", wf + "/approvals", 200, `{"items":[]}`, nil},
		{"bad status", "allowed", wf + "/approvals?status=open", 400, "", nil},
		{"bad limit", "allowed", wf + "/approvals?limit=-1", 400, "", nil},
	} {
		res, calls, events := f.call(t, tc.role, "GET", tc.target, "", nil)
		if res.status != tc.status || tc.body != "" && strings.TrimSpace(string(res.body)) != tc.body {
			t.Errorf("%s: %d %s", tc.name, res.status, res.body)
		}
		if len(calls) != 0 {
			t.Errorf("%s: engine called: %v", tc.name, calls)
		}
		if diff := cmp.Diff(tc.events, events); diff != "" {
			t.Errorf("%s: audit (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestDecideApproval(t *testing.T) {
	f := newWorkflowFixture(t, nil)
	f.fake.approval = &scaffolder.Approval{ID: "w1", ApprovalRequest: scaffolder.ApprovalRequest{TaskID: "t1", StepID: "gate", Requester: "user:default/bob", Approvers: []string{"user:default/ada"}, MinApprovals: 1},
		Status: "decided", Decision: "approve", CreatedAt: time.Now(), DecidedAt: time.Now(),
		Votes: []scaffolder.Vote{{Actor: "user:default/ada", Decision: "approve", Comment: "ok", At: time.Now(), Via: "api"}}}
	path := wf + "/tasks/t1/steps/gate/decision"

	res, calls, events := f.call(t, "allowed", "POST", path, `{"decision":"approve","comment":"ok"}`, nil)
	if res.status != 200 || !strings.Contains(string(res.body), `"decision":"approve"`) {
		t.Fatalf("approve: %d %s", res.status, res.body)
	}
	want := scaffolder.Decision{TaskID: "t1", StepID: "gate", Actor: "user:default/ada", Refs: []string{"user:default/ada", "group:default/platform"},
		Decision: "approve", Comment: "ok", Via: "api"}
	if diff := cmp.Diff(want, f.fake.decision); diff != "" || len(calls) != 1 || len(events) != 0 {
		t.Errorf("decision (-want +got):\n%s calls %v events %v", diff, calls, events)
	}

	// The engine's refusals map once; a refused decision reaches the
	// engine, which records it.
	for _, tc := range []struct {
		name   string
		err    error
		status int
		errs   string
	}{
		{"not an approver", problem.NotAllowed("user:default/ada is not an approver"), 403, "NotAllowedError"},
		{"decided", problem.Conflict("already decided"), 409, "ConflictError"},
		{"unknown", problem.NotFound("no approval for step gate of task t1"), 404, "NotFoundError"},
		{"input", problem.Input("step gate is not an approval"), 400, "InputError"},
	} {
		res, calls, _ := f.call(t, "allowed", "POST", path, `{"decision":"reject"}`, tc.err)
		p, _ := problem.As(tc.err)
		wantError(t, res, tc.status, tc.errs, p.Message)
		if len(calls) != 1 {
			t.Errorf("%s: calls %v", tc.name, calls)
		}
	}
	// A service is no user: the engine refuses it (and records that).
	res, calls, _ = f.call(t, "service", "POST", path, `{"decision":"approve"}`, problem.NotAllowed("Only a signed-in user may decide an approval"))
	if res.status != 403 || len(calls) != 1 || f.fake.decision.Actor != "" || f.fake.decision.Refs != nil {
		t.Errorf("service: %d %s %+v", res.status, res.body, f.fake.decision)
	}
	if f.fake.refusals != 2 {
		t.Errorf("refused decisions the engine saw: %d, want 2", f.fake.refusals)
	}

	// Refused before the engine.
	for _, tc := range []struct {
		name, role, body string
		status           int
		events           []string
	}{
		{"bad decision", "allowed", `{"decision":"maybe"}`, 400, nil},
		{"no decision", "allowed", `{"comment":"x"}`, 400, nil},
		{"unknown field", "allowed", `{"decision":"approve","vote":1}`, 400, nil},
		{"denied", "denied", `{"decision":"approve"}`, 403, []string{"scaffolder.task.read denied"}},
	} {
		res, calls, events := f.call(t, tc.role, "POST", path, tc.body, nil)
		if res.status != tc.status || len(calls) != 0 {
			t.Errorf("%s: %d %s calls %v", tc.name, res.status, res.body, calls)
		}
		if diff := cmp.Diff(tc.events, events); diff != "" {
			t.Errorf("%s: audit (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestReplayTask(t *testing.T) {
	f := newWorkflowFixture(t, nil)
	res, calls, _ := f.call(t, "allowed", "POST", wf+"/tasks/t1/replay", `{"fromStep":"publish","secrets":{"token":"s"}}`, nil)
	if res.status != 201 || strings.TrimSpace(string(res.body)) != `{"id":"t1"}` || len(calls) != 1 {
		t.Fatalf("replay: %d %s %v", res.status, res.body, calls)
	}
	want := scaffolder.ReplayRequest{TaskID: "t1", FromStep: "publish", Actor: "user:default/ada", Secrets: map[string]string{"token": "s"}}
	if diff := cmp.Diff(want, f.fake.replay); diff != "" {
		t.Errorf("replay (-want +got):\n%s", diff)
	}
	res, _, _ = f.call(t, "allowed", "POST", wf+"/tasks/t1/replay", "", nil)
	if res.status != 201 || f.fake.replay.FromStep != "" {
		t.Errorf("replay without body: %d %s %+v", res.status, res.body, f.fake.replay)
	}
	res, _, _ = f.call(t, "allowed", "POST", wf+"/tasks/t1/replay", "", problem.Conflict("task t1 has not ended"))
	wantError(t, res, 409, "ConflictError", "task t1 has not ended")
	res, _, _ = f.call(t, "allowed", "POST", wf+"/tasks/t1/replay", "", problem.NotFound("no step nope"))
	wantError(t, res, 404, "NotFoundError", "no step nope")
	res, calls, events := f.call(t, "denied", "POST", wf+"/tasks/t1/replay", `{}`, nil)
	if res.status != 403 || len(calls) != 0 || !cmp.Equal(events, []string{"scaffolder.task.create denied"}) {
		t.Errorf("denied replay: %d %v %v", res.status, calls, events)
	}
}

func TestCallback(t *testing.T) {
	f := newWorkflowFixture(t, nil)
	path := wf + "/callbacks/tok.sig"
	// No identity at all: the token is the credential.
	res, calls, _ := f.call(t, "", "POST", path, `{"build":{"status":"green","n":3}}`, nil)
	if res.status != 204 || len(res.body) != 0 || len(calls) != 1 {
		t.Fatalf("callback: %d %s %v", res.status, res.body, calls)
	}
	want := map[string]any{"build": map[string]any{"status": "green", "n": json.Number("3")}}
	if diff := cmp.Diff(want, f.fake.payload); diff != "" || f.fake.token != "tok.sig" {
		t.Errorf("token %q payload (-want +got):\n%s", f.fake.token, diff)
	}
	big := `{"x":"` + strings.Repeat("a", maxCallbackBytes) + `"}`
	for _, tc := range []struct {
		name, body string
		err        error
		status     int
		errName    string
	}{
		{"array", `[1]`, nil, 400, "InputError"},
		{"null", `null`, nil, 400, "InputError"},
		{"malformed", `{"a":`, nil, 400, "InputError"},
		{"two values", `{} {}`, nil, 400, "InputError"},
		{"empty", ``, nil, 400, "InputError"},
		{"too large", big, nil, 400, "InputError"},
		{"bad signature", `{}`, problem.NotAllowed("bad token signature"), 403, "NotAllowedError"},
		{"used", `{}`, problem.Conflict("callback used already"), 409, "ConflictError"},
		{"unknown", `{}`, problem.NotFound("no wait for this token"), 404, "NotFoundError"},
		{"expired", `{}`, problem.Input("callback expired"), 400, "InputError"},
	} {
		res, calls, _ := f.call(t, "", "POST", path, tc.body, tc.err)
		var body struct{ Error struct{ Name string } }
		_ = json.Unmarshal(res.body, &body)
		if res.status != tc.status || body.Error.Name != tc.errName {
			t.Errorf("%s: %d %s", tc.name, res.status, truncate(res.body))
		}
		if reached := len(calls) == 1; reached != (tc.err != nil) {
			t.Errorf("%s: engine calls %v", tc.name, calls)
		}
	}
}

func TestTaskGraphAndHistory(t *testing.T) {
	f := newWorkflowFixture(t, nil)
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	f.fake.graph = &scaffolder.Graph{
		Nodes: []scaffolder.GraphNode{
			{ID: "fetch", Name: "Fetch", Action: "fetch:template", Status: scaffolder.StatusCompleted, Attempts: 1, StartedAt: start, EndedAt: start.Add(time.Second)},
			{ID: "gate", Name: "Gate", Action: "approval:request", Status: scaffolder.StatusWaiting},
			{ID: "undo", Name: "Undo", Action: "debug:log", OnFailureOf: "gate"},
		},
		Edges: []scaffolder.GraphEdge{{From: "fetch", To: "gate"}},
	}
	f.fake.history = []scaffolder.StepState{
		{StepID: "fetch", Attempt: 1, Status: scaffolder.StatusFailed, Error: "timeout", StartedAt: start, EndedAt: start.Add(time.Second)},
		{StepID: "fetch", Attempt: 2, Status: scaffolder.StatusCompleted, Output: map[string]any{"n": 1.0}, StartedAt: start.Add(2 * time.Second), EndedAt: start.Add(3 * time.Second)},
		{StepID: "gate", Attempt: 1, Status: scaffolder.StatusSkipped},
	}

	res, calls, _ := f.call(t, "allowed", "GET", wf+"/tasks/t1/graph", "", nil)
	var g scaffolder.Graph
	decode(t, res, &g)
	if diff := cmp.Diff(*f.fake.graph, g); diff != "" || !cmp.Equal(calls, []string{"TaskGraph t1"}) {
		t.Errorf("graph (-want +got):\n%s calls %v", diff, calls)
	}

	res, _, _ = f.call(t, "allowed", "GET", wf+"/tasks/t1/history", "", nil)
	want := `{"items":[` +
		`{"stepId":"fetch","attempt":1,"status":"failed","error":"timeout","startedAt":"2026-03-01T12:00:00Z","endedAt":"2026-03-01T12:00:01Z"},` +
		`{"stepId":"fetch","attempt":2,"status":"completed","output":{"n":1},"startedAt":"2026-03-01T12:00:02Z","endedAt":"2026-03-01T12:00:03Z"},` +
		`{"stepId":"gate","attempt":1,"status":"skipped"}]}`
	if got := strings.TrimSpace(string(res.body)); res.status != 200 || got != want {
		t.Errorf("history %d:\n%s\nwant\n%s", res.status, got, want)
	}
	f.fake.history = nil
	if res, _, _ = f.call(t, "allowed", "GET", wf+"/tasks/t1/history", "", nil); strings.TrimSpace(string(res.body)) != `{"items":[]}` {
		t.Errorf("empty history: %s", res.body)
	}

	for _, p := range []string{"/graph", "/history"} {
		res, _, _ := f.call(t, "allowed", "GET", wf+"/tasks/nope"+p, "", problem.NotFound("Task with id nope does not exist"))
		wantError(t, res, 404, "NotFoundError", "Task with id nope does not exist")
		res, calls, events := f.call(t, "denied", "GET", wf+"/tasks/t1"+p, "", nil)
		if res.status != 403 || len(calls) != 0 || !cmp.Equal(events, []string{"scaffolder.task.read denied"}) {
			t.Errorf("denied %s: %d %v %v", p, res.status, calls, events)
		}
	}
}

func TestTemplateGraphRoute(t *testing.T) {
	f := newWorkflowFixture(t, nil)
	path := wf + "/templates/default/template/deploy/graph"
	res, calls, events := f.call(t, "denied", "GET", path, "", nil)
	if res.status != 403 || len(calls) != 0 || !cmp.Equal(events, []string{"scaffolder.template.step.read denied"}) {
		t.Errorf("denied: %d %v %v", res.status, calls, events)
	}
	res, calls, _ = f.call(t, "allowed", "GET", path, "", problem.NotFound("Template template:default/deploy not found"))
	wantError(t, res, 404, "NotFoundError", "Template template:default/deploy not found")
	if !cmp.Equal(calls, []string{"Template template:default/deploy"}) {
		t.Errorf("calls %v", calls)
	}

	f.fake.template = parseTestTemplate(t, `
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: deploy}
spec:
  type: service
  steps:
    - {id: build, name: Build, action: debug:log}
    - {id: gate, name: Gate, action: debug:log}
`)
	res, _, _ = f.call(t, "allowed", "GET", path, "", nil)
	var g scaffolder.Graph
	decode(t, res, &g)
	var ids []string
	for _, n := range g.Nodes {
		ids = append(ids, n.ID)
	}
	if res.status != 200 || !cmp.Equal(ids, []string{"build", "gate"}) {
		t.Errorf("template graph %d: %s", res.status, res.body)
	}
}

// parseTestTemplate parses a template written as YAML.
func parseTestTemplate(t *testing.T, src string) *scaffolder.Template {
	t.Helper()
	tpl, err := scaffolder.ParseTemplate(yamlToJSON(t, src))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func TestPublicPrefixes(t *testing.T) {
	routed := map[string]bool{}
	for _, rt := range (&server{}).routes() {
		_, p, _ := strings.Cut(rt.pattern, " ")
		routed[p] = true
	}
	for _, want := range []string{wf + "/callbacks/{token}", wf + "/slack/interactions"} {
		if !routed[want] {
			t.Errorf("%s is not routed", want)
		}
		prefix := strings.TrimSuffix(want, "{token}")
		found := false
		for _, p := range PublicPrefixes() {
			found = found || p == prefix
		}
		if !found {
			t.Errorf("%s is not among PublicPrefixes %v", want, PublicPrefixes())
		}
	}
	// Nothing else under the scaffolder is public.
	for _, p := range PublicPrefixes() {
		for r := range routed {
			if strings.HasPrefix(r, p) && r != wf+"/callbacks/{token}" && r != wf+"/slack/interactions" {
				t.Errorf("prefix %s opens %s", p, r)
			}
		}
	}
}
