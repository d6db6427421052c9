package scaffolder

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

// Decisions of an approval.
const (
	DecisionApprove = "approve"
	DecisionReject  = "reject"
	DecisionTimeout = "timeout"
)

// ApprovalRequest is what an approval wait stores as its request.
type ApprovalRequest struct {
	TaskID      string `json:"taskId"`
	StepID      string `json:"stepId"`
	StepName    string `json:"stepName,omitempty"`
	TemplateRef string `json:"templateRef,omitempty"`
	// Requester is who created the task.
	Requester      string    `json:"requester"`
	Approvers      []string  `json:"approvers"`
	MinApprovals   int       `json:"minApprovals"`
	AllowRequester bool      `json:"allowRequester,omitempty"`
	Message        string    `json:"message,omitempty"`
	Deadline       time.Time `json:"deadline,omitzero"`
}

// Approval is one approval:request step waiting for, or having had, its
// decision.
type Approval struct {
	// ID is the wait's id.
	ID string `json:"id"`
	// Iteration is the "each" key of an approval inside "each"; "" outside.
	Iteration string `json:"iteration,omitempty"`
	ApprovalRequest
	// Status is "pending" or "decided".
	Status string `json:"status"`
	// Decision is approve, reject or timeout once decided.
	Decision  string    `json:"decision,omitempty"`
	Votes     []Vote    `json:"votes"`
	CreatedAt time.Time `json:"createdAt"`
	DecidedAt time.Time `json:"decidedAt,omitzero"`
}

// Vote is one approver's decision.
type Vote struct {
	// Actor is the user ref of who voted.
	Actor    string    `json:"actor"`
	Decision string    `json:"decision"`
	Comment  string    `json:"comment,omitempty"`
	At       time.Time `json:"at"`
	// Via is where the vote came from: api, ui or slack.
	Via string `json:"via,omitempty"`
}

// ApprovalQuery selects approvals.
type ApprovalQuery struct {
	// Status is "pending", "decided" or "" for both.
	Status string
	// Actor is the caller's user ref: "decided" lists what Actor voted on.
	Actor string
	// Refs are the caller's user ref and ownership refs (groups): "pending"
	// lists approvals naming any of them as approver.
	Refs  []string
	Limit int
}

// Decision is an approver's answer to an approval.
type Decision struct {
	TaskID, StepID string
	// Iteration is the "each" key of the approval; "" outside "each".
	Iteration string
	// Actor is the deciding user's ref; Refs are Actor and its ownership
	// refs, matched against the approvers.
	Actor string
	Refs  []string
	// Decision is approve or reject.
	Decision string
	Comment  string
	// Via is api, ui or slack.
	Via string
}

// Notifier is told about approvals as they are requested, to reach
// approvers where they are (Slack). It must not block for long.
type Notifier interface {
	ApprovalRequested(ctx context.Context, a Approval)
}

// Approvals lists approvals for the caller (see ApprovalQuery). Pending
// approvals of tasks that ended (cancelled, failed) are left out by the
// store.
func (e *Engine) Approvals(ctx context.Context, q ApprovalQuery) ([]Approval, error) {
	recs, err := e.store.ListApprovals(ctx, q)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	votes, err := e.store.Votes(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Approval, 0, len(recs))
	for _, r := range recs {
		var req ApprovalRequest
		if err := json.Unmarshal(r.Request, &req); err != nil {
			return nil, fmt.Errorf("decode approval %s: %w", r.ID, err)
		}
		if !r.Resolved && !req.AllowRequester && q.Status == "pending" && q.Actor != "" && q.Actor == req.Requester {
			continue
		}
		out = append(out, approvalOf(r, &req, votes[r.ID]))
	}
	return out, nil
}

// approvalOf builds an Approval from its wait and votes.
func approvalOf(w WaitRecord, req *ApprovalRequest, votes []Vote) Approval {
	a := Approval{ID: w.ID, Iteration: w.Iteration, ApprovalRequest: *req, Status: "pending", Votes: votes, CreatedAt: w.CreatedAt}
	if a.Votes == nil {
		a.Votes = []Vote{}
	}
	if w.Resolved {
		a.Status, a.DecidedAt = "decided", w.ResolvedAt
		if res, err := decodeWaitResult(w); err == nil {
			a.Decision, _ = res.Payload["decision"].(string)
			if res.TimedOut {
				a.Decision = DecisionTimeout
			}
		}
	}
	return a
}

// Approval returns the approval of a task's step; a NotFoundError when
// there is none.
func (e *Engine) Approval(ctx context.Context, taskID, stepID, iteration string) (*Approval, error) {
	w, req, err := e.approvalWait(ctx, taskID, stepID, iteration)
	if err != nil {
		return nil, err
	}
	votes, err := e.store.Votes(ctx, []string{w.ID})
	if err != nil {
		return nil, err
	}
	a := approvalOf(*w, req, votes[w.ID])
	return &a, nil
}

