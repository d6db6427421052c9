package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
	"github.com/callboard/callboard/plugin"
)

// unprocessedFixture is the API over the real engine on db, loaded from
// testdata/unprocessed: one good component, two that fail validation and a
// file with a YAML syntax error.
type unprocessedFixture struct {
	api  *apiClient
	stop func() // stops the engine and waits for it
}

func newUnprocessedFixture(t *testing.T, db *store.DB) *unprocessedFixture {
	t.Helper()
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))
	orch := catalog.NewOrchestrator(catalog.OrchestratorOptions{
		Processors: builtin.Processors(builtin.Options{Logger: log}),
		Rules:      allowKinds(t, "Component", "Location"),
		Logger:     log,
	})
	// Two locations: a read error fails the whole location, and the
	// entities of the other file must still get through.
	var locs []plugin.Location
	for _, name := range []string{"components.yaml", "broken.yaml"} {
		p, err := filepath.Abs(filepath.Join("testdata", "unprocessed", name))
		if err != nil {
			t.Fatal(err)
		}
		locs = append(locs, plugin.Location{Type: "file", Target: p})
	}
	st := store.NewCatalog(db)
	engine, err := catalog.NewEngine(catalog.EngineOptions{
		Store:              st,
		Orchestrator:       orch,
		ProcessingInterval: time.Hour,
		ConfigLocations:    locs,
		Workers:            2,
		PollInterval:       10 * time.Millisecond,
		StitchDelay:        -1,
		Logger:             log,
	})
	if err != nil {
		t.Fatal(err)
	}
	stop := runEngine(t, engine)
	waitEngineIdle(t, engine)
	return &unprocessedFixture{
		api: &apiClient{
			handler: New(Options{
				Reader:      catalog.NewQuery(store.NewCatalogReader(db), catalog.QueryOptions{Logger: log}),
				Writer:      engine,
				Analyzer:    orch,
				Unprocessed: catalog.NewUnprocessed(st, engine),
				Logger:      log,
			}),
			validator: newSpecValidator(t),
		},
		stop: stop,
	}
}

// unprocessedBody is the response of the list endpoints.
type unprocessedBody struct {
	Type     string `json:"type"`
	Entities []struct {
		EntityID          string                   `json:"entity_id"`
		EntityRef         string                   `json:"entity_ref"`
		UnprocessedEntity map[string]any           `json:"unprocessed_entity"`
		ProcessedEntity   map[string]any           `json:"processed_entity"`
		Errors            []entity.SerializedError `json:"errors"`
		LocationKey       string                   `json:"location_key"`
		NextUpdateAt      string                   `json:"next_update_at"`
		LastDiscoveryAt   string                   `json:"last_discovery_at"`
	} `json:"entities"`
}

func (b unprocessedBody) refs() []string {
	var out []string
	for _, e := range b.Entities {
		out = append(out, e.EntityRef)
	}
	return out
}

func listUnprocessed(t *testing.T, c *apiClient, target string) unprocessedBody {
	t.Helper()
	res := c.do(t, http.MethodGet, target, "")
	if res.status != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", target, res.status, res.body)
	}
	if ct := res.header.Get("Content-Type"); ct != jsonContentType {
		t.Errorf("Content-Type = %q", ct)
	}
	var body unprocessedBody
	decode(t, res, &body)
	return body
}

