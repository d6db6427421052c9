package scaffolder

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder/nunjucks"
	"github.com/callboard/callboard/plugin"
)

// errCancelled is the cause of a task context cancelled on request.
var errCancelled = errors.New("task cancelled")

// taskRun is one attempt at running a task, or a dry run.
type taskRun struct {
	e         *Engine
	id        string
	spec      *TaskSpec
	secrets   map[string]string
	redact    *redactor
	dryRun    bool
	attempt   int
	workspace string
	// createdBy is who created the task, for the actions' context.
	createdBy string
	// emit records an event; its body is redacted already.
	emit func(ctx context.Context, typ EventType, body EventBody)
	// saveStep persists a step's state; nil in dry runs.
	saveStep func(ctx context.Context, s StepState)
	// done are the steps that ended before this run: completed in an
	// earlier attempt, or ended in any way earlier in this attempt (the
	// task was parked).
	done   map[string]StepState
	checks *checkpoints
	// resuming: this run goes on with an attempt that was parked.
	resuming bool

	mu       sync.Mutex
	tempDirs []string
	outputs  map[string]any // steps.<id> = {output: {...}}
	failed   bool
	// parks are the waits each step's actions parked on in this run.
	parks map[string]*parkedStep
}

// isFailed reports whether a step failed the task.
func (r *taskRun) isFailed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

func (r *taskRun) setFailed() {
	r.mu.Lock()
	r.failed = true
	r.mu.Unlock()
}

// result is how a run ended.
type result struct {
	status Status
	output map[string]any
	err    error
	// parked are the waiting steps of a run that ended parked.
	parked map[string]*parkedStep
}

// execute runs the steps as a DAG and renders the output. A run whose
// steps wait ends parked: its result lists what they wait for.
func (r *taskRun) execute(ctx context.Context) result {
	r.outputs = map[string]any{}
	if !r.resuming {
		r.log(ctx, EventBody{Message: fmt.Sprintf("Starting up task with %d steps", len(r.spec.Steps))})
	}
	parked, firstErr := r.schedule(ctx, r.spec.Steps, r.spec.Concurrency)
	if stopped(ctx) {
		// The instance is stopping or lost the task: it is not over,
		// whoever resumes it goes on from here.
		r.removeTempDirs()
		return result{status: StatusFailed, err: context.Cause(ctx)}
	}
	if firstErr == nil && len(parked) > 0 {
		return result{status: StatusWaiting, parked: parked}
	}
	r.removeTempDirs()
	if firstErr != nil {
		return result{status: StatusFailed, err: firstErr}
	}
	return result{status: StatusCompleted, output: r.renderOutput()}
}

// log records a log event.
func (r *taskRun) log(ctx context.Context, b EventBody) {
	b.Message = r.redact.String(b.Message)
	b.Output = r.redact.Map(b.Output)
	r.emit(ctx, EventLog, b)
}

func (r *taskRun) save(ctx context.Context, st StepState) {
	if r.saveStep == nil {
		return
	}
	st.Attempt = r.attempt
	st.Output = r.redact.Map(st.Output)
	st.Error = r.redact.String(st.Error)
	r.saveStep(ctx, st)
}

// context is what expressions see.
func (r *taskRun) context() map[string]any {
	secrets := make(map[string]any, len(r.secrets))
	for k, v := range r.secrets {
		secrets[k] = v
	}
	envSecrets := map[string]any{}
	for k, v := range r.e.cfg.DefaultEnvironment.Secrets {
		envSecrets[k] = v
	}
	envParams := r.e.cfg.DefaultEnvironment.Parameters
	if envParams == nil {
		envParams = map[string]any{}
	}
	user := map[string]any{}
	if r.spec.User.Entity != nil {
		user["entity"] = r.spec.User.Entity
	}
	if r.spec.User.Ref != "" {
		user["ref"] = r.spec.User.Ref
	}
	r.mu.Lock()
	steps := maps.Clone(r.outputs)
	r.mu.Unlock()
	vars := map[string]any{
		"parameters":  r.spec.Parameters,
		"steps":       steps,
		"secrets":     secrets,
		"user":        user,
		"context":     map[string]any{"task": map[string]any{"id": r.id}},
		"environment": map[string]any{"parameters": envParams, "secrets": envSecrets},
	}
	if r.spec.Entity != nil {
		vars["entity"] = r.spec.Entity
	}
	return vars
}