func (e *Engine) approvalWait(ctx context.Context, taskID, stepID, iteration string) (*WaitRecord, *ApprovalRequest, error) {
	w, err := e.store.WaitByStep(ctx, taskID, stepID, iteration)
	if err != nil {
		return nil, nil, err
	}
	if w == nil || w.Kind != plugin.WaitApproval {
		return nil, nil, problem.NotFound("Step %s of task %s is not waiting for an approval", stepID, taskID)
	}
	var req ApprovalRequest
	if err := json.Unmarshal(w.Request, &req); err != nil {
		return nil, nil, fmt.Errorf("decode approval %s: %w", w.ID, err)
	}
	return w, &req, nil
}

// Decide records an approver's decision. A NotAllowedError when the actor
// is not an approver (or is the requester and the approval does not
// allow it), a ConflictError when the approval was decided already or
// the actor voted before, a NotFoundError when there is no such approval,
// an InputError for a decision other than approve or reject. Every
// decision and refusal is in the audit log.
func (e *Engine) Decide(ctx context.Context, d Decision) (*Approval, error) {
	if d.Decision != DecisionApprove && d.Decision != DecisionReject {
		return nil, problem.Input("decision must be %q or %q, not %q", DecisionApprove, DecisionReject, d.Decision)
	}
	w, req, err := e.approvalWait(ctx, d.TaskID, d.StepID, d.Iteration)
	if err != nil {
		return nil, err
	}
	refuse := func(err *problem.Error, why string) (*Approval, error) {
		e.auditApproval(ctx, *w, d.Actor, d.Decision, d.Comment, audit.OutcomeDenied, why)
		return nil, err
	}
	if d.Actor == "" {
		return refuse(problem.NotAllowed("Only a signed-in user may decide an approval"), "no user")
	}
	if !slices.ContainsFunc(d.Refs, func(r string) bool { return slices.Contains(req.Approvers, r) }) && !slices.Contains(req.Approvers, d.Actor) {
		return refuse(problem.NotAllowed("%s is not one of the approvers of step %s (%s)", d.Actor, d.StepID, strings.Join(req.Approvers, ", ")), "not an approver")
	}
	if d.Actor == req.Requester && !req.AllowRequester {
		return refuse(problem.NotAllowed("%s requested this task and may not approve it", d.Actor), "requester")
	}
	if w.Resolved {
		return refuse(problem.Conflict("The approval of step %s was decided already", d.StepID), "decided already")
	}
	if t, err := e.store.Task(ctx, d.TaskID); err != nil {
		return nil, err
	} else if t == nil || t.Status.Terminal() {
		return refuse(problem.Conflict("Task %s has ended; its approvals cannot be decided", d.TaskID), "task ended")
	}
	now := e.now()
	if !req.Deadline.IsZero() && !now.Before(req.Deadline) {
		return refuse(problem.Conflict("The approval of step %s timed out at %s", d.StepID, req.Deadline.UTC().Format(time.RFC3339)), "timed out")
	}
	ok, err := e.store.AddVote(ctx, w.ID, Vote{Actor: d.Actor, Decision: d.Decision, Comment: d.Comment, At: now, Via: d.Via})
	if err != nil {
		return nil, err
	}
	if !ok {
		return refuse(problem.Conflict("%s has decided on this approval already", d.Actor), "voted before")
	}
	e.auditApproval(ctx, *w, d.Actor, d.Decision, d.Comment, audit.OutcomeSucceeded, "")
	votes, err := e.store.Votes(ctx, []string{w.ID})
	if err != nil {
		return nil, err
	}
	if decision, by, comment := tally(votes[w.ID], req.MinApprovals); decision != "" {
		res := plugin.WaitResult{At: now, Payload: map[string]any{
			"decision": decision, "decidedBy": by, "comment": comment, "decidedAt": now.UTC().Format(time.RFC3339),
		}}
		b, _ := json.Marshal(res)
		resolved, err := e.store.ResolveWait(ctx, w.ID, b, now)
		if err != nil {
			return nil, err
		}
		if resolved {
			w.Resolved, w.Result, w.ResolvedAt = true, b, now
		} else if w, err = e.store.Wait(ctx, w.ID); err != nil || w == nil {
			// Another decider resolved it meanwhile: show their outcome.
			return nil, fmt.Errorf("read approval of step %s: %v", d.StepID, err)
		}
		e.events.notify(d.TaskID)
		e.kick()
	}
	a := approvalOf(*w, req, votes[w.ID])
	return &a, nil
}

// tally decides an approval from its votes: one rejection rejects, min
// approvals approve; "" while undecided. by are the deciders' refs and
// comment their comments, joined.
func tally(votes []Vote, min int) (decision string, by []any, comment string) {
	var approvers []any
	var comments []string
	for _, v := range votes {
		if v.Decision == DecisionReject {
			return DecisionReject, []any{v.Actor}, v.Comment
		}
		approvers = append(approvers, v.Actor)
		if v.Comment != "" {
			comments = append(comments, v.Comment)
		}
	}
	if len(approvers) >= max(min, 1) {
		return DecisionApprove, approvers, strings.Join(comments, "\n")
	}
	return "", nil, ""
}
