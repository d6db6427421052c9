package app

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
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/callboard/callboard/internal/auth"
)

// scaffolderFiles are a template, its skeleton and a user, as a file
// location of the catalog reads them.
var scaffolderFiles = map[string]string{
	"all.yaml": `apiVersion: backstage.io/v1alpha1
kind: Location
metadata: {name: scaffolder-test}
spec:
  targets: [./template/template.yaml]
`,
	"template/template.yaml": `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: service
  title: New service
spec:
  owner: group:default/platform
  type: service
  parameters:
    - title: Service
      required: [name, remote, catalogUrl]
      properties:
        name: {type: string, pattern: '^[a-z][a-z0-9-]*$'}
        remote: {type: string}
        catalogUrl: {type: string}
  steps:
    - id: fetch
      name: Fetch skeleton
      action: fetch:template
      input:
        url: ./skeleton
        values:
          name: ${{ parameters.name }}
    - id: rename
      action: fs:rename
      input:
        files:
          - from: NOTES.txt
            to: docs/notes.txt
    - id: publish
      action: publish:git
      input:
        remoteUrl: ${{ parameters.remote }}
        gitCommitMessage: Create ${{ parameters.name }}
    - id: register
      action: catalog:register
      input:
        catalogInfoUrl: ${{ parameters.catalogUrl }}
    - id: log
      action: debug:log
      input:
        message: 'registered ${{ steps.register.output.entityRef }} using ${{ secrets.token }}'
  output:
    links:
      - title: Repository
        url: ${{ steps.publish.output.remoteUrl }}
      - title: Open in catalog
        entityRef: ${{ steps.register.output.entityRef }}
    commit: ${{ steps.publish.output.commitHash }}
`,
	"template/skeleton/README.md":         "# ${{ values.name }}\n",
	"template/skeleton/NOTES.txt":         "notes for ${{ values.name }}\n",
	"template/skeleton/catalog-info.yaml": "kind: Component\nmetadata:\n  name: ${{ values.name }}\n",
}

// startScaffolder runs the whole app with the catalog above, guest
// sign-in and a served catalog-info.yaml for catalog:register.
func startScaffolder(t *testing.T, extraConfig string) (string, *App, string, string) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range scaffolderFiles {
		p := filepath.Join(dir, "catalog", filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments-api\nspec:\n  type: service\n  lifecycle: experimental\n  owner: group:default/platform\n")
	}))
	t.Cleanup(files.Close)
	host := strings.TrimPrefix(files.URL, "http://")
	cfgPath := filepath.Join(dir, "app-config.yaml")
	cfgSrc := fmt.Sprintf(`backend:
  baseUrl: http://localhost:7007
  database: {client: better-sqlite3, connection: %q}
  workingDirectory: %q
  reading:
    allow: [{host: %q}]
catalog:
  locations: [{type: file, target: %q}]
  rules: [{allow: [Component, Location, Template, Group, User]}]
auth:
  environment: development
  providers: {guest: {}}
scaffolder:
  concurrentTasksLimit: 2
  publish: {localRepositories: [%q]}
%s`, filepath.Join(dir, "callboard.db"), filepath.Join(dir, "work"), host, filepath.Join(dir, "catalog", "all.yaml"), os.TempDir(), extraConfig)
	if err := os.MkdirAll(filepath.Join(dir, "work"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgPath, []byte(cfgSrc), 0o644); err != nil {
		t.Fatal(err)
	}
	base, a := serveConfig(t, []string{cfgPath}, nil)
	return base, a, files.URL + "/catalog-info.yaml", dir
}

func postJSON(t *testing.T, c *http.Client, url string, body any, v any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := c.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(out, v); err != nil {
			t.Fatalf("%s: %v: %s", url, err, out)
		}
	}
	return resp.StatusCode
}

