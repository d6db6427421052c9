package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/scaffolder"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

// claimOne claims the next task at now and fails unless it is want.
func claimOne(t *testing.T, s *store.Scaffolder, owner string, now time.Time, want string) *scaffolder.ClaimedTask {
	t.Helper()
	c, err := s.ClaimTask(context.Background(), owner, now, now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	if c != nil {
		got = c.ID
	}
	if got != want {
		t.Fatalf("claim at %s = %q, want %q", now.Format(time.TimeOnly), got, want)
	}
	return c
}

func taskStatus(t *testing.T, s *store.Scaffolder, id string) scaffolder.Status {
	t.Helper()
	task, err := s.Task(context.Background(), id)
	if err != nil || task == nil {
		t.Fatalf("Task(%s) = %v, %v", id, task, err)
	}
	return task.Status
}

// taskRow reads the claim columns ParkTask, ResolveWait and CancelTask set.
func taskRow(t *testing.T, db *store.DB, id string) string {
	t.Helper()
	var (
		status, owner     string
		runAfter, leaseTo int64
	)
	if err := db.QueryRow(`SELECT status, lease_owner, lease_until, run_after FROM scaffolder_tasks WHERE id = $1`, id).
		Scan(&status, &owner, &leaseTo, &runAfter); err != nil {
		t.Fatal(err)
	}
	ra := "0"
	if runAfter != 0 {
		ra = time.UnixMilli(runAfter).UTC().Format(time.TimeOnly)
	}
	return fmt.Sprintf("%s owner=%q leased=%v runAfter=%s", status, owner, leaseTo != 0, ra)
}

func ensureWait(t *testing.T, s *store.Scaffolder, w scaffolder.WaitRecord) scaffolder.WaitRecord {
	t.Helper()
	rec, created, err := s.EnsureWait(context.Background(), w)
	if err != nil || !created {
		t.Fatalf("EnsureWait(%s) = %v, %v", w.ID, created, err)
	}
	return rec
}

func approvalWait(id, taskID, stepID string, at time.Time, approvers ...string) scaffolder.WaitRecord {
	return scaffolder.WaitRecord{
		ID: id, TaskID: taskID, StepID: stepID, Kind: "approval", CreatedAt: at,
		Approvers: approvers, Request: json.RawMessage(`{"taskId":"` + taskID + `"}`),
	}
}

func TestWaitEnsureAndRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewScaffolder(db)
		ids := insertTasks(t, s, 1, "user:default/ada")

		approval := approvalWait("w-approve", ids[0], "approve", st0, "user:default/zed", "group:default/ops", "user:default/zed")
		callback := scaffolder.WaitRecord{
			ID: "w-callback", TaskID: ids[0], StepID: "hook", Iteration: "item-1", Kind: "callback",
			CreatedAt: st0.Add(time.Second), Until: st0.Add(time.Hour), TokenHash: "abc123",
		}
		rec, created, err := s.EnsureWait(ctx, approval)
		if err != nil || !created {
			t.Fatalf("EnsureWait = %v, %v", created, err)
		}
		wantApproval := approval
		wantApproval.Approvers = []string{"group:default/ops", "user:default/zed"}
		if d := cmp.Diff(wantApproval, rec); d != "" {
			t.Errorf("EnsureWait record (-want +got):\n%s", d)
		}
		ensureWait(t, s, callback)

		// A second EnsureWait of the same step returns the first wait.
		again := approvalWait("w-other", ids[0], "approve", st0.Add(time.Minute), "user:default/bob")
		rec, created, err = s.EnsureWait(ctx, again)
		if err != nil || created {
			t.Fatalf("second EnsureWait = %v, %v", created, err)
		}
		if d := cmp.Diff(wantApproval, rec); d != "" {
			t.Errorf("second EnsureWait (-want +got):\n%s", d)
		}
		// A wait whose token another step's wait holds is an error.
		clash := callback
		clash.ID, clash.StepID = "w-clash", "hook2"
		if _, _, err := s.EnsureWait(ctx, clash); err == nil {
			t.Error("EnsureWait with a taken token hash succeeded")
		}

		read := func(name string, f func() (*scaffolder.WaitRecord, error)) *scaffolder.WaitRecord {
			t.Helper()
			w, err := f()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return w
		}
		tests := []struct {
			name string
			got  *scaffolder.WaitRecord
			want *scaffolder.WaitRecord
		}{
			{"Wait", read("Wait", func() (*scaffolder.WaitRecord, error) { return s.Wait(ctx, "w-approve") }), &wantApproval},
			{"Wait missing", read("Wait", func() (*scaffolder.WaitRecord, error) { return s.Wait(ctx, "nope") }), nil},
			{"WaitByStep", read("WaitByStep", func() (*scaffolder.WaitRecord, error) { return s.WaitByStep(ctx, ids[0], "hook", "item-1") }), &callback},
			{"WaitByStep other iteration", read("WaitByStep", func() (*scaffolder.WaitRecord, error) { return s.WaitByStep(ctx, ids[0], "hook", "") }), nil},
			{"WaitByToken", read("WaitByToken", func() (*scaffolder.WaitRecord, error) { return s.WaitByToken(ctx, "abc123") }), &callback},
			{"WaitByToken empty", read("WaitByToken", func() (*scaffolder.WaitRecord, error) { return s.WaitByToken(ctx, "") }), nil},
			{"WaitByToken unknown", read("WaitByToken", func() (*scaffolder.WaitRecord, error) { return s.WaitByToken(ctx, "zzz") }), nil},
		}
		for _, tc := range tests {
			if d := cmp.Diff(tc.want, tc.got); d != "" {
				t.Errorf("%s (-want +got):\n%s", tc.name, d)
			}
		}
	})
}

