package scaffolder_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v4"

	"github.com/callboard/callboard/internal/scaffolder"
	"github.com/callboard/callboard/internal/scaffolder/nunjucks"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
	"github.com/callboard/callboard/plugin"
)

// fakeCatalog serves entities from memory.
type fakeCatalog struct {
	mu       sync.Mutex
	entities map[string]json.RawMessage
}

func (c *fakeCatalog) Entity(_ context.Context, ref string) (json.RawMessage, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entities[ref], nil
}

func (c *fakeCatalog) Templates(context.Context) ([]json.RawMessage, error) {
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

// action is a test action.
type action struct {
	info plugin.ActionInfo
	run  func(ctx context.Context, ac *plugin.ActionContext) error
}

func (a *action) Info() plugin.ActionInfo { return a.info }
func (a *action) Run(ctx context.Context, ac *plugin.ActionContext) error {
	if a.run == nil {
		return nil
	}
	return a.run(ctx, ac)
}

// calls counts action runs by step id.
type calls struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *calls) add(step string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[step]++
	return c.n[step]
}

func (c *calls) get(step string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[step]
}

// testActions are the actions the engine tests run.
func testActions(c *calls) []plugin.Action {
	str := map[string]any{"type": "string"}
	return []plugin.Action{
		&action{
			info: plugin.ActionInfo{ID: "test:echo", SupportsDryRun: true,
				Input:  map[string]any{"type": "object", "properties": map[string]any{"message": map[string]any{}}},
				Output: map[string]any{"type": "object", "properties": map[string]any{"echo": map[string]any{}}}},
			run: func(_ context.Context, ac *plugin.ActionContext) error {
				c.add(ac.StepID)
				ac.Logger.Info("echo", "message", ac.Input["message"])
				ac.Output("echo", ac.Input["message"])
				return nil
			},
		},
		&action{
			info: plugin.ActionInfo{ID: "test:fail", SupportsDryRun: true},
			run: func(_ context.Context, ac *plugin.ActionContext) error {
				n := c.add(ac.StepID)
				if until, ok := ac.Input["failUntil"].(float64); ok && n > int(until) {
					ac.Output("attempt", n)
					return nil
				}
				return fmt.Errorf("%v", ac.Input["message"])
			},
		},
		&action{
			info: plugin.ActionInfo{ID: "test:wait", SupportsDryRun: true},
			run: func(ctx context.Context, ac *plugin.ActionContext) error {
				c.add(ac.StepID)
				ac.Logger.Info("waiting")
				<-ctx.Done()
				return ctx.Err()
			},
		},
		&action{
			info: plugin.ActionInfo{ID: "test:required",
				Input: map[string]any{"type": "object", "required": []any{"name"},
					"properties": map[string]any{"name": str}},
				Output: map[string]any{"type": "object", "properties": map[string]any{
					"url": map[string]any{"type": "string", "examples": []any{"https://example.com/x"}},
					"n":   map[string]any{"type": "number"}}}},
			run: func(_ context.Context, ac *plugin.ActionContext) error {
				c.add(ac.StepID)
				ac.Output("url", "https://git.example.com/"+fmt.Sprint(ac.Input["name"]))
				return nil
			},
		},
		&action{
			info: plugin.ActionInfo{ID: "test:write", SupportsDryRun: true},
			run: func(_ context.Context, ac *plugin.ActionContext) error {
				content := fmt.Sprint(ac.Input["content"])
				if from, ok := ac.Input["from"].(string); ok {
					u, err := url.Parse(ac.Template.BaseURL)
					if err != nil {
						return err
					}
					b, err := os.ReadFile(filepath.Join(u.Path, from))
					if err != nil {
						return err
					}
					content = string(b)
				}
				p := filepath.Join(ac.Workspace, fmt.Sprint(ac.Input["path"]))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					return err
				}
				return os.WriteFile(p, []byte(content), 0o644)
			},
		},
		&action{
			info: plugin.ActionInfo{ID: "test:checkpoint", SupportsDryRun: true},
			run: func(_ context.Context, ac *plugin.ActionContext) error {
				v, err := ac.Checkpoint("create", func() (any, error) {
					return fmt.Sprint("created-", c.add(ac.StepID+"/fn")), nil
				})
				if err != nil {
					return err
				}
				ac.Output("id", v)
				if c.add(ac.StepID) == 1 {
					return fmt.Errorf("failing after the checkpoint")
				}
				return nil
			},
		},
	}
}

