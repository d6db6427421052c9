package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// series times n sequential requests over one keep-alive connection after
// warmup untimed ones, within budget: when the budget runs out it stops
// with the requests timed so far (cut is then true). Every answer must be
// 200 and the first must pass check.
func series(ctx context.Context, c *http.Client, base string, q query, warmup, n int, budget time.Duration) (l latency, cut bool, err error) {
	deadline := time.Now().Add(budget)
	ds := make([]time.Duration, 0, n)
	for i := range warmup + n {
		if time.Now().After(deadline) {
			if len(ds) == 0 {
				return latency{}, true, fmt.Errorf("%s: no timed request within %s (%d done)", q.Name, budget, i)
			}
			return summarize(ds), true, nil
		}
		req, err := q.request(ctx, base, i)
		if err != nil {
			return latency{}, false, err
		}
		t0 := time.Now()
		status, body, err := do(c, req)
		d := time.Since(t0)
		if err != nil {
			return latency{}, false, fmt.Errorf("%s: %w", q.Name, err)
		}
		if status != http.StatusOK {
			return latency{}, false, fmt.Errorf("%s: status %d: %.300s", q.Name, status, body)
		}
		if i == 0 && q.check != nil {
			if err := q.check(body); err != nil {
				return latency{}, false, fmt.Errorf("%s: wrong answer: %w", q.Name, err)
			}
		}
		if i >= warmup {
			ds = append(ds, d)
		}
	}
	return summarize(ds), false, nil
}

// throughput runs q from workers goroutines for d (and at most limit
// requests in all) and returns completed requests per second. Any answer
// other than 200 counts as an error.
func throughput(ctx context.Context, c *http.Client, base string, q query, workers int, d time.Duration, limit int64) (rps float64, errs int64, err error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var ok, bad, issued atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil && issued.Add(1) <= limit {
				req, err := q.request(ctx, base, 0)
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				status, err := drain(c, req)
				switch {
				case ctx.Err() != nil:
					return // cut off by the deadline; neither success nor error
				case err != nil || status != http.StatusOK:
					bad.Add(1)
					once.Do(func() { firstErr = fmt.Errorf("status %d: %v", status, err) })
				default:
					ok.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	return float64(ok.Load()) / elapsed.Seconds(), bad.Load(), firstErr
}

// errTimeout marks a wait that ran out of time.
var errTimeout = errors.New("timed out")

// idleProbe tells whether the catalog has work left and how much CPU the
// server has used.
type idleProbe struct {
	// pending returns the entities due for processing and waiting to be
	// stitched; nil when the database cannot be asked.
	pending func(ctx context.Context) (due, stitch int64, err error)
	// cpu returns the server's CPU time in clock ticks.
	cpu func() (int64, error)
}

// waitIdle polls every interval until nothing is due or queued for
// stitching and the server's CPU use has been flat for quiet, and returns
// the time from since to the first sample of that quiet stretch: an upper
// bound on the moment the server became idle, late by at most interval.
func waitIdle(ctx context.Context, p idleProbe, since time.Time, interval, quiet, timeout time.Duration) (time.Duration, error) {
	deadline := time.Now().Add(timeout)
	var idleSince time.Time // zero while busy
	prevCPU, err := p.cpu()
	if err != nil {
		return 0, err
	}
	for {
		if err := sleep(ctx, interval); err != nil {
			return 0, err
		}
		now := time.Now()
		busy := false
		if p.pending != nil {
			due, stitch, err := p.pending(ctx)
			if err != nil {
				return 0, err
			}
			busy = due > 0 || stitch > 0
		}
		cpu, err := p.cpu()
		if err != nil {
			return 0, err
		}
		// One clock tick (10 ms) per sample is background noise: timers,
		// the garbage collector.
		if cpu-prevCPU > 1 {
			busy = true
		}
		prevCPU = cpu
		switch {
		case busy:
			idleSince = time.Time{}
		case idleSince.IsZero():
			idleSince = now
		case now.Sub(idleSince) >= quiet:
			return idleSince.Sub(since), nil
		}
		if now.After(deadline) {
			return 0, fmt.Errorf("still busy after %s: %w", timeout, errTimeout)
		}
	}
}
