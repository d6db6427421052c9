package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"go.yaml.in/yaml/v4"

	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/internal/scaffolder"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
	"github.com/callboard/callboard/plugin"
)

// backstageScaffolderSpecPath is Backstage's scaffolder OpenAPI spec in the
// shared reference data; tests skip checking against it when it is absent.
var backstageScaffolderSpecPath = filepath.Join("..", "..", "..", "shared", "backstage-ref", "openapi", "scaffolder-backend.openapi.yaml")

// backstageScaffolderSpec loads Backstage's scaffolder spec, or nil.
func backstageScaffolderSpec(t testing.TB) *openapi3.T {
	t.Helper()
	if _, err := os.Stat(backstageScaffolderSpecPath); err != nil {
		return nil
	}
	doc := loadSpec(t, backstageScaffolderSpecPath)
	// Backstage's DryRunResult lists its files as SerializedFile, which
	// requires "content", and then narrows them to {path, executable,
	// base64Content}: what its router sends has no "content", so the spec
	// refuses Backstage's own answer. Dropping that one requirement keeps
	// the rest checked.
	if ref := doc.Components.Schemas["SerializedFile"]; ref != nil && ref.Value != nil {
		ref.Value.Required = []string{"path"}
	}
	return doc
}

// scaffolderSpecPolicy keeps contractors out of the scaffolder.
const scaffolderSpecPolicy = `
permission:
  rules:
    - name: contractors-no-scaffolder
      permission: "scaffolder.*"
      groups: [contractors]
      decision: deny
`

// memCatalog serves template and user entities from memory.
type memCatalog struct {
	mu       sync.Mutex
	entities map[string]json.RawMessage
}

func (c *memCatalog) Entity(_ context.Context, ref string) (json.RawMessage, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entities[ref], nil
}

func (c *memCatalog) Templates(context.Context) ([]json.RawMessage, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []json.RawMessage
	for ref, e := range c.entities {
		if strings.HasPrefix(ref, "template:") {
			out = append(out, e)
		}
	}
	return out, nil
}

// add registers an entity written as YAML under ref.
func (c *memCatalog) add(t testing.TB, ref, src string) {
	t.Helper()
	b := yamlToJSON(t, src)
	c.mu.Lock()
	c.entities[ref] = b
	c.mu.Unlock()
}

