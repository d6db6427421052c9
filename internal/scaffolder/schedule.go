package scaffolder

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// errParked ends a step whose action waits (approval, callback, sleep):
// the task is set aside until the wait is resolved.
var errParked = errors.New("step is waiting")

// parkedStep is a step set aside, and what it waits for.
type parkedStep struct {
	waitIDs []string
	// wake is the earliest deadline of its waits; zero for none.
	wake time.Time
}

// stepResult is how one step of a run ended.
type stepResult struct {
	id     string
	err    error
	parked *parkedStep
}

// schedule runs the steps as a DAG: a step starts once every step it
// needs has ended, at most limit at once (DefaultStepConcurrency when
// limit is 0). It returns the steps that are waiting and the first error
// that fails the task.
func (r *taskRun) schedule(ctx context.Context, steps []Step, limit int) (map[string]*parkedStep, error) {
	if limit <= 0 {
		limit = DefaultStepConcurrency
	}
	ended := map[string]bool{}
	started := map[string]bool{}
	parked := map[string]*parkedStep{}
	results := make(chan stepResult)
	running := 0
	var firstErr error
	for {
		if !stopped(ctx) {
			for _, s := range steps {
				if running >= limit {
					break
				}
				if started[s.ID] || !needsEnded(s, ended) {
					continue
				}
				started[s.ID] = true
				running++
				go func(s Step) {
					res := stepResult{id: s.ID}
					res.err = r.executeStep(ctx, s, false)
					var p *parkedError
					if errors.As(res.err, &p) {
						res.parked, res.err = p.step, nil
					}
					results <- res
				}(s)
			}
		}
		if running == 0 {
			break
		}
		res := <-results
		running--
		switch {
		case res.parked != nil:
			parked[res.id] = res.parked
		default:
			ended[res.id] = true
			if res.err != nil {
				r.setFailed()
				if firstErr == nil {
					firstErr = res.err
				}
			}
		}
	}
	return parked, firstErr
}

// needsEnded reports whether every step s needs has ended.
func needsEnded(s Step, ended map[string]bool) bool {
	for _, n := range s.Needs {
		if !ended[n] {
			return false
		}
	}
	return true
}

// parkedError carries a parked step up from executeStep.
type parkedError struct {
	step *parkedStep
}

func (e *parkedError) Error() string { return errParked.Error() }
func (e *parkedError) Unwrap() error { return errParked }

// describeWaits says what a parked task waits for, for its log.
func describeWaits(parked map[string]*parkedStep) string {
	n := len(parked)
	if n == 1 {
		for id := range parked {
			return fmt.Sprintf("Task is waiting on step %s", id)
		}
	}
	return fmt.Sprintf("Task is waiting on %d steps", n)
}