func TestWaitParkAndResolve(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewScaffolder(db)
		ids := insertTasks(t, s, 1, "user:default/ada")
		id := ids[0]
		claimOne(t, s, "w1", st0, id)
		w := ensureWait(t, s, approvalWait("w1", id, "approve", st0, "user:default/zed"))

		// Someone else's lease: nothing happens.
		if parked, err := s.ParkTask(ctx, id, "w2", []string{w.ID}, time.Time{}, body("waiting"), st0); err != nil || parked {
			t.Fatalf("ParkTask by another owner = %v, %v", parked, err)
		}
		if got, want := taskRow(t, db, id), `processing owner="w1" leased=true runAfter=0`; got != want {
			t.Errorf("after foreign park: %s, want %s", got, want)
		}

		parked, err := s.ParkTask(ctx, id, "w1", []string{w.ID}, time.Time{}, body("waiting for approval"), st0)
		if err != nil || !parked {
			t.Fatalf("ParkTask = %v, %v", parked, err)
		}
		if got, want := taskRow(t, db, id), `waiting owner="" leased=false runAfter=0`; got != want {
			t.Errorf("parked: %s, want %s", got, want)
		}
		if d := cmp.Diff([]string{"log:waiting for approval"}, eventTypes(t, s, id, 0)); d != "" {
			t.Errorf("events (-want +got):\n%s", d)
		}
		// The parked task's lease is gone.
		if held, _, err := s.Heartbeat(ctx, id, "w1", st0, st0.Add(time.Minute)); err != nil || held {
			t.Errorf("Heartbeat of a parked task = %v, %v", held, err)
		}
		// A waiting task without a wake-up time is not claimed, however late.
		claimOne(t, s, "w2", st0.Add(24*time.Hour), "")
		waiting, _, err := s.ListTasks(ctx, scaffolder.TaskQuery{Status: []scaffolder.Status{scaffolder.StatusWaiting}})
		if err != nil || len(waiting) != 1 || waiting[0].ID != id {
			t.Errorf("ListTasks(waiting) = %v, %v", waiting, err)
		}

		ok, err := s.ResolveWait(ctx, w.ID, json.RawMessage(`{"decision":"approve"}`), st0.Add(time.Minute))
		if err != nil || !ok {
			t.Fatalf("ResolveWait = %v, %v", ok, err)
		}
		if got, want := taskRow(t, db, id), `open owner="" leased=false runAfter=0`; got != want {
			t.Errorf("resolved: %s, want %s", got, want)
		}
		got, err := s.Wait(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := w
		want.Resolved, want.Result, want.ResolvedAt = true, json.RawMessage(`{"decision":"approve"}`), st0.Add(time.Minute)
		if d := cmp.Diff(&want, got); d != "" {
			t.Errorf("resolved wait (-want +got):\n%s", d)
		}
		for _, wid := range []string{w.ID, "nope"} {
			if ok, err := s.ResolveWait(ctx, wid, nil, st0); err != nil || ok {
				t.Errorf("ResolveWait(%s) again = %v, %v", wid, ok, err)
			}
		}
		claimOne(t, s, "w2", st0.Add(2*time.Minute), id)
	})
}

