package graph

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// brokenWorker is a worker that says it is ready and then, on its first
// request, exits ("crash"), answers nonsense ("garbage") or reports a
// fault in Graphviz ("fault"). It returns the exit code.
func brokenWorker(mode string, r io.Reader, w io.Writer) int {
	in := bufio.NewReader(r)
	if _, err := io.WriteString(w, workerReady); err != nil {
		return 1
	}
	for {
		if _, err := readFrame(in, maxRequestBytes); err != nil {
			return 0
		}
		switch mode {
		case "crash":
			return 3
		case "garbage":
			if _, err := io.WriteString(w, "?not an answer"); err != nil {
				return 1
			}
		case "fault":
			_ = writeFrame(bufio.NewWriter(w), statusFault, []byte("graphviz fault: out of bounds memory access"))
			return 1
		default:
			return 2
		}
	}
}

// renderers are a renderer that lays out in this process and one that
// lays out in a worker process.
func renderers(t *testing.T) map[string]*Renderer {
	w := newWorkerRenderer(t, RendererOptions{})
	t.Cleanup(func() {
		if len(workerPIDs(w)) == 0 {
			t.Error("the worker renderer drew without a worker")
		}
	})
	return map[string]*Renderer{"in-process": NewRenderer(0), "worker": w}
}

// newWorkerRenderer is a renderer whose worker is this test binary,
// closed when the test ends.
func newWorkerRenderer(t *testing.T, o RendererOptions) *Renderer {
	r := NewRendererWith(testWorker(o))
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// workerPIDs are the process ids of r's current workers, one per slot
// that has one.
func workerPIDs(r *Renderer) []int {
	var pids []int
	var held []*slot
	for range cap(r.workers.slots) {
		s := <-r.workers.slots
		held = append(held, s)
		if s.cur != nil {
			pids = append(pids, s.cur.cmd.Process.Pid)
		}
	}
	for _, s := range held {
		r.workers.slots <- s
	}
	return pids
}

// livePIDs are the process ids of r's workers not yet reaped.
func livePIDs(r *Renderer) []int {
	if r.workers == nil {
		return nil
	}
	r.workers.mu.Lock()
	defer r.workers.mu.Unlock()
	var pids []int
	for w := range r.workers.live {
		pids = append(pids, w.cmd.Process.Pid)
	}
	return pids
}

// chain is a small DOT graph named by n, so that each n is laid out anew.
func chain(n int) string {
	return fmt.Sprintf("digraph { a%d -> b%d -> c%d }", n, n, n)
}

func TestServeWorker(t *testing.T) {
	// A request is a length and DOT.
	var in bytes.Buffer
	for _, req := range []string{"pdigraph { a -> b }", "pdigraph { a -> ", "sdigraph { c }", "xdigraph { d }"} {
		in.Write([]byte{0, 0, 0, byte(len(req))})
		in.WriteString(req)
	}
	var out bytes.Buffer
	if err := ServeWorker(&in, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), workerReady) {
		t.Fatalf("answer starts %q", out.String()[:min(out.Len(), 40)])
	}
	answers := bufio.NewReader(bytes.NewReader(out.Bytes()[len(workerReady):]))
	var got []string
	for {
		status, err := answers.ReadByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		payload, err := readFrame(answers, maxResponseBytes)
		if err != nil {
			t.Fatal(err)
		}
		text := string(payload)
		switch {
		case status == statusOK && bytes.HasPrefix(payload, []byte("graph ")):
			text = "plain " + fmt.Sprint(bytes.HasSuffix(payload, []byte("stop\n")))
		case status == statusOK:
			text = "svg " + fmt.Sprint(bytes.Contains(payload, []byte("<svg")))
		default:
			text = strings.SplitN(text, ":", 2)[0]
		}
		got = append(got, string(status)+" "+text)
	}
	want := []string{"+ plain true", "- parse", "+ svg true", "- no output format 'x'"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}

	// A request with no format ends the worker.
	if err := ServeWorker(bytes.NewReader([]byte{0, 0, 0, 0}), io.Discard); err == nil || !strings.Contains(err.Error(), "no output format") {
		t.Errorf("empty request: err = %v", err)
	}
	// A request cut short is an error, not the end of the input.
	if err := ServeWorker(bytes.NewReader([]byte{0, 0, 0, 9, 'd'}), io.Discard); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated request: err = %v", err)
	}
}

func TestWorkerDrawsAsInProcess(t *testing.T) {
	dot, err := os.ReadFile("testdata/booking-service.dot")
	if err != nil {
		t.Fatal(err)
	}
	w := newWorkerRenderer(t, RendererOptions{CacheBytes: -1})
	for _, dot := range []string{string(dot), chain(1)} {
		for _, format := range []byte{formatPlain, formatSVG} {
			want, err := NewRenderer(-1).run(context.Background(), format, dot)
			if err != nil {
				t.Fatal(err)
			}
			got, err := w.run(context.Background(), format, dot)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("the worker's %s output differs:\n%s", formatNames[format], cmp.Diff(string(want), string(got)))
			}
		}
	}
	if pids := workerPIDs(w); len(pids) != 1 {
		t.Errorf("workers %v, want one", pids)
	}
}