func TestUnprocessedEndpoints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newUnprocessedFixture(t, db)
		c := f.api

		failed := listUnprocessed(t, c, "/api/catalog/entities/unprocessed/failed")
		if failed.Type != "failed" {
			t.Errorf("type = %q", failed.Type)
		}
		// The file with a syntax error fails its Location entity; the two
		// invalid components fail validation. Ordered by ref.
		wantFailed := []string{
			"component:default/no-lifecycle",
			"component:default/wrong-owner-type",
		}
		var locationFailures int
		var gotComponents []string
		for _, e := range failed.Entities {
			if strings.HasPrefix(e.EntityRef, "location:") {
				locationFailures++
				if len(e.Errors) == 0 || !strings.Contains(e.Errors[0].Message, "broken.yaml, did not find expected ',' or ']' (while parsing a flow sequence) at line 6, column 5") {
					t.Errorf("location %s errors = %+v, want a YAML error with its line", e.EntityRef, e.Errors)
				}
				continue
			}
			gotComponents = append(gotComponents, e.EntityRef)
		}
		if diff := cmp.Diff(wantFailed, gotComponents); diff != "" {
			t.Errorf("failed components (-want +got):\n%s", diff)
		}
		if locationFailures != 1 {
			t.Errorf("failed locations = %d, want 1", locationFailures)
		}
		if refs := failed.refs(); !sortedStrings(refs) {
			t.Errorf("not ordered by ref: %v", refs)
		}

		for _, e := range failed.Entities {
			if e.EntityRef != "component:default/no-lifecycle" {
				continue
			}
			if e.EntityID == "" || e.UnprocessedEntity["kind"] != "Component" || e.ProcessedEntity != nil {
				t.Errorf("no-lifecycle = %+v", e)
			}
			if len(e.Errors) == 0 || e.Errors[0].Name != "InputError" {
				t.Errorf("no-lifecycle errors = %+v, want an InputError", e.Errors)
			}
			if !strings.HasPrefix(e.LocationKey, "file:") || !strings.HasSuffix(e.LocationKey, "components.yaml") {
				t.Errorf("location_key = %q", e.LocationKey)
			}
			for _, ts := range []string{e.NextUpdateAt, e.LastDiscoveryAt} {
				if _, err := time.Parse("2006-01-02T15:04:05.000Z", ts); err != nil {
					t.Errorf("timestamp %q is not an ISO-8601 UTC time: %v", ts, err)
				}
			}
		}

		// Entities that never got a final form are pending too.
		pending := listUnprocessed(t, c, "/api/catalog/entities/unprocessed/pending")
		if pending.Type != "pending" {
			t.Errorf("type = %q", pending.Type)
		}
		for _, want := range wantFailed {
			if !contains(pending.refs(), want) {
				t.Errorf("%s not pending: %v", want, pending.refs())
			}
		}
		if contains(pending.refs(), "component:default/good") || contains(failed.refs(), "component:default/good") {
			t.Errorf("a processed, stitched entity is listed")
		}

		// owner= compares spec.owner as written; the number 42 is not "42".
		byOwner := listUnprocessed(t, c, "/api/catalog/entities/unprocessed/failed?owner=team-a")
		if diff := cmp.Diff([]string{"component:default/no-lifecycle"}, byOwner.refs()); diff != "" {
			t.Errorf("owner=team-a (-want +got):\n%s", diff)
		}
		if got := listUnprocessed(t, c, "/api/catalog/entities/unprocessed/failed?owner=42").refs(); len(got) != 0 {
			t.Errorf("owner=42 = %v, want none", got)
		}
		limited := listUnprocessed(t, c, "/api/catalog/entities/unprocessed/failed?limit=1")
		if diff := cmp.Diff(failed.refs()[:1], limited.refs()); diff != "" {
			t.Errorf("limit=1 (-want +got):\n%s", diff)
		}

		wantError(t, c.do(t, http.MethodGet, "/api/catalog/entities/unprocessed/failed?limit=0", ""),
			400, "InputError", "Invalid limit, must be greater than zero")
		wantError(t, c.do(t, http.MethodGet, "/api/catalog/entities/unprocessed/pending?limit=x", ""),
			400, "InputError", "Invalid limit, not an integer on string form")

		// Delete with the engine stopped, so the Location does not emit the
		// entity again before we look.
		f.stop()
		var id string
		for _, e := range failed.Entities {
			if e.EntityRef == "component:default/no-lifecycle" {
				id = e.EntityID
			}
		}
		res := c.do(t, http.MethodDelete, "/api/catalog/entities/unprocessed/delete/"+id, "")
		if res.status != http.StatusNoContent || len(res.body) != 0 {
			t.Fatalf("DELETE: status %d body %q", res.status, res.body)
		}
		after := listUnprocessed(t, c, "/api/catalog/entities/unprocessed/failed")
		if contains(after.refs(), "component:default/no-lifecycle") {
			t.Errorf("deleted entity still failed: %v", after.refs())
		}
		if res := c.do(t, http.MethodDelete, "/api/catalog/entities/unprocessed/delete/no-such-uid", ""); res.status != http.StatusNoContent {
			t.Errorf("DELETE unknown uid: status %d", res.status)
		}
	})
}

// TestUnprocessedResponseShape pins the JSON of one entry exactly.
func TestUnprocessedResponseShape(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 8_000_000, time.UTC)
	svc := fakeUnprocessed{entries: []catalog.UnprocessedEntry{{
		EntityID: "u1", EntityRef: "component:default/a",
		UnprocessedEntity: json.RawMessage(`{"kind":"Component"}`), UnprocessedHash: "uh", ResultHash: "rh",
		Errors:      []entity.SerializedError{{Name: "InputError", Message: "bad", Cause: &entity.SerializedError{Name: "Error", Message: "why"}}},
		LocationKey: "file:/c.yaml", NextUpdateAt: at, LastDiscoveryAt: at,
	}, {
		EntityID: "u2", EntityRef: "component:default/b", UnprocessedEntity: json.RawMessage(`{}`),
		ProcessedEntity: json.RawMessage(`{"kind":"Component"}`), Errors: []entity.SerializedError{}, NextUpdateAt: at, LastDiscoveryAt: at,
	}}}
	c := &apiClient{handler: New(Options{Unprocessed: &svc}), validator: newSpecValidator(t)}
	res := c.do(t, http.MethodGet, "/api/catalog/entities/unprocessed/failed?owner=team-a&limit=7", "")
	want := `{"type":"failed","entities":[` +
		`{"entity_id":"u1","entity_ref":"component:default/a","unprocessed_entity":{"kind":"Component"},"unprocessed_hash":"uh","result_hash":"rh",` +
		`"errors":[{"name":"InputError","message":"bad","cause":{"name":"Error","message":"why"}}],"location_key":"file:/c.yaml",` +
		`"next_update_at":"2026-03-04T05:06:07.008Z","last_discovery_at":"2026-03-04T05:06:07.008Z"},` +
		`{"entity_id":"u2","entity_ref":"component:default/b","unprocessed_entity":{},"processed_entity":{"kind":"Component"},"errors":[],` +
		`"next_update_at":"2026-03-04T05:06:07.008Z","last_discovery_at":"2026-03-04T05:06:07.008Z"}]}`
	if diff := cmp.Diff(want, string(res.body)); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(catalog.UnprocessedQuery{Reason: catalog.UnprocessedFailed, Owner: "team-a", Limit: 7}, svc.got); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
	if c.checked == 0 {
		t.Error("the response was not validated against api/unprocessed.openapi.yaml")
	}
}

type fakeUnprocessed struct {
	entries []catalog.UnprocessedEntry
	got     catalog.UnprocessedQuery
}

func (f *fakeUnprocessed) List(_ context.Context, q catalog.UnprocessedQuery) ([]catalog.UnprocessedEntry, error) {
	f.got = q
	return f.entries, nil
}

func (f *fakeUnprocessed) Delete(context.Context, string) error { return nil }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sortedStrings(s []string) bool {
	for i := 1; i < len(s); i++ {
		if s[i-1] > s[i] {
			return false
		}
	}
	return true
}
