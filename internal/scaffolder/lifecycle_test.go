package scaffolder_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

func TestSecretsAreRedactedEverywhere(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const secret, envSecret = "s3cr3t-t0ken-value", "env-secret-value"
		h := newHarness(t, db, func(o *scaffolder.Options) {
			o.Config.DefaultEnvironment.Secrets = map[string]string{"deploy": envSecret}
		})
		h.start(t)
		ref := h.template(t, "secrets", `  steps:
    - id: use
      action: test:echo
      input:
        message: token is ${{ secrets.token }} and ${{ environment.secrets.deploy }}
    - id: again
      action: test:echo
      input:
        message: ${{ steps.use.output.echo | length }}
  output:
    leaked: ${{ secrets.token }}
    fromStep: ${{ steps.use.output.echo }}
`)
		ok := h.create(t, ref, map[string]any{"name": "x"}, map[string]string{"token": secret})
		h.wait(t, ok)
		failRef := h.template(t, "secrets-fail", `  steps:
    - id: boom
      action: test:fail
      input:
        message: cannot use ${{ secrets.token }}
`)
		failed := h.create(t, failRef, nil, map[string]string{"token": secret})
		if task := h.wait(t, failed); task.Status != scaffolder.StatusFailed {
			t.Fatalf("status %s", task.Status)
		}

		// The actions saw the real values.
		evs := strings.Join(h.log(t, ok), "\n")
		want := fmt.Sprint(len("token is " + secret + " and " + envSecret))
		if !strings.Contains(evs, "echo message="+want) {
			t.Errorf("the second step did not see the real value:\n%s", evs)
		}
		if !strings.Contains(evs, "echo message=token is *** and ***") {
			t.Errorf("the log is not redacted as expected:\n%s", evs)
		}
		if c := h.completion(t, ok); c.Output["leaked"] != "***" {
			t.Errorf("output = %v", c.Output)
		}
		if c := h.completion(t, failed); c.Error == nil || c.Error.Message != "cannot use ***" {
			t.Errorf("error = %+v", c.Error)
		}

		// Nothing stored holds a secret: every text column of every
		// scaffolder table is searched.
		for _, table := range []string{"scaffolder_tasks", "scaffolder_task_events", "scaffolder_task_steps"} {
			rows, err := db.Query("SELECT * FROM " + table)
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				for i, v := range vals {
					s := fmt.Sprintf("%s", v)
					if strings.Contains(s, secret) || strings.Contains(s, envSecret) {
						t.Errorf("%s.%s holds a secret: %s", table, cols[i], s)
					}
				}
			}
			rows.Close()
		}
		for _, id := range []string{ok, failed} {
			task, err := h.engine.Task(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(task)
			if strings.Contains(string(b), secret) {
				t.Errorf("task JSON holds the secret: %s", b)
			}
		}
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM scaffolder_tasks WHERE secrets IS NOT NULL`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d ended tasks keep their sealed secrets (%v)", n, err)
		}
	})
}

func TestSecretsAreSealedWhileTheTaskWaits(t *testing.T) {
	h := newSQLiteHarness(t, func(o *scaffolder.Options) { o.Config.SecretsKey = "a configured key" })
	ref := h.template(t, "sealed", "  steps:\n    - action: test:echo\n      input: {message: '${{ secrets.token }}'}\n")
	id := h.create(t, ref, nil, map[string]string{"token": "plain-secret"})
	var sealed string
	if err := h.db.QueryRow(`SELECT secrets FROM scaffolder_tasks WHERE id = $1`, id).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sealed, "v1:") || strings.Contains(sealed, "plain-secret") {
		t.Errorf("stored secrets = %q", sealed)
	}
	// Another instance with the same key opens them; one with another
	// key cannot and fails the task without running it.
	other := newHarness(t, h.db, func(o *scaffolder.Options) { o.Config.SecretsKey = "another key" })
	other.start(t)
	task := other.wait(t, id)
	if task.Status != scaffolder.StatusFailed || other.calls.get("step-1") != 0 {
		t.Errorf("status %s, calls %d", task.Status, other.calls.get("step-1"))
	}
	if c := other.completion(t, id); c.Error == nil || c.Error.Message != "the task's secrets cannot be read" {
		t.Errorf("completion %+v", c.Error)
	}
}

func TestCancelRunningTask(t *testing.T) {
	h := newSQLiteHarness(t)
	h.start(t)
	ref := h.template(t, "cancel", `  steps:
    - id: wait
      name: Wait
      action: test:wait
    - id: after
      action: test:echo
`)
	id := h.create(t, ref, nil, nil)
	waitFor(t, "the step to start", func() bool { return h.calls.get("wait") == 1 })
	if err := h.engine.Cancel(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	task := h.wait(t, id)
	if task.Status != scaffolder.StatusFailed {
		t.Errorf("status = %s", task.Status)
	}
	want := []string{
		"log Starting up task with 2 steps",
		"log [wait processing] Beginning step Wait",
		"log [wait ] waiting",
		"cancelled [wait cancelled] Step wait has been cancelled.",
		"log [wait cancelled] Step wait has been cancelled.",
		"log [after processing] Beginning step test:echo",
		"log [after skipped] Skipping step after because a previous step failed",
		"completion Run completed with status: failed",
	}
	if diff := cmp.Diff(want, h.log(t, id)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if c := h.completion(t, id); c.Error == nil || c.Error.Message != fmt.Sprintf("Step wait (Wait) of task %s has been cancelled.", id) {
		t.Errorf("error = %+v", c.Error)
	}
	// Cancelling an ended task changes nothing.
	if err := h.engine.Cancel(context.Background(), id); err != nil {
		t.Error(err)
	}
	if err := h.engine.Cancel(context.Background(), "no-such-task"); !problem.Is(err, problem.NotFoundError) {
		t.Errorf("cancel of a missing task: %v", err)
	}
}

// TestCancelFromAnotherInstance cancels through a second engine on the
// same database: the worker learns of it from its heartbeat.
func TestCancelFromAnotherInstance(t *testing.T) {
	h := newSQLiteHarness(t)
	h.start(t)
	api := newHarness(t, h.db, func(o *scaffolder.Options) { zero := 0; o.Config.ConcurrentTasksLimit = &zero })
	ref := h.template(t, "cancel", "  steps:\n    - id: wait\n      action: test:wait\n")
	id := h.create(t, ref, nil, nil)
	waitFor(t, "the step to start", func() bool { return h.calls.get("wait") == 1 })
	if err := api.engine.Cancel(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if task := h.wait(t, id); task.Status != scaffolder.StatusFailed {
		t.Errorf("status = %s", task.Status)
	}
}

func TestCancelOpenTask(t *testing.T) {
	h := newSQLiteHarness(t)
	ref := h.template(t, "cancel", "  steps:\n    - id: first\n      action: test:echo\n")
	id := h.create(t, ref, nil, nil)
	if err := h.engine.Cancel(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	h.start(t)
	if task := h.wait(t, id); task.Status != scaffolder.StatusFailed || h.calls.get("first") != 0 {
		t.Errorf("status %s, calls %d", task.Status, h.calls.get("first"))
	}
	want := []string{
		"cancelled [first cancelled] Step first has been cancelled.",
		"log Starting up task with 1 steps",
		"log [first cancelled] Step first has been cancelled.",
		"completion Run completed with status: failed",
	}
	if diff := cmp.Diff(want, h.log(t, id)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestRetry(t *testing.T) {
	for _, tc := range []struct {
		name      string
		recovery  bool
		firstRuns int
	}{
		{"completed steps are skipped with recovery", true, 1},
		{"everything runs again without recovery", false, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newSQLiteHarness(t, func(o *scaffolder.Options) { o.Config.TaskRecovery.Enabled = &tc.recovery })
			h.start(t)
			ref := h.template(t, "retry", `  steps:
    - id: first
      action: test:echo
      input: {message: one}
    - id: flaky
      action: test:fail
      input: {message: not yet, failUntil: 1}
    - id: last
      action: test:echo
      input: {message: '${{ steps.first.output.echo }}-${{ steps.flaky.output.attempt }}'}
  output:
    result: ${{ steps.last.output.echo }}
`)
			id := h.create(t, ref, nil, nil)
			if task := h.wait(t, id); task.Status != scaffolder.StatusFailed {
				t.Fatalf("first attempt: %s", task.Status)
			}
			err := h.engine.Retry(context.Background(), id, map[string]string{"token": "new"})
			if err != nil {
				t.Fatal(err)
			}
			if task := h.wait(t, id); task.Status != scaffolder.StatusCompleted {
				t.Fatalf("retry: %s\n%s", task.Status, strings.Join(h.log(t, id), "\n"))
			}
			if h.calls.get("first") != tc.firstRuns {
				t.Errorf("first step ran %d times, want %d", h.calls.get("first"), tc.firstRuns)
			}
			if c := h.completion(t, id); c.Output["result"] != "one-2" {
				t.Errorf("output %v", c.Output)
			}
			log := h.log(t, id)
			if !strings.HasPrefix(log[0], "recovered Task retried") {
				t.Errorf("events after retry start with %q", log[0])
			}
			skipped := "log [first completed] Skipping step first because it was already completed in a previous run"
			if got := strings.Contains(strings.Join(log, "\n"), skipped); got != tc.recovery {
				t.Errorf("skip message present = %v\n%s", got, strings.Join(log, "\n"))
			}
		})
	}
}

func TestRetryOnlyEndedTasks(t *testing.T) {
	h := newSQLiteHarness(t)
	ref := h.template(t, "retry", "  steps:\n    - action: test:echo\n")
	id := h.create(t, ref, nil, nil)
	err := h.engine.Retry(context.Background(), id, nil)
	if !problem.Is(err, problem.ConflictError) || err.Error() != "ConflictError: Task with taskId "+id+" cannot be retried" {
		t.Errorf("retry of an open task: %v", err)
	}
	if err := h.engine.Retry(context.Background(), "nope", nil); !problem.Is(err, problem.NotFoundError) {
		t.Errorf("retry of a missing task: %v", err)
	}
}

func TestCheckpointReplaysOnRetry(t *testing.T) {
	h := newSQLiteHarness(t)
	h.start(t)
	ref := h.template(t, "checkpoint", "  steps:\n    - id: cp\n      action: test:checkpoint\n  output:\n    id: ${{ steps.cp.output.id }}\n")
	id := h.create(t, ref, nil, nil)
	h.wait(t, id)
	if err := h.engine.Retry(context.Background(), id, nil); err != nil {
		t.Fatal(err)
	}
	if task := h.wait(t, id); task.Status != scaffolder.StatusCompleted {
		t.Fatalf("status %s", task.Status)
	}
	if n := h.calls.get("cp/fn"); n != 1 {
		t.Errorf("the checkpointed function ran %d times", n)
	}
	if c := h.completion(t, id); c.Output["id"] != "created-1" {
		t.Errorf("output %v", c.Output)
	}
}

// TestRecoveryAfterWorkerDied stands in for a worker that died mid-task:
// the task is processing under a lease nobody renews, with its first step
// completed. Another instance takes it over when the lease lapses and
// resumes at the second step.
func TestRecoveryAfterWorkerDied(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db, func(o *scaffolder.Options) { o.Config.TaskRecovery.StaleTimeout = 100 * time.Millisecond })
		ref := h.template(t, "recover", `  steps:
    - id: one
      action: test:echo
      input: {message: first}
    - id: two
      action: test:echo
      input: {message: '${{ steps.one.output.echo }} then second'}
`)
		id := h.create(t, ref, nil, nil)
		ctx := context.Background()
		now := time.Now()
		c, err := h.store.ClaimTask(ctx, "dead-worker", now, now.Add(50*time.Millisecond))
		if err != nil || c == nil {
			t.Fatal(c, err)
		}
		if err := h.store.SaveStep(ctx, id, scaffolder.StepState{StepID: "one", Attempt: 1, Status: scaffolder.StatusCompleted,
			Output: map[string]any{"echo": "first"}, StartedAt: now, EndedAt: now}); err != nil {
			t.Fatal(err)
		}
		if err := h.store.SaveStep(ctx, id, scaffolder.StepState{StepID: "two", Attempt: 1, Status: scaffolder.StatusProcessing, StartedAt: now}); err != nil {
			t.Fatal(err)
		}
		h.start(t)
		if task := h.wait(t, id); task.Status != scaffolder.StatusCompleted {
			t.Fatalf("status %s", task.Status)
		}
		if h.calls.get("one") != 0 || h.calls.get("two") != 1 {
			t.Errorf("calls: one %d, two %d", h.calls.get("one"), h.calls.get("two"))
		}
		want := []string{
			"recovered Task recovered: its worker stopped before it ended",
			"log Starting up task with 2 steps",
			"log [one completed] Skipping step one because it was already completed in a previous run",
			"log [two processing] Beginning step test:echo",
			"log [two ] echo message=first then second",
			"log [two completed] Finished step test:echo",
			"completion Run completed with status: completed",
		}
		if diff := cmp.Diff(want, h.log(t, id)); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		steps, err := h.engine.Steps(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(steps) != 2 || steps[1].Status != scaffolder.StatusCompleted || steps[1].Attempt != 2 {
			t.Errorf("steps %+v", steps)
		}
	})
}

func TestJanitorFailsStaleTasks(t *testing.T) {
	off := false
	h := newSQLiteHarness(t, func(o *scaffolder.Options) {
		o.Config.TaskRecovery.Enabled = &off
		o.Config.TaskTimeout = 50 * time.Millisecond
		o.Config.TaskTimeoutJanitorFrequency = 20 * time.Millisecond
	})
	ref := h.template(t, "stale", "  steps:\n    - id: hung\n      action: test:wait\n")
	id := h.create(t, ref, nil, nil)
	ctx := context.Background()
	now := time.Now()
	if c, err := h.store.ClaimTask(ctx, "hung-worker", now, now.Add(time.Hour)); err != nil || c == nil {
		t.Fatal(c, err)
	}
	if err := h.store.SaveStep(ctx, id, scaffolder.StepState{StepID: "hung", Attempt: 1, Status: scaffolder.StatusProcessing, StartedAt: now}); err != nil {
		t.Fatal(err)
	}
	h.start(t)
	if task := h.wait(t, id); task.Status != scaffolder.StatusFailed {
		t.Fatalf("status %s", task.Status)
	}
	want := []string{
		"log [hung failed] This task was marked as stale as it exceeded its timeout",
		"completion Run completed with status: failed",
	}
	if diff := cmp.Diff(want, h.log(t, id)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestRateLimit(t *testing.T) {
	two := 2
	h := newSQLiteHarness(t, func(o *scaffolder.Options) { o.Config.RateLimit.TasksPerMinute = &two })
	ref := h.template(t, "rate", "  steps:\n    - action: test:echo\n")
	ctx := context.Background()
	create := func(by string) error {
		_, err := h.engine.Create(ctx, scaffolder.CreateRequest{TemplateRef: ref, CreatedBy: by})
		return err
	}
	for range 2 {
		if err := create("user:default/ada"); err != nil {
			t.Fatal(err)
		}
	}
	var rl *scaffolder.RateLimitError
	if err := create("user:default/ada"); !errors.As(err, &rl) || rl.Limit != 2 {
		t.Errorf("third task: %v", err)
	}
	if err := create("user:default/bob"); err != nil {
		t.Errorf("another user was limited: %v", err)
	}
}

func TestSubscribeAndWaitEvents(t *testing.T) {
	h := newSQLiteHarness(t)
	ref := h.template(t, "stream", "  steps:\n    - id: a\n      action: test:echo\n      input: {message: hi}\n")
	id := h.create(t, ref, nil, nil)
	ctx := context.Background()

	// Nothing happened yet: the long poll times out empty.
	evs, err := h.engine.WaitEvents(ctx, id, 0, 50*time.Millisecond)
	if err != nil || len(evs) != 0 {
		t.Fatalf("WaitEvents = %v, %v", evs, err)
	}
	got := make(chan []scaffolder.Event, 1)
	go func() {
		var all []scaffolder.Event
		err := h.engine.Subscribe(ctx, id, 0, func(ev scaffolder.Event) error {
			all = append(all, ev)
			return nil
		})
		if err != nil {
			t.Error(err)
		}
		got <- all
	}()
	h.start(t)
	var all []scaffolder.Event
	select {
	case all = <-got:
	case <-time.After(20 * time.Second):
		t.Fatal("the stream did not end after the completion event")
	}
	if diff := cmp.Diff(h.log(t, id), eventLines(t, all)); diff != "" {
		t.Errorf("streamed events differ from stored ones (-stored +streamed):\n%s", diff)
	}
	// From the middle: later events and the completion.
	var tail []scaffolder.Event
	if err := h.engine.Subscribe(ctx, id, all[1].ID, func(ev scaffolder.Event) error { tail = append(tail, ev); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(tail) != len(all)-2 {
		t.Errorf("%d events after the second, want %d", len(tail), len(all)-2)
	}
	// After the last: only the completion event.
	evs, _ = h.engine.WaitEvents(ctx, id, all[len(all)-1].ID, time.Second)
	if len(evs) != 1 || evs[0].Type != scaffolder.EventCompletion {
		t.Errorf("events after the last = %v", evs)
	}
	if _, err := h.engine.Events(ctx, "nope", 0); !problem.Is(err, problem.NotFoundError) || !strings.Contains(err.Error(), "Task with id nope does not exist") {
		t.Errorf("events of a missing task: %v", err)
	}
}

func TestDryRun(t *testing.T) {
	h := newSQLiteHarness(t)
	tpl := yamlJSON(t, `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: dry}
