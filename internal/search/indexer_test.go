package search_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/search"
)

// liveCatalog is a catalog that changes, with its change feed: every
// write appends a change, as stitching does.
type liveCatalog struct {
	mu       sync.Mutex
	entities map[string]*entity.Entity
	changes  []search.Change
	// hold, when set, makes Entities wait after reading its snapshot.
	hold chan struct{}
	// byRefs counts the refs EntitiesByRefs was asked for.
	byRefs int
}

func newLiveCatalog() *liveCatalog { return &liveCatalog{entities: map[string]*entity.Entity{}} }

func (c *liveCatalog) put(kind, name, title string, annotations map[string]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(kind, name, title, annotations)
}

// putLocked is put with c.mu held.
func (c *liveCatalog) putLocked(kind, name, title string, annotations map[string]string) {
	e := &entity.Entity{APIVersion: "backstage.io/v1alpha1", Kind: kind,
		Metadata: entity.Metadata{Name: name, Title: title, Annotations: annotations}, Spec: map[string]any{"type": "service"}}
	ref := e.Ref().String()
	c.entities[ref] = e
	c.changes = append(c.changes, search.Change{Pos: int64(len(c.changes) + 1), Ref: ref})
}

func (c *liveCatalog) remove(ref string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entities, ref)
	c.changes = append(c.changes, search.Change{Pos: int64(len(c.changes) + 1), Ref: ref})
}

func (c *liveCatalog) Entities(ctx context.Context, f search.EntityFilter, size int, fn func([]*entity.Entity) error) error {
	c.mu.Lock()
	var batch []*entity.Entity
	for _, ref := range slices.Sorted(mapsKeys(c.entities)) {
		e := c.entities[ref]
		if f.Kind != "" && e.Kind != f.Kind || f.Annotation != "" && e.Annotation(f.Annotation) == "" {
			continue
		}
		batch = append(batch, e)
	}
	hold := c.hold
	c.mu.Unlock()
	if hold != nil {
		<-hold
	}
	for start := 0; start < len(batch); start += size {
		if err := fn(batch[start:min(start+size, len(batch))]); err != nil {
			return err
		}
	}
	return nil
}

func mapsKeys(m map[string]*entity.Entity) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func (c *liveCatalog) EntitiesByRefs(ctx context.Context, refs []string) ([]*entity.Entity, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byRefs += len(refs)
	var out []*entity.Entity
	for _, r := range refs {
		if e, ok := c.entities[r]; ok {
			out = append(out, e)
		}
	}
	return out, nil
}

func (c *liveCatalog) Changes(ctx context.Context, after int64, limit int) ([]search.Change, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []search.Change
	for _, ch := range c.changes {
		if ch.Pos > after && len(out) < limit {
			out = append(out, ch)
		}
	}
	return out, nil
}

func (c *liveCatalog) Latest(ctx context.Context) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return int64(len(c.changes)), nil
}

// sites serves published sites' pages by ref.
type sites struct {
	mu    sync.Mutex
	pages map[string][]search.SitePage
	// failures is how many reads fail before they succeed.
	failures int
}

func (s *sites) SitePages(ctx context.Context, ref entity.Ref) ([]search.SitePage, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failures > 0 {
		s.failures--
		return nil, false, errors.New("site storage unavailable")
	}
	p, ok := s.pages[ref.String()]
	return p, ok, nil
}

type indexerFixture struct {
	engine  search.Engine
	catalog *liveCatalog
	sites   *sites
	ix      *search.Indexer
	svc     *search.Service
}

