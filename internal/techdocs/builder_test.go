package techdocs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/blob"
)

// fakeCatalog is an EntityLister over a mutable list.
type fakeCatalog struct {
	mu       sync.Mutex
	entities []*entity.Entity
}

func (c *fakeCatalog) EntitiesWithDocs(_ context.Context, fn func(*entity.Entity) error) error {
	c.mu.Lock()
	list := slices.Clone(c.entities)
	c.mu.Unlock()
	for _, e := range list {
		if err := fn(e.Clone()); err != nil {
			return err
		}
	}
	return nil
}

func (c *fakeCatalog) set(es ...*entity.Entity) {
	c.mu.Lock()
	c.entities = es
	c.mu.Unlock()
}

// fakeGenerator renders every docs/*.md file to a page; a source holding
// BROKEN fails. It counts runs and the most that ran at once.
type fakeGenerator struct {
	runs, running, maxRunning atomic.Int64
	gate                      chan struct{} // when set, each run waits for it
}

func (g *fakeGenerator) generate(ctx context.Context, src, out string, o GenerateOptions) error {
	g.runs.Add(1)
	n := g.running.Add(1)
	defer g.running.Add(-1)
	for {
		m := g.maxRunning.Load()
		if n <= m || g.maxRunning.CompareAndSwap(m, n) {
			break
		}
	}
	if g.gate != nil {
		select {
		case <-g.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	o.Logger.Info("reading docs", "dir", "docs")
	pages, err := filepath.Glob(filepath.Join(src, "docs", "*.md"))
	if err != nil {
		return err
	}
	if len(pages) == 0 {
		return errors.New("docs/ holds no pages")
	}
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), "BROKEN") {
			o.Logger.Error("cannot render page", "file", filepath.Base(p))
			return fmt.Errorf("%s:1: broken page", filepath.Base(p))
		}
		name := strings.TrimSuffix(filepath.Base(p), ".md")
		dst := filepath.Join(out, name, "index.html")
		if name == "index" {
			dst = filepath.Join(out, "index.html")
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, []byte("<main class=\"md-content\"><article>"+string(b)+"</article></main>"), 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(out, MetadataFile), []byte(`{"site_name":"`+o.SiteName+`"}`), 0o644)
}

// docsSource writes a catalog file and a docs folder; it returns the
// entity that points at them.
func docsSource(t *testing.T, name string, pages map[string]string) (*entity.Entity, string) {
	t.Helper()
	dir := writeSite(t, map[string]string{"catalog-info.yaml": "kind: Component"})
	for p, body := range pages {
		writeFile(t, filepath.Join(dir, "docs", p), body)
	}
	e := &entity.Entity{
		APIVersion: "backstage.io/v1alpha1", Kind: "Component",
		Metadata: entity.Metadata{Name: name, Namespace: "default", Etag: "v1", Annotations: map[string]string{
			entity.AnnotationTechDocsRef:       "dir:.",
			entity.AnnotationManagedByLocation: "file:" + filepath.Join(dir, "catalog-info.yaml"),
		}},
	}
	return e, dir
}

func writeFile(t *testing.T, p, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	// Sources are told apart by size and time; make sure time moves.
	later := time.Now().Add(time.Duration(time.Now().UnixNano()%1000+1) * time.Millisecond)
	_ = os.Chtimes(p, later, later)
}

type builderFixture struct {
	b   *Builder
	pub *Publisher
	gen *fakeGenerator
	cat *fakeCatalog
	now *atomic.Int64 // how far the builder's clock is ahead of the real one
	tmp string        // the builder's TempDir
}

func newBuilderFixture(t *testing.T, o BuilderOptions) *builderFixture {
	t.Helper()
	d, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	f := &builderFixture{pub: NewPublisher(d, PublisherOptions{}), gen: &fakeGenerator{}, cat: &fakeCatalog{}, now: &atomic.Int64{}}
	f.tmp = t.TempDir()
	o.Catalog, o.Publisher, o.Generate, o.TempDir = f.cat, f.pub, f.gen.generate, f.tmp
	o.Now = func() time.Time { return time.Now().Add(time.Duration(f.now.Load())) }
	if f.b, err = NewBuilder(o); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *builderFixture) advance(d time.Duration) { f.now.Add(int64(d)) }

