package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
	"github.com/callboard/callboard/plugin"
)

// fixture is the API over the real catalog (see startCatalog) on a
// migrated SQLite database, with the query service.
type fixture struct {
	testCatalog
	api *apiClient
}

// fixtureOption adjusts the engine options of a fixture.
type fixtureOption func(*catalog.EngineOptions)

func newFixture(t *testing.T, opts ...fixtureOption) *fixture {
	t.Helper()
	db := storetest.Open(t, store.SQLite)
	c := startCatalog(t, db, opts...)
	query := catalog.NewQuery(store.NewCatalogReader(db), catalog.QueryOptions{Logger: c.logger})
	f := &fixture{
		testCatalog: c,
		api: &apiClient{
			handler:   New(Options{Reader: query, Writer: c.engine, Analyzer: c.orch, Logger: c.logger}),
			validator: newSpecValidator(t),
		},
	}
	t.Cleanup(func() {
		if f.api.validator.backstage != nil && f.api.checked == 0 {
			t.Error("no response was validated against an OpenAPI document")
		}
	})
	f.waitIdle(t)
	return f
}

// testCatalog is the real catalog engine on db, built as the app builds
// it: the orchestrator with the built-in processors and catalog.rules
// allowing the organisation kinds. It loads testdata/catalog through a
// file config location; testdata is also served over HTTP so url
// locations can be registered through the API.
type testCatalog struct {
	engine *catalog.Engine
	orch   *catalog.Orchestrator
	logger *slog.Logger
	// files is the base URL testdata is served from.
	files string
}

// startCatalog builds the catalog engine on db and runs it until the test
// ends.
func startCatalog(t *testing.T, db *store.DB, opts ...fixtureOption) testCatalog {
	t.Helper()
	files := httptest.NewServer(http.FileServer(http.Dir("testdata")))
	t.Cleanup(files.Close)
	u, err := url.Parse(files.URL)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	orch := catalog.NewOrchestrator(catalog.OrchestratorOptions{
		Processors: builtin.Processors(builtin.Options{
			ReadingAllow: []builtin.AllowRule{{Host: u.Host}},
			Logger:       log,
		}),
		Rules:  allowKinds(t, "Component", "API", "Location", "System", "Group", "User"),
		Logger: log,
	})
	root, err := filepath.Abs(filepath.Join("testdata", "catalog", "all.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	eo := catalog.EngineOptions{
		Store:              store.NewCatalog(db),
		Orchestrator:       orch,
		ProcessingInterval: time.Hour,
		ConfigLocations:    []plugin.Location{{Type: "file", Target: root}},
		Workers:            2,
		PollInterval:       10 * time.Millisecond,
		StitchDelay:        -1,
		Logger:             log,
	}
	for _, o := range opts {
		o(&eo)
	}
	engine, err := catalog.NewEngine(eo)
	if err != nil {
		t.Fatal(err)
	}
	runEngine(t, engine)
	return testCatalog{engine: engine, orch: orch, logger: log, files: files.URL}
}

// waitIdle waits until the engine has processed and stitched everything.
func (c *testCatalog) waitIdle(t *testing.T) {
	t.Helper()
	waitEngineIdle(t, c.engine)
}

// allowKinds returns catalog rules allowing entities of kinds from any
// location, as an app-config's catalog.rules would.
func allowKinds(t *testing.T, kinds ...string) *catalog.Rules {
	t.Helper()
	var allow []catalog.RuleKind
	for _, k := range kinds {
		allow = append(allow, catalog.RuleKind{Kind: k})
	}
	rules, err := catalog.NewRules([]catalog.Rule{{Allow: allow}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rules
}

// runEngine runs engine until the test ends. stop ends it earlier and
// waits for it; calling stop again does nothing.
func runEngine(t *testing.T, engine *catalog.Engine) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := engine.Run(ctx); err != nil {
			t.Errorf("engine: %v", err)
		}
	}()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(stop)
	return stop
}

// waitEngineIdle waits until engine has processed and stitched everything.
func waitEngineIdle(t *testing.T, engine *catalog.Engine) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := engine.WaitIdle(ctx); err != nil {
		t.Fatalf("engine never became idle: %v", err)
	}
}

// testWriter sends log output to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(b))
	return len(b), nil
}

// entityNames returns metadata.name of each entity in a JSON array.
func entityNames(t *testing.T, body []byte) []string {
	t.Helper()
	var items []json.RawMessage
	if err := json.Unmarshal(body, &items); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, body)
	}
	return namesOf(t, items)
}

func namesOf(t *testing.T, items []json.RawMessage) []string {
	t.Helper()
	names := []string{}
	for _, it := range items {
		if string(it) == "null" {
			names = append(names, "<null>")
			continue
		}
		var e struct {
			Metadata struct{ Name string } `json:"metadata"`
		}
		if err := json.Unmarshal(it, &e); err != nil {
			t.Fatalf("not an entity: %v\n%s", err, it)
		}
		names = append(names, e.Metadata.Name)
	}
	return names
}

// decode unmarshals a response body into v.
func decode(t *testing.T, res response, v any) {
	t.Helper()
	if err := json.Unmarshal(res.body, v); err != nil {
		t.Fatalf("decode %d response: %v\n%s", res.status, err, res.body)
	}
}

// wantError checks res is Backstage's error body with the given status,
// name and message.
func wantError(t *testing.T, res response, status int, name, message string) {
	t.Helper()
	var body struct {
		Error struct {
			Name    string `json:"name"`
			Message string `json:"message"`
		} `json:"error"`
		Response struct {
			StatusCode int `json:"statusCode"`
		} `json:"response"`
	}
	if res.status != status {
		t.Errorf("status = %d, want %d; body %s", res.status, status, res.body)
		return
	}
	decode(t, res, &body)
	if body.Error.Name != name || body.Error.Message != message || body.Response.StatusCode != status {
		t.Errorf("error = %s %q (statusCode %d), want %s %q", body.Error.Name, body.Error.Message, body.Response.StatusCode, name, message)
	}
}