spec:
  type: service
  parameters:
    required: [name]
    properties:
      name: {type: string}
  steps:
    - id: copy
      action: test:write
      input: {path: 'src/${{ parameters.name }}.txt', from: skeleton/readme.md}
    - id: publish
      action: test:required
      input: {name: '${{ parameters.name }}'}
    - id: log
      action: test:echo
      input: {message: '${{ secrets.token }} ${{ steps.publish.output.url }}'}
  output:
    url: ${{ steps.publish.output.url }}
`)
	res, err := h.engine.DryRun(context.Background(), scaffolder.DryRunRequest{
		Template: tpl,
		Values:   map[string]any{"name": "svc"},
		Secrets:  map[string]string{"token": "dry-secret"},
		DirectoryContents: []scaffolder.File{
			{Path: "skeleton/readme.md", Content: []byte("# readme\n")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if h.calls.get("publish") != 0 {
		t.Error("an action without dry-run support ran")
	}
	var log []string
	for _, b := range res.Log {
		log = append(log, fmt.Sprintf("[%s %s] %s", b.StepID, b.Status, b.Message))
	}
	want := []string{
		"[ ] Starting up task with 3 steps",
		"[copy processing] Beginning step test:write",
		"[copy completed] Finished step test:write",
		"[publish processing] Beginning step test:required",
		"[publish skipped] Skipping because test:required does not support dry-run",
		"[publish completed] Finished step test:required",
		"[log processing] Beginning step test:echo",
		"[log ] echo message=*** https://example.com/x",
		"[log completed] Finished step test:echo",
	}
	if diff := cmp.Diff(want, log); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]scaffolder.File{{Path: "src/svc.txt", Content: []byte("# readme\n")}}, res.DirectoryContents); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"url": "https://example.com/x"}, res.Output); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	if len(res.Steps) != 3 || res.Status != scaffolder.StatusCompleted {
		t.Errorf("steps %d, status %s", len(res.Steps), res.Status)
	}

	// Invalid values fail before anything runs; a path outside the
	// template directory is refused.
	_, err = h.engine.DryRun(context.Background(), scaffolder.DryRunRequest{Template: tpl, Values: map[string]any{}})
	var ve *scaffolder.ValuesError
	if !errors.As(err, &ve) {
		t.Errorf("dry run with missing values: %v", err)
	}
	_, err = h.engine.DryRun(context.Background(), scaffolder.DryRunRequest{Template: tpl, Values: map[string]any{"name": "x"},
		DirectoryContents: []scaffolder.File{{Path: "../escape", Content: []byte("x")}}})
	if !problem.Is(err, problem.InputError) {
		t.Errorf("escaping directory contents: %v", err)
	}
}

// TestTwoInstancesShareTheWork runs two engines on one database: every
// task runs exactly once.
func TestTwoInstancesShareTheWork(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newHarness(t, db, func(o *scaffolder.Options) { o.WorkerID = "a" })
		// The second instance counts into the same calls.
		b := newHarness(t, db, func(o *scaffolder.Options) {
			o.WorkerID = "b"
			o.Actions = testActions(a.calls)
		})
		ref := a.template(t, "shared", "  steps:\n    - id: s\n      action: test:echo\n      input: {message: '${{ context.task.id }}'}\n")
		var ids []string
		for range 20 {
			ids = append(ids, a.create(t, ref, nil, nil))
		}
		a.start(t)
		b.start(t)
		for _, id := range ids {
			if task := a.wait(t, id); task.Status != scaffolder.StatusCompleted {
				t.Errorf("task %s: %s", id, task.Status)
			}
		}
		if n := a.calls.get("s"); n != len(ids) {
			t.Errorf("the step ran %d times for %d tasks", n, len(ids))
		}
		for _, id := range ids {
			starts := 0
			for _, line := range a.log(t, id) {
				if strings.Contains(line, "Starting up task") {
					starts++
				}
			}
			if starts != 1 {
				t.Errorf("task %s started %d times", id, starts)
			}
		}
	})
}

// TestShutdownLeavesTaskForRecovery stops an instance while a step runs:
// the task is not failed but released, and the next instance resumes it
// at that step.
func TestShutdownLeavesTaskForRecovery(t *testing.T) {
	h := newSQLiteHarness(t)
	ref := h.template(t, "shutdown", `  steps:
    - id: first
      action: test:echo
      input: {message: one}
    - id: slow
      action: test:wait
