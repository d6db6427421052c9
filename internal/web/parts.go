package web

import (
	"context"
	"net/http"
	"runtime"
	"sync"
	"time"
)

// A page renders its slow parts (counts that may not be cached) only when
// they are ready within the site's part budget; otherwise it renders a
// placeholder marked data-part, and the script fetches the page again
// with partsHeader set, which makes the server wait for them, and swaps
// the parts in. The work a first request started goes on in the
// background and is shared by every request asking for the same part, so
// the second request finds it done or joins it.

// partsHeader asks the server to wait for every part.
const partsHeader = "Callboard-Parts"

// partTimeout bounds one part's work, the wait for its turn included.
const partTimeout = 30 * time.Second

// maxPartsRunning bounds the parts computed at once: a burst of views
// whose counts are not cached must not take every database connection
// (SQLite has four) nor every core from the pages: with half the cores,
// a two-core server keeps one for pages while a kind's facets are counted.
var maxPartsRunning = max(1, runtime.NumCPU()/2)

// maxCountsRunning bounds the page counts computed at once. A count a
// page gave up waiting for goes on in the background, and with one slot
// the next page's count (5 ms) queued behind it (66 ms) and missed its
// deadline too.
var maxCountsRunning = max(2, runtime.NumCPU())

// flights runs each part once at a time per key, and at most
// maxPartsRunning parts at once, and as many counts beside them: a page
// waits for its count, so counts must not queue behind a kind's facets.
type flights struct {
	mu       sync.Mutex
	m        map[string]*flight
	running  chan struct{}
	counting chan struct{}
}

type flight struct {
	done chan struct{}
	val  any
	err  error
}

func newFlights() *flights {
	return &flights{m: map[string]*flight{}, running: make(chan struct{}, maxPartsRunning), counting: make(chan struct{}, maxCountsRunning)}
}

// do returns the running flight for key, starting fn in one if there is
// none. fn runs with its own context: the work outlives the request that
// started it, so the next request can use it.
func (f *flights) do(key string, fn func(ctx context.Context) (any, error)) *flight {
	return f.doIn(f.running, key, fn)
}

// doIn is do with the slots fn waits for.
func (f *flights) doIn(slots chan struct{}, key string, fn func(ctx context.Context) (any, error)) *flight {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.m[key]; ok {
		return c
	}
	c := &flight{done: make(chan struct{})}
	f.m[key] = c
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), partTimeout)
		defer cancel()
		select {
		case slots <- struct{}{}:
			c.val, c.err = fn(ctx)
			<-slots
		case <-ctx.Done():
			c.err = ctx.Err()
		}
		f.mu.Lock()
		delete(f.m, key)
		f.mu.Unlock()
		close(c.done)
	}()
	return c
}

// partsDeadline is when a page stops waiting for its parts: one budget
// for the whole page, from the start of its handler, so a page with two
// parts that are not ready waits one budget, not two.
func (s *site) partsDeadline() time.Time { return time.Now().Add(s.partBudget) }

// startPart starts fn as the part named key, or joins the one running, so
// it computes while the page does its own reads. key must name everything
// the value depends on, the reader's view of the catalog included.
func startPart[T any](s *site, key string, fn func(ctx context.Context) (T, error)) *flight {
	return s.parts.do(key, func(ctx context.Context) (any, error) { return fn(ctx) })
}

// startCount is startPart for a page's count, which has slots of its own.
func startCount(s *site, key string, fn func(ctx context.Context) (int, error)) *flight {
	return s.parts.doIn(s.parts.counting, key, func(ctx context.Context) (any, error) { return fn(ctx) })
}

// awaitPart returns a started part's value and true when it is ready by
// the deadline (any time, when the request asks to wait for its parts).
func awaitPart[T any](r *http.Request, f *flight, deadline time.Time) (T, bool, error) {
	var zero T
	result := func() (T, bool, error) {
		if f.err != nil {
			return zero, false, f.err
		}
		return f.val.(T), true, nil
	}
	select {
	case <-f.done: // ready, however late
		return result()
	default:
	}
	var budget <-chan time.Time
	if r.Header.Get(partsHeader) == "" {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		budget = t.C
	}
	select {
	case <-f.done:
		return result()
	case <-budget:
		return zero, false, nil
	case <-r.Context().Done():
		return zero, false, r.Context().Err()
	}
}

// part starts the part named key and waits for it until the deadline.
func part[T any](s *site, r *http.Request, deadline time.Time, key string, fn func(ctx context.Context) (T, error)) (T, bool, error) {
	return awaitPart[T](r, startPart(s, key, fn), deadline)
}