// run starts the builder until the test ends.
func (f *builderFixture) run(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = f.b.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func (f *builderFixture) page(t *testing.T, e *entity.Entity, file string) string {
	t.Helper()
	b, _, err := f.pub.ReadFile(context.Background(), e.Ref(), file)
	if err != nil {
		return "error: " + err.Error()
	}
	return string(b)
}

// eventually waits for cond, failing with what last said otherwise.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// idle reports whether every known entity has been checked and nothing is
// queued or running.
func (b *Builder) idle(want int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.queue) > 0 || len(b.entries) < want {
		return false
	}
	for _, en := range b.entries {
		if en.running || en.queued || en.lastCheck.IsZero() {
			return false
		}
	}
	return true
}

func TestBuilderBuildsNewEntities(t *testing.T) {
	f := newBuilderFixture(t, BuilderOptions{PollInterval: 10 * time.Millisecond, RecheckInterval: time.Hour})
	e, _ := docsSource(t, "harbour-tides", map[string]string{"index.md": "Welcome aboard", "setup.md": "Setup"})
	f.cat.set(e)
	f.run(t)
	eventually(t, "the site is published", func() bool { return !f.b.Status(e.Ref()).LastBuild.IsZero() })
	if got := f.page(t, e, ""); !strings.Contains(got, "Welcome aboard") {
		t.Errorf("index = %q", got)
	}
	if got := f.page(t, e, "setup/"); !strings.Contains(got, "Setup") {
		t.Errorf("setup page = %q", got)
	}
	md, err := f.pub.Metadata(context.Background(), e.Ref())
	if err != nil {
		t.Fatal(err)
	}
	if md.SiteName != "harbour-tides" || !strings.HasPrefix(md.Etag, "dir-") || md.BuildTimestamp == 0 ||
		!slices.Contains(md.Files, "setup/index.html") || !slices.Contains(md.Files, MetadataFile) {
		t.Errorf("metadata = %+v", md)
	}
	eventually(t, "the status is recorded", func() bool {
		st := f.b.Status(e.Ref())
		return !st.Building && !st.LastBuild.IsZero() && st.Error == ""
	})
	// Polls of an unchanged entity within the recheck interval do not
	// build again.
	time.Sleep(50 * time.Millisecond)
	if n := f.gen.runs.Load(); n != 1 {
		t.Errorf("%d builds, want 1", n)
	}
}

// TestBuilderWaitsForTheCatalogsFirstLoad: while Hold reports a first
// load, Run does not list the catalog; it builds once the hold ends.
func TestBuilderWaitsForTheCatalogsFirstLoad(t *testing.T) {
	var loading atomic.Bool
	loading.Store(true)
	f := newBuilderFixture(t, BuilderOptions{PollInterval: 10 * time.Millisecond, RecheckInterval: time.Hour, Hold: loading.Load})
	e, _ := docsSource(t, "harbour-tides", map[string]string{"index.md": "Welcome aboard"})
	f.cat.set(e)
	f.run(t)
	time.Sleep(100 * time.Millisecond) // ten poll intervals
	if n := f.gen.runs.Load(); n != 0 {
		t.Fatalf("%d builds during the load", n)
	}
	loading.Store(false)
	eventually(t, "the site is published after the load", func() bool { return !f.b.Status(e.Ref()).LastBuild.IsZero() })
}

// folders lists what dir holds, folder by folder, with what each holds.
func folders(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		inner, err := os.ReadDir(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s holds %d", e.Name(), len(inner)))
	}
	return out
}

