package scaffolder_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

const (
	ada   = "user:default/ada" // the requester
	bob   = "user:default/bob"
	carol = "user:default/carol"
	zed   = "user:default/zed"
	dba   = "group:default/dba"
)

// approvalTemplate asks approvers (a YAML list) for an approval with the
// extra input lines, then branches on it.
func approvalTemplate(approvers, extra string) string {
	return fmt.Sprintf(`  steps:
    - id: approve
      action: approval:request
      input:
        approvers: %s
        message: deploy ${{ parameters.name }}?
%s
    - id: go
      action: test:echo
      if: ${{ steps.approve.output.approved }}
      input: {message: deploying}
    - id: stop
      action: test:echo
      if: ${{ not steps.approve.output.approved }}
      input: {message: stopped}
  output:
    approved: ${{ steps.approve.output.approved }}
    decision: ${{ steps.approve.output.decision }}
    decidedBy: ${{ steps.approve.output.decidedBy }}
    comment: ${{ steps.approve.output.comment }}
    decidedAt: ${{ steps.approve.output.decidedAt | length > 0 }}
`, approvers, extra)
}

type vote struct {
	actor    string
	refs     []string
	decision string
	// err is the problem class expected; "" for success.
	err string
	// status is the approval's status after the vote.
	status string
}

func decide(h *workflowHarness, id string, v vote) (*scaffolder.Approval, error) {
	refs := v.refs
	if refs == nil {
		refs = []string{v.actor}
	}
	return h.engine.Decide(context.Background(), scaffolder.Decision{
		TaskID: id, StepID: "approve", Actor: v.actor, Refs: refs, Decision: v.decision, Comment: "from " + v.actor, Via: "api",
	})
}