// TestScaffolderEndToEnd runs a template through the REST API of the whole
// app: the skeleton is rendered, a file renamed, the result pushed to a
// bare repository over file://, the component registered in the running
// catalog, and the secret kept out of everything stored.
func TestScaffolderEndToEnd(t *testing.T) {
	base, a, catalogURL, dir := startScaffolder(t, "")
	c := guestClient(t, base)
	bare := filepath.Join(t.TempDir(), "payments.git")
	if _, err := git.PlainInit(bare, true); err != nil {
		t.Fatal(err)
	}
	const secret = "e2e-secret-4242"

	var ps struct {
		Title string
		Steps []struct{ Title string }
	}
	if code := getJSON(t, c, base+"/api/scaffolder/v2/templates/default/template/service/parameter-schema", &ps); code != 200 || ps.Title != "New service" {
		t.Fatalf("parameter schema: %d %+v", code, ps)
	}
	// The engine's Go API, as the web UI calls it, lists the template.
	guest := auth.WithIdentity(context.Background(), &auth.Identity{Kind: auth.KindGuest, UserEntityRef: "user:development/guest"})
	tpls, err := a.Scaffolder().Templates(guest)
	if err != nil || len(tpls) != 1 || tpls[0].Ref != "template:default/service" || tpls[0].DisplayTitle() != "New service" {
		t.Errorf("templates: %v %v", tpls, err)
	}
	var created struct{ ID string }
	code := postJSON(t, c, base+"/api/scaffolder/v2/tasks", map[string]any{
		"templateRef": "template:default/service",
		"values":      map[string]any{"name": "payments-api", "remote": "file://" + filepath.ToSlash(bare), "catalogUrl": catalogURL},
		"secrets":     map[string]string{"token": secret},
	}, &created)
	if code != 201 {
		t.Fatalf("create: %d", code)
	}
	var task struct{ Status string }
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		getJSON(t, c, base+"/api/scaffolder/v2/tasks/"+created.ID, &task)
		if task.Status == "completed" || task.Status == "failed" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var events []struct {
		Type string
		Body struct {
			Message string
			Output  map[string]any
		}
	}
	getJSON(t, c, base+"/api/scaffolder/v2/tasks/"+created.ID+"/events", &events)
	var log []string
	for _, e := range events {
		log = append(log, e.Type+": "+e.Body.Message)
	}
	if task.Status != "completed" {
		t.Fatalf("task %s:\n%s", task.Status, strings.Join(log, "\n"))
	}
	all := strings.Join(log, "\n")
	if !strings.Contains(all, "registered component:default/payments-api using ***") {
		t.Errorf("log:\n%s", all)
	}
	out := events[len(events)-1].Body.Output
	links, _ := json.Marshal(out["links"])
	if !strings.Contains(string(links), `"entityRef":"component:default/payments-api"`) || out["commit"] == "" {
		t.Errorf("output %v", out)
	}

	// The pushed commit has the rendered, renamed files.
	repo, err := git.PlainOpen(bare)
	if err != nil {
		t.Fatal(err)
	}
	head, err := repo.Reference(plumbing.NewBranchReferenceName("main"), true)
	if err != nil {
		t.Fatal(err)
	}
	commit, err := repo.CommitObject(head.Hash())
	if err != nil {
		t.Fatal(err)
	}
	if commit.Message != "Create payments-api" || head.Hash().String() != out["commit"] {
		t.Errorf("commit %q %s, output %v", commit.Message, head.Hash(), out["commit"])
	}
	for name, want := range map[string]string{"README.md": "# payments-api\n", "docs/notes.txt": "notes for payments-api\n"} {
		f, err := commit.File(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got, _ := f.Contents(); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}

	// The component is in the catalog.
	waitCtx, stop := context.WithTimeout(context.Background(), 30*time.Second)
	defer stop()
	if err := a.Engine().WaitIdle(waitCtx); err != nil {
		t.Fatal(err)
	}
	if code := getJSON(t, c, base+"/api/catalog/entities/by-name/component/default/payments-api", nil); code != 200 {
		t.Errorf("registered component: %d", code)
	}

	// Nothing stored holds the secret.
	for _, table := range []string{"scaffolder_tasks", "scaffolder_task_events", "scaffolder_task_steps", "audit_events"} {
		var n int
		q := fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE CAST(%s AS TEXT) LIKE $1", table, map[string]string{
			"scaffolder_tasks": "spec || COALESCE(secrets, '') || state", "scaffolder_task_events": "body",
			"scaffolder_task_steps": "output || error", "audit_events": "COALESCE(after_json, '') || COALESCE(details_json, '')",
		}[table])
		if err := a.DB().QueryRow(q, "%"+secret+"%").Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d rows hold the secret (%v)", table, n, err)
		}
	}
	// The work directory is cleaned up.
	entries, _ := os.ReadDir(filepath.Join(dir, "work"))
	if len(entries) != 0 {
		t.Errorf("work directory keeps %d entries", len(entries))
	}
}

// TestScaffolderActionPermission refuses scaffolder.action.execute for
// one action: the step fails before it runs and the denial, by the task's
// creator, is in the audit log.
func TestScaffolderActionPermission(t *testing.T) {
	base, a, catalogURL, _ := startScaffolder(t, `permission:
  enabled: true
  rules:
    - name: no-publishing
      permission: scaffolder.action.execute
      users: [user:development/guest]
      decision: deny
`)
	c := guestClient(t, base)
	var created struct{ ID string }
	code := postJSON(t, c, base+"/api/scaffolder/v2/tasks", map[string]any{
		"templateRef": "template:default/service",
		"values":      map[string]any{"name": "denied", "remote": "file:///nowhere.git", "catalogUrl": catalogURL},
	}, &created)
	if code != 201 {
		t.Fatalf("create: %d", code)
	}
	var events []struct {
		Type string
		Body struct {
			Message string
			Error   struct{ Name, Message string }
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		getJSON(t, c, base+"/api/scaffolder/v2/tasks/"+created.ID+"/events", &events)
		if len(events) > 0 && events[len(events)-1].Type == "completion" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	last := events[len(events)-1].Body
	if last.Error.Name != "NotAllowedError" || last.Error.Message != "Unauthorized action: fetch:template. The action is not allowed." {
		t.Errorf("completion %+v", last)
	}
	var n int
	err := a.DB().QueryRow(`SELECT COUNT(*) FROM audit_events WHERE action = 'scaffolder.action.execute' AND outcome = 'denied' AND actor_ref = 'user:development/guest' AND target = 'fetch:template'`).Scan(&n)
	if err != nil || n != 1 {
		t.Errorf("%d denials recorded (%v)", n, err)
	}
}
