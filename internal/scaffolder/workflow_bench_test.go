package scaffolder_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callboard/callboard/internal/scaffolder"
	"github.com/callboard/callboard/internal/scaffolder/actions"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
	"github.com/callboard/callboard/plugin"
)

// workflowBench is an engine on a fresh SQLite database with one
// template, running with the default ten workers.
func workflowBench(b *testing.B, template string, extra ...plugin.Action) (*scaffolder.Engine, scaffolder.Store) {
	b.Helper()
	cat := &fakeCatalog{entities: map[string]json.RawMessage{}}
	var v any
	if err := json.Unmarshal(yamlJSON(b, template), &v); err != nil {
		b.Fatal(err)
	}
	raw, _ := json.Marshal(v)
	cat.entities["template:default/flow"] = raw
	db := storetest.Open(b, store.SQLite)
	st := store.NewScaffolder(db)
	cfg := scaffolder.Config{}
	cfg.RateLimit.TasksPerMinute = new(0)
	e, err := scaffolder.New(scaffolder.Options{
		Store: st, Catalog: cat,
		Actions:          append(actions.Builtin(actions.Deps{}), extra...),
		Config:           cfg,
		WorkingDirectory: b.TempDir(),
		Logger:           slog.New(slog.DiscardHandler),
		PollInterval:     20 * time.Millisecond,
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = e.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	return e, st
}

const approvalBenchTemplate = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: flow
spec:
  type: service
  parameters:
    - properties:
        name: {type: string}
  steps:
    - id: approval
      action: approval:request
      input:
        approvers: [group:default/dba]
        message: ${{ parameters.name }} needs a database
    - id: provision
      if: ${{ steps.approval.output.approved }}
      action: debug:log
      input:
        message: provisioning ${{ parameters.name }}
  output:
    approved: ${{ steps.approval.output.approved }}
`

// rssMB is the process's resident set, after returning freed memory to
// the system.
func rssMB(b *testing.B) float64 {
	runtime.GC()
	debug.FreeOSMemory()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status to read the resident set from")
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	b.Skip("VmRSS not found")
	return 0
}

// waitStatus waits until n tasks have status s.
func waitStatus(b *testing.B, e *scaffolder.Engine, s scaffolder.Status, n int, within time.Duration) {
	b.Helper()
	deadline := time.Now().Add(within)
	for {
		_, total, err := e.Tasks(context.Background(), scaffolder.TaskQuery{Status: []scaffolder.Status{s}, Limit: 1})
		if err != nil {
			b.Fatal(err)
		}
		if total >= n {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d tasks %s after %s", total, n, s, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// BenchmarkParkedApprovals parks 1,000 tasks on an approval at once and
// reports the resident set they add over the idle engine, then approves
// them all and reports how long until every task completed.
// Targets: at most 50 MB over idle; approving all within 30 s.
//
//	go test ./internal/scaffolder -run '^$' -bench ParkedApprovals -benchtime 1x
func BenchmarkParkedApprovals(b *testing.B) {
	const n = 1000
	for b.Loop() {
		e, _ := workflowBench(b, approvalBenchTemplate)
		ctx := context.Background()
		idle := rssMB(b)
		ids := make([]string, n)
		for i := range n {
			id, err := e.Create(ctx, scaffolder.CreateRequest{
				TemplateRef: "template:default/flow", CreatedBy: "user:default/requester",
				Values: map[string]any{"name": fmt.Sprintf("db-%d", i)},
			})
			if err != nil {
				b.Fatal(err)
			}
			ids[i] = id
		}
		waitStatus(b, e, scaffolder.StatusWaiting, n, 2*time.Minute)
		parked := rssMB(b)

		start := time.Now()
		var next atomic.Int64
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for {
					i := int(next.Add(1)) - 1
					if i >= n {
						return
					}
					_, err := e.Decide(ctx, scaffolder.Decision{
						TaskID: ids[i], StepID: "approval", Actor: "user:default/dana",
						Refs: []string{"user:default/dana", "group:default/dba"}, Decision: scaffolder.DecisionApprove, Via: "api",
					})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		waitStatus(b, e, scaffolder.StatusCompleted, n, 2*time.Minute)
		took := time.Since(start)
		b.ReportMetric(parked-idle, "rss-MB-over-idle")
		b.ReportMetric(took.Seconds(), "approve-all-s")
		b.ReportMetric(0, "ns/op")
		if parked-idle > 50 {
			b.Errorf("1,000 parked tasks cost %.1f MB over idle; the target is 50 MB", parked-idle)
		}
	}
}

// noop is an action that does nothing, to measure the runner alone.
var noop = &action{info: plugin.ActionInfo{ID: "test:noop", SupportsDryRun: true}}

// BenchmarkStepOverhead runs tasks of 50 steps that do nothing, one task
// at a time, and reports the runner's cost per step: events, step
// states, history and scheduling, all written to SQLite.
// Target: at most 2 ms a step.
//
//	go test ./internal/scaffolder -run '^$' -bench StepOverhead -benchtime 20x
func BenchmarkStepOverhead(b *testing.B) {
	const steps = 50
	var sb strings.Builder
	sb.WriteString("apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: flow\nspec:\n  steps:\n")
	for i := range steps {
		fmt.Fprintf(&sb, "    - id: s%d\n      action: test:noop\n", i)
		if i >= 2 {
			// A DAG: every step needs the two before it.
			fmt.Fprintf(&sb, "      needs: [s%d, s%d]\n", i-1, i-2)
		}
	}
	e, _ := workflowBench(b, sb.String(), noop)
	ctx := context.Background()
	run := func() time.Duration {
		id, err := e.Create(ctx, scaffolder.CreateRequest{TemplateRef: "template:default/flow", CreatedBy: "user:default/bench"})
		if err != nil {
			b.Fatal(err)
		}
		var evs []scaffolder.Event
		if err := e.Subscribe(ctx, id, 0, func(ev scaffolder.Event) error { evs = append(evs, ev); return nil }); err != nil {
			b.Fatal(err)
		}
		var body scaffolder.EventBody
		_ = json.Unmarshal(evs[len(evs)-1].Body, &body)
		if body.Message != "Run completed with status: completed" {
			b.Fatalf("task %s: %s", id, body.Message)
		}
		return evs[len(evs)-1].CreatedAt.Sub(evs[0].CreatedAt)
	}
	run() // warm up
	var total time.Duration
	for b.Loop() {
		total += run()
	}
	perStep := total / time.Duration(b.N*steps)
	b.ReportMetric(float64(perStep.Microseconds())/1000, "ms/step")
	b.ReportMetric(0, "ns/op")
}