func TestBuilderReusesBuildFolders(t *testing.T) {
	f := newBuilderFixture(t, BuilderOptions{PollInterval: 5 * time.Millisecond, RecheckInterval: time.Nanosecond, Workers: 1})
	e, _ := docsSource(t, "harbour-tides", map[string]string{"index.md": "first"})
	f.cat.set(e)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = f.b.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	eventually(t, "the first build", func() bool { return strings.Contains(f.page(t, e, ""), "first") })
	eventually(t, "the build folder is put back", func() bool { return len(folders(t, f.tmp)) == 1 })
	kept := folders(t, f.tmp)
	// Rechecks of the unchanged source use the same, emptied folder.
	checked := f.b.Status(e.Ref()).LastCheck
	eventually(t, "more checks", func() bool { return f.b.Status(e.Ref()).LastCheck.Sub(checked) > 0 })
	time.Sleep(20 * time.Millisecond)
	if diff := cmp.Diff([]string{strings.Fields(kept[0])[0] + " holds 0"}, folders(t, f.tmp)); diff != "" {
		t.Errorf("build folders (-want +got):\n%s", diff)
	}
	cancel()
	<-done
	if got := folders(t, f.tmp); len(got) != 0 {
		t.Errorf("after Run: %q", got)
	}
}

func TestBuilderRebuildsChangedSource(t *testing.T) {
	f := newBuilderFixture(t, BuilderOptions{PollInterval: 5 * time.Millisecond, RecheckInterval: time.Nanosecond})
	e, dir := docsSource(t, "harbour-tides", map[string]string{"index.md": "first"})
	f.cat.set(e)
	f.run(t)
	eventually(t, "the first build", func() bool { return strings.Contains(f.page(t, e, ""), "first") })
	// Rechecks of an unchanged source find the site up to date.
	time.Sleep(50 * time.Millisecond)
	if n := f.gen.runs.Load(); n != 1 {
		t.Errorf("%d builds of an unchanged source", n)
	}
	writeFile(t, filepath.Join(dir, "docs", "index.md"), "second edition")
	eventually(t, "the rebuild", func() bool { return strings.Contains(f.page(t, e, ""), "second edition") })
}

func TestBuilderKeepsLastGoodSite(t *testing.T) {
	f := newBuilderFixture(t, BuilderOptions{PollInterval: 5 * time.Millisecond, RecheckInterval: time.Nanosecond})
	e, dir := docsSource(t, "harbour-tides", map[string]string{"index.md": "good", "extra.md": "more"})
	f.cat.set(e)
	f.run(t)
	eventually(t, "the first build", func() bool { return strings.Contains(f.page(t, e, ""), "good") })
	writeFile(t, filepath.Join(dir, "docs", "extra.md"), "BROKEN")
	eventually(t, "the failure is recorded", func() bool { return f.b.Status(e.Ref()).Error != "" })
	st := f.b.Status(e.Ref())
	if !strings.Contains(st.Error, "extra.md:1: broken page") || st.ErrorAt.IsZero() {
		t.Errorf("status = %+v", st)
	}
	if !slices.ContainsFunc(st.Log, func(l string) bool { return strings.Contains(l, "cannot render page file=extra.md") }) {
		t.Errorf("log = %q", st.Log)
	}
	if got := f.page(t, e, ""); !strings.Contains(got, "good") {
		t.Errorf("the last good site is gone: %q", got)
	}
	writeFile(t, filepath.Join(dir, "docs", "extra.md"), "fixed")
	eventually(t, "the error clears", func() bool {
		st := f.b.Status(e.Ref())
		return st.Error == "" && strings.Contains(f.page(t, e, "extra/"), "fixed")
	})
}

func TestBuilderEntityChangesAndRemoval(t *testing.T) {
	f := newBuilderFixture(t, BuilderOptions{PollInterval: 5 * time.Millisecond, RecheckInterval: time.Hour})
	e, _ := docsSource(t, "harbour-tides", map[string]string{"index.md": "one"})
	f.cat.set(e)
	f.run(t)
	eventually(t, "the first build", func() bool { return f.gen.runs.Load() == 1 && !f.b.Status(e.Ref()).Building })
	// A new entity etag means the entity changed: check again (the source
	// is the same, so nothing is rebuilt).
	changed := e.Clone()
	changed.Metadata.Etag = "v2"
	other, _ := docsSource(t, "ferry-booking", map[string]string{"index.md": "ferries"})
	f.cat.set(changed, other)
	eventually(t, "the new entity is built", func() bool { return strings.Contains(f.page(t, other, ""), "ferries") })
	eventually(t, "the changed entity is checked", func() bool {
		return f.b.Status(e.Ref()).LastCheck.After(time.Time{}) && f.gen.runs.Load() == 2
	})
	f.cat.set(other)
	eventually(t, "the removed entity is forgotten", func() bool { return f.b.Status(e.Ref()).LastCheck.IsZero() })
}

