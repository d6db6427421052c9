package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// gatedTemplate waits for the requester's own approval (the guest, who
// every page is opened as) between two steps, and rolls back when the
// last step fails.
const gatedTemplate = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: gated-release
  title: Gated release
  tags: [test]
spec:
  owner: group:default/keel-team
  type: job
  steps:
    - id: prepare
      name: Prepare
      action: debug:log
      input:
        message: preparing
    - id: approval
      name: Approval
      action: approval:request
      input:
        approvers: [user:development/guest]
        allowRequester: true
        message: Ship the gated release?
    - id: ship
      name: Ship
      action: debug:log
      input:
        message: shipped after ${{ steps.approval.output.decision }}
      onFailure:
        - id: rollback
          name: Roll back
          action: debug:log
          input:
            message: rolled back
`

// brokenTemplate fails at its second step, every time.
const brokenTemplate = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: broken-step
  title: Broken step
  tags: [test]
spec:
  owner: group:default/keel-team
  type: job
  steps:
    - id: start
      name: Start
      action: debug:log
      input:
        message: starting
    - id: fetch
      name: Fetch
      action: fetch:plain
      input:
        url: ./no-such-directory
`

// startWorkflowPortal runs the whole app, as callboard serve does, on a
// temporary SQLite database with the demo organisation and the gated
// template, and returns its base URL once the catalog is idle.
func startWorkflowPortal(t *testing.T) string {
	t.Helper()
	return servePortal(t, nil, map[string]string{"gated-release.yaml": gatedTemplate, "broken-step.yaml": brokenTemplate})
}

// nodeClassJS is the class of a step's box in the workflow graph.
func nodeClassJS(step string) string {
	return fmt.Sprintf(`(document.querySelector('#task-graph .wf-node[data-step=%q]') || {getAttribute: () => ""}).getAttribute("class")`, step)
}

