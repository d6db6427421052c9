package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/callboard/callboard/internal/scaffolder"
)

// Options configure a Notifier.
type Options struct {
	// WebhookURL is the incoming webhook; required. Never logged.
	WebhookURL string
	// BaseURL is the portal's public URL, for links to task pages.
	BaseURL string
	// Client sends the posts; nil means a client with a 10 s timeout.
	Client *http.Client
	Logger *slog.Logger
	// QueueSize bounds the messages waiting to be sent; 0 means 100. When
	// the queue is full a message is dropped (and logged).
	QueueSize int
	// Attempts is how many times a message is tried; 0 means 5.
	Attempts int
	// Backoff is the first wait before a retry, doubled each time up to
	// MaxBackoff; 0 means 1 s and 30 s.
	Backoff, MaxBackoff time.Duration
}

// Notifier posts approval requests to Slack from one goroutine (Run), so
// the runner that tells it never waits for Slack.
type Notifier struct {
	webhook    string
	baseURL    string
	client     *http.Client
	log        *slog.Logger
	queue      chan outgoing
	attempts   int
	backoff    time.Duration
	maxBackoff time.Duration
}

// outgoing is a message waiting to be sent, and where to.
type outgoing struct {
	url  string
	msg  Message
	what string // for logs: "approval" or "response"
	task string
}

var _ scaffolder.Notifier = (*Notifier)(nil)

// New returns a Notifier; Run must be running for it to send anything.
func New(o Options) (*Notifier, error) {
	if err := (&Config{WebhookURL: o.WebhookURL}).check(); err != nil {
		return nil, err
	}
	if o.WebhookURL == "" {
		return nil, fmt.Errorf("scaffolder.slack.webhookUrl: required to post approval requests")
	}
	n := &Notifier{
		webhook:    o.WebhookURL,
		baseURL:    o.BaseURL,
		client:     o.Client,
		log:        o.Logger,
		attempts:   o.Attempts,
		backoff:    o.Backoff,
		maxBackoff: o.MaxBackoff,
	}
	if n.client == nil {
		n.client = &http.Client{Timeout: 10 * time.Second}
	}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	size := o.QueueSize
	if size <= 0 {
		size = 100
	}
	n.queue = make(chan outgoing, size)
	if n.attempts <= 0 {
		n.attempts = 5
	}
	if n.backoff <= 0 {
		n.backoff = time.Second
	}
	if n.maxBackoff <= 0 {
		n.maxBackoff = 30 * time.Second
	}
	return n, nil
}

// ApprovalRequested queues the approval's message; it never blocks.
func (n *Notifier) ApprovalRequested(ctx context.Context, a scaffolder.Approval) {
	n.enqueue(ctx, outgoing{url: n.webhook, msg: ApprovalMessage(a, n.baseURL), what: "approval", task: a.TaskID})
}

// Respond queues msg for an interaction's response_url, which is how a
// message's buttons are replaced after a decision. Only Slack's own hosts
// are accepted, so a response_url cannot point the portal anywhere else.
func (n *Notifier) Respond(ctx context.Context, responseURL string, msg Message) error {
	u, err := url.Parse(responseURL)
	if err != nil || u.Scheme != "https" || u.Host != "hooks.slack.com" {
		return fmt.Errorf("slack: response_url is not an https://hooks.slack.com/ URL")
	}
	n.enqueue(ctx, outgoing{url: responseURL, msg: msg, what: "response"})
	return nil
}

func (n *Notifier) enqueue(ctx context.Context, o outgoing) {
	select {
	case n.queue <- o:
	default:
		n.log.WarnContext(ctx, "slack queue full, message dropped", "message", o.what, "task", o.task)
	}
}

// Run sends queued messages until ctx is done.
func (n *Notifier) Run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case o := <-n.queue:
			n.deliver(ctx, o)
		}
	}
}

// deliver posts o, retrying on 429, 5xx and transport errors with
// exponential backoff (or Slack's Retry-After).
func (n *Notifier) deliver(ctx context.Context, o outgoing) {
	body, err := json.Marshal(o.msg)
	if err != nil {
		n.log.ErrorContext(ctx, "encode slack message", "message", o.what, "error", err)
		return
	}
	wait := n.backoff
	for attempt := 1; ; attempt++ {
		retryAfter, err := n.post(ctx, o.url, body)
		if err == nil {
			return
		}
		if retryAfter < 0 || attempt >= n.attempts {
			n.log.WarnContext(ctx, "slack message not delivered", "message", o.what, "task", o.task, "attempts", attempt, "error", err)
			return
		}
		d := wait
		if retryAfter > 0 {
			d = min(retryAfter, n.maxBackoff)
		}
		wait = min(wait*2, n.maxBackoff)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// post sends one request. A nil error is success; otherwise retryAfter is
// -1 when retrying is pointless, the delay Slack asked for, or 0.
func (n *Notifier) post(ctx context.Context, target string, body []byte) (retryAfter time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return -1, errors.New("build request")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.client.Do(req)
	if err != nil {
		// *url.Error quotes the URL, which is a credential: keep only
		// its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, fmt.Errorf("post: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return 0, nil
	case resp.StatusCode == http.StatusTooManyRequests:
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return time.Duration(max(secs, 0)) * time.Second, fmt.Errorf("slack answered %d", resp.StatusCode)
	case resp.StatusCode >= 500:
		return 0, fmt.Errorf("slack answered %d", resp.StatusCode)
	default:
		return -1, fmt.Errorf("slack answered %d", resp.StatusCode)
	}
}