func TestApprovalDecisions(t *testing.T) {
	for _, tc := range []struct {
		name      string
		approvers string
		extra     string
		votes     []vote
		// advance moves the clock before the task is let go on.
		advance time.Duration
		output  map[string]any
		ran     map[string]scaffolder.Status
		denied  []string
	}{
		{
			name:      "two approvals from a user and a group member",
			approvers: "[user:default/bob, group:default/dba, user:default/ada]",
			extra:     "        minApprovals: 2",
			votes: []vote{
				{actor: zed, decision: "approve", err: problem.NotAllowedError},
				{actor: ada, decision: "approve", err: problem.NotAllowedError},
				{actor: bob, decision: "approve", status: "pending"},
				{actor: bob, decision: "approve", err: problem.ConflictError},
				{actor: carol, refs: []string{carol, dba}, decision: "approve", status: "decided"},
				{actor: carol, refs: []string{carol, dba}, decision: "reject", err: problem.ConflictError},
			},
			output: map[string]any{"approved": true, "decision": "approve", "decidedBy": []any{bob, carol},
				"comment": "from " + bob + "\nfrom " + carol, "decidedAt": true},
			ran: map[string]scaffolder.Status{"approve": scaffolder.StatusCompleted, "go": scaffolder.StatusCompleted, "stop": scaffolder.StatusSkipped},
			denied: []string{
				"scaffolder.approval.decide denied " + zed,
				"scaffolder.approval.decide denied " + ada,
				"scaffolder.approval.decide denied " + bob,
				"scaffolder.approval.decide denied " + carol,
			},
		},
		{
			name:      "one rejection rejects",
			approvers: "[user:default/bob, user:default/carol]",
			extra:     "        minApprovals: 2",
			votes: []vote{
				{actor: bob, decision: "approve", status: "pending"},
				{actor: carol, decision: "reject", status: "decided"},
			},
			output: map[string]any{"approved": false, "decision": "reject", "decidedBy": []any{carol}, "comment": "from " + carol, "decidedAt": true},
			ran:    map[string]scaffolder.Status{"approve": scaffolder.StatusCompleted, "go": scaffolder.StatusSkipped, "stop": scaffolder.StatusCompleted},
		},
		{
			name:      "the requester may decide when allowed",
			approvers: "[user:default/ada]",
			extra:     "        allowRequester: true",
			votes:     []vote{{actor: ada, decision: "approve", status: "decided"}},
			output:    map[string]any{"approved": true, "decision": "approve", "decidedBy": []any{ada}, "comment": "from " + ada, "decidedAt": true},
			ran:       map[string]scaffolder.Status{"approve": scaffolder.StatusCompleted, "go": scaffolder.StatusCompleted, "stop": scaffolder.StatusSkipped},
		},
		{
			name:      "a timeout approves with onTimeout approve",
			approvers: "[user:default/bob]",
			extra:     "        timeout: 1h\n        onTimeout: approve",
			advance:   2 * time.Hour,
			output:    map[string]any{"approved": true, "decision": "timeout", "decidedBy": []any{}, "comment": "timed out", "decidedAt": true},
			ran:       map[string]scaffolder.Status{"approve": scaffolder.StatusCompleted, "go": scaffolder.StatusCompleted, "stop": scaffolder.StatusSkipped},
		},
		{
			name:      "a timeout rejects by default",
			approvers: "[user:default/bob]",
			extra:     "        timeout: 1h",
			advance:   2 * time.Hour,
			votes:     []vote{},
			output:    map[string]any{"approved": false, "decision": "timeout", "decidedBy": []any{}, "comment": "timed out", "decidedAt": true},
			ran:       map[string]scaffolder.Status{"approve": scaffolder.StatusCompleted, "go": scaffolder.StatusSkipped, "stop": scaffolder.StatusCompleted},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				h := newWorkflowHarnessOn(t, db)
				stop := h.run(t)
				ref := h.template(t, "approval", approvalTemplate(tc.approvers, tc.extra))
				id := h.create(t, ref, map[string]any{"name": "db"}, nil)
				h.untilStatus(t, id, scaffolder.StatusWaiting)
				if got := h.stepStatuses(t, id)["approve"]; got != scaffolder.StatusWaiting {
					t.Errorf("approval step is %s", got)
				}
				// Nothing is held in memory: another instance decides and
				// finishes the task.
				stop()
				other := h.another(t, db)
				for i, v := range tc.votes {
					a, err := decide(other, id, v)
					if v.err != "" {
						if !problem.Is(err, v.err) {
							t.Errorf("vote %d by %s: %v, want %s", i, v.actor, err, v.err)
						}
						continue
					}
					if err != nil {
						t.Fatalf("vote %d by %s: %v", i, v.actor, err)
					}
					if a.Status != v.status {
						t.Errorf("vote %d by %s: approval %s, want %s", i, v.actor, a.Status, v.status)
					}
				}
				h.clock.Advance(tc.advance)
				other.run(t)
				task := other.wait(t, id)
				if task.Status != scaffolder.StatusCompleted {
					t.Fatalf("status %s\n%s", task.Status, strings.Join(other.log(t, id), "\n"))
				}
				if diff := cmp.Diff(tc.output, other.completion(t, id).Output); diff != "" {
					t.Errorf("output (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tc.ran, other.stepStatuses(t, id)); diff != "" {
					t.Errorf("steps (-want +got):\n%s", diff)
				}
				var denied []string
				for _, e := range h.audit.list("scaffolder.approval.decide") {
					if strings.Contains(e, " denied ") {
						denied = append(denied, e)
					}
				}
				if diff := cmp.Diff(tc.denied, denied); diff != "" {
					t.Errorf("denied decisions in the audit log (-want +got):\n%s", diff)
				}
				if len(h.audit.list("scaffolder.approval.request")) != 1 {
					t.Errorf("audit: %v", h.audit.list("scaffolder.approval"))
				}
				_, err := decide(other, id, vote{actor: bob, decision: "approve"})
				if !problem.Is(err, problem.ConflictError) && !problem.Is(err, problem.NotAllowedError) {
					t.Errorf("a decision after the task ended: %v", err)
				}
			})
		})
	}
}

func TestApprovalsInbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newWorkflowHarnessOn(t, db)
		h.run(t)
		ref := h.template(t, "inbox", approvalTemplate("[user:default/bob, group:default/dba, user:default/ada]", ""))
		id := h.create(t, ref, map[string]any{"name": "db"}, nil)
		h.untilStatus(t, id, scaffolder.StatusWaiting)
		allowRef := h.template(t, "inbox-allow", approvalTemplate("[user:default/ada]", "        allowRequester: true"))
		allowed := h.create(t, allowRef, map[string]any{"name": "cache"}, nil)
		h.untilStatus(t, allowed, scaffolder.StatusWaiting)

		list := func(status, actor string, refs ...string) []string {
			t.Helper()
			as, err := h.engine.Approvals(context.Background(), scaffolder.ApprovalQuery{Status: status, Actor: actor, Refs: refs})
			if err != nil {
				t.Fatal(err)
			}
			out := []string{}
			for _, a := range as {
				out = append(out, a.TaskID+" "+a.Status+" "+a.Message)
			}
			return out
		}
		pending := func(task, msg string) string { return task + " pending deploy " + msg + "?" }
		for _, tc := range []struct {
			name   string
			status string
			actor  string
			refs   []string
			want   []string
		}{
			{"an approver by user ref", "pending", bob, []string{bob}, []string{pending(id, "db")}},
			{"an approver through a group", "pending", carol, []string{carol, dba}, []string{pending(id, "db")}},
			{"not an approver", "pending", zed, []string{zed}, []string{}},
			{"the requester only where allowed", "pending", ada, []string{ada}, []string{pending(allowed, "cache")}},
			{"nothing decided yet", "decided", bob, []string{bob}, []string{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if diff := cmp.Diff(tc.want, list(tc.status, tc.actor, tc.refs...)); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
		a, err := h.engine.Approval(context.Background(), id, "approve", "")
		if err != nil {
			t.Fatal(err)
		}
		want := scaffolder.ApprovalRequest{TaskID: id, StepID: "approve", StepName: "approval:request", TemplateRef: ref,
			Requester: ada, Approvers: []string{bob, dba, ada}, MinApprovals: 1, Message: "deploy db?"}
		if diff := cmp.Diff(want, a.ApprovalRequest); diff != "" {
			t.Errorf("approval request (-want +got):\n%s", diff)
		}
		if _, err := h.engine.Approval(context.Background(), id, "go", ""); !problem.Is(err, problem.NotFoundError) {
			t.Errorf("approval of a step that asks none: %v", err)
		}
		if _, err := decide(h, id, vote{actor: bob, decision: "maybe"}); !problem.Is(err, problem.InputError) {
			t.Errorf("decision maybe: %v", err)
		}
		if _, err := decide(h, id, vote{actor: bob, decision: "approve"}); err != nil {
			t.Fatal(err)
		}
		h.wait(t, id)
		if diff := cmp.Diff([]string{id + " decided deploy db?"}, list("decided", bob, bob)); diff != "" {
			t.Errorf("decided (-want +got):\n%s", diff)
		}
	})
}

func TestCancelWaitingTask(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newWorkflowHarnessOn(t, db)
		h.run(t)
		ref := h.template(t, "cancel", approvalTemplate("[user:default/bob]", ""))
		id := h.create(t, ref, map[string]any{"name": "db"}, nil)
		h.untilStatus(t, id, scaffolder.StatusWaiting)
		if err := h.engine.Cancel(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		task := h.wait(t, id)
		if task.Status != scaffolder.StatusFailed && task.Status != scaffolder.StatusCancelled {
			t.Fatalf("status %s", task.Status)
		}
		if got := h.stepStatuses(t, id)["approve"]; got != scaffolder.StatusCancelled {
			t.Errorf("approval step %s\n%s", got, strings.Join(h.log(t, id), "\n"))
		}
		if h.calls.get("go")+h.calls.get("stop") != 0 {
			t.Errorf("steps after the approval ran")
		}
		_, err := decide(h, id, vote{actor: bob, decision: "approve"})
		if !problem.Is(err, problem.ConflictError) {
			t.Errorf("a decision after the task ended: %v", err)
		}
		as, err := h.engine.Approvals(context.Background(), scaffolder.ApprovalQuery{Status: "pending", Actor: bob, Refs: []string{bob}})
		if err != nil || len(as) != 0 {
			t.Errorf("pending approvals of a cancelled task: %v %v", as, err)
		}
	})
}
