package scaffolder

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/internal/problem"
)

// Retry runs an ended task again as a new attempt. With secrets, they
// replace the task's; without, the task runs with none (they were dropped
// when it ended). Completed steps are kept, and skipped, when task
// recovery is enabled. A task that has not ended is a ConflictError.
func (e *Engine) Retry(ctx context.Context, id string, secrets map[string]string) error {
	return e.Replay(ctx, ReplayRequest{TaskID: id, Secrets: secrets})
}

// ReplayRequest asks to run an ended task again.
type ReplayRequest struct {
	TaskID string
	// FromStep runs that step and every step that needs it, directly or
	// not, again; "" runs the failed (or cancelled) steps and what
	// follows, reusing every completed step's output and recorded
	// approvals.
	FromStep string
	// Actor is who asks, for the audit log; the request's identity when
	// empty.
	Actor string
	// Secrets replace the task's secrets when not nil.
	Secrets map[string]string
}

// Replay reopens an ended task as a new attempt. Every attempt stays in
// the step history. A NotFoundError for an unknown task or step, a
// ConflictError when the task has not ended.
func (e *Engine) Replay(ctx context.Context, r ReplayRequest) error {
	t, err := e.Task(ctx, r.TaskID)
	if err != nil {
		return err
	}
	spec, err := decodeSpec(t.Spec)
	if err != nil {
		return err
	}
	retry := Retry{KeepSteps: e.recoveryEnabled() || r.FromStep != "", At: e.now()}
	if r.FromStep != "" {
		drop, err := stepsFrom(spec.Steps, r.FromStep)
		if err != nil {
			return err
		}
		retry.DropSteps = drop
	}
	if r.Secrets != nil {
		s, err := e.secretsSealer(ctx)
		if err != nil {
			return err
		}
		sealed, err := s.seal(r.TaskID, r.Secrets)
		if err != nil {
			return fmt.Errorf("seal task secrets: %w", err)
		}
		retry.Secrets = &sealed
	}
	msg, action := "Task retried", "scaffolder.task.retry"
	if r.FromStep != "" {
		msg, action = "Task replayed from step "+r.FromStep, "scaffolder.task.replay"
	}
	retry.Event, _ = json.Marshal(EventBody{Message: msg, RecoverStrategy: recoverStrategy(spec.Recovery)})
	status, err := e.store.RetryTask(ctx, r.TaskID, retry)
	if err != nil {
		return err
	}
	switch {
	case status == "":
		return errTaskNotFound(r.TaskID)
	case !status.Terminal():
		return problem.Conflict("Task with taskId %s cannot be retried", r.TaskID)
	}
	ev := audit.Event{Action: action, Target: "task:" + r.TaskID, Outcome: audit.OutcomeSucceeded,
		Details: auditJSON(map[string]any{"fromStep": r.FromStep, "previousStatus": status})}
	if r.Actor != "" {
		ev.ActorRef, ev.ActorKind = r.Actor, "user"
	}
	e.record(ctx, ev)
	e.events.notify(r.TaskID)
	e.kick()
	return nil
}

// stepsFrom lists a step, the steps that need it directly or not, and
// their compensation steps: what a replay from that step runs again.
func stepsFrom(steps []Step, from string) ([]string, error) {
	if !slices.ContainsFunc(steps, func(s Step) bool { return s.ID == from }) {
		return nil, problem.NotFound("The task has no step %s", from)
	}
	anc, _ := stepAncestors(steps)
	var out []string
	for _, s := range steps {
		if s.ID == from || anc[s.ID][from] {
			out = append(out, s.ID)
			for _, c := range s.OnFailure {
				out = append(out, c.ID)
			}
		}
	}
	return out, nil
}