// A resolution between the claim and the park wins: the task is reopened.
func TestWaitResolveBeforePark(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewScaffolder(db)
		id := insertTasks(t, s, 1, "user:default/ada")[0]
		claimOne(t, s, "w1", st0, id)
		w := ensureWait(t, s, scaffolder.WaitRecord{ID: "cb", TaskID: id, StepID: "hook", Kind: "callback", CreatedAt: st0, TokenHash: "h"})
		other := ensureWait(t, s, scaffolder.WaitRecord{ID: "sl", TaskID: id, StepID: "nap", Kind: "sleep", CreatedAt: st0})

		if ok, err := s.ResolveWait(ctx, w.ID, json.RawMessage(`{"ok":true}`), st0); err != nil || !ok {
			t.Fatalf("ResolveWait = %v, %v", ok, err)
		}
		// The task was processing: the resolution leaves it to its worker.
		if got, want := taskRow(t, db, id), `processing owner="w1" leased=true runAfter=0`; got != want {
			t.Errorf("after resolve: %s, want %s", got, want)
		}
		parked, err := s.ParkTask(ctx, id, "w1", []string{other.ID, w.ID}, st0.Add(time.Hour), body("waiting"), st0)
		if err != nil || parked {
			t.Fatalf("ParkTask = %v, %v, want false", parked, err)
		}
		if got, want := taskRow(t, db, id), `open owner="" leased=false runAfter=0`; got != want {
			t.Errorf("after park: %s, want %s", got, want)
		}
		if d := cmp.Diff([]string{}, eventTypes(t, s, id, 0)); d != "" {
			t.Errorf("events (-want +got):\n%s", d)
		}
		claimOne(t, s, "w2", st0, id)
	})
}

// Parks and resolutions racing from many goroutines never leave a task
// waiting on a resolved wait.
func TestWaitParkResolveRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewScaffolder(db)
		const n = 8
		ids := insertTasks(t, s, n, "user:default/race")
		for i, id := range ids {
			claimOne(t, s, "w", st0.Add(time.Hour), id)
			ensureWait(t, s, scaffolder.WaitRecord{ID: fmt.Sprintf("wait-%d", i), TaskID: id, StepID: "s", Kind: "callback", CreatedAt: st0})
		}
		var wg sync.WaitGroup
		errs := make(chan error, 2*n)
		for i, id := range ids {
			wg.Add(2)
			go func() {
				defer wg.Done()
				if _, err := s.ParkTask(ctx, id, "w", []string{fmt.Sprintf("wait-%d", i)}, time.Time{}, nil, st0); err != nil {
					errs <- err
				}
			}()
			go func() {
				defer wg.Done()
				if ok, err := s.ResolveWait(ctx, fmt.Sprintf("wait-%d", i), nil, st0); err != nil || !ok {
					errs <- fmt.Errorf("resolve %d = %v, %v", i, ok, err)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		for _, id := range ids {
			if got := taskStatus(t, s, id); got != scaffolder.StatusOpen {
				t.Errorf("task %s is %s, want open", id, got)
			}
		}
	})
}

