package scaffolder

import (
	"fmt"
	"math"
	"time"

	"github.com/callboard/callboard/plugin"
)

// DefaultStepConcurrency bounds the steps of one task that run at once
// when the template sets no spec.concurrency.
const DefaultStepConcurrency = 4

// StepFlow is how a step runs, from its additive keys.
type StepFlow struct {
	// Attempts is how many times the action may run (retry.attempts;
	// 1 without retry). Backoff is the first delay between attempts,
	// doubled each time up to MaxDelay.
	Attempts int
	Backoff  time.Duration
	MaxDelay time.Duration
	// Timeout bounds one attempt; 0 for none.
	Timeout time.Duration
	// ContinueOnError: the step's failure does not fail the task.
	ContinueOnError bool
	// Parallel runs the iterations of "each" at once, at most
	// Concurrency of them (0: DefaultStepConcurrency).
	Parallel    bool
	Concurrency int
}

// Retry defaults.
const (
	defaultBackoff  = time.Second
	defaultMaxDelay = time.Minute
)

// parseFlow reads a step's retry, timeout, continueOnError, parallel and
// concurrency keys.
func parseFlow(m map[string]any) (StepFlow, error) {
	f := StepFlow{Attempts: 1}
	if r, ok := m["retry"]; ok && r != nil {
		rm, ok := r.(map[string]any)
		if !ok {
			return f, &TemplateError{Field: "retry", Message: "retry must be an object with attempts, backoff and maxDelay"}
		}
		f.Backoff, f.MaxDelay = defaultBackoff, defaultMaxDelay
		if a, ok := rm["attempts"]; ok {
			n, ok := intValue(a)
			if !ok || n < 1 {
				return f, &TemplateError{Field: "retry.attempts", Message: "retry.attempts must be a whole number of at least 1"}
			}
			f.Attempts = n
		} else {
			f.Attempts = 3
		}
		for _, d := range []struct {
			key string
			dst *time.Duration
		}{{"backoff", &f.Backoff}, {"maxDelay", &f.MaxDelay}} {
			if v, ok := rm[d.key]; ok {
				dur, err := parseDuration(v)
				if err != nil {
					return f, &TemplateError{Field: "retry." + d.key, Message: err.Error()}
				}
				*d.dst = dur
			}
		}
	}
	if v, ok := m["timeout"]; ok && v != nil {
		d, err := parseDuration(v)
		if err != nil || d <= 0 {
			if err == nil {
				err = fmt.Errorf("timeout must be longer than 0")
			}
			return f, &TemplateError{Field: "timeout", Message: err.Error()}
		}
		f.Timeout = d
	}
	if v, ok := m["continueOnError"]; ok && v != nil {
		b, ok := v.(bool)
		if !ok {
			return f, &TemplateError{Field: "continueOnError", Message: "continueOnError must be true or false"}
		}
		f.ContinueOnError = b
	}
	if v, ok := m["parallel"]; ok && v != nil {
		b, ok := v.(bool)
		if !ok {
			return f, &TemplateError{Field: "parallel", Message: "parallel must be true or false"}
		}
		f.Parallel = b
	}
	if v, ok := m["concurrency"]; ok && v != nil {
		n, ok := intValue(v)
		if !ok || n < 1 {
			return f, &TemplateError{Field: "concurrency", Message: "concurrency must be a whole number of at least 1"}
		}
		f.Concurrency = n
	}
	return f, nil
}

// delay is the wait before attempt n+1 after attempt n (from 1) failed.
func (f StepFlow) delay(n int) time.Duration {
	d := f.Backoff
	for i := 1; i < n && d < f.MaxDelay; i++ {
		d *= 2
	}
	if f.MaxDelay > 0 && d > f.MaxDelay {
		d = f.MaxDelay
	}
	return d
}

// parseDuration reads a step's duration keys (retry, timeout).
var parseDuration = plugin.ParseDuration

// intValue reads a whole number decoded from JSON or YAML.
func intValue(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<31 {
			return int(x), true
		}
	}
	return 0, false
}
