//go:build unix

package external

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// script writes a shell script to a temporary directory and returns an
// exec action that runs it.
func script(t *testing.T, c Config, body string) *action {
	t.Helper()
	path := filepath.Join(t.TempDir(), "action.sh")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	c.Type = TypeExec
	c.Command = []string{path, "--fast"}
	return build(t, c).(*action)
}

func TestExecSuccess(t *testing.T) {
	a := script(t, Config{}, `
cat > request.json
echo "provisioning $1" >&2
printf 'half a line, ' >&2
echo 'then the rest' >&2
echo '{"dbUrl": "postgres://db.internal/orders", "ready": true}'
`)
	s := newStep(t)
	if err := a.Run(context.Background(), s.ac); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"dbUrl": "postgres://db.internal/orders", "ready": true}
	if d := cmp.Diff(want, s.outputs); d != "" {
		t.Errorf("outputs (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"provisioning --fast", "half a line, then the rest"}, s.logLines()); d != "" {
		t.Errorf("log lines (-want +got):\n%s", d)
	}
	// The script ran in the workspace and read the request on stdin.
	raw, err := os.ReadFile(filepath.Join(s.ac.Workspace, "request.json"))
	if err != nil {
		t.Fatal(err)
	}
	var req map[string]any
	if err := json.Unmarshal(raw, &req); err != nil {
		t.Fatalf("request %s: %v", raw, err)
	}
	wantReq := map[string]any{
		"input":  map[string]any{"name": "orders-db", "size": float64(3)},
		"taskId": "task-1", "stepId": "db", "templateRef": "template:default/provision",
		"user": "user:default/ada", "dryRun": false,
	}
	if d := cmp.Diff(wantReq, req); d != "" {
		t.Errorf("request (-want +got):\n%s", d)
	}
}

func TestExecEnvAllowList(t *testing.T) {
	t.Setenv("CALLBOARD_TEST_ALLOWED", "yes")
	t.Setenv("CALLBOARD_TEST_HIDDEN", "no")
	a := script(t, Config{Env: []string{"CALLBOARD_TEST_ALLOWED", "CALLBOARD_TEST_NOT_SET"}}, `
echo "{\"allowed\": \"${CALLBOARD_TEST_ALLOWED-unset}\", \"hidden\": \"${CALLBOARD_TEST_HIDDEN-unset}\", \"home\": \"${HOME-unset}\", \"notSet\": \"${CALLBOARD_TEST_NOT_SET-unset}\"}"
`)
	s := newStep(t)
	if err := a.Run(context.Background(), s.ac); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"allowed": "yes", "hidden": "unset", "home": "unset", "notSet": "unset"}
	if d := cmp.Diff(want, s.outputs); d != "" {
		t.Errorf("environment seen by the program (-want +got):\n%s", d)
	}
}

func TestExecFailures(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		body string
		want []string
	}{
		{name: "exit code", body: "echo 'first' >&2\necho 'database quota exceeded' >&2\nexit 3\n",
			want: []string{"acme:db:provision: exited with code 3: database quota exceeded"}},
		{name: "exit code without stderr", body: "exit 2\n", want: []string{"exited with code 2"}},
		{name: "signal", body: "echo 'about to crash' >&2\nkill -SEGV $$\n",
			want: []string{"killed by signal SIGSEGV (segmentation fault): about to crash"}},
		{name: "invalid JSON", body: "echo 'provisioned!'\n",
			want: []string{"output is not valid JSON: invalid character 'p' looking for beginning of value at byte 1"}},
		{name: "not an object", body: "echo '[1, 2]'\n", want: []string{"output must be a JSON object, got an array"}},
		{name: "endless stdout", cfg: Config{MaxOutputBytes: 1024},
			body: "while :; do echo '0123456789012345678901234567890123456789'; done\n",
			want: []string{"output larger than 1024 bytes"}},
		{name: "schema", cfg: Config{Output: map[string]any{"type": "object", "required": []any{"dbUrl"}}},
			body: "echo '{}'\n", want: []string{"output does not match its schema: output: missing property 'dbUrl'"}},
		{name: "secret in stderr", body: "echo 'bad token s3cr3t-token-value' >&2\nexit 1\n",
			want: []string{"exited with code 1: bad token ***"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := script(t, tt.cfg, tt.body)
			s := newStep(t)
			start := time.Now()
			wantErr(t, a, s, tt.want...)
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("Run took %v", d)
			}
			if len(s.outputs) != 0 {
				t.Errorf("outputs = %v after an error, want none", s.outputs)
			}
			for _, l := range s.logLines() {
				if strings.Contains(l, "s3cr3t-token-value") {
					t.Errorf("log line %q shows a secret", l)
				}
			}
		})
	}
}

func TestExecNotFound(t *testing.T) {
	a := build(t, Config{Type: TypeExec, Command: []string{"/nonexistent/provision"}}).(*action)
	wantErr(t, a, newStep(t), "acme:db:provision: run /nonexistent/provision:", "no such file or directory")
}

func TestExecTimeoutKillsProcessGroup(t *testing.T) {
	a := script(t, Config{Timeout: 300 * time.Millisecond, Env: []string{"PATH"}}, `
sleep 30 &
echo $! > child.pid
wait
`)
	s := newStep(t)
	start := time.Now()
	wantErr(t, a, s, "acme:db:provision: timed out after 300ms")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Run took %v after a 300ms timeout", d)
	}
	raw, err := os.ReadFile(filepath.Join(s.ac.Workspace, "child.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("the script's child sleep (pid %d) outlived the timeout", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive reports whether pid is a running process; a zombie waiting for
// its reaper counts as dead.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return !errors.Is(err, os.ErrNotExist)
	}
	// The state follows the command name in parentheses: "pid (comm) S ...".
	rest := stat[strings.LastIndexByte(string(stat), ')')+1:]
	return !strings.HasPrefix(strings.TrimSpace(string(rest)), "Z")
}

func TestExecCancelled(t *testing.T) {
	a := script(t, Config{Env: []string{"PATH"}}, "touch started\nsleep 30\n")
	s := newStep(t)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for {
			if _, err := os.Stat(filepath.Join(s.ac.Workspace, "started")); err == nil {
				cancel()
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	start := time.Now()
	err := a.Run(ctx, s.ac)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run error = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Run took %v after it was cancelled", d)
	}
}

func TestExecStderrLogLimit(t *testing.T) {
	a := script(t, Config{MaxOutputBytes: 100}, `
i=0
while [ $i -lt 50 ]; do echo "line $i" >&2; i=$((i+1)); done
echo "last words" >&2
exit 1
`)
	s := newStep(t)
	wantErr(t, a, s, "exited with code 1: last words")
	lines := s.logLines()
	if len(lines) > 20 {
		t.Errorf("%d log lines for 100 bytes of budget, want the log cut short", len(lines))
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, "longer than the log limit") {
		t.Errorf("last log line = %q, want the note that stderr was cut", last)
	}
}
