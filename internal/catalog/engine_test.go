package catalog_test

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

// allKinds lets every built-in kind through catalog.rules.
var allKinds = []catalog.Rule{{Allow: []catalog.RuleKind{
	{Kind: "Component"}, {Kind: "API"}, {Kind: "Resource"}, {Kind: "System"}, {Kind: "Domain"},
	{Kind: "Group"}, {Kind: "User"}, {Kind: "Location"}, {Kind: "Template"},
}}}

// realOrchestrator is the orchestrator with the built-in processors.
func realOrchestrator(t testing.TB) *catalog.Orchestrator {
	t.Helper()
	rules, err := catalog.NewRules(allKinds, nil)
	if err != nil {
		t.Fatal(err)
	}
	return catalog.NewOrchestrator(catalog.OrchestratorOptions{
		Processors: builtin.Processors(builtin.Options{}),
		Rules:      rules,
	})
}

// harness runs an engine on a database for one test.
type harness struct {
	t   testing.TB
	db  *store.DB
	st  *store.Catalog
	eng *catalog.Engine
	// stop ends Run and waits for it.
	stop func()
	// idleTimeout bounds idle; two minutes when zero.
	idleTimeout time.Duration
}

type harnessOption func(*catalog.EngineOptions)

func newHarness(t testing.TB, db *store.DB, opts ...harnessOption) *harness {
	t.Helper()
	st := store.NewCatalog(db)
	o := catalog.EngineOptions{
		Store:              st,
		Orchestrator:       realOrchestrator(t),
		ProcessingInterval: time.Hour,
		StitchDelay:        time.Millisecond,
		PollInterval:       20 * time.Millisecond,
		OrphanStrategy:     catalog.OrphanKeep,
		Logger:             testLogger(),
	}
	for _, f := range opts {
		f(&o)
	}
	eng, err := catalog.NewEngine(o)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, db: db, st: st, eng: eng}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	stopped := false
	h.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	t.Cleanup(h.stop)
	return h
}

// testLogger discards logs unless CALLBOARD_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("CALLBOARD_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (h *harness) idle() {
	h.t.Helper()
	timeout := h.idleTimeout
	if timeout == 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := h.eng.WaitIdle(ctx); err != nil {
		h.t.Fatalf("WaitIdle: %v (entities %d, processed %d, due %d, stitch queue %d, final %d)", err,
			h.count(`SELECT count(*) FROM refresh_state`),
			h.count(`SELECT count(*) FROM refresh_state WHERE processed_entity IS NOT NULL`),
			h.count(`SELECT count(*) FROM refresh_schedule WHERE next_update_at <= $1`, time.Now().UnixMilli()),
			h.count(`SELECT count(*) FROM stitch_queue`),
			h.count(`SELECT count(*) FROM final_entities`))
	}
}

// final returns the stored final entity of ref, or nil.
func (h *harness) final(ref string) map[string]any {
	h.t.Helper()
	var body string
	err := h.db.QueryRow(`SELECT final_entity FROM final_entities WHERE entity_ref = $1`, ref).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		h.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		h.t.Fatal(err)
	}
	return m
}

// refs lists the refs of all final entities, sorted.
func (h *harness) refs() []string {
	h.t.Helper()
	return h.strings(`SELECT entity_ref FROM final_entities ORDER BY entity_ref`)
}

func (h *harness) strings(q string, args ...any) []string {
	h.t.Helper()
	rows, err := h.db.Query(q, args...)
	if err != nil {
		h.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		h.t.Fatal(err)
	}
	return out
}

