package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/scaffolder"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

var st0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

func insertTasks(t *testing.T, s *store.Scaffolder, n int, by string) []string {
	t.Helper()
	var ids []string
	for i := range n {
		id := fmt.Sprintf("task-%s-%03d", by, i)
		err := s.InsertTask(context.Background(), scaffolder.NewTask{
			ID: id, Spec: json.RawMessage(`{"steps":[]}`), CreatedBy: by,
			CreatedAt: st0.Add(time.Duration(i) * time.Second), Secrets: "sealed-" + id,
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func eventTypes(t *testing.T, s *store.Scaffolder, id string, after int64) []string {
	t.Helper()
	evs, err := s.Events(context.Background(), id, after, 100)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, e := range evs {
		var b scaffolder.EventBody
		if err := json.Unmarshal(e.Body, &b); err != nil {
			t.Fatal(err)
		}
		out = append(out, string(e.Type)+":"+b.Message)
	}
	return out
}

func body(msg string) json.RawMessage {
	b, _ := json.Marshal(scaffolder.EventBody{Message: msg})
	return b
}

func TestScaffolderTaskLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewScaffolder(db)
		ids := insertTasks(t, s, 2, "user:default/ada")

		got, err := s.Task(ctx, ids[0])
		if err != nil || got == nil {
			t.Fatalf("Task = %v, %v", got, err)
		}
		if got.Status != scaffolder.StatusOpen || got.CreatedBy != "user:default/ada" || !got.CreatedAt.Equal(st0) || !got.LastHeartbeatAt.IsZero() {
			t.Errorf("task = %+v", got)
		}
		if missing, err := s.Task(ctx, "nope"); missing != nil || err != nil {
			t.Errorf("missing task = %v, %v", missing, err)
		}

		// The oldest open task is claimed first, with its secrets and state.
		c, err := s.ClaimTask(ctx, "w1", st0.Add(time.Minute), st0.Add(time.Minute+30*time.Second))
		if err != nil || c == nil {
			t.Fatalf("claim = %v, %v", c, err)
		}
		if c.ID != ids[0] || c.Secrets != "sealed-"+ids[0] || string(c.State) != "{}" || c.Attempt != 1 {
			t.Errorf("claimed %+v", c)
		}
		held, cancelled, err := s.Heartbeat(ctx, c.ID, "w1", st0.Add(2*time.Minute), st0.Add(3*time.Minute))
		if err != nil || !held || cancelled {
			t.Errorf("heartbeat = %v %v %v", held, cancelled, err)
		}
		if held, _, _ := s.Heartbeat(ctx, c.ID, "w2", st0, st0); held {
			t.Error("another worker renewed the lease")
		}

		// Step states are upserted.
		st := scaffolder.StepState{StepID: "fetch", Attempt: 1, Status: scaffolder.StatusProcessing, StartedAt: st0}
		if err := s.SaveStep(ctx, c.ID, st); err != nil {
			t.Fatal(err)
		}
		st.Status, st.Output, st.EndedAt = scaffolder.StatusCompleted, map[string]any{"n": 1.0}, st0.Add(time.Second)
		if err := s.SaveStep(ctx, c.ID, st); err != nil {
			t.Fatal(err)
		}
		steps, err := s.Steps(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]scaffolder.StepState{st}, steps); diff != "" {
			t.Errorf("steps (-want +got):\n%s", diff)
		}
		if err := s.SaveState(ctx, c.ID, json.RawMessage(`{"checkpoints":{"k":1}}`)); err != nil {
			t.Fatal(err)
		}

		if _, err := s.AppendEvent(ctx, c.ID, scaffolder.EventLog, body("one"), st0); err != nil {
			t.Fatal(err)
		}
		// Cancelling twice records one event.
		for range 2 {
			status, err := s.CancelTask(ctx, c.ID, body("cancel"), st0)
			if err != nil || status != scaffolder.StatusProcessing {
				t.Fatalf("cancel = %q, %v", status, err)
			}
		}
		if _, cancelled, _ := s.Heartbeat(ctx, c.ID, "w1", st0, st0.Add(time.Hour)); !cancelled {
			t.Error("heartbeat does not report the cancellation")
		}
		if ok, err := s.FinishTask(ctx, c.ID, "w2", scaffolder.StatusFailed, body("x"), st0); ok || err != nil {
			t.Errorf("a worker without the lease finished the task: %v %v", ok, err)
		}
		if ok, err := s.FinishTask(ctx, c.ID, "w1", scaffolder.StatusFailed, body("Run completed with status: failed"), st0); !ok || err != nil {
			t.Fatalf("finish = %v, %v", ok, err)
		}
		want := []string{"log:one", "cancelled:cancel", "completion:Run completed with status: failed"}
		if diff := cmp.Diff(want, eventTypes(t, s, c.ID, 0)); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		// The completion event comes with any later read.
		evs, _ := s.Events(ctx, c.ID, 1<<40, 10)
		if len(evs) != 1 || evs[0].Type != scaffolder.EventCompletion {
			t.Errorf("events after the last = %v", evs)
		}
		if status, _ := s.CancelTask(ctx, c.ID, body("late"), st0); status != scaffolder.StatusFailed {
			t.Errorf("cancel of an ended task = %q", status)
		}

		// Retry: reopened as attempt 2, cancelled and completion events gone,
		// older events trimmed by the recovered event, secrets replaced.
		fresh := "sealed-again"
		status, err := s.RetryTask(ctx, c.ID, scaffolder.Retry{Secrets: &fresh, KeepSteps: true, Event: body("retried"), At: st0})
		if err != nil || status != scaffolder.StatusFailed {
			t.Fatalf("retry = %q, %v", status, err)
		}
		if diff := cmp.Diff([]string{"recovered:retried"}, eventTypes(t, s, c.ID, 0)); diff != "" {
			t.Errorf("events after retry (-want +got):\n%s", diff)
		}
		if status, _ := s.RetryTask(ctx, c.ID, scaffolder.Retry{Event: body("again")}); status != scaffolder.StatusOpen {
			t.Errorf("retry of an open task: status %q", status)
		}
		c2, err := s.ClaimTask(ctx, "w3", st0.Add(time.Hour), st0.Add(2*time.Hour))
		if err != nil || c2 == nil || c2.ID != c.ID {
			t.Fatalf("claim after retry = %+v, %v", c2, err)
		}
		if c2.Attempt != 2 || c2.Secrets != fresh || string(c2.State) != `{"checkpoints":{"k":1}}` {
			t.Errorf("claimed after retry: %+v", c2)
		}
		if steps, _ := s.Steps(ctx, c.ID); len(steps) != 1 {
			t.Errorf("steps kept: %v", steps)
		}
		if _, cancelled, _ := s.Heartbeat(ctx, c.ID, "w3", st0, st0.Add(2*time.Hour)); cancelled {
			t.Error("the retried task is still cancelled")
		}
		if ok, _ := s.FinishTask(ctx, c.ID, "w3", scaffolder.StatusCompleted, body("done"), st0); !ok {
			t.Fatal("finish after retry failed")
		}
		if st, _ := s.RetryTask(ctx, c.ID, scaffolder.Retry{Event: body("r")}); st != scaffolder.StatusCompleted {
			t.Errorf("retry of completed: %q", st)
		}
		if steps, _ := s.Steps(ctx, c.ID); len(steps) != 0 {
			t.Errorf("steps not dropped on retry: %v", steps)
		}
		if st, err := s.RetryTask(ctx, "nope", scaffolder.Retry{Event: body("r")}); st != "" || err != nil {
			t.Errorf("retry of missing = %q, %v", st, err)
		}
	})
}

