package e2e

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	_ "modernc.org/sqlite" // reads the killed server's checkpoints
)

// The fault-injection test runs the real callboard binary, kills it with
// SIGKILL at chosen points of a durable workflow, starts it again on the
// same database and checks that every task completes with each side effect
// done exactly once. Side effects are lines that testdata/faults/effect.sh
// appends to a file at the end of its run, so a run killed before its end
// leaves none.

// faultDeadline bounds every wait for the server or a task; generous, for
// a loaded machine.
const faultDeadline = 60 * time.Second

// faultPoll is how often the test looks at a task.
const faultPoll = 50 * time.Millisecond

func TestFaultInjection(t *testing.T) {
	if testing.Short() {
		t.Skip("fault-injection test skipped in -short mode")
	}
	bin := buildCallboard(t)
	testdata, err := filepath.Abs(filepath.Join("testdata", "faults"))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("action running", func(t *testing.T) {
		t.Parallel()
		f := newFaultRig(t, bin, testdata)
		f.start()
		id := f.createTask("fault-action")
		f.waitStep(id, "slow", "processing")
		f.kill()
		if got := f.effects(); !slices.Equal(got, []string{id + " first -"}) {
			t.Fatalf("side effects when killed = %q, want only the first step's: the slow step ended before the kill", got)
		}
		f.start()
		out := f.waitCompleted(id)
		f.checkEffects(id, []string{"first -", "slow -", "last -"})
		want := map[string]any{"first": id + " first -", "slow": id + " slow -", "last": id + " last -"}
		if diff := cmp.Diff(want, out); diff != "" {
			t.Errorf("output (-want +got):\n%s", diff)
		}
		f.checkAttempts(id, map[string]int{"first": 1, "slow": 1, "last": 1})
	})

	t.Run("waiting for approval", func(t *testing.T) {
		t.Parallel()
		f := newFaultRig(t, bin, testdata)
		f.start()
		id := f.createTask("fault-approval")
		f.waitStatus(id, "waiting")
		f.kill()
		f.start()
		// Parked in the database, the task stays waiting after the
		// restart until someone decides.
		if got := f.task(id).Status; got != "waiting" {
			t.Fatalf("status after restart = %q, want waiting", got)
		}
		f.waitStep(id, "approval", "waiting")
		f.kill()
		f.start()
		f.call(http.MethodPost, "/api/scaffolder/v2/tasks/"+id+"/steps/approval/decision",
			map[string]any{"decision": "approve", "comment": "after two restarts"}, http.StatusOK, nil)
		out := f.waitCompleted(id)
		f.checkEffects(id, []string{"before -", "after -"})
		want := map[string]any{"decision": "approve", "comment": "after two restarts", "after": id + " after -"}
		if diff := cmp.Diff(want, out); diff != "" {
			t.Errorf("output (-want +got):\n%s", diff)
		}
		f.checkAttempts(id, map[string]int{"before": 1, "approval": 1, "after": 1})
	})

	t.Run("sleeping", func(t *testing.T) {
		t.Parallel()
		f := newFaultRig(t, bin, testdata)
		f.start()
		id := f.createTask("fault-sleep")
		created := f.task(id).CreatedAt
		f.waitStatus(id, "waiting")
		f.kill()
		f.start()
		out := f.waitCompleted(id)
		f.checkEffects(id, []string{"before -", "after -"})
		if got, _ := out["after"].(string); got != id+" after -" {
			t.Errorf("output after = %q", got)
		}
		// The restart did not cut the sleep short (sleptUntil is in whole
		// seconds).
		slept, _ := out["sleptUntil"].(string)
		until, err := time.Parse(time.RFC3339, slept)
		if err != nil {
			t.Errorf("output sleptUntil = %q: %v", slept, err)
		} else if early := created.Add(4*time.Second - time.Second); until.Before(early) {
			t.Errorf("slept until %s, before %s (4 s after the task was created)", until, early)
		}
		f.checkAttempts(id, map[string]int{"before": 1, "nap": 1, "after": 1})
	})

	t.Run("parallel fan-out", func(t *testing.T) {
		t.Parallel()
		f := newFaultRig(t, bin, testdata)
		f.start()
		id := f.createTask("fault-fanout")
		done := f.waitCheckpointed(id, "fan")
		f.kill()
		t.Logf("killed with fan-out iterations %v recorded", done)
		f.start()
		out := f.waitCompleted(id)
		f.checkEffects(id, []string{"seed -", "fan 1", "fan 2", "fan 3", "fan 4", "fan 5", "fan 6", "fanin 6"})
		var lines []any
		for n := 1; n <= 6; n++ {
			lines = append(lines, fmt.Sprintf("%s fan %d", id, n))
		}
		want := map[string]any{"lines": lines, "fanin": id + " fanin 6"}
		if diff := cmp.Diff(want, out); diff != "" {
			t.Errorf("output (-want +got):\n%s", diff)
		}
		f.checkAttempts(id, map[string]int{"seed": 1, "fan": 1, "fanin": 1})
	})
}

