package graph

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// DefaultRecycleBytes is how much DOT and layout text a worker
	// handles before it is replaced: about 400 drawings of a 200-entity
	// organisation. Graphviz keeps all of it in the worker's memory, which
	// then peaks near 160 MiB (190 MiB at 32 MiB), and the slowest
	// drawings copy no more than that memory.
	DefaultRecycleBytes = 16 << 20

	// workerStartTimeout bounds how long a new worker may take to say it
	// is ready.
	workerStartTimeout = 30 * time.Second
	// workerStopTimeout is how long Close lets workers exit on their own
	// before it kills them.
	workerStopTimeout = 5 * time.Second
	// startRetryAfter is how long layouts stay in this process after a
	// worker failed to start.
	startRetryAfter = time.Minute
)

var (
	// errNoWorker says no worker could be started: lay out in this process.
	errNoWorker = errors.New("no graphviz worker")
	// errClosed says the renderer was closed while a worker was starting.
	errClosed = errors.New("the renderer is closed")
)

// pool runs layouts in worker processes, one at a time in each.
type pool struct {
	argv, env []string
	recycle   int64
	log       *slog.Logger
	// slots hold the workers; a layout takes one, so it has its worker
	// to itself.
	slots chan *slot

	mu     sync.Mutex
	closed bool
	live   map[*worker]struct{} // started and not yet reaped
	// running counts the goroutines Close waits for: starts and reapers.
	running sync.WaitGroup

	// retryAt is when a worker may be started again after a failed start
	// (Unix nanoseconds); warned says the failure was logged.
	retryAt atomic.Int64
	warned  atomic.Bool
}

// slot is one place a worker runs. Only the layout holding the slot
// reads or changes it.
type slot struct {
	cur *worker
	// next is a replacement starting in the background.
	next *starting
}

// starting is a worker being started.
type starting struct {
	done chan struct{}
	w    *worker
	err  error
}

// worker is one child process.
type worker struct {
	cmd *exec.Cmd
	in  *os.File // the child's stdin
	out *bufio.Reader
	// outFile is the child's stdout, read through out.
	outFile *os.File
	// used is the DOT and layout text the worker has handled.
	used int64
	// exited is closed once the process has been reaped.
	exited chan struct{}
}

func newPool(o RendererOptions) *pool {
	p := &pool{
		argv:    o.Worker,
		env:     o.Env,
		recycle: o.RecycleBytes,
		log:     o.Logger,
		live:    map[*worker]struct{}{},
	}
	if p.recycle <= 0 {
		p.recycle = DefaultRecycleBytes
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	n := max(o.Workers, 1)
	p.slots = make(chan *slot, n)
	for range n {
		p.slots <- &slot{}
	}
	return p
}

// run lays dot out in a worker, or in this process when no worker can be
// started, and returns the output in format.
func (p *pool) run(ctx context.Context, format byte, dot string) ([]byte, error) {
	var s *slot
	select {
	case s = <-p.slots:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	out, err := p.runIn(ctx, s, format, dot)
	p.slots <- s
	if errors.Is(err, errNoWorker) {
		return run(ctx, format, dot)
	}
	return out, err
}

func (p *pool) runIn(ctx context.Context, s *slot, format byte, dot string) ([]byte, error) {
	if p.isClosed() {
		return nil, fmt.Errorf("%w: %w", errLayout, errClosed)
	}
	w, err := p.take(ctx, s)
	if err != nil {
		return nil, err
	}
	status, payload, err := w.do(ctx, format, dot)
	w.used += int64(len(dot) + len(payload))
	switch {
	case err != nil && err == ctx.Err():
		// The worker was killed mid-layout: its state is unknown.
		p.log.Info("graphviz worker stopped: its request ended", "pid", w.cmd.Process.Pid)
		p.discard(w)
		s.cur = nil
		return nil, ctx.Err()
	case err != nil:
		p.log.Warn("graphviz worker failed", "pid", w.cmd.Process.Pid, "error", err)
		p.discard(w)
		s.cur = nil
		return nil, fmt.Errorf("%w: worker: %v", errLayout, err)
	case status == statusFault:
		p.log.Warn("graphviz faulted in its worker", "pid", w.cmd.Process.Pid, "error", string(payload))
		p.retire(w)
		s.cur = nil
		return nil, fmt.Errorf("%w: %s", errLayout, payload)
	case status == statusError:
		return nil, fmt.Errorf("%w: %s", errLayout, payload)
	}
	if w.used > p.recycle && s.next == nil {
		s.next = p.start()
	}
	return payload, nil
}

// take returns the slot's worker, switching to its replacement once that
// is ready. It waits for a start only when there is no worker to use.
func (p *pool) take(ctx context.Context, s *slot) (*worker, error) {
	if s.cur != nil && s.cur.hasExited() {
		p.log.Warn("graphviz worker exited", "pid", s.cur.cmd.Process.Pid, "state", s.cur.cmd.ProcessState.String())
		p.discard(s.cur)
		s.cur = nil
	}
	if s.cur == nil && s.next == nil {
		if time.Now().UnixNano() < p.retryAt.Load() {
			return nil, errNoWorker
		}
		s.next = p.start()
	}
	if s.next == nil {
		return s.cur, nil
	}
	if s.cur == nil {
		select {
		case <-s.next.done:
		case <-ctx.Done():
			return nil, ctx.Err() // the start goes on for the next layout
		}
	}
	select {
	case <-s.next.done:
	default:
		return s.cur, nil // the replacement is not ready yet
	}
	next := s.next
	s.next = nil
	if next.err != nil {
		p.startFailed(next.err)
		if s.cur == nil {
			return nil, errNoWorker
		}
		return s.cur, nil
	}
	if s.cur != nil {
		p.retire(s.cur)
	}
	s.cur = next.w
	return s.cur, nil
}

// startFailed logs the first failed start and keeps layouts in this
// process for a while.
func (p *pool) startFailed(err error) {
	p.retryAt.Store(time.Now().Add(startRetryAfter).UnixNano())
	if p.warned.CompareAndSwap(false, true) {
		p.log.Warn("graphviz worker did not start; laying out in this process", "command", p.argv[0], "error", err)
	} else {
		p.log.Debug("graphviz worker did not start", "error", err)
	}
}

// start starts a worker in the background. Close may be waiting for the
// running goroutines, so the count grows only while the pool is open.
func (p *pool) start() *starting {
	st := &starting{done: make(chan struct{})}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		st.err = errClosed
		close(st.done)
		return st
	}
	p.running.Add(1)
	go func() {
		defer p.running.Done()
		defer close(st.done)
		st.w, st.err = p.spawn()
	}()
	return st
}

// spawn runs the worker command and waits for it to be ready.
func (p *pool) spawn() (*worker, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, os.Stderr
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		closeAll(inR, inW, outR, outW)
		return nil, errClosed
	}
	err = cmd.Start()
	// The child holds its own ends now.
	inR.Close()
	outW.Close()
	if err != nil {
		p.mu.Unlock()
		closeAll(inW, outR)
		return nil, err
	}
	w := &worker{cmd: cmd, in: inW, out: bufio.NewReaderSize(outR, 64<<10), outFile: outR, exited: make(chan struct{})}
	p.live[w] = struct{}{}
	p.running.Add(1)
	p.mu.Unlock()
	go func() {
		defer p.running.Done()
		_ = cmd.Wait() // reported by the layout that finds it gone
		p.mu.Lock()
		delete(p.live, w)
		p.mu.Unlock()
		close(w.exited)
	}()

	if err := w.awaitReady(); err != nil {
		p.discard(w)
		return nil, err
	}
	return w, nil
}

