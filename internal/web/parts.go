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

// flights runs each part once at a time per key, and at most
// maxPartsRunning parts at once.
type flights struct {
	mu      sync.Mutex
	m       map[string]*flight
	running chan struct{}
}

type flight struct {
	done chan struct{}
	val  any
	err  error
}

func newFlights() *flights {
	return &flights{m: map[string]*flight{}, running: make(chan struct{}, maxPartsRunning)}
}

// do returns the running flight for key, starting fn in one if there is
// none. fn runs with its own context: the work outlives the request that
// started it, so the next request can use it.
func (f *flights) do(key string, fn func(ctx context.Context) (any, error)) *flight {
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
		case f.running <- struct{}{}:
			c.val, c.err = fn(ctx)
			<-f.running
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

// part runs fn as the part named key of the request's page and returns
// its value and true when it is ready in time. key must name everything
// the value depends on, the reader's view of the catalog included.
func part[T any](s *site, r *http.Request, key string, fn func(ctx context.Context) (T, error)) (T, bool, error) {
	var zero T
	f := s.parts.do(key, func(ctx context.Context) (any, error) { return fn(ctx) })
	var budget <-chan time.Time
	if r.Header.Get(partsHeader) == "" {
		t := time.NewTimer(s.partBudget)
		defer t.Stop()
		budget = t.C
	}
	select {
	case <-f.done:
		if f.err != nil {
			return zero, false, f.err
		}
		return f.val.(T), true, nil
	case <-budget:
		return zero, false, nil
	case <-r.Context().Done():
		return zero, false, r.Context().Err()
	}
}