func (r *taskRun) env() *nunjucks.Env {
	if r.isFailed() {
		return r.e.envs[1]
	}
	return r.e.envs[0]
}

// render renders every string in v, as Backstage's runner does: a string
// that is one expression keeps its value's type, and a string that fails
// to render is left as it was.
func (r *taskRun) render(name string, v any, ctx map[string]any) any {
	switch x := v.(type) {
	case string:
		if !strings.Contains(x, "${{") && !strings.Contains(x, "{%") && !strings.Contains(x, "{#") {
			return x
		}
		out, err := r.env().RenderValue(name, x, ctx)
		if err != nil {
			r.e.log.Debug("expression left unrendered", "task", r.id, "field", name, "error", r.redact.String(err.Error()))
			return x
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = r.render(name+"."+k, e, ctx)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.render(name+"["+strconv.Itoa(i)+"]", e, ctx)
		}
		return out
	}
	return v
}

// condition evaluates an "if": false, or a string rendering falsy, skips.
func (r *taskRun) condition(s Step, cond any, ctx map[string]any) bool {
	switch c := cond.(type) {
	case bool:
		return c
	case string:
		return nunjucks.Truthy(r.render("steps."+s.ID+".if", c, ctx))
	}
	return true
}

// iteration is one run of a step's action.
type iteration struct {
	each  map[string]any // nil without "each"
	input map[string]any
}

func (it iteration) key() string {
	if it.each == nil {
		return ""
	}
	k, _ := it.each["key"].(string)
	return k
}

// stepError classifies a failure of a step's preparation.
func stepError(format string, args ...any) error { return problem.Input(format, args...) }

// executeStep runs one step (d.6). A returned error fails the task; a
// *parkedError sets the step aside. Compensation steps run although a
// step failed.
func (r *taskRun) executeStep(ctx context.Context, s Step, compensating bool) error {
	if prev, ok := r.done[s.ID]; ok {
		r.setOutput(s.ID, prev.Output)
		if prev.Attempt != r.attempt {
			r.log(ctx, EventBody{Message: fmt.Sprintf("Skipping step %s because it was already completed in a previous run", s.ID), StepID: s.ID, Status: StatusCompleted})
		}
		return nil
	}
	if ctx.Err() != nil && !r.isFailed() {
		return r.cancelled(ctx, s)
	}
	started := r.e.now()
	r.log(ctx, EventBody{Message: "Beginning step " + s.Name, StepID: s.ID, Status: StatusProcessing})
	r.save(ctx, StepState{StepID: s.ID, Status: StatusProcessing, StartedAt: started})
	skip := func(why string) error {
		r.log(ctx, EventBody{Message: fmt.Sprintf("Skipping step %s because %s", s.ID, why), StepID: s.ID, Status: StatusSkipped})
		r.save(ctx, StepState{StepID: s.ID, Status: StatusSkipped, StartedAt: started, EndedAt: r.e.now()})
		return nil
	}
	// After a failure only always() and failure() steps run, and none
	// once the task was cancelled.
	if !compensating && r.isFailed() && (ctx.Err() != nil || !usesStatusFunc(s.If)) {
		return skip("a previous step failed")
	}
	vars := r.context()
	if !s.HasEach() && s.HasIf() && !r.condition(s, s.If, vars) {
		return skip("its if condition was false")
	}
	action, ok := r.e.action(s.Action)
	if !ok {
		return r.stepFailed(ctx, s, started, problem.NotFound("%s", errUnknownAction(s.Action)))
	}
	iterations, err := r.iterations(ctx, s, action, vars)
	if err != nil {
		return r.stepFailed(ctx, s, started, err)
	}
	info := action.Info()
	var output map[string]any
	if r.dryRun && !info.SupportsDryRun {
		r.log(ctx, EventBody{Message: fmt.Sprintf("Skipping because %s does not support dry-run", info.ID), StepID: s.ID, Status: StatusSkipped})
		output = dryRunOutput(info.Output)
	} else {
		output, err = r.attempts(ctx, s, action, iterations)
		if errors.Is(err, errParked) && !stopped(ctx) {
			return r.parkStep(ctx, s, started)
		}
		if err != nil {
			if !stopped(ctx) {
				r.e.auditStep(ctx, r, s, "scaffolder.step.end", renderedInput(s, iterations), nil, errorText(err))
			}
			return r.stepFailed(ctx, s, started, err)
		}
		r.e.auditStep(ctx, r, s, "scaffolder.step.end", renderedInput(s, iterations), output, "")
	}
	r.setOutput(s.ID, output)
	r.save(ctx, StepState{StepID: s.ID, Status: StatusCompleted, Output: output, StartedAt: started, EndedAt: r.e.now()})
	r.log(ctx, EventBody{Message: "Finished step " + s.Name, StepID: s.ID, Status: StatusCompleted})
	return nil
}

