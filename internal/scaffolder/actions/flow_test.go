package actions

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/plugin"
)

var errWaiting = errors.New("waiting")

// waitRun is a run whose Wait records the wait and answers res, or parks
// (errWaiting) when res is nil; Checkpoint runs each key once.
func waitRun(t *testing.T, input map[string]any, res *plugin.WaitResult) (*run, *[]plugin.Wait) {
	t.Helper()
	r := newRun(t, input)
	var waits []plugin.Wait
	r.ac.Wait = func(_ context.Context, w plugin.Wait) (plugin.WaitResult, error) {
		waits = append(waits, w)
		if res == nil {
			return plugin.WaitResult{}, errWaiting
		}
		return *res, nil
	}
	r.ac.CallbackURL = func() string { return "https://callboard.example.com/api/scaffolder/v2/callbacks/tok.sig" }
	done := map[string]bool{}
	r.ac.Checkpoint = func(key string, fn func() (any, error)) (any, error) {
		if done[key] {
			return nil, nil
		}
		v, err := fn()
		if err == nil {
			done[key] = true
		}
		return v, err
	}
	return r, &waits
}

func TestApprovalRequestAction(t *testing.T) {
	at := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		input  map[string]any
		res    plugin.WaitResult
		want   map[string]any
		wait   plugin.ApprovalWait
		err    string
		expiry bool
	}{
		{
			name:  "approved",
			input: map[string]any{"approvers": []any{"group:default/dba"}, "message": "ok?"},
			res:   plugin.WaitResult{At: at, Payload: map[string]any{"decision": "approve", "decidedBy": []any{"user:default/bob"}, "comment": "fine", "decidedAt": "2026-05-01T09:00:00Z"}},
			want:  map[string]any{"approved": true, "decision": "approve", "decidedBy": []any{"user:default/bob"}, "comment": "fine", "decidedAt": "2026-05-01T09:00:00Z"},
			wait:  plugin.ApprovalWait{Approvers: []string{"group:default/dba"}, MinApprovals: 1, Message: "ok?"},
		},
		{
			name:  "rejected",
			input: map[string]any{"approvers": []any{"user:default/bob", "user:default/ada"}, "minApprovals": 2.0, "allowRequester": true},
			res:   plugin.WaitResult{At: at, Payload: map[string]any{"decision": "reject", "decidedBy": []any{"user:default/ada"}, "decidedAt": "2026-05-01T09:00:00Z"}},
			want:  map[string]any{"approved": false, "decision": "reject", "decidedBy": []any{"user:default/ada"}, "comment": "", "decidedAt": "2026-05-01T09:00:00Z"},
			wait:  plugin.ApprovalWait{Approvers: []string{"user:default/bob", "user:default/ada"}, MinApprovals: 2, AllowRequester: true},
		},
		{
			name:   "timed out, approving",
			input:  map[string]any{"approvers": []any{"user:default/bob"}, "timeout": "2d", "onTimeout": "approve"},
			res:    plugin.WaitResult{At: at, TimedOut: true},
			want:   map[string]any{"approved": true, "decision": "timeout", "decidedBy": []any{}, "comment": "timed out", "decidedAt": "2026-05-01T09:00:00Z"},
			wait:   plugin.ApprovalWait{Approvers: []string{"user:default/bob"}, MinApprovals: 1},
			expiry: true,
		},
		{
			name:   "timed out, rejecting by default",
			input:  map[string]any{"approvers": []any{"user:default/bob"}, "timeout": "1h"},
			res:    plugin.WaitResult{At: at, TimedOut: true},
			want:   map[string]any{"approved": false, "decision": "timeout", "decidedBy": []any{}, "comment": "timed out", "decidedAt": "2026-05-01T09:00:00Z"},
			wait:   plugin.ApprovalWait{Approvers: []string{"user:default/bob"}, MinApprovals: 1},
			expiry: true,
		},
		{name: "no approvers", input: map[string]any{"approvers": []any{}}, err: "InputError: input approvers must name at least one user or group"},
		{name: "a bad timeout", input: map[string]any{"approvers": []any{"user:default/bob"}, "timeout": "later"}, err: `InputError: input timeout: "later" is not a duration such as 30s, 5m, 2h or 1d`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, waits := waitRun(t, tc.input, &tc.res)
			err := approvalRequest().Run(context.Background(), r.ac)
			if errText(err) != tc.err {
				t.Fatalf("error %v, want %q", err, tc.err)
			}
			if tc.err != "" {
				return
			}
			if diff := cmp.Diff(tc.want, r.outputs); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
			w := (*waits)[0]
			if w.Kind != plugin.WaitApproval || w.Approval == nil {
				t.Fatalf("wait %+v", w)
			}
			if diff := cmp.Diff(tc.wait, *w.Approval); diff != "" {
				t.Errorf("approval (-want +got):\n%s", diff)
			}
			if w.Until.IsZero() == tc.expiry {
				t.Errorf("until %v", w.Until)
			}
		})
	}
}

