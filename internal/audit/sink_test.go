package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callboard/callboard/internal/audit"
)

// syncBuffer is a bytes.Buffer safe for the sink goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestStdoutSink(t *testing.T) {
	var out syncBuffer
	sinks := audit.NewSinks([]audit.SinkConfig{{Type: "stdout", QueueSize: 10}}, audit.SinkOptions{Stdout: &out})
	for _, target := range []string{"a", "b"} {
		sinks[0].Send(audit.Event{ID: 1, Action: "x", Target: target, Outcome: audit.OutcomeSucceeded})
	}
	if err := sinks[0].Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], `"target":"b"`) {
		t.Errorf("stdout:\n%s", out.String())
	}
}

// webhookServer records deliveries, failing the first fail requests with
// 503.
type webhookServer struct {
	t        *testing.T
	secret   string
	fail     int32
	requests atomic.Int32
	mu       sync.Mutex
	got      []audit.Event
}

func (s *webhookServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := s.requests.Add(1)
	body, _ := io.ReadAll(r.Body)
	ts := r.Header.Get(audit.HeaderTimestamp)
	if r.Header.Get(audit.HeaderSignature) != audit.Sign(s.secret, ts, body) || ts == "" {
		s.t.Errorf("bad signature %q for timestamp %q", r.Header.Get(audit.HeaderSignature), ts)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if r.Header.Get("Authorization") != "Bearer siem-token" || r.Header.Get("Content-Type") != "application/json" {
		s.t.Errorf("headers: %v", r.Header)
	}
	if n <= s.fail {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var e audit.Event
	if err := json.Unmarshal(body, &e); err != nil {
		s.t.Errorf("body: %v", err)
	}
	s.mu.Lock()
	s.got = append(s.got, e)
	s.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

func TestWebhookSinkSignsAndRetries(t *testing.T) {
	srv := &webhookServer{t: t, secret: "s3cret", fail: 2}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	cfg := audit.SinkConfig{Type: "webhook", URL: ts.URL + "/hook?token=hidden", Secret: "s3cret",
		Headers: map[string]string{"Authorization": "Bearer siem-token"}, QueueSize: 10, MaxAttempts: 5}
	var logs syncBuffer
	sinks := audit.NewSinks([]audit.SinkConfig{cfg}, audit.SinkOptions{Backoff: time.Millisecond, Logger: testLogger(&logs)})
	sinks[0].Send(audit.Event{ID: 42, Action: "catalog.entity.delete", Outcome: audit.OutcomeDenied})
	if err := sinks[0].Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(srv.got) != 1 || srv.got[0].ID != 42 || srv.requests.Load() != 3 {
		t.Errorf("delivered %+v in %d requests", srv.got, srv.requests.Load())
	}
	if strings.Contains(logs.String(), "hidden") || strings.Contains(logs.String(), "siem-token") || strings.Contains(logs.String(), "s3cret") {
		t.Errorf("a secret reached the log:\n%s", logs.String())
	}
}

func TestWebhookSinkGivesUp(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		attempts int32
	}{
		{"client error is not retried", http.StatusBadRequest, 1},
		{"server errors up to maxAttempts", http.StatusInternalServerError, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				w.WriteHeader(tc.status)
			}))
			defer ts.Close()
			var logs syncBuffer
			sinks := audit.NewSinks([]audit.SinkConfig{{Type: "webhook", URL: ts.URL + "?key=abc", QueueSize: 1, MaxAttempts: 3}},
				audit.SinkOptions{Backoff: time.Millisecond, Logger: testLogger(&logs)})
			sinks[0].Send(audit.Event{ID: 1, Action: "x", Outcome: audit.OutcomeFailed})
			if err := sinks[0].Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n.Load() != tc.attempts {
				t.Errorf("%d attempts, want %d", n.Load(), tc.attempts)
			}
			if !strings.Contains(logs.String(), "could not deliver") || strings.Contains(logs.String(), "key=abc") {
				t.Errorf("log:\n%s", logs.String())
			}
		})
	}
}

func TestSinkNeverBlocks(t *testing.T) {
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer ts.Close()
	defer close(release)
	var logs syncBuffer
	sinks := audit.NewSinks([]audit.SinkConfig{{Type: "webhook", URL: ts.URL, QueueSize: 2, MaxAttempts: 1}}, audit.SinkOptions{Logger: testLogger(&logs)})
	start := time.Now()
	for i := range 100 {
		sinks[0].Send(audit.Event{ID: int64(i), Action: "x", Outcome: audit.OutcomeSucceeded})
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("sending took %s", d)
	}
	if !strings.Contains(logs.String(), "queue is full") {
		t.Errorf("no drop warning:\n%s", logs.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := sinks[0].Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("close: %v", err)
	}
	sinks[0].Send(audit.Event{ID: 1000, Action: "x", Outcome: audit.OutcomeSucceeded}) // after Close: ignored, no panic
}

func TestLoadConfig(t *testing.T) {
	good := mapDecoder{"audit": audit.Config{Sinks: []audit.SinkConfig{{Type: "stdout"}, {Type: "webhook", URL: "https://siem.example.com/x"}}}}
	c, err := audit.LoadConfig(good)
	if err != nil {
		t.Fatal(err)
	}
	if c.Sinks[0].QueueSize != 1000 || c.Sinks[1].MaxAttempts != 5 {
		t.Errorf("defaults: %+v", c.Sinks)
	}
	for want, cfg := range map[string]audit.Config{
		"audit.sinks[0].type: expected stdout or webhook": {Sinks: []audit.SinkConfig{{Type: "kafka"}}},
		"audit.sinks[0].url: expected an http or https":   {Sinks: []audit.SinkConfig{{Type: "webhook", URL: "ftp://x"}}},
		"audit.sinks[1].queueSize: must be between 1 and": {Sinks: []audit.SinkConfig{{Type: "stdout"}, {Type: "stdout", QueueSize: -1}}},
		"audit.sinks[0].maxAttempts: must be positive":    {Sinks: []audit.SinkConfig{{Type: "stdout", MaxAttempts: -2}}},
	} {
		if _, err := audit.LoadConfig(mapDecoder{"audit": cfg}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q", err, want)
		}
	}
}

// mapDecoder hands out ready-made sections.
type mapDecoder map[string]audit.Config

func (m mapDecoder) Decode(path string, v any) error {
	if c, ok := m[path]; ok {
		*(v.(*audit.Config)) = c
	}
	return nil
}
