package bench

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestSeriesAndThroughput(t *testing.T) {
	var calls, limited atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("Authorization") != "Bearer s3cret-token" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		if r.URL.Path == "/limited" {
			limited.Add(1)
		}
		if r.URL.Path == "/slow" {
			time.Sleep(20 * time.Millisecond)
		}
		if r.URL.Path == "/bad" {
			http.Error(w, "nope", http.StatusTeapot)
			return
		}
		w.Write([]byte(`{"items":[],"totalItems":0}`))
	}))
	defer srv.Close()
	c := newClient(4, "s3cret-token")
	ctx := context.Background()
	mk := func(path string, check func([]byte) error) query {
		return query{Name: path, request: func(ctx context.Context, base string, _ int) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		}, check: check}
	}

	l, cut, err := series(ctx, c, srv.URL, mk("/ok", nil), 3, 20, time.Minute)
	if err != nil || cut || l.N != 20 || l.P99 < l.Median || l.Max < l.P99 {
		t.Errorf("series = %+v, %v, %v", l, cut, err)
	}
	if calls.Load() != 23 {
		t.Errorf("%d calls, want 23 (3 warm-up + 20 timed)", calls.Load())
	}
	if _, _, err := series(ctx, c, srv.URL, mk("/bad", nil), 1, 5, time.Minute); err == nil || !strings.Contains(err.Error(), "status 418") {
		t.Errorf("series on a failing endpoint: %v", err)
	}
	wrong := mk("/ok", func([]byte) error { return errors.New("no items") })
	if _, _, err := series(ctx, c, srv.URL, wrong, 1, 5, time.Minute); err == nil || !strings.Contains(err.Error(), "wrong answer: no items") {
		t.Errorf("series with a failing check: %v", err)
	}
	slow := mk("/slow", nil)
	l, cut, err = series(ctx, c, srv.URL, slow, 1, 1000, 150*time.Millisecond)
	if err != nil || !cut || l.N == 0 || l.N >= 1000 {
		t.Errorf("series over budget = %+v, cut %v, %v", l, cut, err)
	}
	if _, cut, err := series(ctx, c, srv.URL, slow, 50, 10, 30*time.Millisecond); err == nil || !cut {
		t.Errorf("series with no timed request in the budget: cut %v, %v", cut, err)
	}

	rps, errs, err := throughput(ctx, c, srv.URL, mk("/ok", nil), 4, 200*time.Millisecond, 1_000_000)
	if rps <= 0 || errs != 0 || err != nil {
		t.Errorf("throughput = %.0f, %d errors, %v", rps, errs, err)
	}
	if _, _, err := throughput(ctx, c, srv.URL, mk("/limited", nil), 4, 10*time.Second, 50); err != nil {
		t.Fatal(err)
	}
	if n := limited.Load(); n != 50 {
		t.Errorf("throughput with a limit of 50 sent %d requests", n)
	}
	_, errs, err = throughput(ctx, c, srv.URL, mk("/bad", nil), 2, 100*time.Millisecond, 1_000_000)
	if errs == 0 || err == nil {
		t.Errorf("throughput on a failing endpoint: %d errors, %v", errs, err)
	}
}

func TestWaitIdle(t *testing.T) {
	ctx := context.Background()
	start := time.Now()
	// Work is visible (due rows, then CPU) for the first 100 ms.
	var cpu atomic.Int64
	p := idleProbe{
		pending: func(context.Context) (int64, int64, error) {
			if time.Since(start) < 60*time.Millisecond {
				return 5, 0, nil
			}
			return 0, 0, nil
		},
		cpu: func() (int64, error) {
			if time.Since(start) < 100*time.Millisecond {
				return cpu.Add(3), nil
			}
			return cpu.Load(), nil
		},
	}
	got, err := waitIdle(ctx, p, start, 10*time.Millisecond, 50*time.Millisecond, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got < 100*time.Millisecond || got > 300*time.Millisecond {
		t.Errorf("idle after %s, want about 100 ms", got)
	}

	stitching := idleProbe{
		pending: func(context.Context) (int64, int64, error) { return 0, 1, nil },
		cpu:     func() (int64, error) { return 0, nil },
	}
	if _, err := waitIdle(ctx, stitching, time.Now(), 10*time.Millisecond, 20*time.Millisecond, 100*time.Millisecond); !errors.Is(err, errTimeout) {
		t.Errorf("a stitch queue that never drains: %v", err)
	}
	broken := idleProbe{
		pending: func(context.Context) (int64, int64, error) { return 0, 0, errors.New("no such table") },
		cpu:     func() (int64, error) { return 0, nil },
	}
	if _, err := waitIdle(ctx, broken, time.Now(), 10*time.Millisecond, 20*time.Millisecond, time.Second); err == nil {
		t.Error("want the probe's error")
	}
	cpuOnly := idleProbe{cpu: func() (int64, error) { return 7, nil }}
	if got, err := waitIdle(ctx, cpuOnly, time.Now(), 10*time.Millisecond, 20*time.Millisecond, time.Second); err != nil || got > 100*time.Millisecond {
		t.Errorf("an idle server without a database probe: %s, %v", got, err)
	}
}
