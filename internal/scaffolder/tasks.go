package scaffolder

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/internal/problem"
)

// CreateRequest asks for a task.
type CreateRequest struct {
	// TemplateRef names the template; the kind defaults to template.
	TemplateRef string
	Values      map[string]any
	Secrets     map[string]string
	// UserRef is the caller's user entity ref; "" for a service.
	UserRef string
	// CreatedBy is who the task is recorded as created by and rate
	// limited as: the user ref, or a service's subject.
	CreatedBy string
	// EntityRef names the entity a day-2 template acts on: it must match
	// the template's spec.entityFilter and is ${{ entity }} in the steps.
	EntityRef string
}

// RateLimitError refuses a task over the per-user rate limit.
type RateLimitError struct {
	Limit      int
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("Too many tasks created: at most %d a minute; try again in %d seconds", e.Limit, int(e.RetryAfter.Seconds()+0.999))
}

// Create validates the template, the values and the secrets and adds an
// open task for the workers; it returns the task's id. Invalid values are
// a *ValuesError; a template mistake is an InputError naming the
// template, step and field.
func (e *Engine) Create(ctx context.Context, req CreateRequest) (string, error) {
	t, err := e.Template(ctx, req.TemplateRef)
	if err != nil {
		return "", err
	}
	if err := e.validate(t); err != nil {
		return "", err
	}
	if err := t.ValidateValues(req.Values, req.Secrets); err != nil {
		return "", err
	}
	if err := e.checkRate(ctx, req.CreatedBy); err != nil {
		return "", err
	}
	user := SpecUser{Ref: req.UserRef}
	if req.UserRef != "" && e.catalog != nil {
		raw, err := e.catalog.Entity(ctx, req.UserRef)
		if err != nil {
			return "", err
		}
		if raw != nil {
			if err := json.Unmarshal(raw, &user.Entity); err != nil {
				return "", fmt.Errorf("decode user entity %s: %w", req.UserRef, err)
			}
		}
	}
	ts := newTaskSpec(t, req.Values, user)
	if req.EntityRef != "" {
		if ts.Entity, err = e.dayTwoEntity(ctx, t, req.EntityRef); err != nil {
			return "", err
		}
	}
	spec, err := json.Marshal(ts)
	if err != nil {
		return "", fmt.Errorf("encode task spec: %w", err)
	}
	id := uuid.NewString()
	s, err := e.secretsSealer(ctx)
	if err != nil {
		return "", err
	}
	sealed, err := s.seal(id, req.Secrets)
	if err != nil {
		return "", fmt.Errorf("seal task secrets: %w", err)
	}
	err = e.store.InsertTask(ctx, NewTask{
		ID: id, Spec: spec, CreatedBy: req.CreatedBy, CreatedAt: e.now(), Secrets: sealed,
		Recoverable: recoverStrategy(t.Recovery) == "startOver",
	})
	if err != nil {
		return "", err
	}
	e.record(ctx, audit.Event{Action: "scaffolder.task.create", Target: t.Ref, Outcome: audit.OutcomeSucceeded,
		Details: auditJSON(map[string]any{"taskId": id, "parameters": redactSecretParams(t, req.Values, req.Secrets), "entityRef": req.EntityRef, "createdBy": req.CreatedBy})})
	e.kick()
	return id, nil
}

// dayTwoEntity reads the entity a day-2 task acts on and checks the
// template applies to it.
func (e *Engine) dayTwoEntity(ctx context.Context, t *Template, ref string) (map[string]any, error) {
	if e.catalog == nil {
		return nil, problem.Input("entityRef %s cannot be read: there is no catalog", ref)
	}
	raw, err := e.catalog.Entity(ctx, ref)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, problem.NotFound("Entity %s does not exist", ref)
	}
	var ent map[string]any
	if err := json.Unmarshal(raw, &ent); err != nil {
		return nil, fmt.Errorf("decode entity %s: %w", ref, err)
	}
	// A template with catalog-event triggers gets the entity that fired
	// it; its triggers' own filters matched it.
	spec, _ := t.Entity["spec"].(map[string]any)
	if _, triggered := spec["triggers"]; !triggered && !t.AppliesTo(ent) {
		return nil, problem.Input("%s does not apply to %s: it does not match the template's spec.entityFilter", t.Ref, ref)
	}
	return ent, nil
}