func TestWorkerBadDOT(t *testing.T) {
	r := newWorkerRenderer(t, RendererOptions{CacheBytes: -1})
	if _, err := r.run(context.Background(), formatPlain, chain(1)); err != nil {
		t.Fatal(err)
	}
	pids := workerPIDs(r)
	_, err := r.run(context.Background(), formatPlain, "digraph { a -> ")
	if !errors.Is(err, errLayout) || !strings.Contains(err.Error(), "parse") {
		t.Fatalf("err = %v, want a parse error wrapping errLayout", err)
	}
	if _, err := r.run(context.Background(), formatPlain, chain(2)); err != nil {
		t.Fatal(err)
	}
	if got := workerPIDs(r); !cmp.Equal(got, pids) {
		t.Errorf("workers %v after a bad graph, want still %v", got, pids)
	}
}

func TestWorkerRecycles(t *testing.T) {
	// Every drawing is over the threshold, so each one starts a
	// replacement, which takes over once it is ready.
	r := newWorkerRenderer(t, RendererOptions{CacheBytes: -1, RecycleBytes: 1})
	seen := map[int]bool{}
	deadline := time.Now().Add(time.Minute)
	for i := 0; len(seen) < 3; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("after %d drawings, workers %v: no recycling", i, seen)
		}
		if _, err := r.run(context.Background(), formatPlain, chain(i)); err != nil {
			t.Fatalf("drawing %d: %v", i, err)
		}
		for _, pid := range workerPIDs(r) {
			seen[pid] = true
		}
	}
	// The replaced workers exit: at most the current one and a
	// replacement remain.
	for time.Now().Before(deadline) && len(livePIDs(r)) > 2 {
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(livePIDs(r)); n > 2 {
		t.Errorf("%d workers running, want at most 2", n)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(livePIDs(r)); n != 0 {
		t.Errorf("%d workers running after Close", n)
	}
	if _, err := r.run(context.Background(), formatPlain, chain(-1)); !errors.Is(err, errLayout) {
		t.Errorf("drawing after Close: err = %v", err)
	}
}

// slowDOT is a graph Graphviz takes minutes to lay out.
func slowDOT() string {
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.WriteString("digraph {\n")
	const nodes = 2000
	for range 3 * nodes {
		fmt.Fprintf(&b, "n%d -> n%d\n", rng.IntN(nodes), rng.IntN(nodes))
	}
	b.WriteString("}\n")
	return b.String()
}

func TestWorkerCancelKills(t *testing.T) {
	r := newWorkerRenderer(t, RendererOptions{CacheBytes: -1})
	if _, err := r.run(context.Background(), formatPlain, chain(1)); err != nil {
		t.Fatal(err)
	}
	old := workerPIDs(r)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := r.run(ctx, formatPlain, slowDOT())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v after %v, want context.DeadlineExceeded", err, time.Since(start))
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the request took %v to end", took)
	}
	if _, err := r.run(context.Background(), formatPlain, chain(2)); err != nil {
		t.Fatal(err)
	}
	if got := workerPIDs(r); len(got) != 1 || got[0] == old[0] {
		t.Errorf("workers %v after the cancelled layout, want one other than %v", got, old)
	}
}

func TestWorkerBroken(t *testing.T) {
	for mode, want := range map[string]string{"crash": "worker: read answer: EOF", "garbage": "unknown status", "fault": "out of bounds"} {
		t.Run(mode, func(t *testing.T) {
			r := NewRendererWith(RendererOptions{CacheBytes: -1, Worker: []string{os.Args[0]}, Env: []string{workerEnv + "=" + mode}})
			defer r.Close()
			// Each drawing gets a new worker, which fails it.
			for i := range 2 {
				_, err := r.run(context.Background(), formatPlain, chain(i))
				if !errors.Is(err, errLayout) || !strings.Contains(err.Error(), want) {
					t.Fatalf("drawing %d: err = %v, want %q wrapping errLayout", i, err, want)
				}
				if got := workerPIDs(r); len(got) != 0 {
					t.Errorf("drawing %d: the broken worker %v was kept", i, got)
				}
			}
		})
	}
}

func TestWorkerMissingFallsBack(t *testing.T) {
	var logs syncBuffer
	r := NewRendererWith(RendererOptions{
		CacheBytes: -1,
		Worker:     []string{"callboard-no-such-graphviz-worker"},
		Logger:     slog.New(slog.NewTextHandler(&logs, nil)),
	})
	defer r.Close()
	for i := range 3 {
		plain, err := r.run(context.Background(), formatPlain, chain(i))
		if err != nil || !bytes.HasPrefix(plain, []byte("graph ")) {
			t.Fatalf("drawing %d: %q, %v", i, plain[:min(len(plain), 20)], err)
		}
	}
	if n := strings.Count(logs.String(), "graphviz worker did not start"); n != 1 {
		t.Errorf("logged %d times, want once:\n%s", n, logs.String())
	}
}

// syncBuffer is a buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{0, 0, 0, 2, 'h', 'i'})
	f.Add([]byte{0, 0, 0, 9, 'd'})
	f.Add([]byte{255, 255, 255, 255})
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := readFrame(bytes.NewReader(in), 1<<10)
		if err != nil {
			return
		}
		if len(in) < 4+len(got) || !bytes.Equal(got, in[4:4+len(got)]) {
			t.Errorf("readFrame(%q) = %q", in, got)
		}
	})
}
