// Package ratelimit keeps one request budget per forge credential, shared
// by every reader that uses the credential. A budget never allows more than
// its configured number of requests in any window of its period, follows
// what the forge reports (X-RateLimit-*, RateLimit-*, Retry-After), and
// makes callers wait, within a bound, instead of failing.
package ratelimit

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limit is at most Requests requests in any window of Period. Requests 0
// means no limit of our own; what the forge reports still applies.
type Limit struct {
	Requests int
	Period   time.Duration
}

// Config is the rateLimit key of an integration (a Callboard extension).
type Config struct {
	// Requests per Period; the forge's default when 0.
	Requests int `config:"requests"`
	// Period of the budget; one hour when 0.
	Period time.Duration `config:"period"`
	// MaxWait bounds how long a read waits for the budget before failing
	// with a transient error; DefaultMaxWait when 0.
	MaxWait time.Duration `config:"maxWait"`
}

// DefaultMaxWait is how long a read waits for budget by default.
const DefaultMaxWait = time.Minute

// Limit returns the configured limit, def where a field is unset.
func (c Config) Limit(def Limit) Limit {
	l := def
	if c.Requests > 0 {
		l.Requests = c.Requests
	}
	if c.Period > 0 {
		l.Period = c.Period
	}
	if l.Period <= 0 {
		l.Period = time.Hour
	}
	return l
}

// Wait returns MaxWait or DefaultMaxWait.
func (c Config) Wait() time.Duration {
	if c.MaxWait > 0 {
		return c.MaxWait
	}
	return DefaultMaxWait
}

// secondaryBackoff is how long a budget pauses after a rate-limit answer
// that says neither when to retry nor when the limit resets (GitHub asks
// for at least a minute).
const secondaryBackoff = time.Minute

// Budget is the request budget of one credential. It is safe for
// concurrent use.
type Budget struct {
	name  string
	limit Limit
	clock Clock

	mu sync.Mutex
	// recent holds the times of the requests made in the last period,
	// oldest first, so that no window of one period ever holds more than
	// limit.Requests of them.
	recent []time.Time
	// pausedUntil is set by Retry-After or an exhausted limit.
	pausedUntil time.Time
	// The forge's view: remaining requests until reset, when it said so.
	serverKnown     bool
	serverRemaining int
	serverReset     time.Time
}

// Name describes the credential in errors ("github.com token"), never
// the secret itself.
func (b *Budget) Name() string { return b.name }

// Limit returns the budget's own limit.
func (b *Budget) Limit() Limit { return b.limit }

// Ticket is one request taken from a budget.
type Ticket struct{ at time.Time }

// At returns when the request was taken.
func (t Ticket) At() time.Time { return t.at }

// ExhaustedError says a budget has no request left within the time a
// caller may wait. It is transient: the same read succeeds later.
type ExhaustedError struct {
	Name  string
	Until time.Time
}

func (e *ExhaustedError) Error() string {
	return fmt.Sprintf("the request budget of %s is exhausted until %s", e.Name, e.Until.UTC().Format(time.RFC3339))
}

// Take takes one request from the budget, waiting until the budget allows
// it. When that would take longer than maxWait it returns an
// *ExhaustedError without waiting; it returns ctx's error when ctx ends
// first.
func (b *Budget) Take(ctx context.Context, maxWait time.Duration) (Ticket, error) {
	for {
		b.mu.Lock()
		now := b.clock.Now()
		at := b.nextLocked(now)
		if !at.After(now) {
			b.recent = append(b.recent, now)
			if b.serverKnown {
				b.serverRemaining--
			}
			b.mu.Unlock()
			return Ticket{at: now}, nil
		}
		b.mu.Unlock()
		wait := at.Sub(now)
		if wait > maxWait {
			return Ticket{}, &ExhaustedError{Name: b.name, Until: at}
		}
		if err := b.clock.Sleep(ctx, wait); err != nil {
			return Ticket{}, err
		}
	}
}

// nextLocked returns the earliest time a request may be made.
func (b *Budget) nextLocked(now time.Time) time.Time {
	if b.limit.Requests > 0 {
		cut := 0
		for cut < len(b.recent) && !b.recent[cut].After(now.Add(-b.limit.Period)) {
			cut++
		}
		if cut > 0 {
			b.recent = append(b.recent[:0], b.recent[cut:]...)
		}
	} else {
		b.recent = b.recent[:0]
	}
	at := now
	if b.pausedUntil.After(at) {
		at = b.pausedUntil
	}
	if n := b.limit.Requests; n > 0 && len(b.recent) >= n {
		if t := b.recent[len(b.recent)-n].Add(b.limit.Period); t.After(at) {
			at = t
		}
	}
	if b.serverKnown {
		switch {
		case !b.serverReset.After(now):
			b.serverKnown = false // a new window: its size is unknown until the forge says
		case b.serverRemaining <= 0 && b.serverReset.After(at):
			at = b.serverReset
		}
	}
	return at
}

// Refund gives back a request the forge did not count, such as a
// conditional request answered 304 by GitHub.
func (b *Budget) Refund(t Ticket) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(b.recent) - 1; i >= 0; i-- {
		if b.recent[i].Equal(t.at) {
			b.recent = append(b.recent[:i], b.recent[i+1:]...)
			if b.serverKnown {
				b.serverRemaining++
			}
			return
		}
	}
}

// Observe updates the budget from a forge's answer and reports whether the
// answer was a rate-limit refusal (the request should be retried after the
// pause it set).
func (b *Budget) Observe(status int, h http.Header) (limited bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock.Now()
	remaining, hasRemaining := headerInt(h, "X-RateLimit-Remaining", "RateLimit-Remaining")
	reset, hasReset := resetTime(h, now)
	if hasRemaining && hasReset {
		switch {
		case !b.serverKnown || reset.After(b.serverReset):
			b.serverKnown, b.serverRemaining, b.serverReset = true, remaining, reset
		case remaining < b.serverRemaining:
			// Answers arrive out of order: the lowest count is the newest.
			b.serverRemaining = remaining
		}
	}
	retryAfter, hasRetryAfter := retryAfter(h, now)
	exhausted := hasRemaining && remaining <= 0
	limited = status == http.StatusTooManyRequests ||
		status == http.StatusForbidden && (hasRetryAfter || exhausted)
	var until time.Time
	switch {
	case hasRetryAfter && (limited || status == http.StatusServiceUnavailable):
		until = now.Add(retryAfter)
	case limited && exhausted && hasReset && reset.After(now):
		until = reset
	case limited:
		until = now.Add(secondaryBackoff)
	}
	if until.After(b.pausedUntil) {
		b.pausedUntil = until
	}
	return limited
}

func headerInt(h http.Header, names ...string) (int, bool) {
	for _, name := range names {
		if v := strings.TrimSpace(h.Get(name)); v != "" {
			n, err := strconv.Atoi(v)
			if err == nil {
				return n, true
			}
		}
	}
	return 0, false
}

// resetTime reads X-RateLimit-Reset or RateLimit-Reset: GitHub, GitLab and
// Azure DevOps send Unix seconds, the IETF draft sends seconds from now;
// a value too small to be a date is taken as the latter.
func resetTime(h http.Header, now time.Time) (time.Time, bool) {
	v, ok := headerInt(h, "X-RateLimit-Reset", "RateLimit-Reset")
	if !ok || v < 0 {
		return time.Time{}, false
	}
	if v < 1_000_000_000 {
		return now.Add(time.Duration(v) * time.Second), true
	}
	return time.Unix(int64(v), 0), true
}

// retryAfter reads Retry-After as seconds or as an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			n = 0
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}
