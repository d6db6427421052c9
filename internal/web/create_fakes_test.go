package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder"
)

// sampleTemplates are the Template entities of the Create tests: a
// two-page service template with conditions, pickers and a secret, a
// recommended one-page template, one without parameters, and one of a
// team the reader's filters leave out.
var sampleTemplates = []string{
	`{"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template",
	  "metadata":{"name":"tide-service","namespace":"default","title":"Tide service","description":"A Go service with **CI** and a catalog file.","tags":["go","service"]},
	  "spec":{"type":"service","owner":"group:default/harbour",
	    "presentation":{"buttonLabels":{"createButtonText":"Make it"}},
	    "parameters":[
	      {"title":"About the service","required":["name","owner"],"ui:order":["name","owner","description","*"],
	       "properties":{
	         "name":{"title":"Name","type":"string","ui:field":"EntityNamePicker","ui:autofocus":true,"description":"Unique name of the component"},
	         "owner":{"title":"Owner","type":"string","ui:field":"OwnerPicker","ui:options":{"catalogFilter":{"kind":"Group"}}},
	         "description":{"title":"Description","type":"string","ui:widget":"textarea"},
	         "hasDatabase":{"title":"Needs a database","type":"boolean"}},
	       "dependencies":{"hasDatabase":{"oneOf":[
	         {"properties":{"hasDatabase":{"const":true},"dbSize":{"title":"Database size","type":"string","enum":["small","large"],"default":"small"}}},
	         {"properties":{"hasDatabase":{"const":false}}}]}}},
	      {"title":"Where it lives","required":["repoUrl","port"],
	       "properties":{
	         "repoUrl":{"title":"Repository","type":"string","ui:field":"RepoUrlPicker","ui:options":{"allowedHosts":["git.example.com"]}},
	         "port":{"title":"Port","type":"integer","minimum":1024,"maximum":65535},
	         "token":{"title":"Registry token","type":"string","ui:field":"Secret"}}}],
	    "steps":[{"id":"log","action":"debug:log","input":{"message":"hi"}}]}}`,
	`{"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template",
	  "metadata":{"name":"docs-site","namespace":"default","title":"Docs site","tags":["recommended","docs"]},
	  "spec":{"type":"website","owner":"group:default/lighthouse",
	    "parameters":{"properties":{"site":{"title":"Site name","type":"string"}}},
	    "steps":[{"action":"debug:log","input":{"message":"hi"}}]}}`,
	`{"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template",
	  "metadata":{"name":"ping","namespace":"default","description":"Says hello."},
	  "spec":{"type":"service","owner":"group:default/harbour",
	    "steps":[{"action":"debug:log","input":{"message":"hi"}}]}}`,
}

// createCatalog is the sample organisation with the sample templates.
func createCatalog(t testing.TB) *fakeCatalog {
	cat := sampleCatalog()
	for _, src := range sampleTemplates {
		var e entity.Entity
		if err := json.Unmarshal([]byte(src), &e); err != nil {
			t.Fatal(err)
		}
		e.Relations = []entity.Relation{{Type: entity.RelationOwnedBy, TargetRef: e.Spec["owner"].(string)}}
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		cat.entities = append(cat.entities, b)
	}
	return cat
}

// fakeScaffolder reads templates from a fake catalog, validates and
// records task requests, and serves fixed tasks and events.
type fakeScaffolder struct {
	cat *fakeCatalog

	mu        sync.Mutex
	created   []scaffolder.CreateRequest
	createErr error
	tasks     map[string]*scaffolder.Task
	steps     map[string][]scaffolder.StepState
	events    map[string][]scaffolder.Event
	cancelled []string
	// Workflows (workflow_fakes_test.go).
	graphs    map[string]*scaffolder.Graph
	history   map[string][]scaffolder.StepState
	replays   []scaffolder.ReplayRequest
	replayErr error
	approvals []scaffolder.Approval
	queries   []scaffolder.ApprovalQuery
	decisions []scaffolder.Decision
	decideErr error
}

var _ Scaffolder = (*fakeScaffolder)(nil)

