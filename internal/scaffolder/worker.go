package scaffolder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/callboard/callboard/internal/problem"
)

// Causes of a task run ending early without finishing the task.
var (
	errShutdown  = errors.New("instance shutting down")
	errLeaseLost = errors.New("task lease lost to another worker")
)

// Run runs the workers (scaffolder.concurrentTasksLimit of them) and the
// maintenance loop until ctx ends. Tasks still running then are left for
// recovery, not failed.
func (e *Engine) Run(ctx context.Context) error {
	if e.store == nil {
		return errors.New("scaffolder: no store to run tasks from")
	}
	var wg sync.WaitGroup
	wg.Go(func() { e.maintain(ctx) })
	for range e.concurrency() {
		wg.Go(func() { e.work(ctx) })
	}
	wg.Wait()
	return nil
}

// work claims and runs tasks one at a time.
func (e *Engine) work(ctx context.Context) {
	tick := time.NewTicker(e.poll)
	defer tick.Stop()
	for ctx.Err() == nil {
		now := e.now()
		c, err := e.store.ClaimTask(ctx, e.owner, now, now.Add(e.leaseDuration()))
		if err != nil && ctx.Err() == nil {
			e.log.Error("claim task", "error", err)
		}
		if c != nil {
			e.kick() // another idle worker may find more
			e.runClaimed(ctx, c)
			continue
		}
		select {
		case <-ctx.Done():
		case <-e.wake:
		case <-tick.C:
		}
	}
}

// runClaimed runs a task this instance holds and ends it.
func (e *Engine) runClaimed(ctx context.Context, c *ClaimedTask) {
	log := e.log.With("task", c.ID)
	spec, err := decodeSpec(c.Spec)
	if err != nil {
		e.finish(ctx, c.ID, result{status: StatusFailed, err: err})
		return
	}
	sealer, err := e.secretsSealer(ctx)
	var secrets map[string]string
	if err == nil {
		secrets, err = sealer.open(c.ID, c.Secrets)
	}
	if err != nil {
		log.Error("open task secrets", "error", err)
		e.finish(ctx, c.ID, result{status: StatusFailed, err: fmt.Errorf("the task's secrets cannot be read")})
		return
	}
	saved, err := e.store.Steps(ctx, c.ID)
	if err != nil {
		log.Error("read step states", "error", err)
		e.release(c.ID)
		return
	}
	done, resuming := doneSteps(saved, c.Attempt, e.recoveryEnabled())
	checks, err := newCheckpoints(c.State, func(ctx context.Context, state json.RawMessage) error {
		return e.store.SaveState(ctx, c.ID, state)
	})
	if err != nil {
		e.finish(ctx, c.ID, result{status: StatusFailed, err: err})
		return
	}
	workspace := filepath.Join(e.workdir, c.ID)
	if err := os.MkdirAll(workspace, 0o700); err != nil {
		e.finish(ctx, c.ID, result{status: StatusFailed, err: fmt.Errorf("create workspace: %w", err)})
		return
	}

	runCtx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancel(nil)
	if c.Cancelled {
		cancel(errCancelled)
	}
	e.mu.Lock()
	e.running[c.ID] = cancel
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.running, c.ID)
		e.mu.Unlock()
	}()
	beatDone := make(chan struct{})
	go e.heartbeat(ctx, c.ID, cancel, beatDone)

	r := &taskRun{
		e:         e,
		id:        c.ID,
		spec:      spec,
		secrets:   secrets,
		redact:    newRedactor(secrets, e.cfg.DefaultEnvironment.Secrets),
		attempt:   c.Attempt,
		workspace: workspace,
		createdBy: c.CreatedBy,
		done:      done,
		resuming:  resuming,
		checks:    checks,
		emit: func(ctx context.Context, typ EventType, b EventBody) {
			e.appendEvent(ctx, c.ID, typ, b)
		},
		saveStep: func(ctx context.Context, s StepState) {
			if err := e.store.SaveStep(context.WithoutCancel(ctx), c.ID, s); err != nil {
				log.Error("save step state", "step", s.StepID, "error", err)
			}
		},
	}
	res := r.execute(runCtx)
	close(beatDone)
	cause := context.Cause(runCtx)
	if res.status == StatusWaiting {
		e.park(ctx, c.ID, res.parked)
		return
	}
	if res.status == StatusFailed && (errors.Is(cause, errShutdown) || errors.Is(cause, errLeaseLost)) {
		// The task did not fail: its worker stopped. Recovery resumes it.
		if errors.Is(cause, errShutdown) {
			e.release(c.ID)
		}
		return
	}
	res.err = redactError(r.redact, res.err)
	e.finish(ctx, c.ID, res)
	if res.status == StatusCompleted || !e.recoveryEnabled() {
		_ = os.RemoveAll(workspace)
	}
}

