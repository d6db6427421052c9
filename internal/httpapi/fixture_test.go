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

// fixture is the API over the real catalog, built as the app builds it:
// a migrated SQLite database, the orchestrator with the built-in
// processors, the engine and the query service. It loads
// testdata/catalog through a file config location; testdata is also served
// over HTTP so url locations can be registered through the API.
type fixture struct {
	engine *catalog.Engine
	api    *apiClient
	// files is the base URL testdata is served from.
	files string
}

// fixtureOption adjusts the engine options of a fixture.
type fixtureOption func(*catalog.EngineOptions)

func newFixture(t *testing.T, opts ...fixtureOption) *fixture {
	t.Helper()
	db := storetest.Open(t, store.SQLite)
	files := httptest.NewServer(http.FileServer(http.Dir("testdata")))
	t.Cleanup(files.Close)
	u, err := url.Parse(files.URL)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// As an app-config with catalog.rules allowing the organisation kinds.
	var kinds []catalog.RuleKind
	for _, k := range []string{"Component", "API", "Location", "System", "Group", "User"} {
		kinds = append(kinds, catalog.RuleKind{Kind: k})
	}
	rules, err := catalog.NewRules([]catalog.Rule{{Allow: kinds}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	orch := catalog.NewOrchestrator(catalog.OrchestratorOptions{
		Processors: builtin.Processors(builtin.Options{
			ReadingAllow: []builtin.AllowRule{{Host: u.Host}},
			Logger:       log,
		}),
		Rules:  rules,
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
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := engine.Run(ctx); err != nil {
			t.Errorf("engine: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })

	query := catalog.NewQuery(store.NewCatalogReader(db), catalog.QueryOptions{Logger: log})
	f := &fixture{
		engine: engine,
		files:  files.URL,
		api: &apiClient{
			handler:   New(Options{Reader: query, Writer: engine, Analyzer: orch, Logger: log}),
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

// waitIdle waits until the engine has processed and stitched everything.
func (f *fixture) waitIdle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := f.engine.WaitIdle(ctx); err != nil {
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