// TestWorkflowInBrowser runs a template that waits for an approval, in
// Chromium: the template's form shows its workflow, the task page draws
// the graph and says the approval step waits, the inbox lists the
// approval and takes the decision, and the task page, never reloaded,
// follows the task to its end with the graph's boxes turning completed.
func TestWorkflowInBrowser(t *testing.T) {
	shots := needBrowser(t)
	base := startWorkflowPortal(t)
	browser := newBrowser(t)

	// The template's form: no parameters, so straight to the review, with
	// the workflow under it.
	task := newTab(t, browser)
	navigate(t, task, base+"/create/templates/default/gated-release")
	run(t, task, chromedp.Click(chromedp.CSS("#template-workflow summary")))
	waitFor(t, task, `document.querySelector("#template-workflow").open`, 2*time.Second)
	steps := eval[[]string](t, task, `[...document.querySelectorAll("#template-workflow .wf-node")].map((g) => g.getAttribute("data-step"))`)
	if strings.Join(steps, ",") != "prepare,approval,ship,rollback" {
		t.Errorf("template graph steps = %v", steps)
	}
	if n := eval[int](t, task, `document.querySelectorAll("#template-workflow .wf-edge--dashed").length`); n != 1 {
		t.Errorf("%d dashed edges, want the one to the onFailure step", n)
	}
	audit(t, task, "template form with its workflow")
	screenshot(t, task, shots, "workflow-template")

	// Create: the task runs the first step and waits for the approval.
	clickAndLoad(t, task, `button.btn--primary[value="create"]`)
	if !eval[bool](t, task, `location.pathname.startsWith("/create/tasks/")`) {
		t.Fatalf("create went to %s", eval[string](t, task, `location.href`))
	}
	taskURL := eval[string](t, task, `location.href`)
	eval[bool](t, task, `window.sameDocument = true`)
	waitFor(t, task, nodeClassJS("approval")+`.includes("wf-node--waiting")`, 30*time.Second)
	waitFor(t, task, `!document.querySelector('[data-wf-wait="approval"]').hidden`, 5*time.Second)
	if got := eval[string](t, task, nodeClassJS("prepare")); !strings.Contains(got, "wf-node--completed") {
		t.Errorf("prepare is %q while the approval waits", got)
	}
	if got := eval[string](t, task, `document.querySelector('#task-graph .wf-node[data-step="approval"] .wf-node__label').textContent`); got != "Waiting for approval" {
		t.Errorf("the approval step says %q", got)
	}
	audit(t, task, "task waiting for approval")
	screenshot(t, task, shots, "workflow-task-waiting")

	// The inbox, reached from the task page's link, lists the approval;
	// approve it with a comment.
	inbox := newTab(t, browser)
	navigate(t, inbox, taskURL)
	clickAndLoad(t, inbox, `[data-wf-wait="approval"] a`)
	if got := h1(t, inbox); got != "Approvals" {
		t.Fatalf("the link opened %q", got)
	}
	if n := eval[int](t, inbox, `document.querySelectorAll(".approval").length`); n != 1 {
		t.Fatalf("%d approvals listed: %s", n, eval[string](t, inbox, `document.querySelector("main").innerText`))
	}
	row := eval[string](t, inbox, `document.querySelector(".approval").innerText`)
	for _, want := range []string{"Approval · Gated release", "Ship the gated release?", "0 of 1 needed", "guest"} {
		if !strings.Contains(row, want) {
			t.Errorf("approval lacks %q:\n%s", want, row)
		}
	}
	audit(t, inbox, "approvals inbox")
	screenshot(t, inbox, shots, "workflow-approvals")
	run(t, inbox, chromedp.SendKeys(chromedp.CSS(".approval textarea"), "ship it"))
	clickAndLoad(t, inbox, `.approval button[value="approve"]`)
	if got := eval[string](t, inbox, `(document.querySelector(".alert--success") || {textContent: ""}).textContent`); !strings.Contains(got, "Your approval is recorded.") {
		t.Errorf("notice = %q: %s", got, eval[string](t, inbox, `document.querySelector("main").innerText`))
	}
	navigate(t, inbox, base+"/create/approvals?status=decided")
	decided := eval[string](t, inbox, `document.querySelector("main").innerText`)
	for _, want := range []string{"Approved", "“ship it”"} {
		if !strings.Contains(decided, want) {
			t.Errorf("decided tab lacks %q:\n%s", want, decided)
		}
	}
	audit(t, inbox, "decided approvals")
	screenshot(t, inbox, shots, "workflow-approvals-decided")

	// The task page follows the task to its end without a reload.
	waitFor(t, task, `document.querySelector("#task-status").textContent.trim() === "Completed"`, 30*time.Second)
	waitFor(t, task, nodeClassJS("ship")+`.includes("wf-node--completed") && `+nodeClassJS("approval")+`.includes("wf-node--completed")`, 10*time.Second)
	if !eval[bool](t, task, `window.sameDocument === true`) {
		t.Error("the task page reloaded instead of following the events")
	}
	if !eval[bool](t, task, `document.querySelector('[data-wf-wait="approval"]') === null || document.querySelector('[data-wf-wait="approval"]').hidden`) {
		t.Error("the task still says it waits for approval")
	}
	if got := eval[string](t, task, `document.querySelector("#task-log").textContent`); !strings.Contains(got, "shipped after approve") {
		t.Errorf("log lacks the decision:\n%s", got)
	}
	if got := eval[string](t, task, nodeClassJS("rollback")); strings.Contains(got, "wf-node--completed") {
		t.Errorf("the onFailure step ran: %q", got)
	}
	audit(t, task, "finished task")
	screenshot(t, task, shots, "workflow-task-done")

	// A failed task runs again from its failed step, then from a step
	// chosen; each run adds attempts.
	failed := newTab(t, browser)
	navigate(t, failed, base+"/create/templates/default/broken-step")
	clickAndLoad(t, failed, `button.btn--primary[value="create"]`)
	failedURL := eval[string](t, failed, `location.href`)
	ended := func() {
		t.Helper()
		waitFor(t, failed, `document.querySelector("#task-status").textContent.trim() === "Failed"`, 30*time.Second)
		run(t, failed, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#task-replay")))
	}
	attempts := func(step string) int {
		t.Helper()
		return eval[int](t, failed, fmt.Sprintf(`[...document.querySelectorAll("#task-attempts tbody th")].filter((th) => th.textContent.trim() === %q).length`, step))
	}
	ended()
	if got := eval[string](t, failed, nodeClassJS("fetch")); !strings.Contains(got, "wf-node--failed") {
		t.Errorf("the failed step is drawn %q", got)
	}
	if got := eval[string](t, failed, `document.querySelector("#replay-from").value`); got != "fetch" {
		t.Errorf("re-run starts at %q, want the failed step", got)
	}
	audit(t, failed, "failed task")
	screenshot(t, failed, shots, "workflow-task-failed")
	clickAndLoad(t, failed, "#replay-failed")
	if got := eval[string](t, failed, `location.href`); got != failedURL {
		t.Errorf("replay went to %s", got)
	}
	ended()
	if s, f := attempts("Start"), attempts("Fetch"); s != 1 || f != 2 {
		t.Errorf("after a retry: %d attempts of Start, %d of Fetch; want 1 and 2", s, f)
	}
	run(t, failed, chromedp.SetValue(chromedp.CSS("#replay-from"), "start"))
	clickAndLoad(t, failed, "#replay-from-step")
	ended()
	if s, f := attempts("Start"), attempts("Fetch"); s != 2 || f != 3 {
		t.Errorf("after a re-run from Start: %d attempts of Start, %d of Fetch; want 2 and 3", s, f)
	}
	screenshot(t, failed, shots, "workflow-task-replayed")

	// Every width and theme.
	auditViews(t, browser, base, shots, []webPage{
		{"workflow-task", strings.TrimPrefix(taskURL, base)},
		{"workflow-approvals", "/create/approvals?status=decided"},
	})
}