// buildCallboard builds the callboard binary once for the test.
func buildCallboard(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go tool to build callboard with: %v", err)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "callboard")
	cmd := exec.Command(goTool, "build", "-o", bin, "./cmd/callboard")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/callboard: %v\n%s", err, out)
	}
	return bin
}

// faultRig is one callboard server on its own database, started and
// killed by the test.
type faultRig struct {
	t          *testing.T
	bin        string
	dir        string
	config     string
	db         string
	effectFile string
	logFile    *os.File
	base       string
	cmd        *exec.Cmd
	exited     chan struct{}
	client     *http.Client
}

func newFaultRig(t *testing.T, bin, testdata string) *faultRig {
	t.Helper()
	dir := t.TempDir()
	f := &faultRig{
		t:          t,
		bin:        bin,
		dir:        dir,
		config:     filepath.Join(dir, "app-config.yaml"),
		db:         filepath.Join(dir, "callboard.db"),
		effectFile: filepath.Join(dir, "effects.txt"),
		client:     &http.Client{Timeout: 20 * time.Second},
	}
	port := freePort(t)
	f.base = "http://127.0.0.1:" + strconv.Itoa(port)
	if err := os.WriteFile(f.config, []byte(faultConfig(port, dir, testdata)), 0o644); err != nil {
		t.Fatal(err)
	}
	log, err := os.Create(filepath.Join(dir, "callboard.log"))
	if err != nil {
		t.Fatal(err)
	}
	f.logFile = log
	t.Cleanup(func() {
		f.stop()
		log.Close()
		if t.Failed() {
			b, _ := os.ReadFile(log.Name())
			t.Logf("server log:\n%s", tail(b, 60))
		}
	})
	return f
}

// faultConfig is the app-config of a fault-injection server: SQLite in
// dir, every request acting as the guest, leases that lapse after 2 s,
// and fault:effect running effect.sh.
func faultConfig(port int, dir, testdata string) string {
	q := strconv.Quote
	return fmt.Sprintf(`backend:
  baseUrl: http://127.0.0.1:%[1]d
  listen: {host: 127.0.0.1, port: %[1]d}
  database:
    client: better-sqlite3
    connection: %[2]s
  workingDirectory: %[3]s
  auth:
    dangerouslyDisableDefaultAuthPolicy: true
auth:
  environment: development
catalog:
  locations:
    - {type: file, target: %[4]s}
  rules:
    - allow: [Template]
scaffolder:
  taskRecovery:
    staleTimeout: 2s
  externalActions:
    - id: fault:effect
      description: Sleeps, then appends a line to a file
      type: exec
      command: [/bin/sh, %[5]s]
      env: [PATH]
      timeout: 30s
      input:
        type: object
        required: [file, sleep, iteration]
`, port, q(filepath.Join(dir, "callboard.db")), q(filepath.Join(dir, "work")),
		q(filepath.Join(testdata, "templates.yaml")), q(filepath.Join(testdata, "effect.sh")))
}

