package audit

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Sink receives a copy of recorded events. Send never blocks.
type Sink interface {
	Send(e Event)
	// Close stops accepting events and delivers the queued ones, giving
	// up when ctx ends.
	Close(ctx context.Context) error
}

// Headers of webhook deliveries.
const (
	HeaderSignature = "X-Callboard-Signature"
	HeaderTimestamp = "X-Callboard-Timestamp"
)

// SinkOptions are what sinks need besides their configuration.
type SinkOptions struct {
	Stdout io.Writer    // os.Stdout in production
	Client *http.Client // for webhooks; a client with a 10 s timeout when nil
	Logger *slog.Logger
	// Backoff is the first retry delay (doubling up to 30 s); 500 ms
	// when zero.
	Backoff time.Duration
}

// NewSinks starts the configured sinks.
func NewSinks(cfgs []SinkConfig, o SinkOptions) []Sink {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Backoff <= 0 {
		o.Backoff = 500 * time.Millisecond
	}
	var sinks []Sink
	for _, c := range cfgs {
		switch c.Type {
		case "stdout":
			w := o.Stdout
			sinks = append(sinks, newQueue("stdout", c.QueueSize, 1, o.Backoff, o.Logger, func(_ context.Context, e Event) error {
				line, err := json.Marshal(e)
				if err != nil {
					return err
				}
				_, err = w.Write(append(line, '\n'))
				return err
			}))
		case "webhook":
			wh := &webhook{cfg: c, client: o.Client}
			sinks = append(sinks, newQueue("webhook "+redactedURL(c.URL), c.QueueSize, c.MaxAttempts, o.Backoff, o.Logger, wh.deliver))
		}
	}
	return sinks
}

// redactedURL keeps scheme, host and path: a query string may hold a
// token.
func redactedURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(invalid url)"
	}
	return u.Scheme + "://" + u.Host + u.Path
}

// queue is a bounded buffer of events in front of one delivery function,
// drained by one goroutine that retries with exponential backoff.
type queue struct {
	name     string
	events   chan Event
	attempts int
	backoff  time.Duration
	deliver  func(context.Context, Event) error
	log      *slog.Logger

	closing sync.Once
	ctx     context.Context
	cancel  context.CancelFunc
	done    chan struct{}
	dropped atomic.Int64
	mu      sync.RWMutex // guards closed against Send
	closed  bool
}

func newQueue(name string, size, attempts int, backoff time.Duration, log *slog.Logger, deliver func(context.Context, Event) error) *queue {
	ctx, cancel := context.WithCancel(context.Background())
	q := &queue{
		name: name, events: make(chan Event, size), attempts: max(attempts, 1), backoff: backoff,
		deliver: deliver, log: log, ctx: ctx, cancel: cancel, done: make(chan struct{}),
	}
	go q.run()
	return q
}

// Send queues e, or drops it when the queue is full.
func (q *queue) Send(e Event) {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed {
		return
	}
	select {
	case q.events <- e:
	default:
		if n := q.dropped.Add(1); n == 1 || n%1000 == 0 {
			q.log.Warn("audit sink queue is full, dropping events", slog.String("sink", q.name), slog.Int64("dropped", n))
		}
	}
}

// Dropped returns how many events the queue dropped.
func (q *queue) Dropped() int64 { return q.dropped.Load() }

func (q *queue) run() {
	defer close(q.done)
	for e := range q.events {
		q.send(e)
	}
}

// send delivers one event, retrying failures that may pass.
func (q *queue) send(e Event) {
	delay := q.backoff
	for attempt := 1; ; attempt++ {
		err := q.deliver(q.ctx, e)
		if err == nil {
			return
		}
		var perm permanentError
		if attempt >= q.attempts || errors.As(err, &perm) || q.ctx.Err() != nil {
			q.log.Error("audit sink could not deliver an event", slog.String("sink", q.name),
				slog.Int64("event", e.ID), slog.Int("attempts", attempt), slog.Any("error", err))
			return
		}
		select {
		case <-time.After(delay):
		case <-q.ctx.Done():
		}
		delay = min(delay*2, 30*time.Second)
	}
}

// Close stops accepting events and waits for the queued ones; when ctx
// ends first, delivery is abandoned.
func (q *queue) Close(ctx context.Context) error {
	q.closing.Do(func() {
		q.mu.Lock()
		q.closed = true
		close(q.events)
		q.mu.Unlock()
	})
	select {
	case <-q.done:
		q.cancel()
		return nil
	case <-ctx.Done():
		q.cancel()
		<-q.done
		return fmt.Errorf("audit sink %s: %w", q.name, ctx.Err())
	}
}

// permanentError is a delivery failure retrying cannot fix.
type permanentError struct{ error }

// webhook posts each event as JSON.
type webhook struct {
	cfg    SinkConfig
	client *http.Client
}

func (w *webhook) deliver(ctx context.Context, e Event) error {
	body, err := json.Marshal(e)
	if err != nil {
		return permanentError{err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return permanentError{err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Callboard-Audit")
	for k, v := range w.cfg.Headers {
		req.Header.Set(k, v)
	}
	if w.cfg.Secret != "" {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req.Header.Set(HeaderTimestamp, ts)
		req.Header.Set(HeaderSignature, Sign(w.cfg.Secret, ts, body))
	}
	res, err := w.client.Do(req)
	if err != nil {
		// The error names the URL, which may hold a token.
		return errors.New("request failed: " + errorKind(err))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	switch {
	case res.StatusCode < 300:
		return nil
	case res.StatusCode == http.StatusRequestTimeout || res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
		return fmt.Errorf("webhook answered %d", res.StatusCode)
	}
	return permanentError{fmt.Errorf("webhook answered %d", res.StatusCode)}
}

func errorKind(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return "transport error"
}

// Sign returns the signature header value of a webhook body: "sha256="
// and the hex HMAC-SHA256 of "<timestamp>.<body>".
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