// parkStep records that a step waits and returns the *parkedError that
// sets it aside.
func (r *taskRun) parkStep(ctx context.Context, s Step, started time.Time) error {
	r.mu.Lock()
	p := r.parks[s.ID]
	delete(r.parks, s.ID)
	r.mu.Unlock()
	if p == nil {
		p = &parkedStep{}
	}
	r.log(ctx, EventBody{Message: fmt.Sprintf("Step %s is waiting", s.ID), StepID: s.ID, Status: StatusWaiting})
	r.save(ctx, StepState{StepID: s.ID, Status: StatusWaiting, StartedAt: started})
	return &parkedError{step: p}
}

// stepFailed records a step's failure, runs its compensation steps, and
// returns the error that fails the task, or nil when the step may fail
// (continueOnError).
func (r *taskRun) stepFailed(ctx context.Context, s Step, started time.Time, err error) error {
	err = r.fail(ctx, s, started, err)
	if stopped(ctx) {
		return err
	}
	var cancelled *stepCancelledError
	mayFail := s.Flow.ContinueOnError && !errors.As(err, &cancelled)
	if !mayFail && len(s.OnFailure) > 0 {
		// The task has failed: its compensation steps see failure().
		r.setFailed()
	}
	for _, c := range s.OnFailure {
		if cerr := r.executeStep(ctx, c, true); cerr != nil {
			r.log(ctx, EventBody{Message: fmt.Sprintf("Compensation step %s of step %s failed: %s", c.ID, s.ID, errorText(cerr)), StepID: c.ID})
		}
	}
	if mayFail {
		r.setOutput(s.ID, map[string]any{})
		r.log(ctx, EventBody{Message: fmt.Sprintf("Step %s failed; the task goes on because of continueOnError", s.ID), StepID: s.ID})
		return nil
	}
	return err
}

func (r *taskRun) setOutput(stepID string, output map[string]any) {
	if output == nil {
		output = map[string]any{}
	}
	r.mu.Lock()
	r.outputs[stepID] = map[string]any{"output": output}
	r.mu.Unlock()
}

