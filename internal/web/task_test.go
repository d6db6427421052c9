package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/problem"
)

func TestGoldenTaskPages(t *testing.T) {
	tests := []struct {
		name   string
		target string
		status int
	}{
		{"task-running", "/create/tasks/t1", 200},
		{"task-completed", "/create/tasks/t2", 200},
		{"task-failed", "/create/tasks/t3", 200},
		{"task-missing", "/create/tasks/nope", 404},
		{"tasks-mine", "/create/tasks", 200},
		{"tasks-all", "/create/tasks?owner=all", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cat := createCatalog(t)
			sc := &fakeScaffolder{cat: cat}
			sampleTasks(sc)
			h := as(jane, createSite(t, cat, sc, nil))
			rec := send(t, h, http.MethodGet, tt.target, nil)
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			compareGolden(t, tt.name, rec.Body.String())
		})
	}
}

func TestTaskPage(t *testing.T) {
	cat := createCatalog(t)
	sc := &fakeScaffolder{cat: cat}
	sampleTasks(sc)
	h := as(jane, createSite(t, cat, sc, nil))

	running := send(t, h, http.MethodGet, "/create/tasks/t1", nil).Body.String()
	for _, want := range []string{
		`<noscript><meta http-equiv="refresh" content="3"></noscript>`,
		`data-task-stream="/create/tasks/t1/events" data-after="4" data-running`,
		`<span class="steps__time">350 ms</span>`,
		`<span class="steps__time" data-started="2026-05-06T07:08:10Z">2.0 s</span>`, // running since 1 s after start, now 3 s after
		`Pushing &lt;main&gt; to file:///srv/git/tide.git`,
		`action="/create/tasks/t1/cancel"`,
	} {
		if !strings.Contains(running, want) {
			t.Errorf("running task page lacks %q", want)
		}
	}
	done := send(t, h, http.MethodGet, "/create/tasks/t2", nil).Body.String()
	for _, want := range []string{
		`<a class="btn" href="https://git.example.com/harbour/tide">Repository</a>`,
		`<a class="btn" href="/catalog/default/component/tide">Open in catalog</a>`,
		`Bad <code>javascript:alert(1)</code>`,
		`<strong>make</strong>`,
		`<span class="steps__time">3 min 5 s</span>`,
	} {
		if !strings.Contains(done, want) {
			t.Errorf("completed task page lacks %q", want)
		}
	}
	for _, bad := range []string{"<script>alert(1)", "refresh", "/cancel"} {
		if strings.Contains(done, bad) {
			t.Errorf("completed task page has %q", bad)
		}
	}
}

func TestTaskCancel(t *testing.T) {
	cat := createCatalog(t)
	sc := &fakeScaffolder{cat: cat}
	sampleTasks(sc)
	var asked []string
	authorize := func(_ context.Context, name, ref string) error {
		asked = append(asked, name+" "+ref)
		if ref == "task:t2" {
			return problem.NotAllowed("You are not allowed to do this (%s).", name)
		}
		return nil
	}
	h := as(jane, createSite(t, cat, sc, authorize))
	rec := send(t, h, http.MethodPost, "/create/tasks/t1/cancel", url.Values{}, "Sec-Fetch-Site", "same-origin")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/create/tasks/t1" {
		t.Errorf("cancel: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	rec = send(t, h, http.MethodPost, "/create/tasks/t2/cancel", url.Values{}, "Sec-Fetch-Site", "same-origin")
	if rec.Code != http.StatusForbidden {
		t.Errorf("refused cancel: %d", rec.Code)
	}
	if diff := cmp.Diff([]string{"t1"}, sc.cancelled); diff != "" {
		t.Errorf("cancelled (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"scaffolder.task.cancel task:t1", "scaffolder.task.cancel task:t2"}, asked); diff != "" {
		t.Errorf("permission checks (-want +got):\n%s", diff)
	}
	// Reading a task is checked too.
	if rec := send(t, h, http.MethodGet, "/create/tasks/t2", nil); rec.Code != http.StatusForbidden {
		t.Errorf("refused read: %d", rec.Code)
	}
}

func TestTaskListRefused(t *testing.T) {
	cat := createCatalog(t)
	sc := &fakeScaffolder{cat: cat}
	sampleTasks(sc)
	refuse := func(_ context.Context, name, _ string) error {
		return problem.NotAllowed("You are not allowed to do this (%s).", name)
	}
	h := as(jane, createSite(t, cat, sc, refuse))
	for _, target := range []string{"/create/tasks", "/create/tasks?owner=all", "/create/tasks/t1/events"} {
		if rec := send(t, h, http.MethodGet, target, nil); rec.Code != http.StatusForbidden {
			t.Errorf("%s: %d", target, rec.Code)
		}
	}
	if rec := send(t, as(jane, createSite(t, cat, sc, nil)), http.MethodGet, "/create/tasks?owner=team", nil); rec.Code != http.StatusBadRequest {
		t.Errorf("unknown owner: %d", rec.Code)
	}
}

func TestTaskEventStream(t *testing.T) {
	cat := createCatalog(t)
	sc := &fakeScaffolder{cat: cat}
	sampleTasks(sc)
	h := as(jane, createSite(t, cat, sc, nil))
	rec := send(t, h, http.MethodGet, "/create/tasks/t3/events?after=20", nil)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	body := rec.Body.String()
	for _, want := range []string{
		"id: 21\nevent: log\ndata: {\"id\":21,\"taskId\":\"t1\",\"type\":\"log\",\"createdAt\":\"2026-05-06T07:08:09.000Z\",\"body\":{\"message\":\"InputError: fetch:template: url ./nope does not exist\",\"stepId\":\"fetch\",\"status\":\"failed\"}}\n\n",
		"id: 22\nevent: completion\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("stream lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "id: 20\n") {
		t.Error("the stream repeats an event before after")
	}
	// A reconnecting browser's Last-Event-ID counts as after.
	rec = send(t, h, http.MethodGet, "/create/tasks/t3/events", nil, "Last-Event-ID", "21")
	if strings.Contains(rec.Body.String(), "id: 21\n") || !strings.Contains(rec.Body.String(), "id: 22\n") {
		t.Errorf("Last-Event-ID not honoured:\n%s", rec.Body)
	}
	if rec := send(t, h, http.MethodGet, "/create/tasks/t3/events?after=x", nil); rec.Code != http.StatusBadRequest {
		t.Errorf("bad after: %d", rec.Code)
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second:                      "0 ms",
		350 * time.Millisecond:            "350 ms",
		4200 * time.Millisecond:           "4.2 s",
		3*time.Minute + 5*time.Second:     "3 min 5 s",
		2*time.Hour + 7*time.Minute + 1e9: "2 h 7 min",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
