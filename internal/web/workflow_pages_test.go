package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder"
)

func TestGoldenWorkflowPages(t *testing.T) {
	tests := []struct {
		name, target string
		status       int
	}{
		{"workflow-task-waiting", "/create/tasks/t4", 200},
		{"workflow-task-failed", "/create/tasks/t5", 200},
		{"workflow-template-acting", "/create/templates/default/release?entityRef=" + url.QueryEscape("component:default/booking-service"), 200},
		{"workflow-template-bad-entity", "/create/templates/default/release?entityRef=booking-service", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, h := approvalsSite(t)
			rec := send(t, h, http.MethodGet, tt.target, nil)
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			compareGolden(t, tt.name, rec.Body.String())
		})
	}
}

func TestTaskPageWorkflow(t *testing.T) {
	_, h := approvalsSite(t)
	waiting := send(t, h, http.MethodGet, "/create/tasks/t4", nil).Body.String()
	for _, want := range []string{
		`<span class="badge badge--warn" id="task-status">On hold</span>`,
		`<g class="wf-node wf-node--waiting" data-step="approve" data-approval>`,
		`<tspan class="wf-node__label">Waiting for approval</tspan>`,
		`<li data-wf-wait="approve"><span class="badge badge--warn">Waiting for approval</span> Approve the release: <a href="/create/approvals">open the approvals inbox</a></li>`,
		`<g class="wf-node wf-node--open wf-node--compensation" data-step="rollback">`,
		`<path class="wf-edge wf-edge--dashed" d="M544 68V88" marker-end="url(#wf-arrow)" data-from="ship" data-to="rollback"/>`,
		`/static/workflow.`,
	} {
		if !strings.Contains(waiting, want) {
			t.Errorf("waiting task page lacks %q", want)
		}
	}
	for _, bad := range []string{`id="task-replay"`, `id="task-attempts"`} {
		if strings.Contains(waiting, bad) {
			t.Errorf("waiting task page has %s", bad)
		}
	}
	failed := send(t, h, http.MethodGet, "/create/tasks/t5", nil).Body.String()
	for _, want := range []string{
		`<option value="ship" selected>Ship</option>`,
		`Retry from failed step`,
		`<td data-label="Attempt">2</td>`,
		`<td data-label="Error" class="attempts__error">push refused</td>`,
	} {
		if !strings.Contains(failed, want) {
			t.Errorf("failed task page lacks %q", want)
		}
	}
	// A task without a graph (an engine that has none) shows no drawing
	// and loads no graph script.
	plain := send(t, h, http.MethodGet, "/create/tasks/t1", nil).Body.String()
	if strings.Contains(plain, `id="task-graph"`) || strings.Contains(plain, "workflow.") {
		t.Error("a task without a graph draws one")
	}
}

func TestTaskReplay(t *testing.T) {
	cat := createCatalog(t)
	sc := &fakeScaffolder{cat: cat}
	sampleTasks(sc)
	workflowFixtures(cat, sc)
	var asked []string
	authorize := func(_ context.Context, name, ref string) error {
		asked = append(asked, name+" "+ref)
		if ref == "task:t3" {
			return problem.NotAllowed("You are not allowed to do this (%s).", name)
		}
		return nil
	}
	h := as(jane, createSite(t, cat, sc, authorize))
	for _, from := range []string{"", "approve"} {
		rec := send(t, h, http.MethodPost, "/create/tasks/t5/replay", url.Values{"fromStep": {from}}, "Sec-Fetch-Site", "same-origin")
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/create/tasks/t5" {
			t.Errorf("replay from %q: %d to %q", from, rec.Code, rec.Header().Get("Location"))
		}
	}
	want := []scaffolder.ReplayRequest{
		{TaskID: "t5", Actor: "user:default/jane.doe"},
		{TaskID: "t5", FromStep: "approve", Actor: "user:default/jane.doe"},
	}
	if diff := cmp.Diff(want, sc.replays); diff != "" {
		t.Errorf("replays (-want +got):\n%s", diff)
	}
	if rec := send(t, h, http.MethodPost, "/create/tasks/t3/replay", url.Values{}, "Sec-Fetch-Site", "same-origin"); rec.Code != http.StatusForbidden {
		t.Errorf("refused replay: %d", rec.Code)
	}
	if diff := cmp.Diff([]string{"scaffolder.task.create task:t5", "scaffolder.task.create task:t5", "scaffolder.task.create task:t3"}, asked); diff != "" {
		t.Errorf("permission checks (-want +got):\n%s", diff)
	}
	// The engine's refusal is the error page with its status.
	sc.replayErr = problem.Conflict("Task t5 has not ended")
	rec := send(t, h, http.MethodPost, "/create/tasks/t5/replay", url.Values{}, "Sec-Fetch-Site", "same-origin")
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "Task t5 has not ended") {
		t.Errorf("conflict: %d\n%s", rec.Code, rec.Body)
	}
	if len(sc.replays) != 2 {
		t.Errorf("%d replays recorded", len(sc.replays))
	}
}