// doneSteps picks the saved steps a run does not run again: those that
// ended in this attempt before the task was parked, and, when recovery
// keeps them, those completed in earlier attempts. resuming reports a run
// that goes on with a parked attempt.
func doneSteps(saved []StepState, attempt int, keepCompleted bool) (map[string]StepState, bool) {
	done := map[string]StepState{}
	resuming := false
	for _, s := range saved {
		switch {
		case s.Attempt == attempt:
			resuming = true
			if s.Status.Terminal() {
				done[s.StepID] = s
			}
		case keepCompleted && s.Status == StatusCompleted:
			done[s.StepID] = s
		}
	}
	return done, resuming
}

// park sets a task aside until what its steps wait for happens.
func (e *Engine) park(ctx context.Context, id string, parked map[string]*parkedStep) {
	var ids []string
	var wake time.Time
	for _, p := range parked {
		ids = append(ids, p.waitIDs...)
		if !p.wake.IsZero() && (wake.IsZero() || p.wake.Before(wake)) {
			wake = p.wake
		}
	}
	body, _ := json.Marshal(EventBody{Message: describeWaits(parked), Status: StatusWaiting})
	ok, err := e.store.ParkTask(context.WithoutCancel(ctx), id, e.owner, ids, wake, body, e.now())
	if err != nil {
		e.log.Error("park task", "task", id, "error", err)
		e.release(id)
		return
	}
	if !ok {
		e.kick() // resolved meanwhile: run it again
	}
	e.events.notify(id)
}

// heartbeat renews the lease every beat until done, cancelling the run
// when the task is cancelled, the lease is lost, or the instance stops.
func (e *Engine) heartbeat(ctx context.Context, id string, cancel context.CancelCauseFunc, done <-chan struct{}) {
	tick := time.NewTicker(e.beat)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-ctx.Done():
			cancel(errShutdown)
			return
		case <-tick.C:
		}
		now := e.now()
		held, cancelled, err := e.store.Heartbeat(context.WithoutCancel(ctx), id, e.owner, now, now.Add(e.leaseDuration()))
		switch {
		case err != nil:
			e.log.Warn("task heartbeat", "task", id, "error", err)
		case !held:
			cancel(errLeaseLost)
			return
		case cancelled:
			cancel(errCancelled)
		}
	}
}

// release gives up the lease of a task this instance cannot go on with.
func (e *Engine) release(id string) {
	if err := e.store.ReleaseTask(context.Background(), id, e.owner); err != nil {
		e.log.Error("release task", "task", id, "error", err)
	}
}

// finish ends a task with its completion event.
func (e *Engine) finish(ctx context.Context, id string, res result) {
	body := EventBody{Message: "Run completed with status: " + string(res.status)}
	if res.status == StatusCompleted {
		body.Output = res.output
		if body.Output == nil {
			body.Output = map[string]any{}
		}
	} else if res.err != nil {
		name, msg := errorParts(res.err)
		body.Error = &ErrorBody{Name: name, Message: msg}
	}
	b, err := json.Marshal(body)
	if err != nil {
		e.log.Error("encode completion", "task", id, "error", err)
		return
	}
	ok, err := e.store.FinishTask(context.WithoutCancel(ctx), id, e.owner, res.status, b, e.now())
	if err != nil {
		e.log.Error("finish task", "task", id, "error", err)
		return
	}
	if !ok {
		e.log.Warn("task finished after its lease was lost", "task", id)
	}
	e.events.notify(id)
}