// newIndexerFixture indexes cat into engine; opts, when given, change
// the indexer's options.
func newIndexerFixture(t *testing.T, engine search.Engine, cat *liveCatalog, opts ...func(*search.IndexerOptions)) *indexerFixture {
	t.Helper()
	f := &indexerFixture{engine: engine, catalog: cat, sites: &sites{pages: map[string][]search.SitePage{}}}
	o := search.IndexerOptions{
		Engine: engine,
		Collators: []search.Collator{
			&search.CatalogCollator{Catalog: cat},
			&search.TechDocsCollator{Catalog: cat, Sites: f.sites},
			&search.TemplateCollator{Catalog: cat},
		},
		Feed:         cat,
		PollInterval: 20 * time.Millisecond,
		Settle:       time.Millisecond,
	}
	for _, opt := range opts {
		opt(&o)
	}
	var err error
	f.ix, err = search.NewIndexer(o)
	if err != nil {
		t.Fatal(err)
	}
	f.svc, err = search.NewService(search.ServiceOptions{Engine: engine, Types: f.ix.Types(),
		Access: func(context.Context) (search.Access, error) { return search.AccessAll, nil }})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// run runs the indexer until the test ends, when Run must return no
// error.
func (f *indexerFixture) run(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.ix.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

// titles returns the titles found for term, sorted.
func (f *indexerFixture) titles(t *testing.T, term string, types ...string) []string {
	t.Helper()
	resp, err := f.svc.Query(context.Background(), search.Request{Term: term, Types: types, PageLimit: 100})
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, r := range resp.Results {
		var d struct{ Title string }
		if err := json.Unmarshal(r.Document, &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d.Title)
	}
	slices.Sort(out)
	return out
}

func TestIndexerFeedAndSites(t *testing.T) {
	ctx := context.Background()
	cat := newLiveCatalog()
	cat.put("Component", "alpha", "Alpha service", nil)
	cat.put("Template", "starter", "Starter template", nil)
	f := newIndexerFixture(t, newEngine(t), cat)
	if _, err := f.ix.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.titles(t, "alpha"); !cmp.Equal(got, []string{"Alpha service"}) {
		t.Errorf("after reindex: %v", got)
	}
	if got := f.titles(t, "starter", search.TypeTemplate); !cmp.Equal(got, []string{"Starter template"}) {
		t.Errorf("template: %v", got)
	}
	// Changes after the reindex reach the index through the feed.
	cat.put("Component", "beta", "Beta service", map[string]string{entity.AnnotationTechDocsRef: "dir:."})
	cat.put("Component", "alpha", "Alpha renamed", nil)
	if err := f.ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.titles(t, "beta"); !cmp.Equal(got, []string{"Beta service"}) {
		t.Errorf("after feed: %v", got)
	}
	if got := f.titles(t, "alpha"); !cmp.Equal(got, []string{"Alpha renamed"}) {
		t.Errorf("after feed: %v", got)
	}
	if got := f.titles(t, "renamed"); !cmp.Equal(got, []string{"Alpha renamed"}) {
		t.Errorf("update: %v", got)
	}
	// A published site is indexed when the indexer hears of it.
	f.sites.mu.Lock()
	f.sites.pages["component:default/beta"] = []search.SitePage{{Location: "", Title: "Beta docs", Text: "How beta works"}, {Location: "run/", Title: "Running beta", Text: "Start it"}}
	f.sites.mu.Unlock()
	f.ix.SitePublished("component:default/beta")
	if err := f.ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.titles(t, "beta", search.TypeTechDocs); !cmp.Equal(got, []string{"Beta docs", "Running beta"}) {
		t.Errorf("published site: %v", got)
	}
	// Deleting the entity removes its documents of every type.
	cat.remove("component:default/beta")
	if err := f.ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.titles(t, "beta"); len(got) != 0 {
		t.Errorf("after delete: %v", got)
	}
	// The feed position is kept with the index, once the changes have
	// settled.
	time.Sleep(5 * time.Millisecond)
	if err := f.ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	pos, ok, err := f.engine.LoadState(ctx, "catalog-feed")
	if err != nil || !ok || pos != strconv.Itoa(len(cat.changes)) {
		t.Errorf("saved position = %q %v %v, want %d", pos, ok, err, len(cat.changes))
	}
}

// TestIndexerReadsChangesOnce: the entities of the feed's changes are
// read from the catalog once for all the collators.
func TestIndexerReadsChangesOnce(t *testing.T) {
	ctx := context.Background()
	cat := newLiveCatalog()
	f := newIndexerFixture(t, newEngine(t), cat)
	if _, err := f.ix.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	cat.put("Component", "one", "One", map[string]string{entity.AnnotationTechDocsRef: "dir:."})
	cat.put("Template", "two", "Two", nil)
	cat.put("Component", "one", "One again", nil)
	if err := f.ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if cat.byRefs != 2 {
		t.Errorf("%d refs read for 2 changed entities", cat.byRefs)
	}
	if got := f.titles(t, "two", search.TypeTemplate); !cmp.Equal(got, []string{"Two"}) {
		t.Errorf("template: %v", got)
	}
	if got := f.titles(t, "again"); !cmp.Equal(got, []string{"One again"}) {
		t.Errorf("catalog: %v", got)
	}
}

func TestIndexerRunIsFresh(t *testing.T) {
	cat := newLiveCatalog()
	cat.put("Component", "seed", "Seed", nil)
	f := newIndexerFixture(t, newEngine(t), cat)
	f.run(t)
	// Run builds every type at start.
	waitFor(t, 5*time.Second, func() bool { return len(f.titles(t, "seed")) == 1 })
	start := time.Now()
	cat.put("Component", "fresh", "Freshly added", nil)
	waitFor(t, 2*time.Second, func() bool { return len(f.titles(t, "freshly")) == 1 })
	t.Logf("searchable %v after the change", time.Since(start))
}

// TestIndexerRunRetriesAFailedBuild: a type whose first build fails
// (a docs site that cannot be read) is built again after RetryAfter, and
// meanwhile the other types follow the feed: one failure at start must
// not leave the index without updates until a restart.
func TestIndexerRunRetriesAFailedBuild(t *testing.T) {
	cat := newLiveCatalog()
	cat.put("Component", "seed", "Seed", map[string]string{entity.AnnotationTechDocsRef: "dir:."})
	f := newIndexerFixture(t, newEngine(t), cat, func(o *search.IndexerOptions) { o.RetryAfter = 50 * time.Millisecond })
	f.sites.pages["component:default/seed"] = []search.SitePage{{Location: "", Title: "Seed handbook", Text: "How seeds grow"}}
	f.sites.failures = 2
	f.run(t)
	// found counts the results of a term in one type; an index not
	// built yet finds none.
	found := func(term, typ string) int {
		resp, err := f.svc.Query(context.Background(), search.Request{Term: term, Types: []string{typ}})
		if err != nil {
			return 0
		}
		return len(resp.Results)
	}
	waitFor(t, 5*time.Second, func() bool { return found("seed", search.TypeCatalog) == 1 })
	cat.put("Component", "fresh", "Freshly added", nil)
	waitFor(t, 2*time.Second, func() bool { return found("freshly", search.TypeCatalog) == 1 })
	// The first build and the first retry fail; the second retry builds
	// the docs.
	waitFor(t, 5*time.Second, func() bool { return found("handbook", search.TypeTechDocs) == 1 })
}

// TestIndexerRunBatchesABurst: a pass reads each entity changed since
// the last one once, however often it changed, and after a pass that
// met a burst of changes Run waits a second for the next, within the 2 s
// a change may take to be searchable.
func TestIndexerRunBatchesABurst(t *testing.T) {
	cat := newLiveCatalog()
	f := newIndexerFixture(t, newEngine(t), cat)
	f.run(t)
	const n = 150
	// Each burst's changes appear in the feed at once.
	put := func(titles ...string) {
		cat.mu.Lock()
		defer cat.mu.Unlock()
		for _, title := range titles {
			for i := range n {
				cat.putLocked("Component", fmt.Sprintf("burst-%d", i), fmt.Sprintf("%s %d", title, i), nil)
			}
		}
	}
	count := func(term string) int {
		resp, err := f.svc.Query(context.Background(), search.Request{Term: term, PageLimit: 100})
		if err != nil || resp.NumberOfResults == nil {
			return 0
		}
		return *resp.NumberOfResults
	}
	// Once Run follows the feed, a burst...
	cat.put("Component", "seed", "Seed", nil)
	waitFor(t, 5*time.Second, func() bool { return count("seed") == 1 })
	put("First")
	waitFor(t, 2*time.Second, func() bool { return count("first") == n })
	// ...and the changes of the next second, applied together.
	cat.mu.Lock()
	before := cat.byRefs
	cat.mu.Unlock()
	start := time.Now()
	put("Second", "Third")
	waitFor(t, 2*time.Second, func() bool { return count("third") == n })
	t.Logf("searchable %v after the burst", time.Since(start))
	cat.mu.Lock()
	defer cat.mu.Unlock()
	if read := cat.byRefs - before; read != n {
		t.Errorf("%d refs read for %d entities changed twice", read, n)
	}
}

func waitFor(t *testing.T, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v", d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestIndexerRebuildReplaysChanges(t *testing.T) {
	ctx := context.Background()
	cat := newLiveCatalog()
	for i := range 5 {
		cat.put("Component", fmt.Sprintf("c%d", i), fmt.Sprintf("Component %d", i), nil)
	}
	f := newIndexerFixture(t, newEngine(t), cat)
	if _, err := f.ix.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	// A rebuild reads its snapshot, then waits; meanwhile c1 changes and
	// the feed applies the change to the live index.
	cat.hold = make(chan struct{})
	rebuilt := make(chan error, 1)
	go func() { _, err := f.ix.Reindex(ctx, search.TypeCatalog); rebuilt <- err }()
	time.Sleep(50 * time.Millisecond)
	cat.mu.Lock()
	hold := cat.hold
	cat.hold = nil
	cat.mu.Unlock()
	cat.put("Component", "c1", "Changed meanwhile", nil)
	if err := f.ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.titles(t, "meanwhile"); len(got) != 1 {
		t.Fatalf("live index during the rebuild: %v", got)
	}
	close(hold)
	if err := <-rebuilt; err != nil {
		t.Fatal(err)
	}
	// The rebuild's snapshot had the old title; the change was applied
	// again after the swap.
	if got := f.titles(t, "meanwhile"); !cmp.Equal(got, []string{"Changed meanwhile"}) {
		t.Errorf("after the swap: %v", got)
	}
	if got := f.titles(t, "component"); len(got) != 5 {
		t.Errorf("others: %v", got)
	}
}

func TestIndexerResumesFromSavedPosition(t *testing.T) {
	ctx := context.Background()
	cat := newLiveCatalog()
	cat.put("Component", "a", "First", nil)
	engine := newEngine(t)
	f := newIndexerFixture(t, engine, cat)
	if _, err := f.ix.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	// While no indexer runs, the catalog changes; a new one over the same
	// index picks the change up from the saved position.
	cat.put("Component", "b", "Second", nil)
	g := newIndexerFixture(t, engine, cat)
	if err := g.ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := g.titles(t, "second"); len(got) != 1 {
		t.Errorf("change made while stopped: %v", got)
	}
}

// TestIndexerKeepsInOrderFeedPosition: with a feed whose changes become
// visible in order, the position is kept as soon as its changes are
// applied, so that a restart does not index them again.
func TestIndexerKeepsInOrderFeedPosition(t *testing.T) {
	ctx := context.Background()
	cat := newLiveCatalog()
	f := newIndexerFixture(t, newEngine(t), cat, func(o *search.IndexerOptions) {
		o.Settle = time.Hour
		o.FeedInOrder = true
	})
	if _, err := f.ix.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	cat.put("Component", "one", "One", nil)
	cat.put("Component", "two", "Two", nil)
	if err := f.ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	pos, ok, err := f.engine.LoadState(ctx, "catalog-feed")
	if err != nil || !ok || pos != strconv.Itoa(len(cat.changes)) {
		t.Errorf("saved position = %q %v %v, want %d", pos, ok, err, len(cat.changes))
	}
}

// compactions counts the calls of Compact on an engine.
type compactions struct {
	search.Engine
	n atomic.Int32
}

func (c *compactions) Compact(context.Context) error {
	c.n.Add(1)
	return nil
}

var _ search.Compactor = (*compactions)(nil)

// TestIndexerCompactsOncePerReindex: a reindex of every type and the
// first build of Run each let a Compactor engine compact once, after all
// their rebuilds.
func TestIndexerCompactsOncePerReindex(t *testing.T) {
	ctx := context.Background()
	cat := newLiveCatalog()
	cat.put("Component", "one", "One", nil)
	e := &compactions{Engine: newEngine(t)}
	f := newIndexerFixture(t, e, cat)
	if _, err := f.ix.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.n.Load(); n != 1 {
		t.Errorf("a reindex of 3 types compacted %d times, want 1", n)
	}

	e2 := &compactions{Engine: newEngine(t)}
	f2 := newIndexerFixture(t, e2, cat)
	f2.run(t)
	waitFor(t, 5*time.Second, func() bool { return e2.n.Load() > 0 })
	if got := f2.titles(t, "one"); !cmp.Equal(got, []string{"One"}) {
		t.Errorf("after the first build: %v", got)
	}
	if n := e2.n.Load(); n != 1 {
		t.Errorf("a first build of 3 types compacted %d times, want 1", n)
	}
}

// TestIndexerRunHoldsTheFeedDuringAFirstLoad: while Hold reports a
// catalog's first load, feed passes wait, and they catch up once it ends.
func TestIndexerRunHoldsTheFeedDuringAFirstLoad(t *testing.T) {
	cat := newLiveCatalog()
	cat.put("Component", "seed", "Seed", nil)
	var loading atomic.Bool
	f := newIndexerFixture(t, newEngine(t), cat, func(o *search.IndexerOptions) { o.Hold = loading.Load })
	f.run(t)
	waitFor(t, 5*time.Second, func() bool { return len(f.titles(t, "seed")) == 1 })

	loading.Store(true)
	cat.put("Component", "loaded", "Loaded meanwhile", nil)
	time.Sleep(150 * time.Millisecond) // several poll intervals
	if got := f.titles(t, "loaded"); len(got) != 0 {
		t.Fatalf("found %v during the load", got)
	}
	loading.Store(false)
	waitFor(t, 2*time.Second, func() bool { return len(f.titles(t, "loaded")) == 1 })
}