func TestWizardActsOnEntity(t *testing.T) {
	sc, h := approvalsSite(t)
	ref := "component:default/booking-service"
	start := send(t, h, http.MethodGet, "/create/templates/default/release?entityRef="+url.QueryEscape("Component:default/Booking-Service"), nil)
	if start.Code != http.StatusOK {
		t.Fatalf("start: %d\n%s", start.Code, start.Body)
	}
	page := start.Body.String()
	for _, want := range []string{
		`Acting on <a href="/catalog/default/component/booking-service">booking-service</a> <code>` + ref + `</code>`,
		`<input type="hidden" name="_entityRef" value="` + ref + `">`,
		`<details class="card workflow-disclosure" id="template-workflow">`,
		`<g class="wf-node wf-node--plan" data-step="approve" data-approval>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("form lacks %q", want)
		}
	}
	review := post(t, h, "/create/templates/default/release", page, "_action", "next")
	if review.Code != http.StatusOK || !strings.Contains(review.Body, `name="_entityRef" value="`+ref+`"`) {
		t.Fatalf("review: %d lacks the entity\n%s", review.Code, review.Body)
	}
	done := post(t, h, "/create/templates/default/release", review.Body, "_action", "create")
	if done.Code != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", done.Code, done.Body)
	}
	if len(sc.created) != 1 || sc.created[0].EntityRef != ref {
		t.Errorf("created %+v, want entity %s", sc.created, ref)
	}
	// A posted entity that is no ref is refused.
	form := hiddenFields(t, page)
	form.Set("_entityRef", "not a ref")
	if rec := send(t, h, http.MethodPost, "/create/templates/default/release", form, "Sec-Fetch-Site", "same-origin"); rec.Code != http.StatusBadRequest {
		t.Errorf("bad posted entity: %d", rec.Code)
	}
}

func TestEntityActionsCard(t *testing.T) {
	var release map[string]any
	if err := json.Unmarshal([]byte(approvalTemplate), &release); err != nil {
		t.Fatal(err)
	}
	tmpl, err := scaffolder.ParseTemplate(json.RawMessage(approvalTemplate))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, target string
		templates    *fakeEntityTemplates
		want         []string
		absent       []string
	}{
		{
			name:      "a component lists the templates acting on it",
			target:    "/catalog/default/component/booking-service",
			templates: &fakeEntityTemplates{list: []*scaffolder.Template{tmpl}},
			want: []string{
				`id="card-actions" aria-labelledby="card-actions-heading"`,
				`<a class="btn" href="/create/templates/default/release?entityRef=component%3Adefault%2Fbooking-service">Release a service</a><p>Ships a release.</p>`,
			},
		},
		{
			name:      "no template applies: no card",
			target:    "/catalog/default/group/harbour",
			templates: &fakeEntityTemplates{list: []*scaffolder.Template{tmpl}},
			absent:    []string{`id="card-actions"`},
		},
		{
			name:      "a failure shows in the card only",
			target:    "/catalog/default/component/booking-service",
			templates: &fakeEntityTemplates{err: problem.NotAllowed("You may not read templates.")},
			want:      []string{`id="card-actions"`, "You may not read templates."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := testSite(t, sampleCatalog(), &fakeUnprocessed{}, func(o *Options) { o.UI = sampleUI(); o.EntityTemplates = tt.templates })
			rec := send(t, as(jane, h), http.MethodGet, tt.target, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
			body := rec.Body.String()
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(body, a) {
					t.Errorf("page has %q", a)
				}
			}
			if len(tt.templates.asked) != 1 {
				t.Errorf("asked %v, want one question", tt.templates.asked)
			}
		})
	}
	// Without the option there is no card and nothing is asked.
	h := testSite(t, sampleCatalog(), &fakeUnprocessed{}, func(o *Options) { o.UI = sampleUI() })
	if body := send(t, as(jane, h), http.MethodGet, "/catalog/default/component/booking-service", nil).Body.String(); strings.Contains(body, `id="card-actions"`) {
		t.Error("actions card without EntityTemplates")
	}
}

func TestEntityRefParam(t *testing.T) {
	for in, want := range map[string]string{
		"":                             "",
		"component:default/x":          "component:default/x",
		"Component:Default/X":          "component:default/x",
		"component:x":                  "component:default/x",
		"template:default/release-two": "template:default/release-two",
	} {
		got, err := entityRefParam(in)
		if err != nil || got != want {
			t.Errorf("entityRefParam(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"x", "component:", ":default/x", "a/b/c"} {
		_, err := entityRefParam(bad)
		if problem.Status(err) != http.StatusBadRequest {
			t.Errorf("entityRefParam(%q) = %v, want an input error", bad, err)
		}
	}
}