// yamlToJSON converts a document written as YAML to JSON.
func yamlToJSON(t testing.TB, src string) []byte {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(src), &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixtureAction is an action of the REST tests.
type fixtureAction struct {
	info plugin.ActionInfo
	run  func(ctx context.Context, ac *plugin.ActionContext) error
}

func (a *fixtureAction) Info() plugin.ActionInfo { return a.info }
func (a *fixtureAction) Run(ctx context.Context, ac *plugin.ActionContext) error {
	return a.run(ctx, ac)
}

func fixtureActions() []plugin.Action {
	return []plugin.Action{
		&fixtureAction{
			info: plugin.ActionInfo{ID: "test:write", Description: "Writes a file.", SupportsDryRun: true,
				Examples: []plugin.ActionExample{{Description: "Write a README", Example: "steps:\n  - action: test:write\n    input: {path: README.md, content: hi}\n"}},
				Input: map[string]any{"type": "object", "required": []any{"path"}, "properties": map[string]any{
					"path": map[string]any{"type": "string"}, "content": map[string]any{"type": "string"}}}},
			run: func(_ context.Context, ac *plugin.ActionContext) error {
				ac.Logger.Info("writing", "path", ac.Input["path"], "content", ac.Input["content"])
				return os.WriteFile(filepath.Join(ac.Workspace, fmt.Sprint(ac.Input["path"])), []byte(fmt.Sprint(ac.Input["content"])), 0o644)
			},
		},
		&fixtureAction{
			info: plugin.ActionInfo{ID: "test:wait", SupportsDryRun: true},
			run: func(ctx context.Context, ac *plugin.ActionContext) error {
				ac.Logger.Info("waiting")
				<-ctx.Done()
				return ctx.Err()
			},
		},
		&fixtureAction{
			info: plugin.ActionInfo{ID: "test:publish",
				Output: map[string]any{"type": "object", "properties": map[string]any{"remoteUrl": map[string]any{"type": "string"}}}},
			run: func(_ context.Context, ac *plugin.ActionContext) error {
				ac.Output("remoteUrl", "https://git.example.com/"+ac.TaskID)
				return nil
			},
		},
	}
}

// scaffolderFixture is the API with a real scaffolder engine on SQLite,
// the audit log and the roles of the authorization tests.
type scaffolderFixture struct {
	api       *apiClient
	handler   http.Handler
	engine    *scaffolder.Engine
	db        *store.DB
	catalog   *memCatalog
	log       *audit.Log
	backstage *openapi3.T
	// backstageChecked counts responses checked against Backstage's spec.
	backstageChecked int
}

type scaffolderFixtureOption func(*scaffolder.Options)

func newScaffolderFixture(t *testing.T, opts ...scaffolderFixtureOption) *scaffolderFixture {
	t.Helper()
	db := storetest.Open(t, store.SQLite)
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cat := &memCatalog{entities: map[string]json.RawMessage{}}
	cat.add(t, "user:default/ada", "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: ada}\nspec: {}\n")
	cat.add(t, "template:default/hello", `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: hello
  title: Hello
  description: Writes a greeting.
spec:
  type: service
  parameters:
    - title: Who
      required: [name]
      properties:
        name: {type: string, ui:autofocus: true}
  steps:
    - id: write
      name: Write
      action: test:write
      input:
        path: hello.txt
        content: Hello ${{ parameters.name }} with ${{ secrets.token }}
    - id: publish
      action: test:publish
  output:
    links:
      - title: Repository
        url: ${{ steps.publish.output.remoteUrl }}
`)
	cat.add(t, "template:default/waiting", `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: waiting}
spec:
  type: service
  steps:
    - id: wait
      action: test:wait
`)
	cat.add(t, "template:default/broken", `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: broken}
spec:
  type: service
  steps:
    - id: a
      action: nothing:here
`)
	o := scaffolder.Options{
		Store:             store.NewScaffolder(db),
		Catalog:           cat,
		Actions:           fixtureActions(),
		WorkingDirectory:  t.TempDir(),
		Logger:            log,
		PollInterval:      20 * time.Millisecond,
		HeartbeatInterval: 20 * time.Millisecond,
	}
	for _, f := range opts {
		f(&o)
	}
	engine, err := scaffolder.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = engine.Run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done })

	policy := testPolicy(t, scaffolderSpecPolicy, nil)
	auditLog, err := audit.New(audit.Options{Store: store.NewAudit(db), Actor: actorOf, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	handler := asRole(auditLog.Middleware(New(Options{Logger: log, Permissions: policy, Audit: auditLog, Scaffolder: engine})))
	f := &scaffolderFixture{
		api:       &apiClient{handler: handler, validator: newSpecValidator(t)},
		handler:   handler,
		engine:    engine,
		db:        db,
		catalog:   cat,
		log:       auditLog,
		backstage: backstageScaffolderSpec(t),
	}
	t.Cleanup(func() {
		if f.api.checked == 0 {
			t.Error("no response was validated against api/scaffolder.openapi.yaml")
		}
		if f.backstage != nil && f.backstageChecked == 0 {
			t.Error("no response was validated against Backstage's scaffolder spec")
		}
	})
	return f
}

// do sends a request as role, checks the answer against our document
// and, unless skipBackstage, against Backstage's spec.
func (f *scaffolderFixture) do(t *testing.T, role, method, target, body string, skipBackstage ...bool) response {
	t.Helper()
	res := f.api.do(t, method, target, body, "X-Test-Role", role)
	if len(skipBackstage) == 0 || !skipBackstage[0] {
		f.checkBackstage(t, method, target, res)
	}
	return res
}

// checkBackstage validates a response against Backstage's scaffolder spec.
func (f *scaffolderFixture) checkBackstage(t *testing.T, method, target string, res response) {
	t.Helper()
	if f.backstage == nil {
		return
	}
	req, err := http.NewRequest(method, "http://callboard.test"+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, pattern := f.api.validator.patterns.Handler(req)
	_, path, _ := strings.Cut(pattern, " ")
	rel, ok := strings.CutPrefix(path, scaffolderMount)
	if !ok {
		return
	}
	route := findRoute(f.backstage, rel, method)
	if route == nil {
		return
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route, Options: opts},
		Status:                 res.status, Header: res.header, Options: opts,
	}
	in.SetBodyBytes(res.body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s → %d does not match Backstage's scaffolder spec: %v\nbody: %s", method, target, res.status, err, truncate(res.body))
	}
	f.backstageChecked++
}

// waitTask polls a task until it ends.
func (f *scaffolderFixture) waitTask(t *testing.T, id string) scaffolder.Status {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		task, err := f.engine.Task(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if task.Status.Terminal() {
			return task.Status
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("task %s did not end", id)
	return ""
}

// auditSince returns "action target outcome" of audit events after id
// and the newest id.
func (f *scaffolderFixture) auditSince(t *testing.T, after int64) ([]audit.Event, int64) {
	t.Helper()
	page, err := f.log.Events(context.Background(), audit.Filter{}, "", audit.MaxLimit)
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Event
	newest := after
	for i := len(page.Items) - 1; i >= 0; i-- {
		if e := page.Items[i]; e.ID > after {
			out = append(out, e)
			newest = max(newest, e.ID)
		}
	}
	return out, newest
}
