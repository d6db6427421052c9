package github

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/integration/forgetest"
	"github.com/callboard/callboard/internal/integration/ratelimit"
	"github.com/callboard/callboard/internal/problem"
)

func files(n int) forgetest.Tree {
	t := forgetest.Tree{}
	for i := range n {
		t[fmt.Sprintf("c/%04d.yaml", i)] = fmt.Sprintf("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: c%04d}\n", i)
	}
	return t
}

func fileURLAt(i int) string {
	return fmt.Sprintf("https://github.com/org/repo/blob/main/c/%04d.yaml", i)
}

// When GitHub says the window is spent, the reader waits for the reset
// without asking again, or fails transiently when that is too long.
func TestPrimaryRateLimit(t *testing.T) {
	for _, tt := range []struct {
		name    string
		maxWait time.Duration
		wantErr bool
	}{{"waits for the reset", 2 * time.Hour, false}, {"too long to wait", time.Minute, true}} {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, Config{Token: "tok", RateLimit: ratelimit.Config{MaxWait: tt.maxWait}})
			e.fake.limit, e.fake.reset = 3, t0.Add(time.Hour)
			e.fake.setRepo("org/repo", "main", files(4))
			ctx := context.Background()
			for i := range 3 {
				if _, _, _, err := e.r.Read(ctx, fileURLAt(i), ""); err != nil {
					t.Fatal(err)
				}
			}
			_, _, _, err := e.r.Read(ctx, fileURLAt(3), "")
			if tt.wantErr {
				if !problem.Is(err, problem.ServiceUnavailableError) {
					t.Fatalf("fourth read = %v, want a ServiceUnavailableError", err)
				}
				if got := len(e.srv.Requests()); got != 3 {
					t.Errorf("%d requests, want 3: the spent window was asked again", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := e.clock.Now(); !got.Equal(t0.Add(time.Hour)) {
				t.Errorf("fourth read at %v, want at the reset %v", got, t0.Add(time.Hour))
			}
			if got := len(e.srv.Requests()); got != 4 {
				t.Errorf("%d requests, want 4", got)
			}
		})
	}
}

// GitHub's secondary limit (403 with Retry-After) and a 429 are waited out.
func TestSecondaryRateLimit(t *testing.T) {
	for _, status := range []int{http.StatusForbidden, http.StatusTooManyRequests} {
		e := setup(t, Config{Token: "tok"})
		e.fake.setRepo("org/repo", "main", files(1))
		e.fake.fail = forgetest.FailFirst(2, func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "20")
			fakeJSON(w, status, map[string]string{"message": "You have exceeded a secondary rate limit"})
		})
		if _, _, _, err := e.r.Read(context.Background(), fileURLAt(0), ""); err != nil {
			t.Fatalf("%d: %v", status, err)
		}
		if diff := cmp.Diff([]time.Duration{20 * time.Second, 20 * time.Second}, e.clock.Slept()); diff != "" {
			t.Errorf("%d: waits (-want +got):\n%s", status, diff)
		}
		if got := len(e.srv.Requests()); got != 3 {
			t.Errorf("%d: %d requests, want 3", status, got)
		}
	}
}

// Two readers of one token share its budget: together they never make
// more requests than it allows.
func TestBudgetSharedBetweenReaders(t *testing.T) {
	clock := forgetest.NewClock(t0)
	fake := newFakeGitHub(clock)
	fake.token = "tok"
	fake.setRepo("org/repo", "main", files(20))
	srv := forgetest.NewServer(t, fake)
	client := forge.NewClient(srv.Client(), ratelimit.NewBudgets(clock), 1<<20)
	cfg := Config{Token: "tok", APIBaseURL: srv.URL, RateLimit: ratelimit.Config{Requests: 10, MaxWait: time.Second}}
	a, err := New(cfg, client)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(cfg, client)
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		ok, later int
	)
	for i, r := range []*Reader{a, b, a, b} {
		wg.Go(func() {
			for j := range 5 {
				_, _, _, err := r.Read(context.Background(), fileURLAt(i*5+j), "")
				mu.Lock()
				switch {
				case err == nil:
					ok++
				case problem.Is(err, problem.ServiceUnavailableError):
					later++
				default:
					t.Error(err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if ok != 10 || later != 10 {
		t.Errorf("%d reads succeeded and %d were deferred, want 10 and 10", ok, later)
	}
	if got := len(srv.Requests()); got != 10 {
		t.Errorf("the server saw %d requests, want 10", got)
	}
}

// A first read of 1,000 files under a budget smaller than that spreads the
// requests out: no hour ever holds more than the budget. The reads are
// sequential so that the server's fake time of each request is the time
// it was taken from the budget (a concurrent sleeper moves the fake clock
// while a request is in flight, which real time would not).
func TestFirstReadNeverExceedsBudget(t *testing.T) {
	const n, budget = 1000, 400
	e := setup(t, Config{Token: "tok", RateLimit: ratelimit.Config{Requests: budget, MaxWait: 2 * time.Hour}})
	e.fake.setRepo("org/repo", "main", files(n))
	var (
		mu    sync.Mutex
		times []time.Time
	)
	fake := e.fake
	e.srv.SetHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, e.clock.Now())
		mu.Unlock()
		fake.ServeHTTP(w, r)
	}))
	readAll(t, e.r, n, nil, 1)
	if len(times) != n {
		t.Fatalf("%d requests, want %d", len(times), n)
	}
	for i := budget; i < len(times); i++ {
		if d := times[i].Sub(times[i-budget]); d < time.Hour {
			t.Fatalf("requests %d and %d are %v apart: more than %d in an hour", i-budget, i, d, budget)
		}
	}
}

// readAll reads files 0..n-1 with workers readers at a time, passing the
// etags in and returning the new ones.
func readAll(t testing.TB, r *Reader, n int, etags []string, workers int) []string {
	t.Helper()
	out := make([]string, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				etag := ""
				if etags != nil {
					etag = etags[i]
				}
				_, newEtag, notModified, err := r.Read(context.Background(), fileURLAt(i), etag)
				if err != nil {
					t.Error(err)
					continue
				}
				if etags != nil && !notModified {
					t.Errorf("file %d was read again although unchanged", i)
				}
				out[i] = newEtag
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}
