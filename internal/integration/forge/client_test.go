package forge_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/integration/forgetest"
	"github.com/callboard/callboard/internal/integration/ratelimit"
	"github.com/callboard/callboard/internal/problem"
)

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func newClient(clock *forgetest.Clock, maxSize int64) *forge.Client {
	return forge.NewClient(nil, ratelimit.NewBudgets(clock), maxSize)
}

// A 429 with Retry-After is waited out and retried on the same budget.
func TestDoHonoursRetryAfter(t *testing.T) {
	var n atomic.Int32
	srv := forgetest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "42")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Write([]byte("ok"))
	}))
	clock := forgetest.NewClock(t0)
	c := newClient(clock, 100)
	b := c.Budgets().Get("k", "test", ratelimit.Limit{})
	resp, err := c.Do(context.Background(), forge.Request{URL: srv.URL + "/x", Budget: b, Describe: "u"})
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != "ok" || resp.StatusCode != 200 {
		t.Errorf("answer = %d %q", resp.StatusCode, resp.Body)
	}
	if diff := cmp.Diff([]time.Duration{42 * time.Second}, clock.Slept()); diff != "" {
		t.Errorf("slept (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"GET /x", "GET /x"}, srv.Lines()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// A wait longer than MaxWait is a transient ServiceUnavailableError, and
// the forge is not asked again.
func TestDoGivesUpWhenTheWaitIsTooLong(t *testing.T) {
	reset := strconv.FormatInt(t0.Add(time.Hour).Unix(), 10)
	srv := forgetest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", reset)
		w.WriteHeader(http.StatusForbidden)
	}))
	c := newClient(forgetest.NewClock(t0), 100)
	b := c.Budgets().Get("k", "github.com token", ratelimit.Limit{})
	_, err := c.Do(context.Background(), forge.Request{URL: srv.URL + "/x", Budget: b, MaxWait: time.Minute, Describe: "https://github.com/o/r/blob/main/x"})
	want := "ServiceUnavailableError: could not read https://github.com/o/r/blob/main/x, the request budget of github.com token is exhausted until 2026-03-04T06:06:07Z"
	if err == nil || err.Error() != want || !problem.Is(err, problem.ServiceUnavailableError) {
		t.Errorf("err = %v, want %s", err, want)
	}
	if got := len(srv.Requests()); got != 1 {
		t.Errorf("%d requests, want 1", got)
	}
}

func TestDoRetriesServerErrors(t *testing.T) {
	var n atomic.Int32
	srv := forgetest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) < 3 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.Write([]byte("ok"))
	}))
	clock := forgetest.NewClock(t0)
	c := newClient(clock, 100)
	b := c.Budgets().Get("k", "x", ratelimit.Limit{})
	resp, err := c.Do(context.Background(), forge.Request{URL: srv.URL, Budget: b})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("answer = %v, %v", resp, err)
	}
	if diff := cmp.Diff([]time.Duration{time.Second, 2 * time.Second}, clock.Slept()); diff != "" {
		t.Errorf("backoff (-want +got):\n%s", diff)
	}

	// A server that stays down: the last answer is returned after the retries.
	srv.SetHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	srv.Requests()
	resp, err = c.Do(context.Background(), forge.Request{URL: srv.URL, Budget: b})
	if err != nil || resp.StatusCode != 500 {
		t.Fatalf("answer = %v, %v", resp, err)
	}
	if got := len(srv.Requests()); got != 3 {
		t.Errorf("%d requests, want 3", got)
	}
}