func (f *fakeScaffolder) Template(ctx context.Context, ref string) (*scaffolder.Template, error) {
	r, err := entity.ParseRef(ref, entity.RefDefaults{Kind: "template"})
	if err != nil {
		return nil, problem.Input("%v", err)
	}
	raw, err := f.cat.EntityByRef(ctx, r)
	if err != nil {
		return nil, err
	}
	return scaffolder.ParseTemplate(raw)
}

func (f *fakeScaffolder) Create(ctx context.Context, req scaffolder.CreateRequest) (string, error) {
	t, err := f.Template(ctx, req.TemplateRef)
	if err != nil {
		return "", err
	}
	if err := t.ValidateValues(req.Values, req.Secrets); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.createErr != nil {
		return "", f.createErr
	}
	f.created = append(f.created, req)
	return "11111111-2222-4333-8444-555555555555", nil
}

func (f *fakeScaffolder) Task(_ context.Context, id string) (*scaffolder.Task, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t, ok := f.tasks[id]; ok {
		return t, nil
	}
	return nil, problem.NotFound("Task with id %s does not exist", id)
}

func (f *fakeScaffolder) Tasks(_ context.Context, q scaffolder.TaskQuery) ([]scaffolder.Task, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []scaffolder.Task
	for _, id := range sortedTaskIDs(f.tasks) {
		t := f.tasks[id]
		if len(q.CreatedBy) > 0 && t.CreatedBy != q.CreatedBy[0] {
			continue
		}
		out = append(out, *t)
	}
	total := len(out)
	out = out[min(q.Offset, len(out)):]
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, total, nil
}

// sortedTaskIDs lists tasks newest first.
func sortedTaskIDs(m map[string]*scaffolder.Task) []string {
	var ids []string
	for id := range m {
		ids = append(ids, id)
	}
	for i := range ids {
		for j := i + 1; j < len(ids); j++ {
			if m[ids[j]].CreatedAt.After(m[ids[i]].CreatedAt) {
				ids[i], ids[j] = ids[j], ids[i]
			}
		}
	}
	return ids
}

func (f *fakeScaffolder) Steps(_ context.Context, id string) ([]scaffolder.StepState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.steps[id], nil
}

func (f *fakeScaffolder) Events(_ context.Context, id string, after int64) ([]scaffolder.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []scaffolder.Event
	for _, ev := range f.events[id] {
		if ev.ID > after || ev.Type == scaffolder.EventCompletion {
			out = append(out, ev)
		}
	}
	return out, nil
}

