package github

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/integration/forgetest"
	"github.com/callboard/callboard/internal/integration/ratelimit"
)

const rereadFiles = 1000

// statusRecorder counts what a GitHub-like server answered.
type statusRecorder struct {
	mu          sync.Mutex
	requests    int
	conditional int // requests with If-None-Match
	notModified int // answered 304
}

func (s *statusRecorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.requests++
		if r.Header.Get("If-None-Match") != "" {
			s.conditional++
		}
		if sw.status == http.StatusNotModified {
			s.notModified++
		}
	})
}

func (s *statusRecorder) take() (requests, conditional, notModified int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	requests, conditional, notModified = s.requests, s.conditional, s.notModified
	s.requests, s.conditional, s.notModified = 0, 0, 0
	return
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// rereadSetup serves 1,000 catalog files from a GitHub-like server that
// enforces 5,000 requests an hour, and reads them all once under the
// reader's default 5,000/hour token budget (real clock).
func rereadSetup(tb testing.TB) (*Reader, *statusRecorder, []string, time.Duration) {
	clock := forgetest.NewClock(time.Now()) // the fake GitHub's window only
	fake := newFakeGitHub(clock)
	fake.token = "ghp_bench"
	fake.limit, fake.reset = 5000, time.Now().Add(time.Hour)
	fake.setRepo("org/repo", "main", files(rereadFiles))
	rec := &statusRecorder{}
	srv := forgetest.NewServer(tb, rec.wrap(fake))
	hc := srv.Client()
	hc.Transport.(*http.Transport).MaxIdleConnsPerHost = 16
	r, err := New(Config{Token: "ghp_bench", APIBaseURL: srv.URL}, forge.NewClient(hc, ratelimit.NewBudgets(nil), 1<<20))
	if err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	etags := readAll(tb, r, rereadFiles, nil, 8)
	first := time.Since(start)
	requests, _, _ := rec.take()
	if requests != rereadFiles {
		tb.Fatalf("first read made %d requests, want %d", requests, rereadFiles)
	}
	if fake.used > 5000 {
		tb.Fatalf("first read used %d of GitHub's 5,000", fake.used)
	}
	if r.token.Limit().Requests != 5000 || r.token.Limit().Period != time.Hour {
		tb.Fatalf("token budget = %+v, want 5,000 an hour", r.token.Limit())
	}
	srv.Requests() // drop the recorded requests
	return r, rec, etags, first
}

// TestGitHubReread1000 is the performance requirement: a re-read of 1,000
// unchanged files makes only conditional requests, all answered 304, and
// takes at most 2 s.
func TestGitHubReread1000(t *testing.T) {
	if testing.Short() {
		t.Skip("performance test")
	}
	r, rec, etags, first := rereadSetup(t)
	start := time.Now()
	readAll(t, r, rereadFiles, etags, 8)
	reread := time.Since(start)
	requests, conditional, notModified := rec.take()
	t.Logf("first read: %d files, %d requests in %v; re-read: %d requests, %d conditional, %d answered 304, in %v",
		rereadFiles, rereadFiles, first.Round(time.Millisecond), requests, conditional, notModified, reread.Round(time.Millisecond))
	if requests != rereadFiles || conditional != rereadFiles || notModified != rereadFiles {
		t.Errorf("re-read: %d requests, %d conditional, %d answered 304; want %d of each", requests, conditional, notModified, rereadFiles)
	}
	if reread > 2*time.Second {
		t.Errorf("re-read took %v, want at most 2s", reread)
	}
}

// BenchmarkGitHubReread1000 measures one re-read of 1,000 unchanged files
// (eight at a time) from a GitHub-like server.
func BenchmarkGitHubReread1000(b *testing.B) {
	r, rec, etags, _ := rereadSetup(b)
	for b.Loop() {
		readAll(b, r, rereadFiles, etags, 8)
	}
	requests, conditional, notModified := rec.take()
	b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
	b.ReportMetric(float64(notModified)/float64(b.N), "304s/op")
	if conditional != requests || notModified != requests {
		b.Errorf("%d requests, %d conditional, %d answered 304", requests, conditional, notModified)
	}
}