func TestBuilderBoundsConcurrency(t *testing.T) {
	f := newBuilderFixture(t, BuilderOptions{Workers: 1, PollInterval: 5 * time.Millisecond, RecheckInterval: time.Hour})
	var es []*entity.Entity
	for i := range 3 {
		e, _ := docsSource(t, fmt.Sprintf("svc-%d", i), map[string]string{"index.md": "x"})
		es = append(es, e)
	}
	f.cat.set(es...)
	f.run(t)
	eventually(t, "all three built", func() bool { return f.gen.runs.Load() == 3 })
	if m := f.gen.maxRunning.Load(); m != 1 {
		t.Errorf("%d builds ran at once with one worker", m)
	}
}

func TestSync(t *testing.T) {
	f := newBuilderFixture(t, BuilderOptions{})
	e, dir := docsSource(t, "harbour-tides", map[string]string{"index.md": "hello"})
	ctx := context.Background()
	var lines []string
	updated, err := f.b.Sync(ctx, e, func(l string) { lines = append(lines, l) })
	if err != nil || !updated {
		t.Fatalf("first Sync = %v, %v", updated, err)
	}
	for _, want := range []string{"Preparing docs source location=dir:" + dir, "Generating docs", "reading docs dir=docs", "Publishing docs"} {
		if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, want) }) {
			t.Errorf("log lacks %q: %q", want, lines)
		}
	}
	// Within 60 s: no check at all.
	writeFile(t, filepath.Join(dir, "docs", "index.md"), "changed")
	if updated, err := f.b.Sync(ctx, e, func(string) {}); updated || err != nil {
		t.Errorf("Sync within 60 s = %v, %v", updated, err)
	}
	if n := f.gen.runs.Load(); n != 1 {
		t.Errorf("%d builds", n)
	}
	f.advance(61 * time.Second)
	if updated, err := f.b.Sync(ctx, e, func(string) {}); !updated || err != nil {
		t.Errorf("Sync after 60 s of a changed source = %v, %v", updated, err)
	}
	f.advance(61 * time.Second)
	lines = nil
	if updated, err := f.b.Sync(ctx, e, func(l string) { lines = append(lines, l) }); updated || err != nil {
		t.Errorf("Sync of an unchanged source = %v, %v", updated, err)
	}
	if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "Docs are up to date") }) {
		t.Errorf("log = %q", lines)
	}
	// A failing build is the sync's error.
	f.advance(61 * time.Second)
	writeFile(t, filepath.Join(dir, "docs", "index.md"), "BROKEN")
	if _, err := f.b.Sync(ctx, e, func(string) {}); err == nil || !strings.Contains(err.Error(), "broken page") {
		t.Errorf("Sync of a broken source = %v", err)
	}
	// An entity without the annotation: Backstage's error.
	bare := e.Clone()
	delete(bare.Metadata.Annotations, entity.AnnotationTechDocsRef)
	if _, err := f.b.Sync(ctx, bare, func(string) {}); err == nil || !strings.Contains(err.Error(), "No backstage.io/techdocs-ref annotation") {
		t.Errorf("Sync without annotation = %v", err)
	}
}

