package scaffolder

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/callboard/callboard/plugin"
)

// errStepTimeout is the cause of an attempt's context ending at the
// step's timeout.
var errStepTimeout = errors.New("step timed out")

// attempts runs a step's iterations, again after a failure while the
// step's retry allows, waiting its backoff in between.
func (r *taskRun) attempts(ctx context.Context, s Step, action plugin.Action, its []iteration) (map[string]any, error) {
	for n := 1; ; n++ {
		out, err := r.runIterations(ctx, s, action, its)
		if err == nil || errors.Is(err, errParked) || n >= s.Flow.Attempts || ctx.Err() != nil {
			return out, err
		}
		d := s.Flow.delay(n)
		r.log(ctx, EventBody{Message: fmt.Sprintf("Attempt %d of %d of step %s failed: %s; retrying in %s", n, s.Flow.Attempts, s.ID, errorText(err), d), StepID: s.ID})
		r.save(ctx, StepState{StepID: s.ID, Status: StatusFailed, Error: errorText(err), StartedAt: r.e.now(), EndedAt: r.e.now()})
		r.e.auditStep(ctx, r, s, "scaffolder.step.retry", renderedInput(s, its), nil, errorText(err))
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return out, err
		case <-t.C:
		}
	}
}

// runIterations runs the step's action once per iteration: in order, or
// at once when the step is parallel. Each iteration's output is kept in
// the task's state, so a resumed step does not run a finished iteration
// again.
func (r *taskRun) runIterations(ctx context.Context, s Step, action plugin.Action, its []iteration) (map[string]any, error) {
	if !s.HasEach() {
		out := map[string]any{}
		return out, r.runTimed(ctx, s, action, its[0], out)
	}
	outs := make([]map[string]any, len(its))
	errs := make([]error, len(its))
	run := func(i int) {
		key := "v1.task.iteration." + s.ID + "." + its[i].key()
		v, err := r.checks.run(ctx, key, func() (any, error) {
			out := map[string]any{}
			if err := r.runTimed(ctx, s, action, its[i], out); err != nil {
				return nil, err
			}
			return r.redact.Map(out), nil
		})
		errs[i] = err
		outs[i], _ = v.(map[string]any)
	}
	if s.Flow.Parallel {
		limit := s.Flow.Concurrency
		if limit <= 0 {
			limit = DefaultStepConcurrency
		}
		sem := make(chan struct{}, limit)
		var wg sync.WaitGroup
		for i := range its {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				run(i)
			})
		}
		wg.Wait()
	} else {
		for i := range its {
			run(i)
			if errs[i] != nil && !errors.Is(errs[i], errParked) {
				break
			}
		}
	}
	// A failure wins over a wait: the step fails either way.
	var parked error
	for _, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, errParked):
			parked = err
		default:
			return nil, err
		}
	}
	if parked != nil {
		return nil, parked
	}
	return mergeIterations(outs, s.Flow.Parallel), nil
}

// mergeIterations builds an "each" step's output: every output name maps
// to the list of the iterations' values, in iteration order, as
// Backstage's runner collects them; a parallel step also lists each
// iteration's whole output under "iterations" (fan-in).
func mergeIterations(outs []map[string]any, parallel bool) map[string]any {
	merged := map[string]any{}
	all := make([]any, 0, len(outs))
	for _, o := range outs {
		for _, k := range sortedKeys(o) {
			list, _ := merged[k].([]any)
			merged[k] = append(list, o[k])
		}
		if o == nil {
			o = map[string]any{}
		}
		all = append(all, o)
	}
	if parallel {
		merged["iterations"] = all
	}
	return merged
}

// runTimed runs one iteration within the step's timeout.
func (r *taskRun) runTimed(ctx context.Context, s Step, action plugin.Action, it iteration, out map[string]any) error {
	if s.Flow.Timeout <= 0 {
		return r.runAction(ctx, s, action, it, out)
	}
	tctx, cancel := context.WithTimeoutCause(ctx, s.Flow.Timeout, errStepTimeout)
	defer cancel()
	err := r.runAction(tctx, s, action, it, out)
	if err != nil && errors.Is(context.Cause(tctx), errStepTimeout) && ctx.Err() == nil {
		return fmt.Errorf("step %s timed out after %s", s.ID, s.Flow.Timeout)
	}
	return err
}

// renderedInput is what a step's action was given: its input, or the
// list of its iterations' inputs.
func renderedInput(s Step, its []iteration) any {
	if !s.HasEach() {
		if len(its) == 0 {
			return map[string]any{}
		}
		return its[0].input
	}
	list := make([]any, len(its))
	for i, it := range its {
		list[i] = it.input
	}
	return list
}
