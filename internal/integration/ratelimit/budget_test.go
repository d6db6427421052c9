package ratelimit_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/integration/forgetest"
	"github.com/callboard/callboard/internal/integration/ratelimit"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// The budget never allows more than its limit in any window of one
// period, whatever the concurrency, and waits rather than failing.
func TestBudgetNeverExceedsLimit(t *testing.T) {
	clock := forgetest.NewClock(t0)
	b := ratelimit.NewBudgets(clock).Get("k", "test token", ratelimit.Limit{Requests: 50, Period: time.Hour})
	var (
		mu    sync.Mutex
		times []time.Time
		wg    sync.WaitGroup
	)
	for range 8 {
		wg.Go(func() {
			for range 40 {
				tk, err := b.Take(context.Background(), 2*time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				times = append(times, tk.At())
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(times) != 320 {
		t.Fatalf("took %d requests, want 320", len(times))
	}
	assertNoWindowExceeds(t, times, 50, time.Hour)
	if got := clock.Now().Sub(t0); got < 6*time.Hour {
		t.Errorf("320 requests at 50/hour finished after %v, want at least 6h", got)
	}
}

// assertNoWindowExceeds fails when any n+1 consecutive times fit in one
// period.
func assertNoWindowExceeds(t *testing.T, times []time.Time, n int, period time.Duration) {
	t.Helper()
	sorted := append([]time.Time(nil), times...)
	for i := 1; i < len(sorted); i++ {
		for j := i; j > 0 && sorted[j].Before(sorted[j-1]); j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	for i := n; i < len(sorted); i++ {
		if sorted[i].Sub(sorted[i-n]) < period {
			t.Fatalf("requests %d and %d are %v apart: more than %d in one %v", i-n, i, sorted[i].Sub(sorted[i-n]), n, period)
		}
	}
}

func TestBudgetExhaustedWithinMaxWait(t *testing.T) {
	clock := forgetest.NewClock(t0)
	b := ratelimit.NewBudgets(clock).Get("k", "github.com token", ratelimit.Limit{Requests: 2, Period: time.Hour})
	ctx := context.Background()
	for range 2 {
		if _, err := b.Take(ctx, 0); err != nil {
			t.Fatal(err)
		}
	}
	_, err := b.Take(ctx, time.Minute)
	var ex *ratelimit.ExhaustedError
	if !errors.As(err, &ex) {
		t.Fatalf("third take = %v, want *ExhaustedError", err)
	}
	want := "the request budget of github.com token is exhausted until 2026-01-02T04:04:05Z"
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	if len(clock.Slept()) != 0 {
		t.Errorf("slept %v although the wait was too long", clock.Slept())
	}
	// A refunded request is free again.
	b2 := ratelimit.NewBudgets(clock).Get("k", "x", ratelimit.Limit{Requests: 2, Period: time.Hour})
	if _, err := b2.Take(ctx, 0); err != nil {
		t.Fatal(err)
	}
	tk, err := b2.Take(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	b2.Refund(tk)
	if _, err := b2.Take(ctx, 0); err != nil {
		t.Errorf("take after a refund: %v", err)
	}
	if _, err := b2.Take(ctx, 0); err == nil {
		t.Error("a third take in the window: want exhausted")
	}
}

func TestBudgetCancelledWhileWaiting(t *testing.T) {
	b := ratelimit.NewBudgets(forgetest.NewClock(t0)).Get("k", "x", ratelimit.Limit{Requests: 1, Period: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := b.Take(ctx, 0); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := b.Take(ctx, 2*time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("take after cancel = %v, want context.Canceled", err)
	}
}

func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// Observe follows the forge: Retry-After, an exhausted X-RateLimit or
// RateLimit window, and a refusal that says nothing.
func TestBudgetObserve(t *testing.T) {
	reset := strconv.FormatInt(t0.Add(10*time.Minute).Unix(), 10)
	tests := []struct {
		name        string
		status      int
		h           http.Header
		wantLimited bool
		wantWait    time.Duration // until the next request is allowed
	}{
		{"ok with headers", 200, header("X-RateLimit-Remaining", "10", "X-RateLimit-Reset", reset), false, 0},
		{"github primary limit", 403, header("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", reset), true, 10 * time.Minute},
		{"github secondary limit", 403, header("Retry-After", "30"), true, 30 * time.Second},
		{"429 retry-after", 429, header("Retry-After", "5"), true, 5 * time.Second},
		{"429 http date", 429, header("Retry-After", t0.Add(time.Minute).Format(http.TimeFormat)), true, time.Minute},
		{"429 silent", 429, header(), true, time.Minute},
		{"gitlab ratelimit", 429, header("RateLimit-Remaining", "0", "RateLimit-Reset", reset), true, 10 * time.Minute},
		{"ietf delta reset", 429, header("RateLimit-Remaining", "0", "RateLimit-Reset", "90"), true, 90 * time.Second},
		{"403 without limit headers is access", 403, header(), false, 0},
		{"503 retry-after pauses", 503, header("Retry-After", "7"), false, 7 * time.Second},
		{"200 with nothing left waits for reset", 200, header("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", reset), false, 10 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := forgetest.NewClock(t0)
			b := ratelimit.NewBudgets(clock).Get("k", "x", ratelimit.Limit{})
			if got := b.Observe(tt.status, tt.h); got != tt.wantLimited {
				t.Errorf("limited = %v, want %v", got, tt.wantLimited)
			}
			if _, err := b.Take(context.Background(), time.Hour); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantWait, clock.Now().Sub(t0)); diff != "" {
				t.Errorf("waited (-want +got):\n%s", diff)
			}
		})
	}
}

// The forge's remaining count is spent locally; a later answer from the
// same window never raises it, a new window replaces it.
func TestBudgetFollowsServerRemaining(t *testing.T) {
	clock := forgetest.NewClock(t0)
	b := ratelimit.NewBudgets(clock).Get("k", "x", ratelimit.Limit{Requests: 5000, Period: time.Hour})
	reset := t0.Add(time.Minute)
	ctx := context.Background()
	b.Observe(200, header("X-RateLimit-Remaining", "2", "X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10)))
	for range 2 {
		if _, err := b.Take(ctx, 0); err != nil {
			t.Fatal(err)
		}
	}
	b.Observe(200, header("X-RateLimit-Remaining", "5", "X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10)))
	if _, err := b.Take(ctx, 0); err == nil {
		t.Fatal("took a request the forge said was not there")
	}
	if _, err := b.Take(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	if !clock.Now().Equal(reset) {
		t.Errorf("resumed at %v, want the reset %v", clock.Now(), reset)
	}
}

func TestKeyHidesSecret(t *testing.T) {
	k := ratelimit.Key("ghp_secret", "github", "github.com", "token")
	if k == ratelimit.Key("ghp_other", "github", "github.com", "token") {
		t.Error("two tokens share a key")
	}
	if want := "github github.com token anonymous"; ratelimit.Key("", "github", "github.com", "token") != want {
		t.Errorf("anonymous key = %q, want %q", ratelimit.Key("", "github", "github.com", "token"), want)
	}
	if len(k) == 0 || strings.Contains(k, "ghp_secret") {
		t.Errorf("key %q holds the secret", k)
	}
}

func TestConfigDefaults(t *testing.T) {
	def := ratelimit.Limit{Requests: 5000}
	if got := (ratelimit.Config{}).Limit(def); got != (ratelimit.Limit{Requests: 5000, Period: time.Hour}) {
		t.Errorf("default limit = %+v", got)
	}
	if got := (ratelimit.Config{Requests: 10, Period: time.Minute}).Limit(def); got != (ratelimit.Limit{Requests: 10, Period: time.Minute}) {
		t.Errorf("configured limit = %+v", got)
	}
	if got := (ratelimit.Config{}).Wait(); got != ratelimit.DefaultMaxWait {
		t.Errorf("default wait = %v", got)
	}
}
