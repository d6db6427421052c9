package web

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder"
)

// The fake scaffolder's workflow methods: graphs and attempts as set,
// replays and decisions recorded.

func (f *fakeScaffolder) TaskGraph(_ context.Context, id string) (*scaffolder.Graph, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.tasks[id]; !ok {
		return nil, problem.NotFound("Task with id %s does not exist", id)
	}
	return f.graphs[id], nil
}

func (f *fakeScaffolder) StepHistory(_ context.Context, id string) ([]scaffolder.StepState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.history[id], nil
}

func (f *fakeScaffolder) Replay(_ context.Context, r scaffolder.ReplayRequest) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.replayErr != nil {
		return f.replayErr
	}
	if _, ok := f.tasks[r.TaskID]; !ok {
		return problem.NotFound("Task with id %s does not exist", r.TaskID)
	}
	f.replays = append(f.replays, r)
	return nil
}

func (f *fakeScaffolder) Approvals(_ context.Context, q scaffolder.ApprovalQuery) ([]scaffolder.Approval, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, q)
	var out []scaffolder.Approval
	for _, a := range f.approvals {
		mine := false
		switch q.Status {
		case "pending":
			mine = a.Status == "pending" && slices.ContainsFunc(a.Approvers, func(r string) bool { return slices.Contains(q.Refs, r) })
		case "decided":
			mine = slices.ContainsFunc(a.Votes, func(v scaffolder.Vote) bool { return v.Actor == q.Actor })
		}
		if mine {
			out = append(out, a)
		}
	}
	return out, nil
}

func (f *fakeScaffolder) Decide(_ context.Context, d scaffolder.Decision) (*scaffolder.Approval, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.decisions = append(f.decisions, d)
	if f.decideErr != nil {
		return nil, f.decideErr
	}
	for i := range f.approvals {
		a := &f.approvals[i]
		if a.TaskID != d.TaskID || a.StepID != d.StepID {
			continue
		}
		a.Votes = append(a.Votes, scaffolder.Vote{Actor: d.Actor, Decision: d.Decision, Comment: d.Comment, At: fixedTime, Via: d.Via})
		return a, nil
	}
	return nil, problem.NotFound("No approval of step %s of task %s", d.StepID, d.TaskID)
}

// fakeEntityTemplates answers TemplatesFor with the templates whose
// entityFilter names the entity's kind, as a stand-in for the engine's
// matching.
type fakeEntityTemplates struct {
	list []*scaffolder.Template
	err  error
	// asked records the kinds asked about.
	asked []string
}

var _ EntityTemplates = (*fakeEntityTemplates)(nil)

func (f *fakeEntityTemplates) TemplatesFor(_ context.Context, ent map[string]any) ([]*scaffolder.Template, error) {
	kind, _ := ent["kind"].(string)
	f.asked = append(f.asked, kind)
	if f.err != nil {
		return nil, f.err
	}
	var out []*scaffolder.Template
	for _, t := range f.list {
		spec, _ := t.Entity["spec"].(map[string]any)
		filter, _ := spec["entityFilter"].(map[string]any)
		if want, _ := filter["kind"].(string); strings.EqualFold(want, kind) {
			out = append(out, t)
		}
	}
	return out, nil
}

// approvalTemplate is a template that waits for an approval between two
// steps, with a compensation step, and acts on services.
const approvalTemplate = `{"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template",
  "metadata":{"name":"release","namespace":"default","title":"Release a service","description":"Ships a **release**."},
  "spec":{"type":"service","owner":"group:default/harbour","entityFilter":{"kind":"Component","spec.type":"service"},
    "parameters":[{"title":"Release","properties":{"version":{"title":"Version","type":"string","default":"1.0.0"}}}],
    "steps":[
      {"id":"build","name":"Build","action":"debug:log","input":{"message":"build"}},
      {"id":"approve","name":"Approve the release","action":"approval:request","input":{"approvers":["group:default/harbour"]}},
      {"id":"ship","name":"Ship","action":"debug:log","input":{"message":"ship"},
       "onFailure":[{"id":"rollback","name":"Roll back","action":"debug:log","input":{"message":"rollback"}}]},
      {"id":"notify","name":"Notify","action":"debug:log","needs":["build"],"input":{"message":"notify"}}]}}`