func (f *fakeScaffolder) Subscribe(ctx context.Context, id string, after int64, send func(scaffolder.Event) error) error {
	evs, err := f.Events(ctx, id, after)
	if err != nil {
		return err
	}
	for _, ev := range evs {
		if err := send(ev); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeScaffolder) Cancel(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.tasks[id]; !ok {
		return problem.NotFound("Task with id %s does not exist", id)
	}
	f.cancelled = append(f.cancelled, id)
	return nil
}

// event builds a task event.
func event(id int64, typ scaffolder.EventType, at time.Time, body string) scaffolder.Event {
	return scaffolder.Event{ID: id, TaskID: "t1", Type: typ, CreatedAt: at, Body: json.RawMessage(body)}
}

// sampleTasks are a running task, a completed one with output and a
// failed one.
func sampleTasks(f *fakeScaffolder) {
	spec := func(title string) json.RawMessage {
		return json.RawMessage(`{"apiVersion":"scaffolder.backstage.io/v1beta3","steps":[{"id":"fetch","name":"Fetch skeleton","action":"fetch:template"},{"id":"publish","name":"Publish","action":"publish:git"},{"id":"register","name":"Register","action":"catalog:register"}],"output":{},"parameters":{},"user":{},"templateInfo":{"entityRef":"template:default/tide-service","entity":{"metadata":{"name":"tide-service","title":"` + title + `"}}}}`)
	}
	at := fixedTime
	f.tasks = map[string]*scaffolder.Task{
		"t1": {ID: "t1", Spec: spec("Tide service"), Status: scaffolder.StatusProcessing, CreatedBy: "user:default/jane.doe", CreatedAt: at},
		"t2": {ID: "t2", Spec: spec("Tide service"), Status: scaffolder.StatusCompleted, CreatedBy: "user:default/jane.doe", CreatedAt: at.Add(-time.Hour)},
		"t3": {ID: "t3", Spec: spec("Docs <site>"), Status: scaffolder.StatusFailed, CreatedBy: "user:default/omar", CreatedAt: at.Add(-2 * time.Hour)},
	}
	f.steps = map[string][]scaffolder.StepState{
		"t1": {
			{StepID: "fetch", Status: scaffolder.StatusCompleted, StartedAt: at, EndedAt: at.Add(350 * time.Millisecond)},
			{StepID: "publish", Status: scaffolder.StatusProcessing, StartedAt: at.Add(time.Second)},
			{StepID: "register", Status: scaffolder.StatusOpen},
		},
		"t2": {
			{StepID: "fetch", Status: scaffolder.StatusCompleted, StartedAt: at, EndedAt: at.Add(4200 * time.Millisecond)},
			{StepID: "publish", Status: scaffolder.StatusCompleted, StartedAt: at.Add(5 * time.Second), EndedAt: at.Add(3*time.Minute + 10*time.Second)},
			{StepID: "register", Status: scaffolder.StatusSkipped},
		},
		"t3": {
			{StepID: "fetch", Status: scaffolder.StatusFailed, StartedAt: at, EndedAt: at.Add(time.Second)},
			{StepID: "publish", Status: scaffolder.StatusSkipped},
			{StepID: "register", Status: scaffolder.StatusSkipped},
		},
	}
	f.events = map[string][]scaffolder.Event{
		"t1": {
			event(1, scaffolder.EventLog, at, `{"message":"Starting up task with 3 steps"}`),
			event(2, scaffolder.EventLog, at, `{"message":"Beginning step Fetch skeleton","stepId":"fetch","status":"processing"}`),
			event(3, scaffolder.EventLog, at.Add(time.Second), `{"message":"Finished step Fetch skeleton","stepId":"fetch","status":"completed"}`),
			event(4, scaffolder.EventLog, at.Add(time.Second), `{"message":"Pushing <main> to file:///srv/git/tide.git","stepId":"publish"}`),
		},
		"t2": {
			event(10, scaffolder.EventLog, at, `{"message":"Starting up task with 3 steps"}`),
			event(11, scaffolder.EventCompletion, at.Add(4*time.Minute), `{"message":"Run completed with status: completed","output":{
				"links":[{"title":"Repository","url":"https://git.example.com/harbour/tide"},{"title":"Open in catalog","icon":"catalog","entityRef":"component:default/tide"},{"title":"Bad","url":"javascript:alert(1)"}],
				"text":[{"title":"Next steps","content":"Run **make** then <script>alert(1)</script> [docs](https://docs.example.com)."}]}}`),
		},
		"t3": {
			event(20, scaffolder.EventLog, at, `{"message":"Beginning step Fetch skeleton","stepId":"fetch","status":"processing"}`),
			event(21, scaffolder.EventLog, at, `{"message":"InputError: fetch:template: url ./nope does not exist","stepId":"fetch","status":"failed"}`),
			event(22, scaffolder.EventCompletion, at.Add(time.Second), `{"message":"Run completed with status: failed","error":{"name":"InputError","message":"fetch:template: url ./nope does not exist"}}`),
		},
	}
}

// createSite serves the Create pages over the fakes. authorize, when
// set, decides permissions.
func createSite(t testing.TB, cat *fakeCatalog, sc *fakeScaffolder, authorize func(ctx context.Context, name, ref string) error) http.Handler {
	t.Helper()
	return NewCreate(CreateOptions{
		Scaffolder: sc,
		Catalog:    cat,
		Authorize:  authorize,
		Logger:     slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Now:        func() time.Time { return fixedTime.Add(3 * time.Second) },
	})
}