// iterations renders "each", the per-iteration "if" and every input, and
// validates the inputs against the action's schema, all before any
// iteration runs.
func (r *taskRun) iterations(ctx context.Context, s Step, action plugin.Action, vars map[string]any) ([]iteration, error) {
	var its []iteration
	if !s.HasEach() {
		its = []iteration{{}}
	} else {
		each := s.Each
		if str, ok := each.(string); ok {
			each = r.render("steps."+s.ID+".each", str, vars)
		}
		switch x := each.(type) {
		case []any:
			for i, v := range x {
				its = append(its, iteration{each: map[string]any{"key": strconv.Itoa(i), "value": v}})
			}
		case map[string]any:
			keys := sortedKeys(x)
			for _, k := range keys {
				its = append(its, iteration{each: map[string]any{"key": k, "value": x[k]}})
			}
		default:
			return nil, stepError("Invalid value on action %s.each parameter, %q cannot be resolved to an array or object", s.Action, fmt.Sprint(s.Each))
		}
	}
	schema, err := r.e.inputSchema(action)
	if err != nil {
		return nil, err
	}
	out := its[:0]
	for _, it := range its {
		v := vars
		if it.each != nil {
			v = maps.Clone(vars)
			v["each"] = it.each
			if s.HasIf() && !r.condition(s, s.If, v) {
				continue
			}
		}
		in, _ := r.render("steps."+s.ID+".input", s.Input, v).(map[string]any)
		if in == nil {
			in = map[string]any{}
		}
		it.input = in
		if schema != nil {
			verrs, err := schema.validate(in)
			if err != nil {
				return nil, fmt.Errorf("validate input of step %s: %w", s.ID, err)
			}
			if len(verrs) > 0 {
				stacks := make([]string, len(verrs))
				for i, ve := range verrs {
					stacks[i] = ve.Stack
				}
				at := action.Info().ID
				if it.each != nil {
					at += "[" + it.key() + "]"
				}
				return nil, stepError("Invalid input passed to action %s, %s", at, strings.Join(stacks, ", "))
			}
		}
		if r.e.allowRun != nil {
			if err := r.e.allowRun(r.actionContext(ctx), action.Info().ID, in); err != nil {
				return nil, err
			}
		}
		out = append(out, it)
	}
	return out, nil
}

// actionContext is the context actions run and are authorized with.
func (r *taskRun) actionContext(ctx context.Context) context.Context {
	if r.e.actx != nil {
		return r.e.actx(ctx, r.createdBy, r.spec.User)
	}
	return ctx
}

