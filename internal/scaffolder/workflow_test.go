package scaffolder_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder"
	"github.com/callboard/callboard/internal/scaffolder/actions"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
	"github.com/callboard/callboard/plugin"
)

// span is when one run of a step's action started and ended.
type span struct {
	step, value string
	start, end  time.Time
}

// spans records the runs of the wf:span action.
type spans struct {
	mu   sync.Mutex
	list []span
	// urls are the callback URLs wf:gate handed out, by input name.
	urls map[string]string
	runs map[string]int
}

func (s *spans) add(sp span) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = append(s.list, sp)
}

func (s *spans) of(step string) []span {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []span
	for _, sp := range s.list {
		if sp.step == step {
			out = append(out, sp)
		}
	}
	return out
}

func (s *spans) ran(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runs[name]
}

func (s *spans) url(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.urls[name]
}

// workflowActions are the built-in flow actions and actions recording
// when they ran.
func workflowActions(rec *spans) []plugin.Action {
	var out []plugin.Action
	for _, a := range actions.Builtin(actions.Deps{}) {
		switch a.Info().ID {
		case "approval:request", "wait:callback", "flow:sleep":
			out = append(out, a)
		}
	}
	return append(out,
		// wf:span sleeps input.ms and outputs input.value.
		&action{info: plugin.ActionInfo{ID: "wf:span"}, run: func(ctx context.Context, ac *plugin.ActionContext) error {
			sp := span{step: ac.StepID, value: fmt.Sprint(ac.Input["value"]), start: time.Now()}
			ms, _ := ac.Input["ms"].(float64)
			select {
			case <-time.After(time.Duration(ms) * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
			sp.end = time.Now()
			rec.add(sp)
			if ac.Input["fail"] == true {
				return fmt.Errorf("iteration %s failed", sp.value)
			}
			ac.Output("value", ac.Input["value"])
			return nil
		}},
		// wf:gate counts its runs by input.name and, with input.wait,
		// waits for its callback.
		&action{info: plugin.ActionInfo{ID: "wf:gate"}, run: func(ctx context.Context, ac *plugin.ActionContext) error {
			name := fmt.Sprint(ac.Input["name"])
			rec.mu.Lock()
			rec.runs[name]++
			rec.urls[name] = ac.CallbackURL()
			rec.mu.Unlock()
			if ac.Input["wait"] == true {
				res, err := ac.Wait(ctx, plugin.Wait{Kind: plugin.WaitCallback})
				if err != nil {
					return err
				}
				ac.Output("payload", res.Payload)
			}
			ac.Output("name", name)
			return nil
		}},
	)
}

// fakeAuditor keeps audit events.
type fakeAuditor struct {
	mu     sync.Mutex
	events []audit.Event
}

func (a *fakeAuditor) Record(_ context.Context, e audit.Event) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.events = append(a.events, e)
	return nil
}

// actions lists "action outcome" of the events with that action prefix.
func (a *fakeAuditor) list(prefix string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := []string{}
	for _, e := range a.events {
		if strings.HasPrefix(e.Action, prefix) {
			out = append(out, e.Action+" "+string(e.Outcome)+" "+e.ActorRef)
		}
	}
	return out
}

// fakeClock runs with the real clock, ahead of it by what Advance added.
type fakeClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// workflowHarness is a harness with the workflow actions, an auditor
// and a fake clock.
type workflowHarness struct {
	*harness
	spans *spans
	audit *fakeAuditor
	clock *fakeClock
}

func newWorkflowHarness(t *testing.T, opts ...harnessOption) *workflowHarness {
	t.Helper()
	return newWorkflowHarnessOn(t, storetest.Open(t, store.SQLite), opts...)
}

// newWorkflowHarnessOn is newWorkflowHarness over db.
func newWorkflowHarnessOn(t *testing.T, db *store.DB, opts ...harnessOption) *workflowHarness {
	t.Helper()
	return workflowHarnessWith(t, db, &fakeAuditor{}, newFakeClock(), opts...)
}

// another is a second instance on db sharing h's auditor and clock.
func (h *workflowHarness) another(t *testing.T, db *store.DB) *workflowHarness {
	t.Helper()
	return workflowHarnessWith(t, db, h.audit, h.clock)
}

func workflowHarnessWith(t *testing.T, db *store.DB, a *fakeAuditor, c *fakeClock, opts ...harnessOption) *workflowHarness {
	t.Helper()
	w := &workflowHarness{spans: &spans{urls: map[string]string{}, runs: map[string]int{}}, audit: a, clock: c}
	all := append([]harnessOption{func(o *scaffolder.Options) {
		o.Actions = append(o.Actions, workflowActions(w.spans)...)
		o.Audit = w.audit
		o.Now = w.clock.Now
		o.BaseURL = "https://callboard.example.com/"
	}}, opts...)
	w.harness = newHarness(t, db, all...)
	return w
}

// run runs the engine's workers until stop, or the test's end.
func (h *harness) run(t *testing.T) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := h.engine.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// untilStatus waits for the task to reach a status.
func (h *harness) untilStatus(t *testing.T, id string, want scaffolder.Status) *scaffolder.Task {
	t.Helper()
	var task *scaffolder.Task
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var err error
		task, err = h.engine.Task(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if task.Status == want {
			return task
		}
		if task.Status.Terminal() {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("task %s is %s, want %s; events:\n%s", id, task.Status, want, strings.Join(h.log(t, id), "\n"))
	return nil
}

// stepStatuses maps each step that ran, compensation steps too, to its
// status in the task's graph.
func (h *harness) stepStatuses(t *testing.T, id string) map[string]scaffolder.Status {
	t.Helper()
	g, err := h.engine.TaskGraph(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]scaffolder.Status{}
	for _, n := range g.Nodes {
		if n.Status != "" {
			out[n.ID] = n.Status
		}
	}
	return out
}

func overlap(a, b span) bool { return a.start.Before(b.end) && b.start.Before(a.end) }

func TestNeedsOrderAndConcurrency(t *testing.T) {
	const steps = `
  steps:
    - id: a
      action: wf:span
      input: {ms: 150}
      %s
    - id: b
      action: wf:span
      input: {ms: 150}
      %s
    - id: c
      action: wf:span
      input: {ms: 1}
      %s
`
	for _, tc := range []struct {
		name    string
		spec    string
		overlap bool
	}{
		{"independent steps run at once", fmt.Sprintf(steps, "needs: []", "needs: []", "needs: [a, b]"), true},
		{"spec.concurrency 1 runs one step at a time", "  concurrency: 1" + fmt.Sprintf(steps, "needs: []", "needs: []", "needs: [a, b]"), false},
		{"without needs each step follows the one before", fmt.Sprintf(steps, "", "", ""), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newWorkflowHarness(t)
			h.run(t)
			id := h.create(t, h.template(t, "dag", tc.spec), nil, nil)
			if task := h.wait(t, id); task.Status != scaffolder.StatusCompleted {
				t.Fatalf("status %s\n%s", task.Status, strings.Join(h.log(t, id), "\n"))
			}
			a, b, c := h.spans.of("a")[0], h.spans.of("b")[0], h.spans.of("c")[0]
			if got := overlap(a, b); got != tc.overlap {
				t.Errorf("a %v–%v and b %v–%v overlap = %v, want %v", a.start, a.end, b.start, b.end, got, tc.overlap)
			}
			if c.start.Before(a.end) || c.start.Before(b.end) {
				t.Errorf("c started before a and b ended")
			}
		})
	}
}

func TestEachIterations(t *testing.T) {
	for _, tc := range []struct {
		name   string
		step   string
		status scaffolder.Status
		output any
		errMsg string
		// maxAtOnce is the most iterations that may overlap.
		maxAtOnce int
	}{
		{
			name: "parallel: outputs in iteration order and iterations",
			step: `      parallel: true
      each: [{v: x, ms: 200}, {v: y, ms: 100}, {v: z, ms: 1}]
      input: {value: '${{ each.value.v }}', ms: '${{ each.value.ms }}'}`,
			status:    scaffolder.StatusCompleted,
			output:    map[string]any{"value": []any{"x", "y", "z"}, "iterations": []any{map[string]any{"value": "x"}, map[string]any{"value": "y"}, map[string]any{"value": "z"}}},
			maxAtOnce: 3,
		},
		{
			name: "concurrency bounds the iterations at once",
			step: `      parallel: true
      concurrency: 1
      each: [x, y, z]
      input: {value: '${{ each.value }}', ms: 50}`,
			status:    scaffolder.StatusCompleted,
			output:    map[string]any{"value": []any{"x", "y", "z"}, "iterations": []any{map[string]any{"value": "x"}, map[string]any{"value": "y"}, map[string]any{"value": "z"}}},
			maxAtOnce: 1,
		},
		{
			name: "in sequence: lists without iterations",
			step: `      each: {k1: x, k2: y}
      input: {value: '${{ each.key }}=${{ each.value }}', ms: 1}`,
			status:    scaffolder.StatusCompleted,
			output:    map[string]any{"value": []any{"k1=x", "k2=y"}},
			maxAtOnce: 1,
		},
		{
			name: "a failing iteration fails the step",
			step: `      parallel: true
      each: [x, y, z]
      input: {value: '${{ each.value }}', ms: 20, fail: '${{ each.value == "y" }}'}`,
			status:    scaffolder.StatusFailed,
			errMsg:    "iteration y failed",
			maxAtOnce: 3,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newWorkflowHarness(t)
			h.run(t)
			ref := h.template(t, "each", "  steps:\n    - id: fan\n      action: wf:span\n"+tc.step+"\n  output:\n    fan: ${{ steps.fan.output }}\n")
			id := h.create(t, ref, nil, nil)
			task := h.wait(t, id)
			if task.Status != tc.status {
				t.Fatalf("status %s, want %s\n%s", task.Status, tc.status, strings.Join(h.log(t, id), "\n"))
			}
			c := h.completion(t, id)
			if tc.errMsg != "" {
				if c.Error == nil || c.Error.Message != tc.errMsg {
					t.Errorf("error %+v, want %q", c.Error, tc.errMsg)
				}
			} else if diff := cmp.Diff(tc.output, c.Output["fan"]); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			runs := h.spans.of("fan")
			most := 0
			for _, r := range runs {
				n := 0
				for _, o := range runs {
					if overlap(r, o) {
						n++
					}
				}
				most = max(most, n)
			}
			if most > tc.maxAtOnce || (tc.maxAtOnce > 1 && most < 2) {
				t.Errorf("%d iterations ran at once, want at most %d (and more than one when allowed)", most, tc.maxAtOnce)
			}
		})
	}
}

func TestResumedEachStepSkipsFinishedIterations(t *testing.T) {
	h := newWorkflowHarness(t)
	h.run(t)
	ref := h.template(t, "resume-each", `  steps:
    - id: fan
      action: wf:gate
      parallel: true
      each: [{name: quick}, {name: slow, wait: true}]
      input: {name: '${{ each.value.name }}', wait: '${{ each.value.wait or false }}'}
  output:
    names: ${{ steps.fan.output.name }}
    payload: ${{ steps.fan.output.payload }}
`)
	id := h.create(t, ref, nil, nil)
	h.untilStatus(t, id, scaffolder.StatusWaiting)
	url := h.spans.url("slow")
	token := url[strings.LastIndex(url, "/")+1:]
	if err := h.engine.Callback(context.Background(), token, map[string]any{"ok": true}); err != nil {
		t.Fatal(err)
	}
	if task := h.wait(t, id); task.Status != scaffolder.StatusCompleted {
		t.Fatalf("status %s\n%s", task.Status, strings.Join(h.log(t, id), "\n"))
	}
	if got := []int{h.spans.ran("quick"), h.spans.ran("slow")}; !slices.Equal(got, []int{1, 2}) {
		t.Errorf("runs of quick and slow: %v, want [1 2]", got)
	}
	want := map[string]any{"names": []any{"quick", "slow"}, "payload": []any{map[string]any{"ok": true}}}
	if diff := cmp.Diff(want, h.completion(t, id).Output); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

func TestStepFlowOnFailure(t *testing.T) {
	for _, tc := range []struct {
		name   string
		spec   string
		status scaffolder.Status
		errMsg string
		steps  map[string]scaffolder.Status
		calls  map[string]int
		output map[string]any
	}{
		{
			name: "retry until the action succeeds",
			spec: `    - id: flaky
      action: test:fail
      retry: {attempts: 3, backoff: 10ms}
      input: {message: not yet, failUntil: 2}
  output:
    attempt: ${{ steps.flaky.output.attempt }}`,
			status: scaffolder.StatusCompleted,
			steps:  map[string]scaffolder.Status{"flaky": scaffolder.StatusCompleted},
			calls:  map[string]int{"flaky": 3},
			output: map[string]any{"attempt": 3.0},
		},
		{
			name: "retry gives up after its attempts",
			spec: `    - id: flaky
      action: test:fail
      retry: {attempts: 2, backoff: 10ms}
      input: {message: still failing, failUntil: 5}`,
			status: scaffolder.StatusFailed,
			errMsg: "still failing",
			steps:  map[string]scaffolder.Status{"flaky": scaffolder.StatusFailed},
			calls:  map[string]int{"flaky": 2},
		},
		{
			name: "timeout names the step and the duration",
			spec: `    - id: slow
      action: test:wait
      timeout: 100ms`,
			status: scaffolder.StatusFailed,
			errMsg: "step slow timed out after 100ms",
			steps:  map[string]scaffolder.Status{"slow": scaffolder.StatusFailed},
			calls:  map[string]int{"slow": 1},
		},
		{
			name: "continueOnError goes on",
			spec: `    - id: optional
      action: test:fail
      continueOnError: true
      input: {message: optional failed}
    - id: next
      action: test:echo
      input: {message: 'after ${{ steps.optional.output.attempt or "nothing" }}'}
  output:
    next: ${{ steps.next.output.echo }}`,
			status: scaffolder.StatusCompleted,
			steps:  map[string]scaffolder.Status{"optional": scaffolder.StatusFailed, "next": scaffolder.StatusCompleted},
			calls:  map[string]int{"optional": 1, "next": 1},
			output: map[string]any{"next": "after nothing"},
		},
		{
			name: "onFailure compensation steps run and see failure()",
			spec: `    - id: create
      action: test:echo
      input: {message: created}
    - id: deploy
      action: test:fail
      input: {message: deploy failed}
      onFailure:
        - id: undo
          action: test:echo
          input: {message: 'undo ${{ steps.create.output.echo }} failed=${{ failure() }}'}
        - id: tell
          action: test:echo
          input: {message: 'told'}
    - id: never
      action: test:echo`,
			status: scaffolder.StatusFailed,
			errMsg: "deploy failed",
			steps: map[string]scaffolder.Status{"create": scaffolder.StatusCompleted, "deploy": scaffolder.StatusFailed,
				"undo": scaffolder.StatusCompleted, "tell": scaffolder.StatusCompleted, "never": scaffolder.StatusSkipped},
			calls: map[string]int{"create": 1, "deploy": 1, "undo": 1, "tell": 1, "never": 0},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newWorkflowHarness(t)
			h.run(t)
			id := h.create(t, h.template(t, "flow", "  steps:\n"+tc.spec+"\n"), nil, nil)
			task := h.wait(t, id)
			log := strings.Join(h.log(t, id), "\n")
			if task.Status != tc.status {
				t.Fatalf("status %s, want %s\n%s", task.Status, tc.status, log)
			}
			c := h.completion(t, id)
			if tc.errMsg != "" && (c.Error == nil || c.Error.Message != tc.errMsg) {
				t.Errorf("error %+v, want %q", c.Error, tc.errMsg)
			}
			if tc.output != nil {
				if diff := cmp.Diff(tc.output, c.Output); diff != "" {
					t.Errorf("output (-want +got):\n%s", diff)
				}
			}
			if diff := cmp.Diff(tc.steps, h.stepStatuses(t, id)); diff != "" {
				t.Errorf("step statuses (-want +got):\n%s", diff)
			}
			got := map[string]int{}
			for step := range tc.calls {
				got[step] = h.calls.get(step)
			}
			if diff := cmp.Diff(tc.calls, got); diff != "" {
				t.Errorf("action runs (-want +got):\n%s", diff)
			}
			if tc.steps["undo"] != "" && !strings.Contains(log, "echo message=undo created failed=true") {
				t.Errorf("the compensation step did not see failure():\n%s", log)
			}
		})
	}
}

// callbackToken is the last segment of a callback URL.
func callbackToken(url string) string { return url[strings.LastIndex(url, "/")+1:] }

func TestWaitCallback(t *testing.T) {
	var (
		mu    sync.Mutex
		posts []map[string]any
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || r.Header.Get("X-Key") != "k" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		posts = append(posts, body)
		mu.Unlock()
	}))
	defer srv.Close()
	postCount := func() int { mu.Lock(); defer mu.Unlock(); return len(posts) }

	h := newWorkflowHarness(t)
	stop := h.run(t)
	ref := h.template(t, "callback", `  steps:
    - id: hook
      action: wait:callback
      input:
        timeout: 1h
        notify: {url: '`+srv.URL+`', headers: {X-Key: k}}
  output:
    status: ${{ steps.hook.output.status }}
    url: ${{ steps.hook.output.callbackUrl }}
`)
	id := h.create(t, ref, nil, nil)
	h.untilStatus(t, id, scaffolder.StatusWaiting)
	if postCount() != 1 {
		t.Fatalf("%d notifications", postCount())
	}
	url, _ := posts[0]["callbackUrl"].(string)
	if !strings.HasPrefix(url, "https://callboard.example.com/api/scaffolder/v2/callbacks/") || posts[0]["taskId"] != id || posts[0]["stepId"] != "hook" {
		t.Fatalf("notification %v", posts[0])
	}
	token := callbackToken(url)

	// A token signed for a step that waits for nothing.
	gateRef := h.template(t, "gate", "  steps:\n    - id: g\n      action: wf:gate\n      input: {name: nowait}\n")
	h.wait(t, h.create(t, gateRef, nil, nil))
	unknown := callbackToken(h.spans.url("nowait"))

	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		token string
		want  string
	}{
		{"a bad signature", token[:strings.Index(token, ".")+1] + "AAAA", problem.NotAllowedError},
		{"no signature", "plain", problem.NotAllowedError},
		{"a token no step waits for", unknown, problem.NotFoundError},
		{"the step's token", token, ""},
		{"the token again", token, problem.ConflictError},
	} {
		err := h.engine.Callback(ctx, tc.token, map[string]any{"status": "done"})
		if (tc.want == "" && err != nil) || (tc.want != "" && !problem.Is(err, tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if task := h.wait(t, id); task.Status != scaffolder.StatusCompleted {
		t.Fatalf("status %s\n%s", task.Status, strings.Join(h.log(t, id), "\n"))
	}
	if diff := cmp.Diff(map[string]any{"status": "done", "url": url}, h.completion(t, id).Output); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	if postCount() != 1 {
		t.Errorf("notified %d times", postCount())
	}
	want := []string{
		"scaffolder.callback.receive denied ",
		"scaffolder.callback.receive denied ",
		"scaffolder.callback.receive succeeded ",
		"scaffolder.callback.receive denied ",
	}
	if diff := cmp.Diff(want, h.audit.list("scaffolder.callback")); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}

	// Past its timeout the token has expired.
	late := h.create(t, ref, nil, nil)
	h.untilStatus(t, late, scaffolder.StatusWaiting)
	stop()
	h.clock.Advance(2 * time.Hour)
	lateToken := callbackToken(posts[1]["callbackUrl"].(string))
	err := h.engine.Callback(ctx, lateToken, nil)
	if !problem.Is(err, problem.InputError) || !strings.Contains(err.Error(), "expired") {
		t.Errorf("an expired callback: %v", err)
	}
	// The step fails once the engine sees the timeout.
	h.run(t)
	if task := h.wait(t, late); task.Status != scaffolder.StatusFailed {
		t.Errorf("a timed out callback: %s", task.Status)
	}
	if c := h.completion(t, late); c.Error == nil || c.Error.Message != "no callback came before the timeout of 1h" {
		t.Errorf("error %+v", c.Error)
	}
}

func TestFlowSleep(t *testing.T) {
	h := newWorkflowHarness(t)
	h.run(t)
	ref := h.template(t, "sleep", `  steps:
    - id: nap
      action: flow:sleep
      input: {duration: 1h}
    - id: after
      action: test:echo
      input: {message: '${{ steps.nap.output.sleptUntil }}'}
  output:
    slept: ${{ steps.nap.output.sleptUntil }}
`)
	id := h.create(t, ref, nil, nil)
	h.untilStatus(t, id, scaffolder.StatusWaiting)
	var runAfter int64
	if err := h.db.QueryRowContext(context.Background(), `SELECT run_after FROM scaffolder_tasks WHERE id = $1`, id).Scan(&runAfter); err != nil {
		t.Fatal(err)
	}
	if d := time.UnixMilli(runAfter).Sub(h.clock.Now()); d < 59*time.Minute || d > time.Hour {
		t.Errorf("the task wakes in %s, want an hour", d)
	}
	time.Sleep(100 * time.Millisecond) // several polls
	if task, _ := h.engine.Task(context.Background(), id); task.Status != scaffolder.StatusWaiting || h.calls.get("after") != 0 {
		t.Fatalf("the task went on before its time: %s", task.Status)
	}
	h.clock.Advance(61 * time.Minute)
	if task := h.wait(t, id); task.Status != scaffolder.StatusCompleted {
		t.Fatalf("status %s\n%s", task.Status, strings.Join(h.log(t, id), "\n"))
	}
	slept, _ := h.completion(t, id).Output["slept"].(string)
	at, err := time.Parse(time.RFC3339, slept)
	if err != nil || at.Before(time.Now().Add(time.Hour)) {
		t.Errorf("slept until %q (%v)", slept, err)
	}
}

func TestRetryAndReplay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newWorkflowHarnessOn(t, db)
		h.run(t)
		ref := h.template(t, "replay", `  steps:
    - id: a
      action: test:echo
      input: {message: a}
    - id: approve
      action: approval:request
      input: {approvers: [user:default/bob]}
    - id: b
      action: test:fail
      input: {message: boom, failUntil: 1}
    - id: c
      action: test:echo
      input: {message: '${{ steps.b.output.attempt }}'}
    - id: side
      action: test:echo
      needs: [a]
      input: {message: side}
  output:
    c: ${{ steps.c.output.echo }}
`)
		ctx := context.Background()
		id := h.create(t, ref, nil, nil)
		h.untilStatus(t, id, scaffolder.StatusWaiting)
		if err := h.engine.Replay(ctx, scaffolder.ReplayRequest{TaskID: id}); !problem.Is(err, problem.ConflictError) {
			t.Errorf("replay of a waiting task: %v", err)
		}
		if _, err := decide(h, id, vote{actor: bob, decision: "approve"}); err != nil {
			t.Fatal(err)
		}
		if task := h.wait(t, id); task.Status != scaffolder.StatusFailed {
			t.Fatalf("first attempt %s", task.Status)
		}
		if err := h.engine.Replay(ctx, scaffolder.ReplayRequest{TaskID: id, FromStep: "nope"}); !problem.Is(err, problem.NotFoundError) {
			t.Errorf("replay from an unknown step: %v", err)
		}
		if err := h.engine.Replay(ctx, scaffolder.ReplayRequest{TaskID: "no-such-task"}); !problem.Is(err, problem.NotFoundError) {
			t.Errorf("replay of an unknown task: %v", err)
		}
		runs := func() map[string]int {
			out := map[string]int{}
			for _, s := range []string{"a", "b", "c", "side"} {
				out[s] = h.calls.get(s)
			}
			return out
		}
		steps := []struct {
			name string
			req  scaffolder.ReplayRequest
			runs map[string]int
			c    string
		}{
			{"retry reruns the failed step and what follows", scaffolder.ReplayRequest{TaskID: id}, map[string]int{"a": 1, "b": 2, "c": 1, "side": 1}, "2"},
			{"replay from b reruns b and c only", scaffolder.ReplayRequest{TaskID: id, FromStep: "b", Actor: bob}, map[string]int{"a": 1, "b": 3, "c": 2, "side": 1}, "3"},
			{"replay from side reruns side only", scaffolder.ReplayRequest{TaskID: id, FromStep: "side"}, map[string]int{"a": 1, "b": 3, "c": 2, "side": 2}, "3"},
		}
		for _, st := range steps {
			if err := h.engine.Replay(ctx, st.req); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if task := h.wait(t, id); task.Status != scaffolder.StatusCompleted {
				t.Fatalf("%s: %s\n%s", st.name, task.Status, strings.Join(h.log(t, id), "\n"))
			}
			if diff := cmp.Diff(st.runs, runs()); diff != "" {
				t.Errorf("%s: runs (-want +got):\n%s", st.name, diff)
			}
			if got := fmt.Sprint(h.completion(t, id).Output["c"]); got != st.c {
				t.Errorf("%s: output c %v, want %s", st.name, got, st.c)
			}
		}
		if len(h.audit.list("scaffolder.approval.request")) != 1 {
			t.Errorf("the approval was asked again: %v", h.audit.list("scaffolder.approval"))
		}
		history, err := h.engine.StepHistory(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]string{}
		for _, s := range history {
			got[s.StepID] = append(got[s.StepID], fmt.Sprintf("%d %s", s.Attempt, s.Status))
		}
		want := map[string][]string{
			"a":       {"1 completed"},
			"approve": {"1 completed"},
			"b":       {"1 failed", "2 completed", "3 completed"},
			"c":       {"1 skipped", "2 completed", "3 completed"},
			"side":    {"1 completed", "4 completed"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("history (-want +got):\n%s", diff)
		}
		if _, err := h.engine.StepHistory(ctx, "no-such-task"); !problem.Is(err, problem.NotFoundError) {
			t.Errorf("history of an unknown task: %v", err)
		}
		want2 := []string{"scaffolder.task.retry succeeded ", "scaffolder.task.replay succeeded " + bob, "scaffolder.task.replay succeeded "}
		if diff := cmp.Diff(want2, h.audit.list("scaffolder.task.re")); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}
	})
}