func TestScaffolderSecretsClearedWhenTaskEnds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewScaffolder(db)
		ids := insertTasks(t, s, 2, "user:default/ada")
		c, _ := s.ClaimTask(ctx, "w", st0, st0.Add(time.Minute))
		if ok, err := s.FinishTask(ctx, c.ID, "w", scaffolder.StatusCompleted, body("done"), st0); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if ok, err := s.FailTask(ctx, ids[1], []json.RawMessage{body("stale")}, body("failed"), st0); !ok || err != nil {
			t.Fatal(ok, err)
		}
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM scaffolder_tasks WHERE secrets IS NOT NULL`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d tasks keep secrets (%v)", n, err)
		}
		if diff := cmp.Diff([]string{"log:stale", "completion:failed"}, eventTypes(t, s, ids[1], 0)); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		if ok, _ := s.FailTask(ctx, ids[1], nil, body("again"), st0); ok {
			t.Error("failed an ended task")
		}
	})
}

func TestScaffolderListTasks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewScaffolder(db)
		ada := insertTasks(t, s, 3, "user:default/ada")
		bob := insertTasks(t, s, 2, "user:default/bob")
		if _, err := s.ClaimTask(ctx, "w", st0.Add(time.Hour), st0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		ids := func(ts []scaffolder.Task) []string {
			out := []string{}
			for _, t := range ts {
				out = append(out, t.ID)
			}
			return out
		}
		for _, tc := range []struct {
			name  string
			q     scaffolder.TaskQuery
			want  []string
			total int
		}{
			{"newest first", scaffolder.TaskQuery{}, []string{ada[2], ada[1], bob[1], ada[0], bob[0]}, 5},
			{"by creator", scaffolder.TaskQuery{CreatedBy: []string{"user:default/bob"}}, []string{bob[1], bob[0]}, 2},
			{"by status", scaffolder.TaskQuery{Status: []scaffolder.Status{scaffolder.StatusProcessing}}, []string{ada[0]}, 1},
			{"ordered and paged", scaffolder.TaskQuery{Order: []scaffolder.TaskOrder{{Field: "created_by", Desc: true}, {Field: "created_at"}}, Limit: 2, Offset: 1},
				[]string{bob[1], ada[0]}, 5},
			{"offset only", scaffolder.TaskQuery{Order: []scaffolder.TaskOrder{{Field: "created_at"}}, Offset: 4}, []string{ada[2]}, 5},
		} {
			got, total, err := s.ListTasks(ctx, tc.q)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if diff := cmp.Diff(tc.want, ids(got)); diff != "" || total != tc.total {
				t.Errorf("%s: total %d (want %d), ids (-want +got):\n%s", tc.name, total, tc.total, diff)
			}
		}
		if _, _, err := s.ListTasks(ctx, scaffolder.TaskQuery{Order: []scaffolder.TaskOrder{{Field: "spec; DROP TABLE x"}}}); err == nil {
			t.Error("ordering by an unknown column was accepted")
		}
		n, err := s.CountTasksSince(ctx, "user:default/ada", st0.Add(time.Second))
		if err != nil || n != 2 {
			t.Errorf("CountTasksSince = %d, %v", n, err)
		}
	})
}

func TestScaffolderRecoveryAndStaleTasks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewScaffolder(db)
		for i, rec := range []bool{false, true} {
			err := s.InsertTask(ctx, scaffolder.NewTask{ID: fmt.Sprint("r", i), Spec: json.RawMessage(`{}`), CreatedBy: "u", CreatedAt: st0, Recoverable: rec})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.ClaimTask(ctx, "dead", st0, st0.Add(30*time.Second)); err != nil {
				t.Fatal(err)
			}
		}
		// Leases still running are left alone.
		if ids, _ := s.RecoverTasks(ctx, st0.Add(10*time.Second), true, body("recovered")); len(ids) != 0 {
			t.Errorf("recovered live tasks %v", ids)
		}
		ids, err := s.RecoverTasks(ctx, st0.Add(time.Minute), false, body("recovered"))
		if err != nil || fmt.Sprint(ids) != "[r1]" {
			t.Fatalf("recover opted-in = %v, %v", ids, err)
		}
		if got, _ := s.Task(ctx, "r1"); got.Status != scaffolder.StatusOpen {
			t.Errorf("recovered task status %q", got.Status)
		}
		if diff := cmp.Diff([]string{"recovered:recovered"}, eventTypes(t, s, "r1", 0)); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		stale, err := s.StaleTasks(ctx, st0.Add(time.Second))
		if err != nil || fmt.Sprint(stale) != "[r0]" {
			t.Errorf("stale = %v, %v", stale, err)
		}
		ids, _ = s.RecoverTasks(ctx, st0.Add(time.Minute), true, body("recovered"))
		if fmt.Sprint(ids) != "[r0]" {
			t.Errorf("recover all = %v", ids)
		}
		if c, _ := s.ClaimTask(ctx, "w", st0.Add(time.Hour), st0.Add(2*time.Hour)); c == nil || c.Attempt != 2 {
			t.Errorf("claim after recovery = %+v", c)
		}
	})
}

// TestScaffolderClaimIsExclusive runs several workers, each with its own
// connection pool as separate replicas would have, against one database:
// every task is claimed exactly once.
func TestScaffolderClaimIsExclusive(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			opts := storetest.Options(t, d)
			var stores []*store.Scaffolder
			for range 2 {
				db, err := store.Open(ctx, opts)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				if _, err := db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				stores = append(stores, store.NewScaffolder(db))
			}
			const n = 60
			insertTasks(t, stores[0], n, "u")
			var (
				mu      sync.Mutex
				claimed = map[string]string{}
				wg      sync.WaitGroup
			)
			for w := range 6 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					owner := fmt.Sprint("worker-", w)
					s := stores[w%2]
					for {
						c, err := s.ClaimTask(ctx, owner, st0, st0.Add(time.Minute))
						if err != nil {
							t.Error(err)
							return
						}
						if c == nil {
							return
						}
						mu.Lock()
						if prev, dup := claimed[c.ID]; dup {
							t.Errorf("%s claimed by %s and %s", c.ID, prev, owner)
						}
						claimed[c.ID] = owner
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if len(claimed) != n {
				t.Errorf("%d of %d tasks claimed", len(claimed), n)
			}
		})
	}
}

func TestScaffolderSecretsKeyIsShared(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := store.NewScaffolder(db)
		k1, err := s.SecretsKey(context.Background(), "first", st0)
		if err != nil || k1 != "first" {
			t.Fatalf("first key = %q, %v", k1, err)
		}
		if k2, _ := s.SecretsKey(context.Background(), "second", st0); k2 != "first" {
			t.Errorf("second replica got %q", k2)
		}
	})
}