// redactSecretParams hides the values of secret fields (ui:field Secret
// or ui:widget password) and of anything equal to a secret, for the audit
// log.
func redactSecretParams(t *Template, values map[string]any, secrets map[string]string) map[string]any {
	r := newRedactor(secrets, nil)
	out := r.Map(values)
	for _, page := range t.Pages {
		props, _ := page["properties"].(map[string]any)
		for name, p := range props {
			pm, _ := p.(map[string]any)
			if pm["ui:field"] == "Secret" || pm["ui:widget"] == "password" {
				if _, ok := out[name]; ok {
					out[name] = "***"
				}
			}
		}
	}
	return out
}

// checkRate refuses a task when its creator made too many in the last
// minute. The count is read from the database, so it holds across
// replicas and restarts.
func (e *Engine) checkRate(ctx context.Context, createdBy string) error {
	limit := DefaultTasksPerMinute
	if l := e.cfg.RateLimit.TasksPerMinute; l != nil {
		limit = *l
	}
	if limit <= 0 {
		return nil
	}
	n, err := e.store.CountTasksSince(ctx, createdBy, e.now().Add(-time.Minute))
	if err != nil {
		return err
	}
	if n >= limit {
		return &RateLimitError{Limit: limit, RetryAfter: time.Minute}
	}
	return nil
}

// kick wakes a worker to look for open tasks now.
func (e *Engine) kick() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Task returns a task; NotFoundError when there is none.
func (e *Engine) Task(ctx context.Context, id string) (*Task, error) {
	t, err := e.store.Task(ctx, id)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, errTaskNotFound(id)
	}
	return t, nil
}

// Tasks lists tasks and counts those matching.
func (e *Engine) Tasks(ctx context.Context, q TaskQuery) ([]Task, int, error) {
	return e.store.ListTasks(ctx, q)
}

// Steps returns the state of each step of a task in template order, with
// steps that have not started as open.
func (e *Engine) Steps(ctx context.Context, id string) ([]StepState, error) {
	spec, byID, err := e.taskSteps(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]StepState, 0, len(spec.Steps))
	for _, s := range spec.Steps {
		st, ok := byID[s.ID]
		if !ok {
			st = StepState{StepID: s.ID, Status: StatusOpen}
		}
		out = append(out, st)
	}
	return out, nil
}

// taskSteps returns a task's spec and its saved step states by step id.
func (e *Engine) taskSteps(ctx context.Context, id string) (*TaskSpec, map[string]StepState, error) {
	t, err := e.Task(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	spec, err := decodeSpec(t.Spec)
	if err != nil {
		return nil, nil, err
	}
	saved, err := e.store.Steps(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[string]StepState, len(saved))
	for _, s := range saved {
		byID[s.StepID] = s
	}
	return spec, byID, nil
}

// Spec returns the decoded spec of a task.
func (e *Engine) Spec(ctx context.Context, id string) (*TaskSpec, error) {
	t, err := e.Task(ctx, id)
	if err != nil {
		return nil, err
	}
	return decodeSpec(t.Spec)
}

// Cancel asks for a task to stop: a cancelled event naming its current
// step is recorded, and the worker running it aborts the step; the task
// then ends as failed. Cancelling a task that has ended does nothing.
func (e *Engine) Cancel(ctx context.Context, id string) error {
	t, err := e.Task(ctx, id)
	if err != nil {
		return err
	}
	if t.Status.Terminal() {
		return nil
	}
	stepID, err := e.currentStep(ctx, t)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(EventBody{Message: fmt.Sprintf("Step %s has been cancelled.", stepID), StepID: stepID, Status: StatusCancelled})
	status, err := e.store.CancelTask(ctx, id, body, e.now())
	if err != nil {
		return err
	}
	if status == "" {
		return errTaskNotFound(id)
	}
	e.record(ctx, audit.Event{Action: "scaffolder.task.cancel", Target: "task:" + id, Outcome: audit.OutcomeSucceeded,
		Details: auditJSON(map[string]any{"stepId": stepID})})
	e.events.notify(id)
	e.mu.Lock()
	cancel := e.running[id]
	e.mu.Unlock()
	if cancel != nil {
		cancel(errCancelled)
	}
	return nil
}

// currentStep is the step of the task's latest event with a step id, or
// its first step when none has started.
func (e *Engine) currentStep(ctx context.Context, t *Task) (string, error) {
	evs, err := e.store.Events(ctx, t.ID, 0, 1<<20)
	if err != nil {
		return "", err
	}
	for _, ev := range slices.Backward(evs) {
		var b EventBody
		if json.Unmarshal(ev.Body, &b) == nil && b.StepID != "" {
			return b.StepID, nil
		}
	}
	spec, err := decodeSpec(t.Spec)
	if err != nil || len(spec.Steps) == 0 {
		return "", err
	}
	return spec.Steps[0].ID, nil
}
