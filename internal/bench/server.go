package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// server is one `callboard serve` child process.
type server struct {
	cmd     *exec.Cmd
	log     *os.File
	logPath string
	base    string // http://127.0.0.1:<port>
	started time.Time
	done    chan struct{} // closed when the process has exited
	waitErr error
}

// startServer runs `bin serve --config config` with its output in logPath
// and extra environment env. The returned server is already running; the
// caller must stop it.
func startServer(bin, config, logPath, base string, env []string) (*server, error) {
	log, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("start server: %w", err)
	}
	cmd := exec.Command(bin, "serve", "--config", config)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Env = append(childEnviron(os.Environ()), env...)
	cmd.SysProcAttr = childAttr()
	s := &server{cmd: cmd, log: log, logPath: logPath, base: base, done: make(chan struct{})}
	s.started = time.Now()
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		s.waitErr = cmd.Wait()
		log.Close()
		close(s.done)
	}()
	return s, nil
}

// childEnviron drops APP_CONFIG_* overrides from environ, so the server
// runs with exactly the configuration the benchmark wrote.
func childEnviron(environ []string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "APP_CONFIG_") {
			out = append(out, kv)
		}
	}
	return out
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// exited reports whether the process has ended.
func (s *server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// exitError explains why the process ended, with the end of its log.
func (s *server) exitError() error {
	return fmt.Errorf("callboard serve exited (%v); last log lines:\n%s", s.waitErr, s.logTail(20))
}

// stop asks the process to shut down and kills it after grace.
func (s *server) stop(grace time.Duration) error {
	if s.exited() {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return nil
	case <-time.After(grace):
		s.kill()
		return fmt.Errorf("callboard serve did not stop within %s; killed", grace)
	}
}

// kill ends the process at once and waits for it; safe to call again.
func (s *server) kill() {
	if !s.exited() {
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// logTail returns the last n lines of the server's log.
func (s *server) logTail(n int) string {
	data, err := os.ReadFile(s.logPath)
	if err != nil {
		return err.Error()
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// waitReady polls the readiness endpoint every interval until it answers
// 200 and returns the time since the process started.
func (s *server) waitReady(ctx context.Context, c *http.Client, interval, timeout time.Duration) (time.Duration, error) {
	deadline := time.Now().Add(timeout)
	for {
		status, _, err := get(ctx, c, s.base+"/.backstage/health/v1/readiness")
		if err == nil && status == http.StatusOK {
			return time.Since(s.started), nil
		}
		if s.exited() {
			return 0, s.exitError()
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("not ready after %s (last answer %d, %v)", timeout, status, err)
		}
		if err := sleep(ctx, interval); err != nil {
			return 0, err
		}
	}
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// newClient returns an HTTP client that keeps connections alive for up to
// conns concurrent requests and sends token as a bearer token.
func newClient(conns int, token string) *http.Client {
	t := &http.Transport{
		Proxy:               nil, // the server is local; never go through a proxy
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns * 2,
		IdleConnTimeout:     time.Minute,
	}
	return &http.Client{Transport: bearer{token: "Bearer " + token, next: t}, Timeout: 30 * time.Second}
}

// bearer adds the Authorization header to every request.
type bearer struct {
	token string
	next  *http.Transport
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", b.token)
	return b.next.RoundTrip(r)
}

// closeIdle drops the client's idle connections.
func closeIdle(c *http.Client) {
	if b, ok := c.Transport.(bearer); ok {
		b.next.CloseIdleConnections()
	}
}

// newToken returns a random static access token.
func newToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return "cb-" + hex.EncodeToString(b)
}

// get fetches url and returns the status and body.
func get(ctx context.Context, c *http.Client, url string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	return do(c, req)
}

// do sends req and reads the whole body, so the connection is reused.
func do(c *http.Client, req *http.Request) (int, []byte, error) {
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("read %s: %w", req.URL.Path, err)
	}
	return resp.StatusCode, body, nil
}

// drain sends req and reads the whole body into nothing, so the connection
// is reused. The throughput phase uses it: reading each answer into a
// buffer of its own (a 145 KB page of 100 entities) would make the client
// collect about as much garbage as it reads, on the cores the server runs on.
func drain(c *http.Client, req *http.Request) (int, error) {
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return resp.StatusCode, fmt.Errorf("read %s: %w", req.URL.Path, err)
	}
	return resp.StatusCode, nil
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