func TestWaitClaimDueWaitingTask(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewScaffolder(db)
		ids := insertTasks(t, s, 3, "user:default/ada")
		for _, id := range ids[:2] {
			claimOne(t, s, "w1", st0, id)
		}
		// ids[0] sleeps until 10:30, ids[1] until 10:10.
		for i, until := range []time.Time{st0.Add(30 * time.Minute), st0.Add(10 * time.Minute)} {
			parked, err := s.ParkTask(ctx, ids[i], "w1", nil, until, nil, st0)
			if err != nil || !parked {
				t.Fatalf("ParkTask(%s) = %v, %v", ids[i], parked, err)
			}
		}
		if got, want := taskRow(t, db, ids[1]), `waiting owner="" leased=false runAfter=10:10:00`; got != want {
			t.Errorf("parked: %s, want %s", got, want)
		}
		// The open task first; the sleepers once due, oldest first.
		claimOne(t, s, "w2", st0.Add(5*time.Minute), ids[2])
		claimOne(t, s, "w2", st0.Add(5*time.Minute), "")
		claimOne(t, s, "w2", st0.Add(40*time.Minute), ids[0])
		c := claimOne(t, s, "w2", st0.Add(40*time.Minute), ids[1])
		if c.Cancelled || c.Attempt != 1 {
			t.Errorf("claimed sleeper = %+v", c)
		}
		if got, want := taskRow(t, db, ids[1]), `processing owner="w2" leased=true runAfter=10:10:00`; got != want {
			t.Errorf("claimed: %s, want %s", got, want)
		}
	})
}

func TestWaitCancelWaitingTask(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewScaffolder(db)
		id := insertTasks(t, s, 1, "user:default/ada")[0]
		claimOne(t, s, "w1", st0, id)
		if parked, err := s.ParkTask(ctx, id, "w1", nil, st0.Add(time.Hour), nil, st0); err != nil || !parked {
			t.Fatalf("ParkTask = %v, %v", parked, err)
		}
		status, err := s.CancelTask(ctx, id, body("cancelled"), st0.Add(time.Minute))
		if err != nil || status != scaffolder.StatusWaiting {
			t.Fatalf("CancelTask = %q, %v", status, err)
		}
		if got, want := taskRow(t, db, id), `open owner="" leased=false runAfter=0`; got != want {
			t.Errorf("cancelled: %s, want %s", got, want)
		}
		c := claimOne(t, s, "w2", st0.Add(2*time.Minute), id)
		if !c.Cancelled {
			t.Error("claimed task is not flagged cancelled")
		}
		if d := cmp.Diff([]string{"cancelled:cancelled"}, eventTypes(t, s, id, 0)); d != "" {
			t.Errorf("events (-want +got):\n%s", d)
		}
	})
}

// FailTask also ends a waiting task.
func TestWaitFailWaitingTask(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewScaffolder(db)
		id := insertTasks(t, s, 1, "user:default/ada")[0]
		claimOne(t, s, "w1", st0, id)
		if parked, err := s.ParkTask(ctx, id, "w1", nil, time.Time{}, nil, st0); err != nil || !parked {
			t.Fatalf("ParkTask = %v, %v", parked, err)
		}
		if ok, err := s.FailTask(ctx, id, nil, body("timed out"), st0); err != nil || !ok {
			t.Fatalf("FailTask = %v, %v", ok, err)
		}
		if got := taskStatus(t, s, id); got != scaffolder.StatusFailed {
			t.Errorf("status = %s, want failed", got)
		}
	})
}