`)
	id := h.create(t, ref, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = h.engine.Run(ctx) }()
	waitFor(t, "the slow step to start", func() bool { return h.calls.get("slow") == 1 })
	cancel()
	<-done

	task, err := h.engine.Task(context.Background(), id)
	if err != nil || task.Status != scaffolder.StatusProcessing {
		t.Fatalf("after shutdown: %+v %v", task, err)
	}
	for _, line := range h.log(t, id) {
		if strings.Contains(line, "failed") || strings.Contains(line, "Skipping") {
			t.Errorf("the shutdown left %q in the log", line)
		}
	}
	var leaseUntil int64
	if err := h.db.QueryRow(`SELECT lease_until FROM scaffolder_tasks WHERE id = $1`, id).Scan(&leaseUntil); err != nil || leaseUntil != 0 {
		t.Errorf("lease_until = %d (%v), want released", leaseUntil, err)
	}

	// The next instance takes it over at once; its slow step finishes
	// when cancelled, so cancel it once it runs again.
	next := newHarness(t, h.db, func(o *scaffolder.Options) { o.Actions = testActions(h.calls) })
	next.start(t)
	waitFor(t, "the slow step to run again", func() bool { return h.calls.get("slow") == 2 })
	if h.calls.get("first") != 1 {
		t.Errorf("the completed step ran %d times", h.calls.get("first"))
	}
	if err := next.engine.Cancel(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	next.wait(t, id)
	log := strings.Join(next.log(t, id), "\n")
	if !strings.Contains(log, "recovered Task recovered") || !strings.Contains(log, "Skipping step first because it was already completed in a previous run") {
		t.Errorf("log after recovery:\n%s", log)
	}
}

func TestActionsAreAuthorizedBeforeTheyRun(t *testing.T) {
	type key struct{}
	var seen []string
	h := newSQLiteHarness(t, func(o *scaffolder.Options) {
		o.ActionContext = func(ctx context.Context, createdBy string, user scaffolder.SpecUser) context.Context {
			return context.WithValue(ctx, key{}, createdBy)
		}
		o.AuthorizeAction = func(ctx context.Context, id string, input map[string]any) error {
			seen = append(seen, fmt.Sprintf("%v %s %v", ctx.Value(key{}), id, input["message"]))
			if input["message"] == "forbidden" {
				return problem.NotAllowed("Unauthorized action: %s. The action is not allowed.", id)
			}
			return nil
		}
	})
	h.start(t)
	ref := h.template(t, "authz", `  steps:
    - id: ok
      action: test:echo
      input: {message: fine}
    - id: each
      action: test:echo
      each: [allowed, forbidden]
      input: {message: '${{ each.value }}'}
`)
	id := h.create(t, ref, nil, nil)
	if task := h.wait(t, id); task.Status != scaffolder.StatusFailed {
		t.Fatalf("status %s", task.Status)
	}
	if h.calls.get("each") != 0 {
		t.Error("an iteration ran although a later one was refused")
	}
	want := []string{"user:default/ada test:echo fine", "user:default/ada test:echo allowed", "user:default/ada test:echo forbidden"}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("authorized (-want +got):\n%s", diff)
	}
	if c := h.completion(t, id); c.Error == nil || c.Error.Name != "NotAllowedError" {
		t.Errorf("error %+v", c.Error)
	}
}
