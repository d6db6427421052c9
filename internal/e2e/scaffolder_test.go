package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// demoTemplate is the demo's software template, from the repository root.
const demoTemplate = "examples/templates/tidewater-service/template.yaml"

// slowTemplate waits between two log lines, so a page can follow it run
// (and be cancelled).
const slowTemplate = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: slow-job
  title: Slow job
  tags: [test]
spec:
  owner: group:default/keel-team
  type: job
  parameters:
    - title: Timing
      properties:
        seconds:
          title: Seconds
          type: integer
          default: 2
  steps:
    - id: start
      name: Start
      action: debug:log
      input:
        message: starting
    - id: wait
      name: Wait
      action: debug:wait
      input:
        seconds: ${{ parameters.seconds }}
    - id: end
      name: End
      action: debug:log
      input:
        message: all done
  output:
    text:
      - title: Result
        content: Waited **${{ parameters.seconds }}** seconds.
`

// gitFiles serves the files of the bare repositories under root as
// <repo>.git/<branch>/<path>, as a forge's raw file URLs would: the URL the
// demo template registers its catalog file from.
func gitFiles(t *testing.T, root string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		repoName, rest, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), ".git/")
		branch, file, ok2 := strings.Cut(rest, "/")
		if !ok || !ok2 || strings.Contains(repoName, "/") || strings.Contains(repoName, "..") {
			http.NotFound(w, r)
			return
		}
		body, err := readGitFile(filepath.Join(root, repoName+".git"), branch, file)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// readGitFile reads a file at the tip of a branch of a bare repository.
func readGitFile(repoDir, branch, file string) ([]byte, error) {
	repo, err := git.PlainOpen(repoDir)
	if err != nil {
		return nil, err
	}
	ref, err := repo.Reference(plumbing.NewBranchReferenceName(branch), true)
	if err != nil {
		return nil, err
	}
	commit, err := repo.CommitObject(ref.Hash())
	if err != nil {
		return nil, err
	}
	f, err := commit.File(file)
	if err != nil {
		return nil, err
	}
	s, err := f.Contents()
	return []byte(s), err
}

// startScaffolderPortal runs the whole app, as callboard serve does, on a
// temporary SQLite database with the demo organisation and the demo
// template, pushing to bare repositories under gitRoot whose files the
// portal reads back from gitHost; it returns the base URL once the
// catalog is idle.
func startScaffolderPortal(t *testing.T, gitRoot, gitHost string) string {
	t.Helper()
	roots, err := json.Marshal([]string{gitRoot})
	if err != nil {
		t.Fatal(err)
	}
	return servePortal(t, []string{demoTemplate}, map[string]string{"slow-job.yaml": slowTemplate},
		"APP_CONFIG_scaffolder_defaultEnvironment_parameters_demoGitRemote=file://"+filepath.ToSlash(gitRoot),
		"APP_CONFIG_scaffolder_publish_localRepositories="+string(roots),
		"APP_CONFIG_scaffolder_defaultEnvironment_parameters_demoGitBrowse=http://"+gitHost,
		`APP_CONFIG_backend_reading_allow=[{"host":"`+gitHost+`"}]`,
	)
}

// clearInput empties a text input.
func clearInput(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	q, err := json.Marshal(sel)
	if err != nil {
		t.Fatal(err)
	}
	if !eval[bool](t, ctx, `(() => { const el = document.querySelector(`+string(q)+`); el.value = ""; return true; })()`) {
		t.Fatalf("clear %s", sel)
	}
}

// TestScaffolderInBrowser runs the demo template from the Create page to
// the new component in the catalog, in Chromium: filter the templates,
// fill the form across its pages with a mistake shown and fixed, a
// condition revealing a field and a secret, review, create, follow the
// task live to its end and open what it registered. The form also works
// with JavaScript off.
func TestScaffolderInBrowser(t *testing.T) {
	shots := needBrowser(t)
	gitRoot := t.TempDir()
	// publish:git pushes to a repository that exists and is empty.
	for _, name := range []string{"berth-planner", "berth-lights"} {
		if _, err := git.PlainInit(filepath.Join(gitRoot, name+".git"), true); err != nil {
			t.Fatal(err)
		}
	}
	files := gitFiles(t, gitRoot)
	base := startScaffolderPortal(t, gitRoot, strings.TrimPrefix(files.URL, "http://"))
	browser := newBrowser(t)

	t.Run("from the Create page to the catalog", func(t *testing.T) {
		ctx := newTab(t, browser)
		navigate(t, ctx, base+"/create")
		audit(t, ctx, "create")
		screenshot(t, ctx, shots, "scaffolder-create")
		cards := `[...document.querySelectorAll("#results .template-card h4")].map((h) => h.textContent.trim())`
		if got := eval[[]string](t, ctx, cards); strings.Join(got, ",") != "Tidewater Go service,Slow job" {
			t.Fatalf("templates = %v, want the recommended one first", got)
		}
		if got := eval[string](t, ctx, `document.querySelector("#results h3").textContent`); got != "Recommended" {
			t.Errorf("first group = %q, want Recommended", got)
		}

		// Filters update the list in place.
		run(t, ctx, chromedp.SendKeys(chromedp.CSS("#f-text"), "nothing like it"))
		waitFor(t, ctx, `!!document.querySelector("#results .empty")`, 5*time.Second)
		clearInput(t, ctx, "#f-text")
		run(t, ctx, chromedp.SendKeys(chromedp.CSS("#f-text"), "tidewater"))
		waitFor(t, ctx, `document.querySelectorAll("#results .template-card").length === 1`, 5*time.Second)
		clearInput(t, ctx, "#f-text")
		run(t, ctx, chromedp.Click(chromedp.CSS(`input[name="tag"][value="go"]`)))
		waitFor(t, ctx, `location.search.includes("tag=go") && document.querySelectorAll("#results .template-card").length === 1`, 5*time.Second)
		screenshot(t, ctx, shots, "scaffolder-create-filtered")

		// Page 1, with a name the template does not accept.
		clickAndLoad(t, ctx, `#results .template-card a.btn`)
		if got := h1(t, ctx); got != "Tidewater Go service" {
			t.Fatalf("form h1 = %q", got)
		}
		audit(t, ctx, "form page 1")
		screenshot(t, ctx, shots, "scaffolder-form-1")
		if got := eval[string](t, ctx, `document.activeElement.id`); got != "field-name" {
			t.Errorf("focus starts on %q, want the name (ui:autofocus)", got)
		}
		run(t, ctx,
			chromedp.SendKeys(chromedp.CSS("#field-name"), "Berth Planner"),
			chromedp.SendKeys(chromedp.CSS("#field-description"), "Plans which berth each ferry takes."),
			chromedp.SendKeys(chromedp.CSS("#field-owner"), "harbour-team"),
			chromedp.Click(chromedp.CSS(`input[name="v/lifecycle"][value="production"]`)),
			chromedp.SendKeys(chromedp.CSS("#field-tags-0"), "ferries"),
		)
		clickAndLoad(t, ctx, `button.btn--primary[value="next"]`)
		if !eval[bool](t, ctx, `document.querySelector("#field-name").getAttribute("aria-invalid") === "true"`) {
			t.Fatalf("the bad name is not marked invalid: %s", eval[string](t, ctx, `document.querySelector("main").innerText`))
		}
		if got := eval[string](t, ctx, `document.querySelector("#field-name-error").textContent`); !strings.Contains(got, "pattern") {
			t.Errorf("name error = %q", got)
		}
		waitFor(t, ctx, `document.activeElement.classList.contains("error-summary")`, 2*time.Second)
		if got := eval[string](t, ctx, `document.querySelector("#field-owner").value`); got != "group:default/harbour-team" {
			t.Errorf("owner kept as %q, want the full ref", got)
		}
		audit(t, ctx, "form page 1 with an error")
		screenshot(t, ctx, shots, "scaffolder-form-1-error")

		// Fixed; page 2.
		clearInput(t, ctx, "#field-name")
		run(t, ctx, chromedp.SendKeys(chromedp.CSS("#field-name"), "berth-planner"))
		clickAndLoad(t, ctx, `button.btn--primary[value="next"]`)
		if got := eval[string](t, ctx, `document.querySelector(".wizard__form h2").textContent`); got != "Repository and runtime" {
			t.Fatalf("page 2 heading = %q: %s", got, eval[string](t, ctx, `document.querySelector("main").innerText`))
		}
		if got := eval[string](t, ctx, `document.querySelector("#field-port").value`); got != "8080" {
			t.Errorf("port default = %q", got)
		}
		// Ticking the box asks the server for the form again: the API
		// type appears without a page load.
		run(t, ctx, chromedp.Click(chromedp.CSS("#field-hasApi")))
		waitFor(t, ctx, `!!document.querySelector("#field-apiType")`, 5*time.Second)
		if got := eval[string](t, ctx, `document.activeElement.id`); got != "field-hasApi" {
			t.Errorf("focus after the refresh is on %q", got)
		}
		run(t, ctx, chromedp.SetValue(chromedp.CSS("#field-apiType"), "grpc"), chromedp.SendKeys(chromedp.CSS("#field-gitToken"), "t0ken-secret"))
		audit(t, ctx, "form page 2")
		screenshot(t, ctx, shots, "scaffolder-form-2")

		// Review.
		clickAndLoad(t, ctx, `button.btn--primary[value="next"]`)
		if !eval[bool](t, ctx, `[...document.querySelectorAll(".review h3")].length === 2`) {
			t.Fatalf("not the review: %s", eval[string](t, ctx, `document.querySelector("main").innerText`))
		}
		review := eval[string](t, ctx, `document.querySelector(".wizard__form").innerText`)
		for _, want := range []string{"berth-planner", "Production", "group:default/harbour-team", "gRPC", "******"} {
			if !strings.Contains(review, want) {
				t.Errorf("review lacks %q:\n%s", want, review)
			}
		}
		if eval[bool](t, ctx, `document.documentElement.outerHTML.includes("t0ken-secret")`) {
			t.Error("the secret is in the review page")
		}
		audit(t, ctx, "review")
		screenshot(t, ctx, shots, "scaffolder-review")

		// Create, and follow the task live.
		clickAndLoad(t, ctx, `button.btn--primary[value="create"]`)
		if !eval[bool](t, ctx, `location.pathname.startsWith("/create/tasks/")`) {
			t.Fatalf("create went to %s", eval[string](t, ctx, `location.href`))
		}
		screenshot(t, ctx, shots, "scaffolder-task-running")
		waitFor(t, ctx, `document.querySelector("#task-status").textContent.trim() !== "Waiting" && document.querySelector("#task-status").textContent.trim() !== "Running"`, 90*time.Second)
		if got := eval[string](t, ctx, `document.querySelector("#task-status").textContent.trim()`); got != "Completed" {
			t.Fatalf("task ended %s:\n%s", got, eval[string](t, ctx, `document.querySelector("main").innerText`))
		}
		log := eval[string](t, ctx, `document.querySelector("#task-log").textContent`)
		for _, want := range []string{"Beginning step Publish", "berth-planner is at"} {
			if !strings.Contains(log, want) {
				t.Errorf("log lacks %q:\n%s", want, log)
			}
		}
		if strings.Contains(log, "t0ken-secret") {
			t.Error("the secret is in the log")
		}
		steps := eval[[]string](t, ctx, `[...document.querySelectorAll("#task-steps .badge")].map((b) => b.textContent.trim())`)
		if strings.Join(steps, ",") != "Completed,Completed,Completed,Completed" {
			t.Errorf("step statuses = %v", steps)
		}
		audit(t, ctx, "finished task")
		screenshot(t, ctx, shots, "scaffolder-task-done")

		// The pushed repository holds the rendered skeleton.
		info, err := readGitFile(filepath.Join(gitRoot, "berth-planner.git"), "main", "catalog-info.yaml")
		if err != nil {
			t.Fatalf("pushed repository: %v", err)
		}
		for _, want := range []string{"name: berth-planner\n", "owner: group:default/harbour-team", "- ferries", "type: grpc", "name: berth-planner-api"} {
			if !strings.Contains(string(info), want) {
				t.Errorf("catalog-info.yaml lacks %q:\n%s", want, info)
			}
		}

		// The output link opens the new component once the catalog has
		// processed it.
		clickAndLoad(t, ctx, `#task-result a.btn`)
		deadline := time.Now().Add(30 * time.Second)
		for h1(t, ctx) != "berth-planner" {
			if time.Now().After(deadline) {
				t.Fatalf("the new component did not appear: %s", h1(t, ctx))
			}
			time.Sleep(300 * time.Millisecond)
			run(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("main h1")))
		}
		if !eval[bool](t, ctx, `location.pathname === "/catalog/default/component/berth-planner"`) {
			t.Errorf("output link went to %s", eval[string](t, ctx, `location.pathname`))
		}
		audit(t, ctx, "new component")
		screenshot(t, ctx, shots, "scaffolder-new-component")

		// The task is in the reader's list.
		navigate(t, ctx, base+"/create/tasks")
		if got := eval[int](t, ctx, `document.querySelectorAll("tbody tr").length`); got != 1 {
			t.Errorf("%d tasks listed", got)
		}
		audit(t, ctx, "task list")
		screenshot(t, ctx, shots, "scaffolder-tasks")
	})

	t.Run("a task followed live and cancelled", func(t *testing.T) {
		ctx := newTab(t, browser)
		start := func(seconds string) {
			navigate(t, ctx, base+"/create/templates/default/slow-job")
			clearInput(t, ctx, "#field-seconds")
			run(t, ctx, chromedp.SendKeys(chromedp.CSS("#field-seconds"), seconds))
			clickAndLoad(t, ctx, `button.btn--primary[value="next"]`)
			clickAndLoad(t, ctx, `button.btn--primary[value="create"]`)
		}
		start("2")
		// The page is not reloaded: the script follows the events.
		eval[bool](t, ctx, `window.sameDocument = true`)
		waitFor(t, ctx, `document.querySelector("#task-status").textContent.trim() === "Running"`, 10*time.Second)
		screenshot(t, ctx, shots, "scaffolder-task-live")
		waitFor(t, ctx, `document.querySelector("#task-status").textContent.trim() === "Completed"`, 30*time.Second)
		if !eval[bool](t, ctx, `window.sameDocument === true`) {
			t.Error("the page reloaded instead of following the events")
		}
		waitFor(t, ctx, `document.querySelector("#task-log").textContent.includes("all done") && document.querySelector("#task-result").innerText.includes("Waited 2 seconds")`, 5*time.Second)
		if got := eval[[]string](t, ctx, `[...document.querySelectorAll("#task-steps .steps__time")].map((s) => s.textContent)`); len(got) != 3 || !strings.HasSuffix(got[1], " s") {
			t.Errorf("step durations = %v, want the wait in seconds", got)
		}

		start("60")
		waitFor(t, ctx, `document.querySelector("#task-status").textContent.trim() === "Running" && document.querySelector("#task-log").textContent.includes("starting")`, 10*time.Second)
		// Accept the confirmation the cancel button asks for.
		eval[bool](t, ctx, `(window.confirm = () => true, true)`)
		clickAndLoad(t, ctx, `.task-head__actions button`)
		waitFor(t, ctx, `document.querySelector("#task-status").textContent.trim() === "Failed"`, 20*time.Second)
		if got := eval[string](t, ctx, `document.querySelector("#task-log").textContent`); !strings.Contains(got, "has been cancelled") {
			t.Errorf("the log does not say the step was cancelled:\n%s", got)
		}
		audit(t, ctx, "cancelled task")
		screenshot(t, ctx, shots, "scaffolder-task-cancelled")
	})

	t.Run("pages at every width and theme", func(t *testing.T) {
		ctx := newTab(t, browser)
		navigate(t, ctx, base+"/create/tasks?owner=all")
		task := eval[string](t, ctx, `document.querySelector("tbody tr a").getAttribute("href")`)
		auditViews(t, browser, base, shots, []webPage{
			{"scaffolder-create", "/create"},
			{"scaffolder-form", "/create/templates/default/tidewater-service"},
			{"scaffolder-tasks", "/create/tasks?owner=all"},
			{"scaffolder-task", task},
		})
	})

	t.Run("without JavaScript", func(t *testing.T) {
		ctx := newTab(t, browser)
		run(t, ctx, noScript())
		navigate(t, ctx, base+"/create/templates/default/tidewater-service")
		run(t, ctx,
			chromedp.SendKeys(chromedp.CSS("#field-name"), "berth-lights"),
			chromedp.SendKeys(chromedp.CSS("#field-owner"), "group:default/keel-team"),
		)
		clickAndLoad(t, ctx, `button.btn--primary[value="next"]`)
		// Ticking the box and going on shows the page again with the
		// field it brings up.
		run(t, ctx, chromedp.Click(chromedp.CSS("#field-hasApi")))
		clickAndLoad(t, ctx, `button.btn--primary[value="next"]`)
		if !eval[bool](t, ctx, `!!document.querySelector("#field-apiType") && document.querySelector(".alert[role=status]").textContent.includes("more questions")`) {
			t.Fatalf("the condition's field did not appear: %s", eval[string](t, ctx, `document.querySelector("main").innerText`))
		}
		screenshot(t, ctx, shots, "scaffolder-form-2-noscript")
		clickAndLoad(t, ctx, `button.btn--primary[value="next"]`)
		clickAndLoad(t, ctx, `button.btn--primary[value="create"]`)
		// A running task's page reloads itself until the task ends; a
		// look while it reloads may find no page.
		deadline := time.Now().Add(90 * time.Second)
		for {
			status, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("#task-status") || {textContent: ""}).textContent.trim()`))
			if status == "Completed" {
				break
			}
			if status == "Failed" || time.Now().After(deadline) {
				t.Fatalf("task %s: %s", status, eval[string](t, ctx, `document.querySelector("main").innerText`))
			}
			time.Sleep(500 * time.Millisecond)
		}
		screenshot(t, ctx, shots, "scaffolder-task-done-noscript")
	})
}