func TestWaitVotes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewScaffolder(db)
		id := insertTasks(t, s, 1, "user:default/ada")[0]
		a := ensureWait(t, s, approvalWait("a", id, "one", st0, "group:default/ops"))
		b := ensureWait(t, s, approvalWait("b", id, "two", st0, "group:default/ops"))
		ensureWait(t, s, scaffolder.WaitRecord{ID: "c", TaskID: id, StepID: "hook", Kind: "callback", CreatedAt: st0})
		zed := scaffolder.Vote{Actor: "user:default/zed", Decision: "approve", Comment: "fine", Via: "api", At: st0.Add(2 * time.Second)}
		bob := scaffolder.Vote{Actor: "user:default/bob", Decision: "reject", Via: "slack", At: st0.Add(time.Second)}

		tests := []struct {
			name   string
			waitID string
			vote   scaffolder.Vote
			want   bool
		}{
			{"first vote", a.ID, zed, true},
			{"second approver", a.ID, bob, true},
			{"same actor again", a.ID, scaffolder.Vote{Actor: zed.Actor, Decision: "reject", At: st0}, false},
			{"other approval", b.ID, zed, true},
			{"not an approval", "c", zed, false},
			{"no such wait", "nope", zed, false},
		}
		for _, tc := range tests {
			got, err := s.AddVote(ctx, tc.waitID, tc.vote)
			if err != nil || got != tc.want {
				t.Errorf("%s: AddVote = %v, %v, want %v", tc.name, got, err, tc.want)
			}
		}
		if ok, err := s.ResolveWait(ctx, b.ID, nil, st0); err != nil || !ok {
			t.Fatal(ok, err)
		}
		if ok, err := s.AddVote(ctx, b.ID, bob); err != nil || ok {
			t.Errorf("vote on a decided approval = %v, %v", ok, err)
		}

		got, err := s.Votes(ctx, []string{a.ID, b.ID, "c"})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]scaffolder.Vote{a.ID: {bob, zed}, b.ID: {zed}}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("Votes (-want +got):\n%s", d)
		}
		if got, err := s.Votes(ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("Votes(nil) = %v, %v", got, err)
		}
	})
}

func TestWaitListApprovals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewScaffolder(db)
		id := insertTasks(t, s, 1, "user:default/ada")[0]
		ensureWait(t, s, approvalWait("ops-old", id, "s1", st0, "group:default/ops"))
		ensureWait(t, s, approvalWait("ops-new", id, "s2", st0.Add(time.Minute), "group:default/ops", "user:default/zed"))
		ensureWait(t, s, approvalWait("zed-only", id, "s3", st0.Add(2*time.Minute), "user:default/zed"))
		ensureWait(t, s, approvalWait("decided", id, "s4", st0.Add(3*time.Minute), "group:default/ops"))
		ensureWait(t, s, scaffolder.WaitRecord{ID: "callback", TaskID: id, StepID: "s5", Kind: "callback", CreatedAt: st0.Add(4 * time.Minute)})
		for _, w := range []string{"decided", "ops-old"} {
			if ok, err := s.AddVote(ctx, w, scaffolder.Vote{Actor: "user:default/bob", Decision: "approve", At: st0}); err != nil || !ok {
				t.Fatal(ok, err)
			}
		}
		if ok, err := s.ResolveWait(ctx, "decided", nil, st0); err != nil || !ok {
			t.Fatal(ok, err)
		}

		bob := []string{"user:default/bob", "group:default/ops"}
		tests := []struct {
			name string
			q    scaffolder.ApprovalQuery
			want []string
		}{
			{"pending for ops", scaffolder.ApprovalQuery{Status: "pending", Refs: bob}, []string{"ops-new", "ops-old"}},
			{"pending for zed", scaffolder.ApprovalQuery{Status: "pending", Refs: []string{"user:default/zed"}}, []string{"zed-only", "ops-new"}},
			{"pending without refs", scaffolder.ApprovalQuery{Status: "pending"}, []string{}},
			{"decided by bob", scaffolder.ApprovalQuery{Status: "decided", Actor: "user:default/bob"}, []string{"decided", "ops-old"}},
			{"decided by zed", scaffolder.ApprovalQuery{Status: "decided", Actor: "user:default/zed"}, []string{}},
			{"both for bob", scaffolder.ApprovalQuery{Actor: "user:default/bob", Refs: bob}, []string{"decided", "ops-new", "ops-old"}},
			{"limit", scaffolder.ApprovalQuery{Actor: "user:default/bob", Refs: bob, Limit: 2}, []string{"decided", "ops-new"}},
		}
		for _, tc := range tests {
			ws, err := s.ListApprovals(ctx, tc.q)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			got := []string{}
			for _, w := range ws {
				got = append(got, w.ID)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("%s (-want +got):\n%s", tc.name, d)
			}
		}
		ws, err := s.ListApprovals(ctx, scaffolder.ApprovalQuery{Status: "pending", Refs: []string{"user:default/zed"}, Limit: 1})
		if err != nil || len(ws) != 1 {
			t.Fatalf("ListApprovals = %v, %v", ws, err)
		}
		if d := cmp.Diff(approvalWait("zed-only", id, "s3", st0.Add(2*time.Minute), "user:default/zed"), ws[0]); d != "" {
			t.Errorf("listed record (-want +got):\n%s", d)
		}
		if _, err := s.ListApprovals(ctx, scaffolder.ApprovalQuery{Status: "maybe"}); err == nil {
			t.Error("ListApprovals with an unknown status succeeded")
		}
	})
}

func TestWaitStepHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewScaffolder(db)
		id := insertTasks(t, s, 1, "user:default/ada")[0]
		at := func(min int) time.Time { return st0.Add(time.Duration(min) * time.Minute) }
		saves := []scaffolder.StepState{
			{StepID: "fetch", Attempt: 1, Status: scaffolder.StatusProcessing, StartedAt: at(0)},
			{StepID: "fetch", Attempt: 1, Status: scaffolder.StatusFailed, Error: "boom", StartedAt: at(0), EndedAt: at(1)},
			{StepID: "fetch", Attempt: 2, Status: scaffolder.StatusProcessing, StartedAt: at(2)},
			{StepID: "fetch", Attempt: 2, Status: scaffolder.StatusCompleted, Output: map[string]any{"n": 1.0}, StartedAt: at(2), EndedAt: at(3)},
			{StepID: "gate", Attempt: 2, Status: scaffolder.StatusWaiting, StartedAt: at(3)},
			{StepID: "gate", Attempt: 2, Status: scaffolder.StatusSkipped, StartedAt: at(3), EndedAt: at(4)},
			{StepID: "publish", Attempt: 2, Status: scaffolder.StatusCancelled, StartedAt: at(4), EndedAt: at(5)},
		}
		for _, st := range saves {
			if err := s.SaveStep(ctx, id, st); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.StepHistory(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want := []scaffolder.StepState{saves[1], saves[3], saves[5], saves[6]}
		for i := range want {
			if want[i].Output == nil {
				want[i].Output = map[string]any{}
			}
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("StepHistory (-want +got):\n%s", d)
		}
		if got, err := s.StepHistory(ctx, "nope"); err != nil || len(got) != 0 {
			t.Errorf("StepHistory(nope) = %v, %v", got, err)
		}
	})
}

func TestWaitRetryDropsSteps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewScaffolder(db)
		id := insertTasks(t, s, 1, "user:default/ada")[0]
		claimOne(t, s, "w1", st0, id)
		for _, step := range []string{"a", "b", "c"} {
			if err := s.SaveStep(ctx, id, scaffolder.StepState{StepID: step, Attempt: 1, Status: scaffolder.StatusCompleted, StartedAt: st0}); err != nil {
				t.Fatal(err)
			}
			ensureWait(t, s, approvalWait("w-"+step, id, step, st0, "group:default/ops"))
			if ok, err := s.AddVote(ctx, "w-"+step, scaffolder.Vote{Actor: "user:default/bob", Decision: "approve", At: st0}); err != nil || !ok {
				t.Fatal(ok, err)
			}
		}
		if ok, err := s.FinishTask(ctx, id, "w1", scaffolder.StatusFailed, body("failed"), st0); err != nil || !ok {
			t.Fatal(ok, err)
		}
		state := func() string {
			t.Helper()
			steps, err := s.Steps(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			var out string
			for _, st := range steps {
				out += st.StepID + " "
			}
			out += "|"
			for _, q := range []string{
				`SELECT id FROM scaffolder_waits WHERE task_id = $1 ORDER BY id`,
				`SELECT wait_id FROM scaffolder_wait_approvers a JOIN scaffolder_waits w ON w.id = a.wait_id WHERE w.task_id = $1 ORDER BY wait_id`,
				`SELECT wait_id FROM scaffolder_votes v JOIN scaffolder_waits w ON w.id = v.wait_id WHERE w.task_id = $1 ORDER BY wait_id`,
			} {
				rows, err := db.Query(q, id)
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var v string
					if err := rows.Scan(&v); err != nil {
						t.Fatal(err)
					}
					out += " " + v
				}
				rows.Close()
				out += " |"
			}
			return out
		}
		if got, want := state(), "a b c | w-a w-b w-c | w-a w-b w-c | w-a w-b w-c |"; got != want {
			t.Fatalf("before: %q, want %q", got, want)
		}
		status, err := s.RetryTask(ctx, id, scaffolder.Retry{KeepSteps: true, DropSteps: []string{"b", "nope"}, Event: body("replay"), At: st0})
		if err != nil || status != scaffolder.StatusFailed {
			t.Fatalf("RetryTask = %q, %v", status, err)
		}
		if got, want := state(), "a c | w-a w-c | w-a w-c | w-a w-c |"; got != want {
			t.Errorf("after DropSteps: %q, want %q", got, want)
		}

		claimOne(t, s, "w1", st0, id)
		if ok, err := s.FinishTask(ctx, id, "w1", scaffolder.StatusFailed, body("failed"), st0); err != nil || !ok {
			t.Fatal(ok, err)
		}
		if _, err := s.RetryTask(ctx, id, scaffolder.Retry{Event: body("retry"), At: st0}); err != nil {
			t.Fatal(err)
		}
		if got, want := state(), "| | | |"; got != want {
			t.Errorf("after a full retry: %q, want %q", got, want)
		}
	})
}

