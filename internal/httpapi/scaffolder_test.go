package httpapi

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/scaffolder"
)

const scaffolderSecret = "tok-9f8e7d6c5b4a"

func TestScaffolderTasksAPI(t *testing.T) {
	f := newScaffolderFixture(t)
	const v2 = "/api/scaffolder/v2"

	// Actions, with their schemas and examples, sorted by id.
	res := f.do(t, "allowed", "GET", v2+"/actions", "")
	var actions []struct {
		ID     string `json:"id"`
		Schema struct {
			Input map[string]any `json:"input"`
		} `json:"schema"`
		Examples []struct{ Example string } `json:"examples"`
	}
	decode(t, res, &actions)
	if len(actions) != 3 || actions[0].ID != "test:publish" || actions[2].ID != "test:write" || actions[2].Schema.Input == nil || len(actions[2].Examples) != 1 {
		t.Errorf("actions: %s", res.body)
	}

	// The form.
	res = f.do(t, "allowed", "GET", v2+"/templates/default/template/hello/parameter-schema", "")
	var ps scaffolder.ParameterSchema
	decode(t, res, &ps)
	if res.status != 200 || ps.Title != "Hello" || ps.Description != "Writes a greeting." || len(ps.Steps) != 1 || ps.Steps[0].Title != "Who" {
		t.Errorf("parameter schema %d: %s", res.status, res.body)
	}
	res = f.do(t, "allowed", "GET", v2+"/templates/default/template/nope/parameter-schema", "")
	wantError(t, res, 404, "NotFoundError", "Template template:default/nope not found")
	res = f.do(t, "allowed", "GET", v2+"/templates/default/component/hello/parameter-schema", "")
	wantError(t, res, 400, "InputError", "Invalid kind, only 'Template' kind is supported")

	// Values failing the schema: Backstage's {"errors": [...]}.
	res = f.do(t, "allowed", "POST", v2+"/tasks", `{"templateRef":"template:default/hello","values":{}}`)
	var verrs struct {
		Errors []scaffolder.ValidationError `json:"errors"`
	}
	decode(t, res, &verrs)
	if res.status != 400 || len(verrs.Errors) != 1 || verrs.Errors[0].Stack != `instance requires property "name"` {
		t.Errorf("invalid values: %d %s", res.status, res.body)
	}
	// A template mistake is an InputError naming the step and field.
	res = f.do(t, "allowed", "POST", v2+"/tasks", `{"templateRef":"template:default/broken","values":{}}`, true)
	wantError(t, res, 400, "InputError", "template:default/broken: step a: action: Template action with ID 'nothing:here' is not registered. See https://backstage.io/docs/features/software-templates/builtin-actions/ on how to add a new action module.")
	// Backstage's request validator answers this one: an InputError body,
	// which its spec does not describe.
	res = f.do(t, "allowed", "POST", v2+"/tasks", `{"templateRef":"template:default/hello"}`, true)
	wantError(t, res, 400, "InputError", `Malformed request: missing required property "values"`)

	_, lastAudit := f.auditSince(t, 0)
	res = f.do(t, "allowed", "POST", v2+"/tasks", `{"templateRef":"hello","values":{"name":"Ada"},"secrets":{"token":"`+scaffolderSecret+`"}}`)
	var created struct{ ID string }
	decode(t, res, &created)
	if res.status != 201 || created.ID == "" {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	if st := f.waitTask(t, created.ID); st != scaffolder.StatusCompleted {
		t.Fatalf("task ended %s", st)
	}
	evs, _ := f.auditSince(t, lastAudit)
	if len(evs) != 1 || evs[0].Action != "scaffolder.task.create" || evs[0].Target != "template:default/hello" || evs[0].ActorRef != "user:default/ada" ||
		!strings.Contains(string(evs[0].Details), created.ID) || !strings.Contains(string(evs[0].Details), `"token"`) ||
		!strings.Contains(string(evs[0].After), `"name":"Ada"`) {
		t.Errorf("audit events: %+v", evs)
	}

	// The task, its events and the list. No secret anywhere.
	var bodies []string
	res = f.do(t, "allowed", "GET", v2+"/tasks/"+created.ID, "")
	bodies = append(bodies, string(res.body))
	var task struct {
		ID, Status, CreatedBy string
		Spec                  scaffolder.TaskSpec
	}
	decode(t, res, &task)
	if task.Status != "completed" || task.CreatedBy != "user:default/ada" || task.Spec.User.Ref != "user:default/ada" ||
		task.Spec.User.Entity == nil || task.Spec.TemplateInfo.EntityRef != "template:default/hello" || task.Spec.Parameters["name"] != "Ada" {
		t.Errorf("task: %s", res.body)
	}
	res = f.do(t, "allowed", "GET", v2+"/tasks/"+created.ID+"/events", "")
	bodies = append(bodies, string(res.body))
	var events []struct {
		ID   int64
		Type string
		Body scaffolder.EventBody
	}
	decode(t, res, &events)
	if len(events) == 0 || events[len(events)-1].Type != "completion" ||
		events[len(events)-1].Body.Output["links"] == nil {
		t.Errorf("events: %s", res.body)
	}
	if !strings.Contains(string(res.body), `with ***`) {
		t.Errorf("the action's log is not redacted: %s", res.body)
	}
	// After the last event only the completion comes back, at once.
	res = f.do(t, "allowed", "GET", fmt.Sprintf("%s/tasks/%s/events?after=%d", v2, created.ID, events[len(events)-1].ID), "")
	if !strings.Contains(string(res.body), `"type":"completion"`) {
		t.Errorf("events after the last: %s", res.body)
	}
	res = f.do(t, "allowed", "GET", v2+"/tasks?createdBy=user:default/ada&status=completed&order=desc:created_at&limit=5", "")
	bodies = append(bodies, string(res.body))
	var list struct {
		Tasks      []struct{ ID string }
		TotalTasks int
	}
	decode(t, res, &list)
	if list.TotalTasks != 1 || len(list.Tasks) != 1 || list.Tasks[0].ID != created.ID {
		t.Errorf("list: %s", res.body)
	}
	res = f.do(t, "allowed", "GET", v2+"/tasks?order=sideways:created_at", "")
	wantError(t, res, 400, "InputError", `Invalid order "sideways:created_at", expected asc|desc:created_at|status|created_by`)
	for _, b := range bodies {
		if strings.Contains(b, scaffolderSecret) {
			t.Errorf("a response holds the secret: %s", b)
		}
	}
	res = f.do(t, "allowed", "GET", v2+"/tasks/nope", "", true) // Backstage's spec leaves 404 out
	wantError(t, res, 404, "NotFoundError", "Task with id nope does not exist")

	// Retry of an ended task, then of one still running: 409.
	res = f.do(t, "allowed", "POST", v2+"/tasks/"+created.ID+"/retry", "")
	if res.status != 201 || !strings.Contains(string(res.body), created.ID) {
		t.Errorf("retry: %d %s", res.status, res.body)
	}
	f.waitTask(t, created.ID)
	res = f.do(t, "allowed", "POST", v2+"/tasks", `{"templateRef":"template:default/waiting","values":{}}`, true)
	decode(t, res, &created)
	res = f.do(t, "allowed", "POST", v2+"/tasks/"+created.ID+"/retry", `{"secrets":{"a":"b"}}`)
	wantError(t, res, 409, "ConflictError", "Task with taskId "+created.ID+" cannot be retried")
	res = f.do(t, "allowed", "POST", v2+"/tasks/"+created.ID+"/cancel", "")
	if res.status != 200 || string(res.body) != `{"status":"cancelled"}` {
		t.Errorf("cancel: %d %s", res.status, res.body)
	}
	if st := f.waitTask(t, created.ID); st != scaffolder.StatusFailed {
		t.Errorf("cancelled task ended %s", st)
	}

	// Autocomplete has no providers; templating extensions are listed.
	res = f.do(t, "allowed", "POST", v2+"/autocomplete/github/repositories", `{"token":"x","context":{}}`, true)
	wantError(t, res, 400, "InputError", "Unsupported provider: github")
	res = f.do(t, "allowed", "POST", v2+"/autocomplete/github/repositories", `{"context":{}}`, true)
	wantError(t, res, 400, "InputError", "Missing token query parameter")
	res = f.do(t, "allowed", "GET", v2+"/templating-extensions", "")
	if res.status != 200 || !strings.Contains(string(res.body), `"always"`) {
		t.Errorf("templating extensions: %s", res.body)
	}
}

func TestScaffolderDryRunAPI(t *testing.T) {
	f := newScaffolderFixture(t)
	tpl, _ := f.catalog.Entity(context.Background(), "template:default/hello")
	body, _ := json.Marshal(map[string]any{
		"template": json.RawMessage(tpl),
		"values":   map[string]any{"name": "Dry"},
		"secrets":  map[string]string{"token": scaffolderSecret},
		"directoryContents": []map[string]string{
			{"path": "skeleton/README.md", "base64Content": base64.StdEncoding.EncodeToString([]byte("# hi"))},
		},
	})
	res := f.do(t, "allowed", "POST", "/api/scaffolder/v2/dry-run", string(body))
	var out struct {
		Log []struct {
			Body scaffolder.EventBody `json:"body"`
		} `json:"log"`
		DirectoryContents []struct {
			Path, Base64Content string
			Executable          bool
		} `json:"directoryContents"`
		Output map[string]any `json:"output"`
		Steps  []struct{ ID, Name, Action string }
	}
	decode(t, res, &out)
	if res.status != 200 {
		t.Fatalf("dry run: %d %s", res.status, res.body)
	}
	if strings.Contains(string(res.body), scaffolderSecret) {
		t.Errorf("the dry run answer holds the secret: %s", res.body)
	}
	if len(out.DirectoryContents) != 1 || out.DirectoryContents[0].Path != "hello.txt" {
		t.Fatalf("files: %s", res.body)
	}
	content, _ := base64.StdEncoding.DecodeString(out.DirectoryContents[0].Base64Content)
	// The file really holds the secret: only what is shown is redacted.
	if string(content) != "Hello Dry with "+scaffolderSecret {
		t.Errorf("file content %q", content)
	}
	if diff := cmp.Diff([]struct{ ID, Name, Action string }{{"write", "Write", "test:write"}, {"publish", "test:publish", "test:publish"}}, out.Steps); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	links, _ := json.Marshal(out.Output["links"])
	if string(links) != `[{"title":"Repository","url":"\u003cexample\u003e"}]` {
		t.Errorf("output links %s", links)
	}
	var msgs []string
	for _, l := range out.Log {
		msgs = append(msgs, l.Body.Message)
	}
	if !strings.Contains(strings.Join(msgs, "\n"), "Skipping because test:publish does not support dry-run") {
		t.Errorf("log:\n%s", strings.Join(msgs, "\n"))
	}

	if e, _ := f.auditSince(t, 0); len(e) == 0 || e[len(e)-1].Action != "scaffolder.template.dry-run" || e[len(e)-1].Target != "template:default/hello" {
		t.Errorf("the dry run is not in the audit log: %+v", e)
	}

	// Invalid values: 400 {"errors"}.
	body, _ = json.Marshal(map[string]any{"template": json.RawMessage(tpl), "values": map[string]any{}, "directoryContents": []any{}})
	res = f.do(t, "allowed", "POST", "/api/scaffolder/v2/dry-run", string(body))
	if res.status != 400 || !strings.Contains(string(res.body), `"errors"`) {
		t.Errorf("invalid values: %d %s", res.status, res.body)
	}
	// An unsupported template version.
	res = f.do(t, "allowed", "POST", "/api/scaffolder/v2/dry-run", `{"template":{"apiVersion":"scaffolder.backstage.io/v1beta2","kind":"Template","metadata":{"name":"x"},"spec":{}},"values":{},"directoryContents":[]}`, true)
	wantError(t, res, 400, "InputError", "Unsupported apiVersion field in schema entity, scaffolder.backstage.io/v1beta2")
}

// scaffolderRolesCovered lists the routes TestScaffolderPermissions
// calls as a refused caller, for the roles matrix's coverage check.
func scaffolderRolesCovered() []string {
	var out []string
	for _, rt := range (&server{}).scaffolderRoutes() {
		out = append(out, rt.pattern)
	}
	return out
}

// TestScaffolderPermissions calls every scaffolder route as a caller the
// policy keeps out: writes are refused with 403 and recorded, the task list
// is empty.
func TestScaffolderPermissions(t *testing.T) {
	f := newScaffolderFixture(t)
	id, err := f.engine.Create(context.Background(), scaffolder.CreateRequest{TemplateRef: "template:default/waiting", CreatedBy: "user:default/ada"})
	if err != nil {
		t.Fatal(err)
	}
	const v2 = "/api/scaffolder/v2"
	for _, tc := range []struct {
		method, path, body string
		status             int
		denied             string // the permission whose denial is recorded
	}{
		{"GET", v2 + "/templates/default/template/hello/parameter-schema", "", 200, ""},
		{"GET", v2 + "/actions", "", 200, ""},
		{"POST", v2 + "/tasks", `{"templateRef":"template:default/hello","values":{"name":"x"}}`, 403, "scaffolder.task.create"},
		{"GET", v2 + "/tasks", "", 200, "scaffolder.task.read"},
		{"GET", v2 + "/tasks/" + id, "", 403, "scaffolder.task.read"},
		{"POST", v2 + "/tasks/" + id + "/cancel", "", 403, "scaffolder.task.cancel"},
		{"POST", v2 + "/tasks/" + id + "/retry", "", 403, "scaffolder.task.create"},
		{"GET", v2 + "/tasks/" + id + "/eventstream", "", 403, "scaffolder.task.read"},
		{"GET", v2 + "/tasks/" + id + "/events", "", 403, "scaffolder.task.read"},
		{"POST", v2 + "/dry-run", `{"template":{},"values":{},"directoryContents":[]}`, 403, "scaffolder.template.dry-run"},
		{"POST", v2 + "/autocomplete/github/repos", `{"token":"t","context":{}}`, 400, ""},
		{"GET", v2 + "/templating-extensions", "", 200, ""},
	} {
		_, last := f.auditSince(t, 0)
		res := f.do(t, "denied", tc.method, tc.path, tc.body, tc.status != 200)
		if res.status != tc.status {
			t.Errorf("%s %s: status %d, want %d: %s", tc.method, tc.path, res.status, tc.status, res.body)
			continue
		}
		if tc.method == "GET" && strings.HasSuffix(tc.path, "/tasks") && string(res.body) != `{"tasks":[],"totalTasks":0}` {
			t.Errorf("task list for a refused caller: %s", res.body)
		}
		evs, _ := f.auditSince(t, last)
		var got []string
		for _, e := range evs {
			got = append(got, e.Action+" "+string(e.Outcome))
		}
		var want []string
		if tc.denied != "" {
			want = []string{tc.denied + " denied"}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s %s: audit (-want +got):\n%s", tc.method, tc.path, diff)
		}
	}
	if task, _ := f.engine.Task(context.Background(), id); task.Status != scaffolder.StatusOpen && task.Status != scaffolder.StatusProcessing {
		t.Errorf("a refused cancel changed the task: %s", task.Status)
	}
}

func TestScaffolderEventStream(t *testing.T) {
	f := newScaffolderFixture(t)
	srv := httptest.NewServer(f.handler)
	t.Cleanup(srv.Close)
	id, err := f.engine.Create(context.Background(), scaffolder.CreateRequest{TemplateRef: "template:default/waiting", CreatedBy: "user:default/ada"})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/api/scaffolder/v2/tasks/"+id+"/eventstream", nil)
	req.Header.Set("X-Test-Role", "allowed")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("stream: %d %v", resp.StatusCode, resp.Header)
	}
	type sse struct {
		event string
		data  scaffolder.EventBody
		typ   string
	}
	lines := make(chan sse, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		var cur sse
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				cur.event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				var ev struct {
					Type string               `json:"type"`
					Body scaffolder.EventBody `json:"body"`
				}
				if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev); err != nil {
					t.Errorf("data line %q: %v", line, err)
				}
				cur.data, cur.typ = ev.Body, ev.Type
			case line == "":
				lines <- cur
				cur = sse{}
			}
		}
	}()
	next := func() sse {
		select {
		case ev, ok := <-lines:
			if !ok {
				t.Fatal("the stream ended early")
			}
			return ev
		case <-time.After(20 * time.Second):
			t.Fatal("no event came")
		}
		return sse{}
	}
	// Events arrive live, while the task runs.
	for {
		ev := next()
		if ev.event != ev.typ {
			t.Errorf("event line %q, data type %q", ev.event, ev.typ)
		}
		if ev.data.Message == "waiting" {
			break
		}
	}
	res := f.do(t, "allowed", "POST", "/api/scaffolder/v2/tasks/"+id+"/cancel", "")
	if res.status != 200 {
		t.Fatal(res.status)
	}
	var seen []string
	for {
		ev := next()
		seen = append(seen, ev.event+": "+ev.data.Message)
		if ev.event == "completion" {
			break
		}
	}
	want := []string{
		"cancelled: Step wait has been cancelled.",
		"log: Step wait has been cancelled.",
		"completion: Run completed with status: failed",
	}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("events after cancel (-want +got):\n%s", diff)
	}
	// The server closes the stream after the completion event.
	select {
	case _, ok := <-lines:
		if ok {
			t.Error("an event after the completion")
		}
	case <-time.After(10 * time.Second):
		t.Error("the stream stayed open after the completion event")
	}
}

func TestScaffolderRateLimitAPI(t *testing.T) {
	one := 1
	f := newScaffolderFixture(t, func(o *scaffolder.Options) { o.Config.RateLimit.TasksPerMinute = &one })
	body := `{"templateRef":"template:default/hello","values":{"name":"x"}}`
	if res := f.do(t, "allowed", "POST", "/api/scaffolder/v2/tasks", body); res.status != 201 {
		t.Fatalf("first: %d %s", res.status, res.body)
	}
	res := f.do(t, "allowed", "POST", "/api/scaffolder/v2/tasks", body, true)
	if res.status != 429 || res.header.Get("Retry-After") != "60" {
		t.Errorf("second: %d %v %s", res.status, res.header, res.body)
	}
	wantError(t, res, 429, "TooManyRequestsError", "Too many tasks created: at most 1 a minute; try again in 60 seconds")
}
