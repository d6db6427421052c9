package scaffolder

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

// wait is ActionContext.Wait: it returns the resolution of the step's
// wait, or parks the step until there is one.
func (r *taskRun) wait(ctx context.Context, s Step, iter string, w plugin.Wait) (plugin.WaitResult, error) {
	switch w.Kind {
	case plugin.WaitApproval, plugin.WaitCallback, plugin.WaitSleep:
	default:
		return plugin.WaitResult{}, fmt.Errorf("unknown kind of wait %q", w.Kind)
	}
	if r.dryRun || r.e.store == nil {
		return dryRunWait(w, r.e.now()), nil
	}
	rec := WaitRecord{
		ID: uuid.NewString(), TaskID: r.id, StepID: s.ID, Iteration: iter,
		Kind: w.Kind, CreatedAt: r.e.now(), Until: w.Until, Request: json.RawMessage(`{}`),
	}
	var areq *ApprovalRequest
	switch w.Kind {
	case plugin.WaitApproval:
		if w.Approval == nil || len(w.Approval.Approvers) == 0 {
			return plugin.WaitResult{}, problem.Input("an approval needs at least one approver")
		}
		areq = &ApprovalRequest{
			TaskID: r.id, StepID: s.ID, StepName: s.Name, TemplateRef: r.spec.TemplateInfo.EntityRef,
			Requester: r.createdBy, Approvers: w.Approval.Approvers, MinApprovals: max(w.Approval.MinApprovals, 1),
			AllowRequester: w.Approval.AllowRequester, Message: r.redact.String(w.Approval.Message), Deadline: w.Until,
		}
		rec.Approvers = w.Approval.Approvers
		rec.Request, _ = json.Marshal(areq)
	case plugin.WaitCallback:
		rec.TokenHash = tokenHash(r.e.callbackToken(r.id, s.ID, iter))
	}
	got, created, err := r.e.store.EnsureWait(context.WithoutCancel(ctx), rec)
	if err != nil {
		return plugin.WaitResult{}, err
	}
	if created {
		r.announceWait(ctx, s, got, areq)
	}
	if got.Resolved {
		return decodeWaitResult(got)
	}
	now := r.e.now()
	if !got.Until.IsZero() && !now.Before(got.Until) {
		res := plugin.WaitResult{TimedOut: w.Kind != plugin.WaitSleep, At: now}
		b, _ := json.Marshal(res)
		ok, err := r.e.store.ResolveWait(context.WithoutCancel(ctx), got.ID, b, now)
		if err != nil {
			return plugin.WaitResult{}, err
		}
		if !ok { // resolved meanwhile: that resolution wins
			again, err := r.e.store.Wait(context.WithoutCancel(ctx), got.ID)
			if err != nil || again == nil {
				return plugin.WaitResult{}, fmt.Errorf("read wait of step %s: %v", s.ID, err)
			}
			return decodeWaitResult(*again)
		}
		if w.Kind == plugin.WaitApproval {
			r.e.auditApproval(ctx, got, "", DecisionTimeout, "", audit.OutcomeSucceeded, "")
		}
		return res, nil
	}
	r.mu.Lock()
	if r.parks == nil {
		r.parks = map[string]*parkedStep{}
	}
	p := r.parks[s.ID]
	if p == nil {
		p = &parkedStep{}
		r.parks[s.ID] = p
	}
	p.waitIDs = append(p.waitIDs, got.ID)
	if !got.Until.IsZero() && (p.wake.IsZero() || got.Until.Before(p.wake)) {
		p.wake = got.Until
	}
	r.mu.Unlock()
	return plugin.WaitResult{}, errParked
}

// announceWait logs a new wait, audits an approval request and tells the
// notifier.
func (r *taskRun) announceWait(ctx context.Context, s Step, w WaitRecord, areq *ApprovalRequest) {
	var msg string
	switch w.Kind {
	case plugin.WaitApproval:
		msg = fmt.Sprintf("Waiting for %d approval(s) from %s", areq.MinApprovals, strings.Join(areq.Approvers, ", "))
	case plugin.WaitCallback:
		msg = "Waiting for a callback"
	case plugin.WaitSleep:
		msg = "Sleeping until " + w.Until.UTC().Format(time.RFC3339)
	}
	if w.Kind != plugin.WaitSleep && !w.Until.IsZero() {
		msg += "; times out at " + w.Until.UTC().Format(time.RFC3339)
	}
	r.log(ctx, EventBody{Message: msg, StepID: s.ID})
	if areq == nil {
		return
	}
	a := approvalOf(w, areq, nil)
	r.e.record(ctx, audit.Event{
		Action: "scaffolder.approval.request", Target: areq.TemplateRef, Outcome: audit.OutcomeSucceeded,
		ActorRef: r.createdBy, ActorKind: audit.ActorSystem, Details: auditJSON(map[string]any{
			"taskId": r.id, "stepId": s.ID, "approvers": areq.Approvers, "minApprovals": areq.MinApprovals, "message": areq.Message,
		}),
	})
	if r.e.notifier != nil {
		r.e.notifier.ApprovalRequested(context.WithoutCancel(ctx), a)
	}
}