// Deleting a task deletes its waits, approvers, votes and history.
func TestWaitCascade(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewScaffolder(db)
		id := insertTasks(t, s, 1, "user:default/ada")[0]
		ensureWait(t, s, approvalWait("w", id, "gate", st0, "group:default/ops"))
		if ok, err := s.AddVote(ctx, "w", scaffolder.Vote{Actor: "user:default/bob", Decision: "approve", At: st0}); err != nil || !ok {
			t.Fatal(ok, err)
		}
		if err := s.SaveStep(ctx, id, scaffolder.StepState{StepID: "gate", Attempt: 1, Status: scaffolder.StatusCompleted}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`DELETE FROM scaffolder_tasks WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"scaffolder_waits", "scaffolder_wait_approvers", "scaffolder_votes", "scaffolder_step_runs"} {
			var n int
			if err := db.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("%s has %d rows after the task was deleted", table, n)
			}
		}
	})
}

// migrateTo applies the migrations up to version, as Migrate would.
func migrateTo(t *testing.T, db *store.DB, version int) {
	t.Helper()
	ctx := context.Background()
	ms, err := store.Migrations(db.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Version > version {
			break
		}
		err := db.WithTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, 'test')`, m.Version, m.Name)
			return err
		})
		if err != nil {
			t.Fatalf("migration %s: %v", m.Name, err)
		}
	}
}