// runAction calls the action once, collecting its outputs into output;
// runIterations merges an "each" step's outputs.
func (r *taskRun) runAction(ctx context.Context, s Step, action plugin.Action, it iteration, output map[string]any) (err error) {
	var mu sync.Mutex
	logger := slog.New(&stepLogHandler{emit: func(msg string) {
		r.log(ctx, EventBody{Message: msg, StepID: s.ID})
	}})
	ac := &plugin.ActionContext{
		Input:     it.input,
		Workspace: r.workspace,
		Logger:    logger,
		Output: func(name string, value any) {
			mu.Lock()
			defer mu.Unlock()
			output[name] = value
		},
		TempDir: r.tempDir,
		Checkpoint: func(key string, fn func() (any, error)) (any, error) {
			return r.checks.run(ctx, "v1.task.checkpoint."+s.ID+"."+key, fn)
		},
		Secrets: maps.Clone(r.secrets),
		Template: plugin.TemplateInfo{
			EntityRef: r.spec.TemplateInfo.EntityRef,
			BaseURL:   r.spec.TemplateInfo.BaseURL,
		},
		User:     plugin.TaskUser{Ref: r.spec.User.Ref, Entity: r.spec.User.Entity},
		DryRun:   r.dryRun,
		TaskID:   r.id,
		StepID:   s.ID,
		StepName: s.Name,
		Wait: func(wctx context.Context, w plugin.Wait) (plugin.WaitResult, error) {
			return r.wait(wctx, s, it.key(), w)
		},
		CallbackURL: func() string { return r.e.callbackURL(r.id, s.ID, it.key()) },
		Now:         r.e.now,
	}
	if ac.Secrets == nil {
		ac.Secrets = map[string]string{}
	}
	defer func() {
		if p := recover(); p != nil {
			r.e.log.Error("action panicked", "action", s.Action, "task", r.id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("action %s failed unexpectedly: %v", s.Action, p)
		}
	}()
	return action.Run(r.actionContext(ctx), ac)
}

// fail records a step's failure and returns the error that fails the task.
func (r *taskRun) fail(ctx context.Context, s Step, started time.Time, err error) error {
	if stopped(ctx) {
		return err // not the step's failure: see execute
	}
	if ctx.Err() != nil && errors.Is(context.Cause(ctx), errCancelled) {
		r.log(ctx, EventBody{Message: fmt.Sprintf("Step %s has been cancelled.", s.ID), StepID: s.ID, Status: StatusCancelled})
		r.save(ctx, StepState{StepID: s.ID, Status: StatusCancelled, Error: errorText(err), StartedAt: started, EndedAt: r.e.now()})
		return &stepCancelledError{step: s, task: r.id}
	}
	r.log(ctx, EventBody{Message: errorText(err), StepID: s.ID, Status: StatusFailed})
	r.save(ctx, StepState{StepID: s.ID, Status: StatusFailed, Error: errorText(err), StartedAt: started, EndedAt: r.e.now()})
	return err
}

// cancelled is the error of a step reached after the task was cancelled.
func (r *taskRun) cancelled(ctx context.Context, s Step) error {
	err := &stepCancelledError{step: s, task: r.id}
	if errors.Is(context.Cause(ctx), errCancelled) {
		r.log(ctx, EventBody{Message: fmt.Sprintf("Step %s has been cancelled.", s.ID), StepID: s.ID, Status: StatusCancelled})
		r.save(ctx, StepState{StepID: s.ID, Status: StatusCancelled, StartedAt: r.e.now(), EndedAt: r.e.now()})
	}
	return err
}

// stopped reports whether a run was stopped for a reason other than the
// task: the instance shutting down or its lease lost.
func stopped(ctx context.Context) bool {
	cause := context.Cause(ctx)
	return errors.Is(cause, errShutdown) || errors.Is(cause, errLeaseLost)
}

// stepCancelledError is Backstage's error for a step of a cancelled task.
type stepCancelledError struct {
	step Step
	task string
}

func (e *stepCancelledError) Error() string {
	return fmt.Sprintf("Step %s (%s) of task %s has been cancelled.", e.step.ID, e.step.Name, e.task)
}

// errorText is how a step failure reads in the log: the error's class
// and message.
func errorText(err error) string {
	name, msg := errorParts(err)
	return name + ": " + msg
}

// errorParts splits an error into Backstage's name and message.
func errorParts(err error) (string, string) {
	if p, ok := problem.As(err); ok {
		return p.Name, p.Message
	}
	return "Error", err.Error()
}

// tempDir makes a directory removed when the run ends.
func (r *taskRun) tempDir() (string, error) {
	dir, err := os.MkdirTemp(r.e.workdir, "callboard-step-")
	if err != nil {
		return "", err
	}
	r.mu.Lock()
	r.tempDirs = append(r.tempDirs, dir)
	r.mu.Unlock()
	return dir, nil
}

func (r *taskRun) removeTempDirs() {
	r.mu.Lock()
	dirs := r.tempDirs
	r.tempDirs = nil
	r.mu.Unlock()
	for _, d := range dirs {
		_ = os.RemoveAll(d)
	}
}

// renderOutput renders spec.output; links and text items whose "if" is
// falsy are dropped, and "if" is removed from the rest.
func (r *taskRun) renderOutput() map[string]any {
	out, _ := r.render("output", r.spec.Output, r.context()).(map[string]any)
	if out == nil {
		return map[string]any{}
	}
	for _, key := range []string{"links", "text"} {
		items, ok := out[key].([]any)
		if !ok {
			continue
		}
		kept := []any{}
		for _, it := range items {
			m, ok := it.(map[string]any)
			if !ok {
				kept = append(kept, it)
				continue
			}
			if cond, has := m["if"]; has {
				if !nunjucks.Truthy(cond) {
					continue
				}
				m = maps.Clone(m)
				delete(m, "if")
			}
			kept = append(kept, m)
		}
		out[key] = kept
	}
	return r.redact.Map(out)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
