package external

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/callboard/callboard/plugin"
)

// waitDelay is how long a finished or killed program's output pipes may
// stay open (held by a child it left behind) before they are closed.
const waitDelay = time.Second

// maxLineBytes splits a longer stderr line into several log lines.
const maxLineBytes = 8 << 10

// execCaller runs a program with the request on stdin.
type execCaller struct {
	argv []string
	// env are the names of the variables passed on.
	env []string
}

func (e *execCaller) call(ctx context.Context, ac *plugin.ActionContext, body []byte, limit int64, redact func(string) string) ([]byte, error) {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	cmd := exec.CommandContext(ctx, e.argv[0], e.argv[1:]...)
	cmd.Dir = ac.Workspace
	cmd.Env = environ(e.env)
	cmd.Stdin = bytes.NewReader(body)
	stdout := &cappedBuffer{limit: limit, full: stop}
	stderr := &lineLogger{log: logger(ac), redact: redact, budget: limit}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = waitDelay
	inProcessGroup(cmd)
	err := cmd.Run()
	killGroup(cmd)
	stderr.flush()
	switch {
	case stdout.over:
		return nil, fmt.Errorf("output larger than %d bytes", limit)
	case errors.Is(err, exec.ErrWaitDelay):
		// The program exited successfully; something it started kept its
		// output open.
	case err != nil:
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return nil, fmt.Errorf("run %s: %w", e.argv[0], err)
		}
		msg := exitProblem(ee.ProcessState)
		if stderr.last != "" {
			msg += ": " + stderr.last
		}
		return nil, errors.New(msg)
	}
	return stdout.buf.Bytes(), nil
}

// environ returns the allow-listed variables of Callboard's environment;
// never nil, since a nil Env would pass everything on.
func environ(names []string) []string {
	env := []string{}
	for _, n := range names {
		if v, ok := os.LookupEnv(n); ok {
			env = append(env, n+"="+v)
		}
	}
	return env
}

// cappedBuffer keeps up to limit bytes and calls full once when more
// arrive, so that a program writing without end is stopped at once.
type cappedBuffer struct {
	buf   bytes.Buffer
	limit int64
	over  bool
	full  func()
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if c.over {
		return 0, errors.New("output limit reached")
	}
	if int64(c.buf.Len()+len(p)) > c.limit {
		c.over = true
		c.full()
		return 0, errors.New("output limit reached")
	}
	return c.buf.Write(p)
}

// lineLogger writes each line of a program's stderr to the step's log,
// until budget bytes have been logged; it remembers the last non-empty
// line for the error of a failed run.
type lineLogger struct {
	log     *slog.Logger
	redact  func(string) string
	budget  int64
	logged  int64
	partial []byte
	last    string
	muted   bool
}

func (l *lineLogger) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.partial = append(l.partial, p...)
			for len(l.partial) >= maxLineBytes {
				l.line(l.partial[:maxLineBytes])
				l.partial = append(l.partial[:0], l.partial[maxLineBytes:]...)
			}
			break
		}
		l.partial = append(l.partial, p[:i]...)
		l.line(l.partial)
		l.partial = l.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

func (l *lineLogger) flush() {
	if len(l.partial) > 0 {
		l.line(l.partial)
		l.partial = nil
	}
}

func (l *lineLogger) line(b []byte) {
	s := l.redact(strings.TrimRight(string(b), "\r"))
	if strings.TrimSpace(s) != "" {
		l.last = s
	}
	if l.muted {
		return
	}
	l.logged += int64(len(b))
	if l.logged > l.budget {
		l.muted = true
		l.log.Warn("stderr is longer than the log limit; the rest is not logged", "limit", l.budget)
		return
	}
	l.log.Info(s)
}