// TestSyncJoins: a reader's sync while a build runs waits for that build
// rather than starting another, and sees its log.
func TestSyncJoins(t *testing.T) {
	f := newBuilderFixture(t, BuilderOptions{PollInterval: time.Hour})
	f.gen.gate = make(chan struct{})
	e, _ := docsSource(t, "harbour-tides", map[string]string{"index.md": "hello"})
	f.cat.set(e)
	f.run(t)
	eventually(t, "the background build starts", func() bool { return f.gen.running.Load() == 1 })
	type result struct {
		updated bool
		err     error
		lines   []string
	}
	results := make(chan result, 2)
	for range 2 {
		go func() {
			var lines []string
			var mu sync.Mutex
			u, err := f.b.Sync(context.Background(), e, func(l string) { mu.Lock(); lines = append(lines, l); mu.Unlock() })
			mu.Lock()
			defer mu.Unlock()
			results <- result{u, err, lines}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	close(f.gen.gate)
	for range 2 {
		r := <-results
		if !r.updated || r.err != nil {
			t.Errorf("joined Sync = %v, %v", r.updated, r.err)
		}
		if !slices.ContainsFunc(r.lines, func(l string) bool { return strings.HasPrefix(l, "Preparing docs source") }) ||
			!slices.ContainsFunc(r.lines, func(l string) bool { return strings.HasPrefix(l, "Published docs") }) {
			t.Errorf("joined Sync log = %q", r.lines)
		}
	}
	if n := f.gen.runs.Load(); n != 1 {
		t.Errorf("%d builds, want 1", n)
	}
	if m := f.gen.maxRunning.Load(); m != 1 {
		t.Errorf("%d builds of one entity at once", m)
	}
}

// fakeTree is a TreeReader serving one tree at one commit.
type fakeTree struct {
	mu     sync.Mutex
	commit string
	files  []TreeFile
	reads  int
}

func (f *fakeTree) ReadTree(_ context.Context, url, etag string) ([]TreeFile, string, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if url != "https://git.example.com/o/r/tree/main/" {
		return nil, "", false, fmt.Errorf("unexpected url %s", url)
	}
	if etag == f.commit {
		return nil, etag, true, nil
	}
	f.reads++
	return f.files, f.commit, false, nil
}

func TestBuilderURLSource(t *testing.T) {
	tree := &fakeTree{commit: "c1", files: []TreeFile{{"mkdocs.yml", []byte("site_name: X")}, {"docs/index.md", []byte("from git")}}}
	f := newBuilderFixture(t, BuilderOptions{})
	f.b.urls = tree
	e := &entity.Entity{Kind: "Component", Metadata: entity.Metadata{Name: "remote", Namespace: "default", Annotations: map[string]string{
		entity.AnnotationTechDocsRef:       "dir:.",
		entity.AnnotationManagedByLocation: "url:https://git.example.com/o/r/tree/main/catalog-info.yaml",
	}}}
	ctx := context.Background()
	if updated, err := f.b.Sync(ctx, e, func(string) {}); !updated || err != nil {
		t.Fatalf("Sync = %v, %v", updated, err)
	}
	if got := f.page(t, e, ""); !strings.Contains(got, "from git") {
		t.Errorf("page = %q", got)
	}
	md, _ := f.pub.Metadata(ctx, e.Ref())
	if md == nil || md.Etag != "c1" {
		t.Errorf("metadata = %+v", md)
	}
	f.advance(time.Minute + time.Second)
	if updated, err := f.b.Sync(ctx, e, func(string) {}); updated || err != nil {
		t.Errorf("Sync at the same commit = %v, %v", updated, err)
	}
	if tree.reads != 1 {
		t.Errorf("the tree was read %d times", tree.reads)
	}
	// A tree naming a file outside itself is refused.
	tree.mu.Lock()
	tree.commit, tree.files = "c2", []TreeFile{{"../escape.md", []byte("x")}}
	tree.mu.Unlock()
	f.advance(time.Minute + time.Second)
	if _, err := f.b.Sync(ctx, e, func(string) {}); err == nil || !strings.Contains(err.Error(), "escape.md") {
		t.Errorf("escaping tree = %v", err)
	}
	// Without a URL reader, url sources fail clearly.
	f.b.urls = nil
	f.advance(time.Minute + time.Second)
	if _, err := f.b.Sync(ctx, e, func(string) {}); err == nil || !strings.Contains(err.Error(), "no URL reader") {
		t.Errorf("without a reader = %v", err)
	}
}