// harness is an engine over a fresh database with the test actions.
type harness struct {
	engine  *scaffolder.Engine
	db      *store.DB
	store   *store.Scaffolder
	catalog *fakeCatalog
	calls   *calls
}

type harnessOption func(*scaffolder.Options)

func newHarness(t *testing.T, db *store.DB, opts ...harnessOption) *harness {
	t.Helper()
	h := &harness{db: db, store: store.NewScaffolder(db), catalog: &fakeCatalog{entities: map[string]json.RawMessage{}}, calls: &calls{}}
	o := scaffolder.Options{
		Store:             h.store,
		Catalog:           h.catalog,
		Actions:           testActions(h.calls),
		Filters:           map[string]nunjucks.Filter{"shout": func(v any, _ []any) (any, error) { return strings.ToUpper(fmt.Sprint(v)) + "!", nil }},
		WorkingDirectory:  t.TempDir(),
		Logger:            slog.New(slog.DiscardHandler),
		PollInterval:      20 * time.Millisecond,
		HeartbeatInterval: 20 * time.Millisecond,
	}
	for _, f := range opts {
		f(&o)
	}
	e, err := scaffolder.New(o)
	if err != nil {
		t.Fatal(err)
	}
	h.engine = e
	return h
}

func newSQLiteHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	return newHarness(t, storetest.Open(t, store.SQLite), opts...)
}

// start runs the engine's workers until the test ends.
func (h *harness) start(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := h.engine.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
}

// yamlJSON converts a YAML document to JSON.
func yamlJSON(t testing.TB, src string) json.RawMessage {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(src), &v); err != nil {
		t.Fatalf("yaml: %v\n%s", err, src)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// template registers a template with the given spec (YAML, indented by
// two spaces) and returns its ref.
func (h *harness) template(t *testing.T, name, spec string) string {
	t.Helper()
	src := "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: " + name +
		"\n  annotations:\n    backstage.io/managed-by-location: file:/templates/" + name + "/template.yaml\nspec:\n  type: service\n" + spec
	ref := "template:default/" + name
	h.catalog.mu.Lock()
	h.catalog.entities[ref] = yamlJSON(t, src)
	h.catalog.mu.Unlock()
	return ref
}

func (h *harness) create(t *testing.T, ref string, values map[string]any, secrets map[string]string) string {
	t.Helper()
	id, err := h.engine.Create(context.Background(), scaffolder.CreateRequest{
		TemplateRef: ref, Values: values, Secrets: secrets, UserRef: "user:default/ada", CreatedBy: "user:default/ada",
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return id
}

// wait waits for the task to end.
func (h *harness) wait(t *testing.T, id string) *scaffolder.Task {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		task, err := h.engine.Task(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if task.Status.Terminal() {
			return task
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("task %s did not end; events:\n%s", id, strings.Join(h.log(t, id), "\n"))
	return nil
}

// waitFor polls until cond holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// log returns the task's events as "type [stepId status] message".
func (h *harness) log(t *testing.T, id string) []string {
	t.Helper()
	evs, err := h.engine.Events(context.Background(), id, 0)
	if err != nil {
		t.Fatal(err)
	}
	return eventLines(t, evs)
}

func eventLines(t *testing.T, evs []scaffolder.Event) []string {
	t.Helper()
	out := []string{}
	for _, ev := range evs {
		var b scaffolder.EventBody
		if err := json.Unmarshal(ev.Body, &b); err != nil {
			t.Fatal(err)
		}
		line := string(ev.Type)
		if b.StepID != "" || b.Status != "" {
			line += " [" + b.StepID + " " + string(b.Status) + "]"
		}
		out = append(out, line+" "+b.Message)
	}
	return out
}

// completion returns the task's completion event body.
func (h *harness) completion(t *testing.T, id string) scaffolder.EventBody {
	t.Helper()
	evs, err := h.engine.Events(context.Background(), id, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Type == scaffolder.EventCompletion {
			var b scaffolder.EventBody
			if err := json.Unmarshal(ev.Body, &b); err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("task %s has no completion event", id)
	return scaffolder.EventBody{}
}