func (w *worker) awaitReady() error {
	if err := w.outFile.SetReadDeadline(time.Now().Add(workerStartTimeout)); err != nil {
		return err
	}
	got := make([]byte, len(workerReady))
	if n, err := io.ReadFull(w.out, got); err != nil {
		return fmt.Errorf("worker did not say it was ready: %w (read %q)", err, got[:n])
	}
	if string(got) != workerReady {
		return fmt.Errorf("worker did not say it was ready: read %q", got)
	}
	return w.outFile.SetReadDeadline(time.Time{})
}

// do sends one request and reads its answer. If ctx ends first, it kills
// the worker, which ends the read, and returns ctx.Err().
func (w *worker) do(ctx context.Context, format byte, dot string) (status byte, payload []byte, err error) {
	stop := context.AfterFunc(ctx, func() { _ = w.cmd.Process.Kill() })
	status, payload, err = w.roundTrip(format, dot)
	if !stop() {
		return 0, nil, ctx.Err()
	}
	return status, payload, err
}

func (w *worker) roundTrip(format byte, dot string) (status byte, payload []byte, err error) {
	if 1+len(dot) > maxRequestBytes {
		return 0, nil, fmt.Errorf("DOT of %d bytes is over the limit of %d", len(dot), maxRequestBytes-1)
	}
	req := make([]byte, 5, 5+len(dot))
	binary.BigEndian.PutUint32(req, uint32(1+len(dot)))
	req[4] = format
	if _, err := w.in.Write(append(req, dot...)); err != nil {
		return 0, nil, fmt.Errorf("send: %w", err)
	}
	status, err = w.out.ReadByte()
	if err != nil {
		return 0, nil, fmt.Errorf("read answer: %w", err)
	}
	if status != statusOK && status != statusError && status != statusFault {
		return 0, nil, fmt.Errorf("read answer: unknown status %q", status)
	}
	payload, err = readFrame(w.out, maxResponseBytes)
	if err != nil {
		return 0, nil, fmt.Errorf("read answer: %w", err)
	}
	return status, payload, nil
}

func (w *worker) hasExited() bool {
	select {
	case <-w.exited:
		return true
	default:
		return false
	}
}

// retire asks a worker to exit: it does once its stdin ends.
func (p *pool) retire(w *worker) {
	closeAll(w.in, w.outFile)
}

// discard kills a worker whose state is unknown.
func (p *pool) discard(w *worker) {
	_ = w.cmd.Process.Kill()
	closeAll(w.in, w.outFile)
}

func (p *pool) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// close asks every worker to exit, kills those still running after
// workerStopTimeout, and waits until all are reaped.
func (p *pool) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	var ws []*worker
	for w := range p.live {
		ws = append(ws, w)
	}
	p.mu.Unlock()
	for _, w := range ws {
		_ = w.in.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), workerStopTimeout)
	defer cancel()
	for _, w := range ws {
		select {
		case <-w.exited:
		case <-ctx.Done():
			_ = w.cmd.Process.Kill()
		}
	}
	// A start under way sees closed and kills its worker.
	p.running.Wait()
}

func closeAll(fs ...*os.File) {
	for _, f := range fs {
		_ = f.Close()
	}
}
