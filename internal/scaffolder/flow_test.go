package scaffolder

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseFlow(t *testing.T) {
	for _, tc := range []struct {
		name string
		step map[string]any
		want StepFlow
		err  string
	}{
		{"nothing", map[string]any{}, StepFlow{Attempts: 1}, ""},
		{"retry defaults", map[string]any{"retry": map[string]any{}}, StepFlow{Attempts: 3, Backoff: time.Second, MaxDelay: time.Minute}, ""},
		{"everything", map[string]any{
			"retry":   map[string]any{"attempts": 5.0, "backoff": "2s", "maxDelay": 10.0},
			"timeout": "1d", "continueOnError": true, "parallel": true, "concurrency": 3.0,
		}, StepFlow{Attempts: 5, Backoff: 2 * time.Second, MaxDelay: 10 * time.Second, Timeout: 24 * time.Hour, ContinueOnError: true, Parallel: true, Concurrency: 3}, ""},
		{"retry not an object", map[string]any{"retry": 3.0}, StepFlow{}, "retry: retry must be an object with attempts, backoff and maxDelay"},
		{"zero attempts", map[string]any{"retry": map[string]any{"attempts": 0.0}}, StepFlow{}, "retry.attempts: retry.attempts must be a whole number of at least 1"},
		{"fractional attempts", map[string]any{"retry": map[string]any{"attempts": 1.5}}, StepFlow{}, "retry.attempts: retry.attempts must be a whole number of at least 1"},
		{"bad backoff", map[string]any{"retry": map[string]any{"backoff": "soon"}}, StepFlow{}, `retry.backoff: "soon" is not a duration such as 30s, 5m, 2h or 1d`},
		{"zero timeout", map[string]any{"timeout": "0s"}, StepFlow{}, "timeout: timeout must be longer than 0"},
		{"negative timeout", map[string]any{"timeout": "-1m"}, StepFlow{}, `timeout: "-1m" is not a duration such as 30s, 5m, 2h or 1d`},
		{"continueOnError a string", map[string]any{"continueOnError": "yes"}, StepFlow{}, "continueOnError: continueOnError must be true or false"},
		{"parallel a string", map[string]any{"parallel": "yes"}, StepFlow{}, "parallel: parallel must be true or false"},
		{"concurrency 0", map[string]any{"concurrency": 0.0}, StepFlow{}, "concurrency: concurrency must be a whole number of at least 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseFlow(tc.step)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Errorf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRetryDelays(t *testing.T) {
	for _, tc := range []struct {
		name string
		flow StepFlow
		want []time.Duration // after attempts 1, 2, ...
	}{
		{"doubling up to maxDelay", StepFlow{Backoff: time.Second, MaxDelay: 5 * time.Second},
			[]time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}},
		{"backoff above maxDelay", StepFlow{Backoff: time.Minute, MaxDelay: 10 * time.Second},
			[]time.Duration{10 * time.Second, 10 * time.Second}},
		{"no backoff", StepFlow{MaxDelay: time.Minute}, []time.Duration{0, 0, 0}},
		{"many attempts stay at maxDelay", StepFlow{Backoff: time.Millisecond, MaxDelay: time.Hour},
			[]time.Duration{time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []time.Duration
			for n := 1; n <= len(tc.want); n++ {
				got = append(got, tc.flow.delay(n))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	f := StepFlow{Backoff: time.Millisecond, MaxDelay: time.Hour}
	if d := f.delay(200); d != time.Hour {
		t.Errorf("delay after 200 attempts %s, want the maxDelay", d)
	}
}

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want time.Duration
		err  bool
	}{
		{"90s", 90 * time.Second, false},
		{" 1h30m ", 90 * time.Minute, false},
		{"2d", 48 * time.Hour, false},
		{"0.5d", 12 * time.Hour, false},
		{30.0, 30 * time.Second, false},
		{1.5, 1500 * time.Millisecond, false},
		{"soon", 0, true},
		{"-5s", 0, true},
		{-1.0, 0, true},
		{1e300, 0, true},
		{true, 0, true},
	} {
		got, err := parseDuration(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("parseDuration(%v) = %v, %v", tc.in, got, err)
		}
	}
}