// decodeWaitResult reads a resolved wait's result.
func decodeWaitResult(w WaitRecord) (plugin.WaitResult, error) {
	var res plugin.WaitResult
	if len(w.Result) > 0 {
		if err := json.Unmarshal(w.Result, &res); err != nil {
			return res, fmt.Errorf("decode result of wait %s: %w", w.ID, err)
		}
	}
	if res.At.IsZero() {
		res.At = w.ResolvedAt
	}
	return res, nil
}

// dryRunWait resolves a wait at once in a dry run: approvals approve,
// callbacks bring nothing, sleeps end.
func dryRunWait(w plugin.Wait, now time.Time) plugin.WaitResult {
	res := plugin.WaitResult{At: now}
	if w.Kind == plugin.WaitApproval {
		res.Payload = map[string]any{"decision": DecisionApprove, "decidedBy": []any{"dry-run"}, "comment": "approved by the dry run", "decidedAt": now.UTC().Format(time.RFC3339)}
	}
	return res
}

// callbackToken is the signed token of a step's callback: which wait it
// is, and an HMAC of that with a key derived from the secrets key.
func (e *Engine) callbackToken(taskID, stepID, iter string) string {
	id := base64.RawURLEncoding.EncodeToString([]byte(taskID + "\x00" + stepID + "\x00" + iter))
	return id + "." + e.callbackSignature(id)
}

func (e *Engine) callbackSignature(id string) string {
	mac := hmac.New(sha256.New, e.callbackKey())
	mac.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// callbackKey derives the callback key from the secrets key, so every
// replica signs alike.
func (e *Engine) callbackKey() []byte {
	material := e.cfg.SecretsKey
	if material == "" {
		e.sealerMu.Lock()
		material = e.sealerKey
		e.sealerMu.Unlock()
	}
	k := sha256.Sum256([]byte("callboard-callback\x00" + material))
	return k[:]
}

// callbackURL is the URL an external system posts a step's result to.
func (e *Engine) callbackURL(taskID, stepID, iter string) string {
	return strings.TrimSuffix(e.baseURL, "/") + "/api/scaffolder/v2/callbacks/" + e.callbackToken(taskID, stepID, iter)
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Callback resolves a wait:callback step with payload. The token is the
// last path segment of the step's callback URL. A NotAllowedError when its
// signature is wrong, a ConflictError when it was used before, a
// NotFoundError when no wait has it, an InputError (with "expired") when
// its timeout passed.
func (e *Engine) Callback(ctx context.Context, token string, payload map[string]any) error {
	id, sig, ok := strings.Cut(token, ".")
	if _, err := e.secretsSealer(ctx); err != nil {
		return err
	}
	if !ok || !hmac.Equal([]byte(sig), []byte(e.callbackSignature(id))) {
		e.record(ctx, audit.Event{Action: "scaffolder.callback.receive", Target: "callback", Outcome: audit.OutcomeDenied,
			Details: auditJSON(map[string]any{"reason": "bad signature"})})
		return problem.NotAllowed("The callback's signature is not valid")
	}
	w, err := e.store.WaitByToken(ctx, tokenHash(token))
	if err != nil {
		return err
	}
	if w == nil {
		return problem.NotFound("No step waits for this callback")
	}
	target := "task:" + w.TaskID
	if w.Resolved {
		e.record(ctx, audit.Event{Action: "scaffolder.callback.receive", Target: target, Outcome: audit.OutcomeDenied,
			Details: auditJSON(map[string]any{"stepId": w.StepID, "reason": "used before"})})
		return problem.Conflict("This callback was used already")
	}
	now := e.now()
	if !w.Until.IsZero() && !now.Before(w.Until) {
		return problem.Input("This callback expired at %s", w.Until.UTC().Format(time.RFC3339))
	}
	if payload == nil {
		payload = map[string]any{}
	}
	b, err := json.Marshal(plugin.WaitResult{Payload: payload, At: now})
	if err != nil {
		return problem.Input("The callback's body cannot be stored: %v", err)
	}
	ok, err = e.store.ResolveWait(ctx, w.ID, b, now)
	if err != nil {
		return err
	}
	if !ok {
		return problem.Conflict("This callback was used already")
	}
	e.record(ctx, audit.Event{Action: "scaffolder.callback.receive", Target: target, Outcome: audit.OutcomeSucceeded,
		Details: auditJSON(map[string]any{"stepId": w.StepID, "iteration": w.Iteration})})
	e.events.notify(w.TaskID)
	e.kick()
	return nil
}

func auditJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}
