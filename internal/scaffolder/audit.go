package scaffolder

import (
	"context"
	"encoding/json"

	"github.com/callboard/callboard/internal/audit"
)

// record writes an audit event; a failure to write it is logged, never
// the task's failure.
func (e *Engine) record(ctx context.Context, ev audit.Event) {
	if e.auditor == nil {
		return
	}
	if err := e.auditor.Record(context.WithoutCancel(ctx), ev); err != nil {
		e.log.Error("record audit event", "action", ev.Action, "error", err)
	}
}

// auditStep records a step's end (or a failed attempt) with its input
// and output, redacted.
// input is the rendered input: an object, or a list of them for "each".
func (e *Engine) auditStep(ctx context.Context, r *taskRun, s Step, action string, input any, output map[string]any, errText string) {
	if e.auditor == nil || r.dryRun {
		return
	}
	details := map[string]any{
		"taskId": r.id, "stepId": s.ID, "action": s.Action, "attempt": r.attempt,
		"input": r.redact.Value(input), "output": r.redact.Map(output),
	}
	outcome := audit.OutcomeSucceeded
	if errText != "" {
		outcome = audit.OutcomeFailed
		details["error"] = r.redact.String(errText)
	}
	e.record(ctx, audit.Event{
		Action: action, Target: "task:" + r.id, Outcome: outcome,
		ActorRef: r.createdBy, ActorKind: audit.ActorSystem, Details: auditJSON(details),
	})
}

// auditApproval records a decision on an approval, or its refusal.
// An empty actor is Callboard itself (a timeout).
func (e *Engine) auditApproval(ctx context.Context, w WaitRecord, actor, decision, comment string, outcome audit.Outcome, why string) {
	var req ApprovalRequest
	_ = json.Unmarshal(w.Request, &req)
	details := map[string]any{"taskId": w.TaskID, "stepId": w.StepID, "decision": decision, "comment": comment, "requester": req.Requester}
	if why != "" {
		details["reason"] = why
	}
	ev := audit.Event{Action: "scaffolder.approval.decide", Target: req.TemplateRef, Outcome: outcome, Details: auditJSON(details)}
	switch {
	case actor == "":
		ev.ActorKind, ev.ActorRef = audit.ActorSystem, "callboard:scaffolder"
	default:
		ev.ActorKind, ev.ActorRef = "user", actor
	}
	e.record(ctx, ev)
}