// redactError hides secrets in a task's error.
func redactError(r *redactor, err error) error {
	if err == nil {
		return nil
	}
	name, msg := errorParts(err)
	if red := r.String(msg); red != msg {
		return problem.New(name, "%s", red)
	}
	return err
}

// maintain recovers tasks whose worker stopped, fails stale ones and
// removes the workspaces of tasks that ended long ago.
func (e *Engine) maintain(ctx context.Context) {
	recoverEvery := max(e.leaseDuration()/2, time.Second)
	janitorEvery := e.cfg.TaskTimeoutJanitorFrequency
	if janitorEvery <= 0 {
		janitorEvery = DefaultJanitorFrequency
	}
	recoverTick := time.NewTicker(recoverEvery)
	defer recoverTick.Stop()
	janitorTick := time.NewTicker(janitorEvery)
	defer janitorTick.Stop()
	e.recoverTasks(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-recoverTick.C:
			e.recoverTasks(ctx)
		case <-janitorTick.C:
			e.failStaleTasks(ctx)
			e.sweepWorkspaces(ctx)
		}
	}
}

// recoverTasks reopens tasks whose lease lapsed.
func (e *Engine) recoverTasks(ctx context.Context) {
	body, _ := json.Marshal(EventBody{Message: "Task recovered: its worker stopped before it ended", RecoverStrategy: "startOver"})
	ids, err := e.store.RecoverTasks(ctx, e.now(), e.recoveryEnabled(), body)
	if err != nil {
		if ctx.Err() == nil {
			e.log.Error("recover tasks", "error", err)
		}
		return
	}
	for _, id := range ids {
		e.log.Info("recovered task", "task", id)
		e.events.notify(id)
	}
	if len(ids) > 0 {
		e.kick()
	}
}

// staleMessage is what the janitor writes on the steps of a stale task.
const staleMessage = "This task was marked as stale as it exceeded its timeout"

// failStaleTasks fails tasks whose heartbeat is older than the task
// timeout: their running steps get a failed event first.
func (e *Engine) failStaleTasks(ctx context.Context) {
	timeout := e.cfg.TaskTimeout
	if timeout <= 0 {
		timeout = DefaultTaskTimeout
	}
	ids, err := e.store.StaleTasks(ctx, e.now().Add(-timeout))
	if err != nil {
		if ctx.Err() == nil {
			e.log.Error("list stale tasks", "error", err)
		}
		return
	}
	for _, id := range ids {
		if err := e.failStale(ctx, id); err != nil {
			e.log.Error("fail stale task", "task", id, "error", err)
		}
	}
}

func (e *Engine) failStale(ctx context.Context, id string) error {
	steps, err := e.store.Steps(ctx, id)
	if err != nil {
		return err
	}
	var logs []json.RawMessage
	for _, s := range steps {
		if s.Status == StatusProcessing {
			b, _ := json.Marshal(EventBody{Message: staleMessage, StepID: s.StepID, Status: StatusFailed})
			logs = append(logs, b)
		}
	}
	completion, _ := json.Marshal(EventBody{
		Message: "Run completed with status: failed",
		Error:   &ErrorBody{Name: "Error", Message: staleMessage},
	})
	if _, err := e.store.FailTask(ctx, id, logs, completion, e.now()); err != nil {
		return err
	}
	e.events.notify(id)
	return nil
}

// sweepWorkspaces removes workspaces kept for retries once their task has
// ended and a task timeout has passed since they last changed.
func (e *Engine) sweepWorkspaces(ctx context.Context) {
	entries, err := os.ReadDir(e.workdir)
	if err != nil {
		return
	}
	timeout := e.cfg.TaskTimeout
	if timeout <= 0 {
		timeout = DefaultTaskTimeout
	}
	for _, ent := range entries {
		if !ent.IsDir() || uuid.Validate(ent.Name()) != nil {
			continue
		}
		info, err := ent.Info()
		if err != nil || e.now().Sub(info.ModTime()) < timeout {
			continue
		}
		t, err := e.store.Task(ctx, ent.Name())
		if err != nil || (t != nil && !t.Status.Terminal()) {
			continue
		}
		_ = os.RemoveAll(filepath.Join(e.workdir, ent.Name()))
	}
}
