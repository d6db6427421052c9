package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/scaffolder"
)

// fakeSlack is an incoming webhook that answers with the queued statuses
// (then 200) and keeps what it received.
type fakeSlack struct {
	mu       sync.Mutex
	statuses []int
	got      [][]byte
	done     chan struct{}
}

func newFakeSlack(t *testing.T, statuses ...int) (*fakeSlack, *httptest.Server) {
	f := &fakeSlack{statuses: statuses, done: make(chan struct{}, 10)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("request %s %s", r.Method, r.Header.Get("Content-Type"))
		}
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.got = append(f.got, b)
		status := http.StatusOK
		if len(f.statuses) > 0 {
			status, f.statuses = f.statuses[0], f.statuses[1:]
		}
		f.mu.Unlock()
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "0")
		}
		w.WriteHeader(status)
		f.done <- struct{}{}
	}))
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeSlack) wait(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-f.done:
		case <-time.After(5 * time.Second):
			t.Fatal("slack was not called")
		}
	}
}

func testApproval() scaffolder.Approval {
	return scaffolder.Approval{ID: "w1", ApprovalRequest: scaffolder.ApprovalRequest{
		TaskID: "t-1", StepID: "gate", StepName: "Production gate", TemplateRef: "template:default/deploy",
		Requester: "user:default/bob", Approvers: []string{"group:default/sre"}, MinApprovals: 2,
		Message: "Deploy <cart> to prod & celebrate?",
	}, Status: "pending"}
}

// run starts n's loop for the test.
func run(t *testing.T, n *Notifier) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = n.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

func TestApprovalRequestedPostsBlockKit(t *testing.T) {
	fake, srv := newFakeSlack(t)
	n, err := New(Options{WebhookURL: srv.URL + "/services/T/B/secret", BaseURL: "https://portal.example.com/"})
	if err != nil {
		t.Fatal(err)
	}
	run(t, n)
	n.ApprovalRequested(context.Background(), testApproval())
	fake.wait(t, 1)

	var got any
	if err := json.Unmarshal(fake.got[0], &got); err != nil {
		t.Fatal(err)
	}
	value := `{"taskId":"t-1","stepId":"gate"}`
	want := map[string]any{
		"text": "Deploy <cart> to prod & celebrate?",
		"blocks": []any{
			map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": "*Deploy &lt;cart&gt; to prod &amp; celebrate?*\n" +
				"*Template:* template:default/deploy\n*Step:* Production gate\n*Requested by:* user:default/bob\n*Approvals needed:* 2\n" +
				"<https://portal.example.com/create/tasks/t-1|Open the task>"}},
			map[string]any{"type": "actions", "block_id": "callboard_approval", "elements": []any{
				map[string]any{"type": "button", "text": map[string]any{"type": "plain_text", "text": "Approve"}, "action_id": "callboard_approve", "value": value, "style": "primary"},
				map[string]any{"type": "button", "text": map[string]any{"type": "plain_text", "text": "Reject"}, "action_id": "callboard_reject", "value": value, "style": "danger"},
			}},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("webhook body (-want +got):\n%s", diff)
	}
}

func TestDeliveryRetriesAndNeverLogsTheWebhook(t *testing.T) {
	for _, tc := range []struct {
		name     string
		statuses []int
		posts    int
		failed   bool
	}{
		{"5xx then ok", []int{500, 503}, 3, false},
		{"429 then ok", []int{429}, 2, false},
		{"4xx is final", []int{400}, 1, true},
		{"gives up", []int{500, 500, 500}, 3, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake, srv := newFakeSlack(t, tc.statuses...)
			var logs bytes.Buffer
			var mu sync.Mutex
			log := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))
			webhook := srv.URL + "/services/T0/B0/hunter2"
			n, err := New(Options{WebhookURL: webhook, Logger: log, Attempts: 3, Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			n.ApprovalRequested(context.Background(), testApproval())
			// Deliver synchronously so the logs are complete.
			n.deliver(context.Background(), <-n.queue)
			fake.wait(t, tc.posts)
			fake.mu.Lock()
			posts := len(fake.got)
			fake.mu.Unlock()
			mu.Lock()
			out := logs.String()
			mu.Unlock()
			if posts != tc.posts {
				t.Errorf("posts %d, want %d", posts, tc.posts)
			}
			if failed := strings.Contains(out, "not delivered"); failed != tc.failed {
				t.Errorf("failure logged %v, want %v: %s", failed, tc.failed, out)
			}
			if strings.Contains(out, "hunter2") || strings.Contains(out, "/services/") {
				t.Errorf("the webhook URL was logged: %s", out)
			}
		})
	}
}

func TestTransportErrorDoesNotLogTheWebhook(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	n, err := New(Options{WebhookURL: "http://127.0.0.1:1/services/T0/B0/hunter2", Logger: slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil)),
		Attempts: 2, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	n.ApprovalRequested(context.Background(), testApproval())
	n.deliver(context.Background(), <-n.queue)
	out := logs.String()
	if !strings.Contains(out, "not delivered") || strings.Contains(out, "hunter2") {
		t.Errorf("logs: %s", out)
	}
}

func TestQueueIsBounded(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	n, err := New(Options{WebhookURL: "https://hooks.slack.com/services/x", QueueSize: 2, Logger: slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for range 5 {
		n.ApprovalRequested(context.Background(), testApproval())
	}
	if len(n.queue) != 2 || time.Since(start) > time.Second {
		t.Errorf("queue holds %d after %s", len(n.queue), time.Since(start))
	}
	if c := strings.Count(logs.String(), "queue full"); c != 3 {
		t.Errorf("%d drops logged, want 3: %s", c, logs.String())
	}
}

func TestRespondOnlyToSlack(t *testing.T) {
	n, err := New(Options{WebhookURL: "https://hooks.slack.com/services/x"})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"http://hooks.slack.com/actions/1", "https://evil.example.com/actions/1", "https://hooks.slack.com.evil.example/x", "::"} {
		if err := n.Respond(context.Background(), u, Message{Text: "x"}); err == nil {
			t.Errorf("Respond(%q) accepted", u)
		}
	}
	if err := n.Respond(context.Background(), "https://hooks.slack.com/actions/T/1/abc", Message{Text: "x"}); err != nil || len(n.queue) != 1 {
		t.Errorf("Respond: %v, queue %d", err, len(n.queue))
	}
}

func TestNewRefusesBadWebhooks(t *testing.T) {
	for _, u := range []string{"", "hooks.slack.com/x", "ftp://hooks.slack.com/x", "https://"} {
		if _, err := New(Options{WebhookURL: u}); err == nil {
			t.Errorf("New(%q) accepted", u)
		} else if u != "" && strings.Contains(err.Error(), u) {
			t.Errorf("error quotes the URL: %v", err)
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