// freePort returns a port nothing listens on; the server takes it again
// after each restart.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// start runs the server and waits until it answers and its catalog has
// the templates.
func (f *faultRig) start() {
	f.t.Helper()
	fmt.Fprintf(f.logFile, "=== start %s\n", time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(f.bin, "serve", "--config", f.config)
	cmd.Dir = f.dir
	cmd.Stdout, cmd.Stderr = f.logFile, f.logFile
	if err := cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	f.cmd, f.exited = cmd, make(chan struct{})
	go func(exited chan struct{}) {
		_ = cmd.Wait()
		close(exited)
	}(f.exited)
	f.poll("the server to serve the templates", func() bool {
		select {
		case <-f.exited:
			f.t.Fatalf("callboard exited while starting: %v", cmd.ProcessState)
		default:
		}
		res, err := f.client.Get(f.base + "/api/catalog/entities/by-name/template/default/fault-fanout")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
}

// kill ends the server with SIGKILL: no shutdown, no lease released.
func (f *faultRig) kill() {
	f.t.Helper()
	if err := f.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		f.t.Fatalf("kill callboard: %v", err)
	}
	<-f.exited
	fmt.Fprintf(f.logFile, "=== killed %s\n", time.Now().Format(time.RFC3339Nano))
	f.cmd = nil
	// Connections to the dead process must not be reused for a POST.
	f.client.CloseIdleConnections()
}

// stop kills the server if it runs.
func (f *faultRig) stop() {
	if f.cmd != nil {
		_ = f.cmd.Process.Signal(syscall.SIGKILL)
		<-f.exited
		f.cmd = nil
	}
}

// poll calls cond until it holds, failing the test after faultDeadline.
func (f *faultRig) poll(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(faultDeadline)
	for !cond() {
		if time.Now().After(deadline) {
			f.t.Fatalf("gave up after %s waiting for %s", faultDeadline, what)
		}
		time.Sleep(faultPoll)
	}
}

// call sends a JSON request and decodes the answer into out, failing the
// test on another status than want.
func (f *faultRig) call(method, path string, body any, want int, out any) {
	f.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			f.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, f.base+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := f.client.Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	if res.StatusCode != want {
		f.t.Fatalf("%s %s = %d, want %d: %s", method, path, res.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			f.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

// createTask starts a task of a template that records its side effects in
// the rig's file.
func (f *faultRig) createTask(template string) string {
	f.t.Helper()
	var created struct {
		ID string `json:"id"`
	}
	f.call(http.MethodPost, "/api/scaffolder/v2/tasks", map[string]any{
		"templateRef": "template:default/" + template,
		"values":      map[string]any{"effects": f.effectFile},
	}, http.StatusCreated, &created)
	if created.ID == "" {
		f.t.Fatal("the created task has no id")
	}
	return created.ID
}

type faultTask struct {
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"createdAt"`
}

func (f *faultRig) task(id string) faultTask {
	f.t.Helper()
	var task faultTask
	f.call(http.MethodGet, "/api/scaffolder/v2/tasks/"+id, nil, http.StatusOK, &task)
	return task
}

// waitStatus waits until the task has a status; a task that ends before
// fails the test.
func (f *faultRig) waitStatus(id, status string) {
	f.t.Helper()
	f.poll("task status "+status, func() bool {
		got := f.task(id).Status
		if got != status && (got == "completed" || got == "failed" || got == "cancelled") {
			f.t.Fatalf("task ended %s while the test waited for %s", got, status)
		}
		return got == status
	})
}

// waitStep waits until a step of the task has a status, by its graph.
func (f *faultRig) waitStep(id, step, status string) {
	f.t.Helper()
	f.poll("step "+step+" "+status, func() bool {
		var g struct {
			Nodes []struct {
				ID     string `json:"id"`
				Status string `json:"status"`
			} `json:"nodes"`
		}
		f.call(http.MethodGet, "/api/scaffolder/v2/tasks/"+id+"/graph", nil, http.StatusOK, &g)
		for _, n := range g.Nodes {
			if n.ID == step {
				return n.Status == status
			}
		}
		f.t.Fatalf("the task's graph has no step %s", step)
		return false
	})
}

// waitCompleted waits for the task to complete and returns its output,
// from its completion event.
func (f *faultRig) waitCompleted(id string) map[string]any {
	f.t.Helper()
	f.waitStatus(id, "completed")
	var events []struct {
		Type string `json:"type"`
		Body struct {
			Output map[string]any `json:"output"`
		} `json:"body"`
	}
	f.call(http.MethodGet, "/api/scaffolder/v2/tasks/"+id+"/events", nil, http.StatusOK, &events)
	for _, ev := range events {
		if ev.Type == "completion" {
			return ev.Body.Output
		}
	}
	f.t.Fatalf("completed task %s has no completion event", id)
	return nil
}

// waitCheckpointed waits until the three quick iterations of a fan-out
// step (fault-fanout) have run and the database holds their outputs, and
// returns their keys: the point a killed server must resume from without
// running them again. Waiting for all three, not for some, keeps the kill
// away from a quick iteration's side effect: the slow ones write theirs
// seconds later.
func (f *faultRig) waitCheckpointed(id, step string) []string {
	f.t.Helper()
	db, err := sql.Open("sqlite", "file:"+f.db+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		f.t.Fatal(err)
	}
	defer db.Close()
	var keys []string
	f.poll("the quick iterations of "+step+" recorded", func() bool {
		var raw sql.NullString
		if err := db.QueryRow(`SELECT state FROM scaffolder_tasks WHERE id = $1`, id).Scan(&raw); err != nil {
			f.t.Fatalf("read task state: %v", err)
		}
		var state struct {
			Checkpoints map[string]struct {
				Status string `json:"status"`
			} `json:"checkpoints"`
		}
		if raw.String != "" {
			if err := json.Unmarshal([]byte(raw.String), &state); err != nil {
				f.t.Fatalf("decode task state %s: %v", raw.String, err)
			}
		}
		prefix := "v1.task.iteration." + step + "."
		keys = keys[:0]
		for k, c := range state.Checkpoints {
			if c.Status == "success" && strings.HasPrefix(k, prefix) {
				keys = append(keys, strings.TrimPrefix(k, prefix))
			}
		}
		slices.Sort(keys)
		if len(keys) == 6 {
			f.t.Fatalf("every iteration of %s ended before the kill", step)
		}
		// Every iteration whose line is written is in the database: none
		// is between its side effect and its checkpoint.
		return len(keys) >= 3 && len(keys) == f.countEffects(id, step)
	})
	return keys
}

// effects returns the lines of the side-effect file.
func (f *faultRig) effects() []string {
	f.t.Helper()
	b, err := os.ReadFile(f.effectFile)
	if os.IsNotExist(err) || err == nil && len(b) == 0 {
		return nil
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// countEffects counts the side effects of a step.
func (f *faultRig) countEffects(id, step string) int {
	n := 0
	for _, l := range f.effects() {
		if strings.HasPrefix(l, id+" "+step+" ") {
			n++
		}
	}
	return n
}

// checkEffects checks that the file holds each "<step> <iteration>" of the
// task exactly once, and nothing else.
func (f *faultRig) checkEffects(id string, want []string) {
	f.t.Helper()
	var got []string
	for _, l := range f.effects() {
		fields := strings.Fields(l)
		if len(fields) != 3 || fields[0] != id {
			f.t.Errorf("unexpected side effect %q", l)
			continue
		}
		got = append(got, fields[1]+" "+fields[2])
	}
	slices.Sort(got)
	want = slices.Sorted(slices.Values(want))
	if diff := cmp.Diff(want, got); diff != "" {
		f.t.Errorf("side effects (-want +got):\n%s", diff)
	}
}

// checkAttempts checks how many ended attempts each step has in the
// task's history: a step resumed after the kill has one.
func (f *faultRig) checkAttempts(id string, want map[string]int) {
	f.t.Helper()
	var history struct {
		Items []struct {
			StepID string `json:"stepId"`
			Status string `json:"status"`
		} `json:"items"`
	}
	f.call(http.MethodGet, "/api/scaffolder/v2/tasks/"+id+"/history", nil, http.StatusOK, &history)
	got := map[string]int{}
	for _, it := range history.Items {
		got[it.StepID]++
		if it.Status != "completed" {
			f.t.Errorf("step %s has an attempt that ended %s", it.StepID, it.Status)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		f.t.Errorf("ended attempts per step (-want +got):\n%s", diff)
	}
}

// tail returns the last n lines of b, leaving out request logs.
func tail(b []byte, n int) string {
	var lines []string
	for l := range strings.Lines(string(b)) {
		if !strings.Contains(l, `msg="http request"`) {
			lines = append(lines, strings.TrimSuffix(l, "\n"))
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