func (h *harness) count(q string, args ...any) int {
	h.t.Helper()
	var n int
	if err := h.db.QueryRow(q, args...).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// tableCounts counts the rows of the tables stitching and processing
// write, to show that a pass wrote nothing.
func (h *harness) tableCounts() map[string]int {
	out := map[string]int{}
	for _, t := range []string{"refresh_state", "refresh_state_references", "relations", "refresh_keys", "final_entities", "search", "entity_history"} {
		out[t] = h.count(`SELECT count(*) FROM ` + t)
	}
	return out
}

// writeFile writes a file under dir and returns its path.
func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func withConfigLocations(locs ...plugin.Location) harnessOption {
	return func(o *catalog.EngineOptions) { o.ConfigLocations = locs }
}

func relationsOf(e map[string]any) []string {
	var out []string
	rels, _ := e["relations"].([]any)
	for _, r := range rels {
		m := r.(map[string]any)
		out = append(out, m["type"].(string)+" "+m["targetRef"].(string))
	}
	return out
}

func annotation(e map[string]any, key string) string {
	meta, _ := e["metadata"].(map[string]any)
	ann, _ := meta["annotations"].(map[string]any)
	s, _ := ann[key].(string)
	return s
}

const orgYAML = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: svc
  tags: [java]
spec:
  type: service
  lifecycle: production
  owner: team-a
  providesApis: [svc-api]
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: svc-api
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  definition: "openapi: 3.0.0"
`

func TestEngineColdStartStitchesRelationsBothWays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		path := writeFile(t, dir, "org.yaml", orgYAML)
		h := newHarness(t, db, withConfigLocations(plugin.Location{Type: "file", Target: path}))
		h.idle()

		want := []string{
			"api:default/svc-api",
			"component:default/svc",
			"group:default/team-a",
			"location:default/generated-" + sha1Hex("file:"+path),
		}
		if diff := cmp.Diff(want, h.refs()); diff != "" {
			t.Fatalf("final entities (-want +got):\n%s", diff)
		}
		svc := h.final("component:default/svc")
		if diff := cmp.Diff([]string{"ownedBy group:default/team-a", "providesApi api:default/svc-api"}, relationsOf(svc)); diff != "" {
			t.Errorf("component relations (-want +got):\n%s", diff)
		}
		team := h.final("group:default/team-a")
		if diff := cmp.Diff([]string{"ownerOf api:default/svc-api", "ownerOf component:default/svc"}, relationsOf(team)); diff != "" {
			t.Errorf("group relations (-want +got):\n%s", diff)
		}
		meta := svc["metadata"].(map[string]any)
		if meta["uid"] == "" || meta["etag"] == "" {
			t.Errorf("uid %v etag %v, want both set", meta["uid"], meta["etag"])
		}
		if got := annotation(svc, entity.AnnotationManagedByLocation); got != "file:"+path {
			t.Errorf("managed-by-location = %q", got)
		}
		if got := annotation(svc, entity.AnnotationOrphan); got != "" {
			t.Errorf("orphan annotation %q on a referenced entity", got)
		}
		var uid string
		if err := db.QueryRow(`SELECT entity_id FROM final_entities WHERE entity_ref = 'component:default/svc'`).Scan(&uid); err != nil {
			t.Fatal(err)
		}
		if meta["uid"] != uid {
			t.Errorf("metadata.uid %v, entity_id %s", meta["uid"], uid)
		}
		// The search rows see the relations and the array items.
		keys := h.strings(`SELECT s.key || '=' || s.value FROM search s JOIN final_entities f ON f.id = s.id
			WHERE f.entity_ref = 'component:default/svc' AND (s.key LIKE 'relations.%' OR s.key LIKE 'metadata.tags%') ORDER BY 1`)
		wantKeys := []string{"metadata.tags.java=true", "metadata.tags=java", "relations.ownedby=group:default/team-a", "relations.providesapi=api:default/svc-api"}
		if diff := cmp.Diff(wantKeys, keys); diff != "" {
			t.Errorf("search rows (-want +got):\n%s", diff)
		}
		if n := h.count(`SELECT generation FROM catalog_state WHERE id = 1`); n == 0 {
			t.Error("catalog generation did not grow")
		}
	})
}

func sha1Hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// logRecorder keeps the messages logged at warning level and above.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (r *logRecorder) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	s := rec.Message
	rec.Attrs(func(a slog.Attr) bool {
		s += " " + a.Key + "=" + a.Value.String()
		return true
	})
	r.mu.Lock()
	r.msgs = append(r.msgs, s)
	r.mu.Unlock()
	return nil
}
func (r *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *logRecorder) WithGroup(string) slog.Handler      { return r }

func (r *logRecorder) messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.msgs...)
}

// testProvider hands its connection to the test.
type testProvider struct {
	name string
	conn chan plugin.ProviderConnection
}

func newTestProvider(name string) *testProvider {
	return &testProvider{name: name, conn: make(chan plugin.ProviderConnection, 1)}
}

func (p *testProvider) Name() string { return p.name }
func (p *testProvider) Connect(_ context.Context, c plugin.ProviderConnection) error {
	p.conn <- c
	return nil
}

func (p *testProvider) connection(t testing.TB) plugin.ProviderConnection {
	t.Helper()
	select {
	case c := <-p.conn:
		p.conn <- c
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("provider was not connected")
		return nil
	}
}

// providedComponent is a Component as a provider would give it, with the
// location annotations the orchestrator requires.
func providedComponent(name, owner string) *entity.Entity {
	return &entity.Entity{
		APIVersion: "backstage.io/v1alpha1",
		Kind:       "Component",
		Metadata: entity.Metadata{Name: name, Annotations: map[string]string{
			entity.AnnotationManagedByLocation:       "url:https://example.com/" + name,
			entity.AnnotationManagedByOriginLocation: "url:https://example.com/" + name,
		}},
		Spec: map[string]any{"type": "service", "lifecycle": "production", "owner": owner},
	}
}

func slogFor(r *logRecorder) *slog.Logger { return slog.New(r) }

// TestEngineBulkLoadStitchesEachEntityOnce loads entities that add
// relations to entities processed before them (users to their group),
// in batches of two, and expects every entity to be stitched once, with
// all of its relations: while processing works through a backlog,
// stitching waits for it.
func TestEngineBulkLoadStitchesEachEntityOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var b strings.Builder
		b.WriteString("apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n")
		for i := range 3 {
			fmt.Fprintf(&b, "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: c%d\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n", i)
		}
		for i := range 5 {
			fmt.Fprintf(&b, "---\napiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: u%d\nspec:\n  memberOf: [team-a]\n", i)
		}
		path := writeFile(t, t.TempDir(), "org.yaml", b.String())
		h := newHarness(t, db, withConfigLocations(plugin.Location{Type: "file", Target: path}),
			func(o *catalog.EngineOptions) { o.BatchSize = 2 })
		h.idle()

		if n := h.count(`SELECT count(*) FROM final_entities`); n != 10 {
			t.Fatalf("%d final entities, want 10", n)
		}
		if diff := cmp.Diff([]string(nil), h.strings(`SELECT entity_ref || ' ' || change FROM entity_history WHERE change <> 'created' ORDER BY id`)); diff != "" {
			t.Errorf("entities stitched more than once (-want +got):\n%s", diff)
		}
		want := []string{"hasMember user:default/u0", "hasMember user:default/u1", "hasMember user:default/u2", "hasMember user:default/u3", "hasMember user:default/u4",
			"ownerOf component:default/c0", "ownerOf component:default/c1", "ownerOf component:default/c2"}
		if diff := cmp.Diff(want, relationsOf(h.final("group:default/team-a"))); diff != "" {
			t.Errorf("group relations (-want +got):\n%s", diff)
		}
	})
}