// workflowFixtures adds the approval template to the catalog and, to the
// scaffolder, a task waiting for its approval (t4), a failed one with
// attempts (t5), and approvals: one pending for harbour, one Jane
// decided.
func workflowFixtures(cat *fakeCatalog, f *fakeScaffolder) {
	cat.entities = append(cat.entities, json.RawMessage(approvalTemplate))
	spec := json.RawMessage(`{"apiVersion":"scaffolder.backstage.io/v1beta3","steps":[{"id":"build","name":"Build","action":"debug:log"},{"id":"approve","name":"Approve the release","action":"approval:request"},{"id":"ship","name":"Ship","action":"debug:log"},{"id":"notify","name":"Notify","action":"debug:log"}],"output":{},"parameters":{},"user":{},"templateInfo":{"entityRef":"template:default/release","entity":{"metadata":{"name":"release","title":"Release a service"}}}}`)
	at := fixedTime
	f.tasks["t4"] = &scaffolder.Task{ID: "t4", Spec: spec, Status: scaffolder.StatusWaiting, CreatedBy: "user:default/omar", CreatedAt: at}
	f.tasks["t5"] = &scaffolder.Task{ID: "t5", Spec: spec, Status: scaffolder.StatusFailed, CreatedBy: "user:default/jane.doe", CreatedAt: at.Add(-time.Hour)}
	f.steps["t4"] = []scaffolder.StepState{
		{StepID: "build", Status: scaffolder.StatusCompleted, StartedAt: at, EndedAt: at.Add(time.Second)},
		{StepID: "approve", Status: scaffolder.StatusWaiting, StartedAt: at.Add(time.Second)},
		{StepID: "ship", Status: scaffolder.StatusOpen},
		{StepID: "notify", Status: scaffolder.StatusCompleted, StartedAt: at, EndedAt: at.Add(time.Second)},
	}
	f.steps["t5"] = []scaffolder.StepState{
		{StepID: "build", Status: scaffolder.StatusCompleted, StartedAt: at, EndedAt: at.Add(time.Second)},
		{StepID: "approve", Status: scaffolder.StatusCompleted, StartedAt: at.Add(time.Second), EndedAt: at.Add(time.Minute)},
		{StepID: "ship", Status: scaffolder.StatusFailed, StartedAt: at.Add(time.Minute), EndedAt: at.Add(time.Minute + 2*time.Second), Error: "push refused"},
		{StepID: "notify", Status: scaffolder.StatusCompleted, StartedAt: at, EndedAt: at.Add(time.Second)},
	}
	f.events["t4"] = []scaffolder.Event{event(40, scaffolder.EventLog, at, `{"message":"Waiting for approval","stepId":"approve","status":"waiting"}`)}
	f.events["t5"] = []scaffolder.Event{event(50, scaffolder.EventCompletion, at.Add(time.Minute), `{"message":"Run completed with status: failed","error":{"name":"Error","message":"push refused"}}`)}
	graph := func(status map[string]scaffolder.Status) *scaffolder.Graph {
		return &scaffolder.Graph{
			Nodes: []scaffolder.GraphNode{
				{ID: "build", Name: "Build", Action: "debug:log", Status: status["build"]},
				{ID: "approve", Name: "Approve the release", Action: "approval:request", Status: status["approve"]},
				{ID: "ship", Name: "Ship", Action: "debug:log", Status: status["ship"], Attempts: 2, Error: status2error(status["ship"])},
				{ID: "rollback", Name: "Roll back", Action: "debug:log", OnFailureOf: "ship", Status: status["rollback"]},
				{ID: "notify", Name: "Notify", Action: "debug:log", Status: status["notify"]},
			},
			Edges: []scaffolder.GraphEdge{{From: "build", To: "approve"}, {From: "approve", To: "ship"}, {From: "ship", To: "rollback"}, {From: "build", To: "notify"}},
		}
	}
	f.graphs = map[string]*scaffolder.Graph{
		"t4": graph(map[string]scaffolder.Status{"build": "completed", "approve": "waiting", "notify": "completed"}),
		"t5": graph(map[string]scaffolder.Status{"build": "completed", "approve": "completed", "ship": "failed", "rollback": "completed", "notify": "completed"}),
	}
	f.history = map[string][]scaffolder.StepState{
		"t5": {
			{StepID: "build", Attempt: 1, Status: scaffolder.StatusCompleted, StartedAt: at, EndedAt: at.Add(time.Second)},
			{StepID: "ship", Attempt: 1, Status: scaffolder.StatusFailed, StartedAt: at.Add(time.Minute), EndedAt: at.Add(time.Minute + time.Second), Error: "timeout"},
			{StepID: "ship", Attempt: 2, Status: scaffolder.StatusFailed, StartedAt: at.Add(time.Minute), EndedAt: at.Add(time.Minute + 2*time.Second), Error: "push refused"},
		},
	}
	f.approvals = []scaffolder.Approval{
		{
			ID: "w1", Status: "pending", CreatedAt: at,
			ApprovalRequest: scaffolder.ApprovalRequest{
				TaskID: "t4", StepID: "approve", StepName: "Approve the release", TemplateRef: "template:default/release",
				Requester: "user:default/omar", Approvers: []string{"group:default/harbour", "user:default/lee"}, MinApprovals: 2,
				Message: "Ship <tide> 1.2 to production?", Deadline: at.Add(48 * time.Hour),
			},
			Votes: []scaffolder.Vote{{Actor: "user:default/lee", Decision: "approve", Comment: "Looks good", At: at.Add(time.Minute), Via: "ui"}},
		},
		{
			ID: "w2", Status: "decided", Decision: "reject", CreatedAt: at.Add(-24 * time.Hour), DecidedAt: at.Add(-23 * time.Hour),
			ApprovalRequest: scaffolder.ApprovalRequest{
				TaskID: "t9", StepID: "gate", TemplateRef: "template:default/unknown-one",
				Requester: "user:default/omar", Approvers: []string{"user:default/jane.doe"}, MinApprovals: 1,
			},
			Votes: []scaffolder.Vote{{Actor: "user:default/jane.doe", Decision: "reject", Comment: "Not this week", At: at.Add(-23 * time.Hour), Via: "ui"}},
		},
	}
}

func status2error(s scaffolder.Status) string {
	if s == scaffolder.StatusFailed {
		return "push refused"
	}
	return ""
}