func TestWaitCallbackNotifiesOnce(t *testing.T) {
	var posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer k" || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		posts.Add(1)
	}))
	defer srv.Close()
	input := map[string]any{"timeout": "1h", "notify": map[string]any{"url": srv.URL, "headers": map[string]any{"Authorization": "Bearer k"}}}
	r, waits := waitRun(t, input, nil)
	if err := waitCallback().Run(context.Background(), r.ac); !errors.Is(err, errWaiting) {
		t.Fatalf("first run: %v", err)
	}
	// The step runs again once the callback came; the notification is
	// not sent again.
	r.ac.Wait = func(_ context.Context, w plugin.Wait) (plugin.WaitResult, error) {
		*waits = append(*waits, w)
		return plugin.WaitResult{Payload: map[string]any{"status": "done"}}, nil
	}
	if err := waitCallback().Run(context.Background(), r.ac); err != nil {
		t.Fatal(err)
	}
	if n := posts.Load(); n != 1 {
		t.Errorf("notified %d times", n)
	}
	want := map[string]any{"status": "done", "callbackUrl": "https://callboard.example.com/api/scaffolder/v2/callbacks/tok.sig"}
	if diff := cmp.Diff(want, r.outputs); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
	if w := (*waits)[0]; w.Kind != plugin.WaitCallback || w.Until.IsZero() {
		t.Errorf("wait %+v", w)
	}

	for _, tc := range []struct {
		name  string
		input map[string]any
		res   *plugin.WaitResult
		err   string
	}{
		{"timed out", map[string]any{"timeout": "1h"}, &plugin.WaitResult{TimedOut: true}, "no callback came before the timeout of 1h"},
		{"a failing notification", map[string]any{"notify": map[string]any{"url": srv.URL}}, nil, "notify " + srv.Listener.Addr().String() + ": HTTP 403"},
		{"a bad timeout", map[string]any{"timeout": "x"}, nil, `InputError: input timeout: "x" is not a duration such as 30s, 5m, 2h or 1d`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := waitRun(t, tc.input, tc.res)
			if err := waitCallback().Run(context.Background(), r.ac); errText(err) != tc.err {
				t.Errorf("error %v, want %q", err, tc.err)
			}
		})
	}
}

func TestFlowSleepAction(t *testing.T) {
	until := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		input map[string]any
		until func(time.Time) bool
		err   string
	}{
		{"a duration", map[string]any{"duration": "1d"}, func(u time.Time) bool {
			d := time.Until(u)
			return d > 23*time.Hour && d <= 24*time.Hour
		}, ""},
		{"a time", map[string]any{"until": "2026-12-01T09:00:00Z"}, func(u time.Time) bool { return u.Equal(until) }, ""},
		{"both", map[string]any{"duration": "1h", "until": "2026-12-01T09:00:00Z"}, nil, "InputError: input duration and until cannot both be set"},
		{"neither", map[string]any{}, nil, "InputError: input duration or until is required"},
		{"a bad duration", map[string]any{"duration": "-1h"}, nil, `InputError: input duration: "-1h" is not a duration such as 30s, 5m, 2h or 1d`},
		{"a bad time", map[string]any{"until": "tomorrow"}, nil, `InputError: input until: "tomorrow" is not an RFC 3339 time such as 2026-12-01T09:00:00Z`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, waits := waitRun(t, tc.input, &plugin.WaitResult{At: until})
			err := flowSleep().Run(context.Background(), r.ac)
			if errText(err) != tc.err {
				t.Fatalf("error %v, want %q", err, tc.err)
			}
			if tc.err != "" {
				return
			}
			if w := (*waits)[0]; w.Kind != plugin.WaitSleep || !tc.until(w.Until) {
				t.Errorf("wait %+v", w)
			}
			if diff := cmp.Diff(map[string]any{"sleptUntil": "2026-12-01T09:00:00Z"}, r.outputs); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseWaitDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"90s": 90 * time.Second, "2h30m": 150 * time.Minute, "3d": 72 * time.Hour, " 1.5d ": 36 * time.Hour} {
		if got, err := parseWaitDuration(in); err != nil || got != want {
			t.Errorf("parseWaitDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "soon", "-2d", "-1s", "d"} {
		if _, err := parseWaitDuration(in); err == nil {
			t.Errorf("parseWaitDuration(%q) did not fail", in)
		}
	}
}
