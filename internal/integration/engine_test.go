package integration_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/internal/integration"
	"github.com/callboard/callboard/internal/integration/forgetest"
	"github.com/callboard/callboard/internal/integration/github"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
	"github.com/callboard/callboard/plugin"
)

// miniGitHub serves one repository's main branch through the GitHub REST
// endpoints the reader uses (contents, commits, recursive git trees), and
// can be told to fail every request.
type miniGitHub struct {
	mu    sync.Mutex
	tree  forgetest.Tree
	fail  func(w http.ResponseWriter)
	count int
}

func (g *miniGitHub) set(tree forgetest.Tree, fail func(w http.ResponseWriter)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.tree, g.fail, g.count = tree, fail, 0
}

func (g *miniGitHub) requests() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.count
}

func (g *miniGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.count++
	if g.fail != nil {
		g.fail(w)
		return
	}
	commit := g.tree.Commit()
	path, _ := strings.CutPrefix(r.URL.Path, "/repos/org/repo/")
	ref := r.URL.Query().Get("ref")
	switch {
	case strings.HasPrefix(path, "contents/") && (ref == "main" || ref == commit):
		content, ok := g.tree[strings.TrimPrefix(path, "contents/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		forgetest.ServeFile(w, r, content)
	case path == "commits/main":
		w.Write([]byte(commit))
	case path == "git/trees/"+commit && r.URL.Query().Get("recursive") != "":
		type entry struct {
			Path string `json:"path"`
			Type string `json:"type"`
		}
		var entries []entry
		for _, p := range g.tree.Paths() {
			entries = append(entries, entry{p, "blob"})
		}
		b, _ := json.Marshal(map[string]any{"sha": commit, "tree": entries, "truncated": false})
		forgetest.JSON(w, http.StatusOK, string(b))
	default:
		http.NotFound(w, r)
	}
}

func component(name, extra string) string {
	return "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: " + name + "\n" + extra +
		"spec: {type: service, lifecycle: production, owner: team-a}\n"
}

var repoTree = forgetest.Tree{
	"catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: root}\nspec:\n" +
		"  targets: [./components/a.yaml, ./services/*/catalog-info.yaml]\n",
	"components/a.yaml":             component("a", "  description: {$text: ./a.txt}\n"),
	"components/a.txt":              "read through a placeholder",
	"services/s1/catalog-info.yaml": component("s1", ""),
	"services/s2/catalog-info.yaml": component("s2", ""),
	"docs/index.md":                 "# not a catalog file",
}

// testLogger discards logs unless CALLBOARD_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("CALLBOARD_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// engineHarness runs the catalog engine with the built-in processors
// reading through the integrations reader, on a temporary SQLite database.
type engineHarness struct {
	t     *testing.T
	db    *store.DB
	eng   *catalog.Engine
	clock *forgetest.Clock
}

func newEngineHarness(t *testing.T, api string, root string) *engineHarness {
	t.Helper()
	clock := forgetest.NewClock(time.Now())
	reader, err := integration.New(integration.Config{GitHub: []github.Config{{Token: "tok", APIBaseURL: api}}}, integration.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	rules, err := catalog.NewRules([]catalog.Rule{{Allow: []catalog.RuleKind{{Kind: "*"}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t, store.SQLite)
	eng, err := catalog.NewEngine(catalog.EngineOptions{
		Store:              store.NewCatalog(db),
		Orchestrator:       catalog.NewOrchestrator(catalog.OrchestratorOptions{Processors: builtin.Processors(builtin.Options{URLReader: reader}), Rules: rules}),
		ProcessingInterval: time.Hour,
		OrphanStrategy:     catalog.OrphanDelete,
		OrphanInterval:     time.Hour, // the test deletes orphans itself
		StitchDelay:        time.Millisecond,
		PollInterval:       20 * time.Millisecond,
		ConfigLocations:    []plugin.Location{{Type: "url", Target: root}},
		Logger:             testLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
	})
	h := &engineHarness{t: t, db: db, eng: eng, clock: clock}
	h.idle()
	return h
}

func (h *engineHarness) idle() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := h.eng.WaitIdle(ctx); err != nil {
		h.t.Fatalf("WaitIdle: %v", err)
	}
}

// refs returns the refs of the final entities, sorted.
func (h *engineHarness) refs() []string {
	h.t.Helper()
	rows, err := h.db.Query(`SELECT entity_ref FROM final_entities ORDER BY entity_ref`)
	if err != nil {
		h.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func (h *engineHarness) final(ref string) string {
	h.t.Helper()
	var body string
	if err := h.db.QueryRow(`SELECT final_entity FROM final_entities WHERE entity_ref = $1`, ref).Scan(&body); err != nil && !errors.Is(err, sql.ErrNoRows) {
		h.t.Fatal(err)
	}
	return body
}

// reprocess refreshes entities read from the repository and their
// Location entities, waits, and deletes orphans as the delete strategy
// would.
func (h *engineHarness) reprocess(refs ...string) int {
	h.t.Helper()
	ctx := context.Background()
	for _, r := range refs {
		if err := h.eng.Refresh(ctx, r); err != nil {
			h.t.Fatal(err)
		}
	}
	h.idle()
	n, err := h.eng.DeleteOrphans(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	h.idle()
	return n
}

// A forge that refuses (403, 429) or fails (5xx) never deletes entities:
// the Location keeps its last good entities and shows the error; a change
// that does remove an entity is seen once the forge answers again.
func TestFailedReadsKeepEntities(t *testing.T) {
	gh := &miniGitHub{tree: repoTree}
	srv := forgetest.NewServer(t, gh)
	root := "https://github.com/org/repo/blob/main/catalog-info.yaml"
	h := newEngineHarness(t, srv.URL, root)

	want := []string{"component:default/a", "component:default/s1", "component:default/s2", "location:default/root"}
	got := h.refs()
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Fatalf("after the first read, %s is missing from %v", w, got)
		}
	}
	all := len(got)
	if a := h.final("component:default/a"); !strings.Contains(a, `"description":"read through a placeholder"`) ||
		!strings.Contains(a, `"backstage.io/managed-by-location":"url:https://github.com/org/repo/tree/main/components/a.yaml"`) {
		t.Errorf("component a = %s", a)
	}
	if s1 := h.final("component:default/s1"); !strings.Contains(s1, `"backstage.io/managed-by-location":"url:https://github.com/org/repo/blob/main/services/s1/catalog-info.yaml"`) {
		t.Errorf("component s1 (found by a glob search) = %s", s1)
	}

	reset := func() string { return strconv.FormatInt(h.clock.Now().Add(time.Hour).Unix(), 10) }
	failures := []struct {
		name    string
		fail    func(w http.ResponseWriter)
		message string
	}{
		{"403 primary rate limit", func(w http.ResponseWriter) {
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", reset())
			w.WriteHeader(http.StatusForbidden)
		}, "Unable to read url, ServiceUnavailableError: could not read https://github.com/org/repo/tree/main/components/a.yaml, the request budget of github.com token is exhausted until"},
		{"403 secondary rate limit", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusForbidden)
		}, "the request budget of github.com token is exhausted until"},
		{"429", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
		}, "the request budget of github.com token is exhausted until"},
		{"403 without access", func(w http.ResponseWriter) { w.WriteHeader(http.StatusForbidden) }, "403 Forbidden"},
		{"500", func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) }, "500 Internal Server Error"},
		{"503", func(w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) }, "503 Service Unavailable"},
	}
	for _, f := range failures {
		h.clock.Advance(2 * time.Hour) // past any pause the previous case left
		gh.set(repoTree, f.fail)
		if n := h.reprocess("component:default/a", "component:default/s1"); n != 0 {
			t.Errorf("%s: %d entities deleted", f.name, n)
		}
		if gh.requests() == 0 {
			t.Errorf("%s: the forge was not asked", f.name)
		}
		if got := h.refs(); len(got) != all {
			t.Errorf("%s: entities %v, want the %d of the last good read", f.name, got, all)
		}
		if loc := h.final("location:default/root"); !strings.Contains(loc, f.message) {
			t.Errorf("%s: the root Location does not show %q: %s", f.name, f.message, loc)
		}
	}

	// The forge answers again with a2 in place of a: a is deleted, which
	// shows the failures above would have been seen.
	h.clock.Advance(2 * time.Hour)
	changed := forgetest.Tree{}
	for p, c := range repoTree {
		changed[p] = c
	}
	changed["components/a.yaml"] = component("a2", "")
	gh.set(changed, nil)
	h.reprocess("component:default/a", "component:default/s1")
	got = h.refs()
	if slices.Contains(got, "component:default/a") || !slices.Contains(got, "component:default/a2") {
		t.Errorf("after the change: %v, want a2 in place of a", got)
	}
	if loc := h.final("location:default/root"); strings.Contains(loc, "could not") || strings.Contains(loc, "exhausted") {
		t.Errorf("the root Location still shows an error: %s", loc)
	}
}
