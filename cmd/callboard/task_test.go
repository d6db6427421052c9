package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakePortal answers task creation and events as the scaffolder API does,
// asserting what the CLI sends.
func fakePortal(t *testing.T, status string) (*httptest.Server, *map[string]any) {
	t.Helper()
	var created map[string]any
	empty := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer secret" {
			t.Errorf("%s %s: Authorization %q", r.Method, r.URL, got)
		}
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/api/scaffolder/v2/tasks":
			b, _ := io.ReadAll(r.Body)
			if err := json.Unmarshal(b, &created); err != nil {
				t.Errorf("body %s: %v", b, err)
			}
			if created["templateRef"] == "template:default/missing" {
				w.WriteHeader(http.StatusNotFound)
				fmt.Fprint(w, `{"error":{"name":"NotFoundError","message":"Template template:default/missing not found"},"request":{},"response":{"statusCode":404}}`)
				return
			}
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"id":"task-1"}`)
		case r.Method == http.MethodPost && r.URL.Path == "/api/scaffolder/v2/tasks/task-1/replay":
			b, _ := io.ReadAll(r.Body)
			if err := json.Unmarshal(b, &created); err != nil {
				t.Errorf("body %s: %v", b, err)
			}
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"id":"task-1"}`)
		case r.Method == http.MethodPost && r.URL.Path == "/api/scaffolder/v2/tasks/task-2/replay":
			w.WriteHeader(http.StatusConflict)
			fmt.Fprint(w, `{"error":{"name":"ConflictError","message":"Task with taskId task-2 cannot be retried"},"request":{},"response":{"statusCode":409}}`)
		case r.Method == http.MethodGet && r.URL.Path == "/api/scaffolder/v2/tasks/task-1/events":
			switch r.URL.Query().Get("after") {
			case "":
				fmt.Fprint(w, `[{"id":1,"taskId":"task-1","type":"log","createdAt":"x","body":{"message":"Beginning step Fetch","stepId":"fetch","status":"processing"}}]`)
			case "1":
				// The long poll ends once with nothing new.
				if empty == 0 {
					empty++
					fmt.Fprint(w, `[]`)
					return
				}
				fallthrough
			default:
				fmt.Fprintf(w, `[{"id":2,"taskId":"task-1","type":"log","createdAt":"x","body":{"message":"Finished step Fetch","stepId":"fetch","status":"completed"}},
					{"id":3,"taskId":"task-1","type":"completion","createdAt":"x","body":{"message":"Run completed with status: %s"}}]`, status)
			}
		default:
			t.Errorf("unexpected %s %s", r.Method, r.URL)
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &created
}

func TestTaskRun(t *testing.T) {
	srv, created := fakePortal(t, "completed")
	dir := t.TempDir()
	valuesFile := filepath.Join(dir, "values.yaml")
	if err := os.WriteFile(valuesFile, []byte("name: web\nreplicas: 2\nowner: group:a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	env := map[string]string{"CALLBOARD_URL": srv.URL, "CALLBOARD_TOKEN": "secret"}
	code := cmdTaskRun(context.Background(), []string{"template:default/svc", "--values", valuesFile, "--set", "owner=group:b", "--set", "public=true", "--entity", "component:default/web"}, func(k string) string { return env[k] }, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	want := map[string]any{"templateRef": "template:default/svc", "values": map[string]any{"name": "web", "replicas": float64(2), "owner": "group:b", "public": true}, "entityRef": "component:default/web"}
	if diff := cmp.Diff(want, *created); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
	if stdout.String() != "task-1\n" {
		t.Errorf("stdout %q", stdout.String())
	}
}

func TestTaskRunFollow(t *testing.T) {
	for _, tt := range []struct {
		status string
		code   int
	}{{"completed", 0}, {"failed", 1}} {
		srv, _ := fakePortal(t, tt.status)
		var stdout, stderr bytes.Buffer
		args := []string{"--server", srv.URL + "/", "--token", "secret", "--follow", "template:default/svc"}
		code := cmdTaskRun(context.Background(), args, func(string) string { return "" }, &stdout, &stderr)
		if code != tt.code {
			t.Errorf("%s: exit %d, want %d: %s", tt.status, code, tt.code, stderr.String())
		}
		want := "task-1\n[fetch] Beginning step Fetch\n[fetch] Finished step Fetch\nRun completed with status: " + tt.status + "\n"
		if diff := cmp.Diff(want, stdout.String()); diff != "" {
			t.Errorf("%s: stdout (-want +got):\n%s", tt.status, diff)
		}
	}
}

func TestTaskRunErrors(t *testing.T) {
	srv, _ := fakePortal(t, "completed")
	env := func(k string) string {
		return map[string]string{"CALLBOARD_URL": srv.URL, "CALLBOARD_TOKEN": "secret"}[k]
	}
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"template:default/missing"}, 1, "callboard task run: NotFoundError: Template template:default/missing not found"},
		{nil, 2, "want one template ref"},
		{[]string{"a", "b"}, 2, "want one template ref"},
		{[]string{"a", "--set", "novalue"}, 2, `want KEY=VALUE, got "novalue"`},
		{[]string{"a", "--values", "/nonexistent/values.yaml"}, 1, "nonexistent"},
	} {
		var stdout, stderr bytes.Buffer
		code := cmdTaskRun(context.Background(), tt.args, env, &stdout, &stderr)
		if code != tt.code || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", tt.args, code, stderr.String(), tt.code, tt.want)
		}
	}
	var stderr bytes.Buffer
	if code := cmdTask(context.Background(), []string{"stop"}, io.Discard, &stderr); code != 2 || !strings.Contains(stderr.String(), `unknown command "stop"`) {
		t.Errorf("task stop: %d %q", code, stderr.String())
	}
}

func TestTaskReplay(t *testing.T) {
	srv, sent := fakePortal(t, "completed")
	env := map[string]string{"CALLBOARD_URL": srv.URL, "CALLBOARD_TOKEN": "secret"}
	getenv := func(k string) string { return env[k] }
	var stdout, stderr bytes.Buffer
	code := cmdTaskReplay(context.Background(), []string{"task-1", "--from-step", "publish", "--follow"}, getenv, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if diff := cmp.Diff(map[string]any{"fromStep": "publish"}, *sent); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(stdout.String(), "task-1\n") || !strings.Contains(stdout.String(), "Finished step Fetch") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
	stdout.Reset()
	code = cmdTaskReplay(context.Background(), []string{"task-2"}, getenv, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "ConflictError: Task with taskId task-2 cannot be retried") {
		t.Errorf("a running task: exit %d, stderr %q", code, stderr.String())
	}
	if code := cmdTaskReplay(context.Background(), nil, getenv, &stdout, &stderr); code != 2 {
		t.Errorf("no task id: exit %d", code)
	}
}