// A 304 to an authorised conditional GitHub request costs nothing.
func TestDoRefundsFreeNotModified(t *testing.T) {
	srv := forgetest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		forgetest.ServeFile(w, r, "content")
	}))
	c := newClient(forgetest.NewClock(t0), 100)
	b := c.Budgets().Get("k", "x", ratelimit.Limit{Requests: 2, Period: time.Hour})
	ctx := context.Background()
	if _, err := c.Do(ctx, forge.Request{URL: srv.URL, Budget: b, MaxWait: time.Second}); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		h := http.Header{"If-None-Match": {forgetest.ETag("content")}}
		resp, err := c.Do(ctx, forge.Request{URL: srv.URL, Header: h, Budget: b, MaxWait: time.Second, FreeNotModified: true})
		if err != nil || resp.StatusCode != 304 {
			t.Fatalf("conditional read = %v, %v", resp, err)
		}
	}
	if _, err := c.Do(ctx, forge.Request{URL: srv.URL, Budget: b, MaxWait: time.Second}); err != nil {
		t.Errorf("second full read after ten free 304s: %v", err)
	}
	if _, err := c.Do(ctx, forge.Request{URL: srv.URL, Budget: b, MaxWait: time.Second}); err == nil {
		t.Error("third full read: want the budget exhausted")
	}
}

func TestDoRefusesLargeBodies(t *testing.T) {
	srv := forgetest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", 20)))
	}))
	c := newClient(forgetest.NewClock(t0), 10)
	_, err := c.Do(context.Background(), forge.Request{URL: srv.URL, Budget: c.Budgets().Get("k", "x", ratelimit.Limit{}), Describe: "u"})
	if err == nil || err.Error() != "could not read u, the body is larger than the limit of 10 bytes" {
		t.Errorf("err = %v", err)
	}
}

func TestStatusError(t *testing.T) {
	tests := []struct {
		status   int
		wantName string
		want     string
	}{
		{404, problem.NotFoundError, "NotFoundError: u could not be read as a, 404 Not Found"},
		{403, "", "u could not be read as a, 403 Forbidden"},
		{500, "", "u could not be read as a, 500 Internal Server Error"},
	}
	for _, tt := range tests {
		err := forge.StatusError("u", "a", &forge.Response{StatusCode: tt.status, Status: strconv.Itoa(tt.status) + " " + http.StatusText(tt.status)})
		if err.Error() != tt.want {
			t.Errorf("%d: %q, want %q", tt.status, err, tt.want)
		}
		if p, ok := problem.As(err); ok != (tt.wantName != "") || ok && p.Name != tt.wantName {
			t.Errorf("%d: class %v, want %q", tt.status, err, tt.wantName)
		}
	}
}

// A redirect to another host does not carry the credential along.
func TestDoKeepsCredentialsOnTheForge(t *testing.T) {
	other := forgetest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("elsewhere")) }))
	forgeSrv := forgetest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/same" {
			w.Write([]byte("same host"))
			return
		}
		target := other.URL + "/x"
		if r.URL.Path == "/local" {
			target = "/same"
		}
		http.Redirect(w, r, target, http.StatusFound)
	}))
	c := newClient(forgetest.NewClock(t0), 100)
	b := c.Budgets().Get("k", "x", ratelimit.Limit{})
	h := http.Header{"Private-Token": {"glpat"}, "Authorization": {"Bearer t"}}
	for _, p := range []string{"/away", "/local"} {
		if _, err := c.Do(context.Background(), forge.Request{URL: forgeSrv.URL + p, Header: h.Clone(), Budget: b}); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range other.Requests() {
		if r.Header.Get("Private-Token") != "" || r.Header.Get("Authorization") != "" {
			t.Errorf("credentials sent to another host: %v", r.Header)
		}
	}
	reqs := forgeSrv.Requests()
	if len(reqs) != 3 || reqs[2].Path != "/same" || reqs[2].Header.Get("Private-Token") != "glpat" {
		t.Errorf("a redirect on the forge's own host must keep the credential: %+v", reqs)
	}
}

// A 503 with Retry-After pauses the credential's budget for that long
// instead of the usual backoff.
func TestDoServiceUnavailableRetryAfter(t *testing.T) {
	var n atomic.Int32
	srv := forgetest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok"))
	}))
	clock := forgetest.NewClock(t0)
	c := newClient(clock, 100)
	if _, err := c.Do(context.Background(), forge.Request{URL: srv.URL, Budget: c.Budgets().Get("k", "x", ratelimit.Limit{})}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{7 * time.Second}, clock.Slept()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}