// Migration 0009 rebuilds scaffolder_tasks on SQLite: existing tasks,
// events (with their ids) and steps survive, and so does the cascade.
func TestMigrate0009KeepsTasks(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, storetest.Options(t, d))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			migrateTo(t, db, 8)

			s := store.NewScaffolder(db)
			ids := insertTasks(t, s, 2, "user:default/ada")
			var eventIDs []int64
			for i := range 3 {
				for _, id := range ids {
					eid, err := s.AppendEvent(ctx, id, scaffolder.EventLog, body(fmt.Sprintf("log %d", i)), st0)
					if err != nil {
						t.Fatal(err)
					}
					eventIDs = append(eventIDs, eid)
				}
			}
			// The newest event goes: new ids must still pass it.
			last := eventIDs[len(eventIDs)-1]
			if _, err := db.Exec(`DELETE FROM scaffolder_task_events WHERE id = $1`, last); err != nil {
				t.Fatal(err)
			}
			for _, id := range ids {
				if err := s.SaveStep(ctx, id, scaffolder.StepState{StepID: "fetch", Attempt: 1, Status: scaffolder.StatusProcessing, StartedAt: st0}); err != nil {
					t.Fatal(err)
				}
			}
			claimOne(t, s, "w1", st0, ids[0])
			snapshot := func() (tasks []scaffolder.Task, events []scaffolder.Event, steps []scaffolder.StepState) {
				t.Helper()
				tasks, _, err := s.ListTasks(ctx, scaffolder.TaskQuery{})
				if err != nil {
					t.Fatal(err)
				}
				for _, id := range ids {
					evs, err := s.Events(ctx, id, 0, 100)
					if err != nil {
						t.Fatal(err)
					}
					events = append(events, evs...)
					sts, err := s.Steps(ctx, id)
					if err != nil {
						t.Fatal(err)
					}
					steps = append(steps, sts...)
				}
				return tasks, events, steps
			}
			tasks, events, steps := snapshot()

			applied, err := db.Migrate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(applied) == 0 || applied[0] != "0009_workflows.sql" {
				t.Fatalf("applied %v, want 0009_workflows.sql first", applied)
			}
			tasks2, events2, steps2 := snapshot()
			if d := cmp.Diff(tasks, tasks2); d != "" {
				t.Errorf("tasks changed (-before +after):\n%s", d)
			}
			if d := cmp.Diff(events, events2); d != "" {
				t.Errorf("events changed (-before +after):\n%s", d)
			}
			if d := cmp.Diff(steps, steps2); d != "" {
				t.Errorf("steps changed (-before +after):\n%s", d)
			}
			if len(events2) != len(eventIDs)-1 {
				t.Errorf("%d events after the migration, want %d", len(events2), len(eventIDs)-1)
			}

			next, err := s.AppendEvent(ctx, ids[1], scaffolder.EventLog, body("after"), st0)
			if err != nil {
				t.Fatal(err)
			}
			if next <= last {
				t.Errorf("new event id %d, want more than %d", next, last)
			}
			// The new status is allowed, and the claimed task keeps its lease.
			if parked, err := s.ParkTask(ctx, ids[0], "w1", nil, time.Time{}, nil, st0); err != nil || !parked {
				t.Errorf("ParkTask after the migration = %v, %v", parked, err)
			}

			if _, err := db.Exec(`DELETE FROM scaffolder_tasks WHERE id = $1`, ids[0]); err != nil {
				t.Fatal(err)
			}
			for _, table := range []string{"scaffolder_task_events", "scaffolder_task_steps"} {
				var mine, others int
				if err := db.QueryRow(`SELECT COUNT(CASE WHEN task_id = $1 THEN 1 END), COUNT(CASE WHEN task_id <> $1 THEN 1 END) FROM `+table, ids[0]).
					Scan(&mine, &others); err != nil {
					t.Fatal(err)
				}
				if mine != 0 || others == 0 {
					t.Errorf("%s after deleting a task: %d of its rows, %d of the other's", table, mine, others)
				}
			}

			if d != store.SQLite {
				return
			}
			var n int
			if err := db.QueryRow(`SELECT COUNT(*) FROM pragma_foreign_key_check`).Scan(&n); err != nil || n != 0 {
				t.Errorf("foreign key check = %d, %v", n, err)
			}
			rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name LIKE 'scaffolder_task%' AND sql IS NOT NULL ORDER BY name`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var names []string
			for rows.Next() {
				var name string
				if err := rows.Scan(&name); err != nil {
					t.Fatal(err)
				}
				names = append(names, name)
			}
			want := []string{"scaffolder_task_events", "scaffolder_task_events_task", "scaffolder_task_steps", "scaffolder_tasks",
				"scaffolder_tasks_claim", "scaffolder_tasks_created_at", "scaffolder_tasks_created_by", "scaffolder_tasks_lease"}
			if d := cmp.Diff(want, names); d != "" {
				t.Errorf("tables and indexes (-want +got):\n%s", d)
			}
			var ddl string
			if err := db.QueryRow(`SELECT sql FROM sqlite_master WHERE name = 'scaffolder_task_events'`).Scan(&ddl); err != nil {
				t.Fatal(err)
			}
			if want := `REFERENCES "scaffolder_tasks"`; !strings.Contains(ddl, want) {
				t.Errorf("scaffolder_task_events does not reference scaffolder_tasks:\n%s", ddl)
			}
		})
	}
}
