package techdocs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
)

// GenerateOptions are what a site generator gets besides its folders.
type GenerateOptions struct {
	// SiteName is used when the source has no mkdocs.yml.
	SiteName string
	// RepoURL and EditURI come from the source location (RepoURLs).
	RepoURL, EditURI string
	// Etag identifies the source; it goes into techdocs_metadata.json.
	Etag string
	// Logger receives the build's log lines.
	Logger *slog.Logger
}

// Generator builds the docs source in srcDir into a static site in
// outDir; the app adapts internal/techdocs/build.Build to it.
type Generator func(ctx context.Context, srcDir, outDir string, o GenerateOptions) error

// EntityLister lists the catalog's entities that have a
// backstage.io/techdocs-ref annotation, calling fn for each.
type EntityLister interface {
	EntitiesWithDocs(ctx context.Context, fn func(e *entity.Entity) error) error
}

// BuilderOptions configure a Builder. Catalog, Publisher and Generate are
// required.
type BuilderOptions struct {
	Catalog   EntityLister
	Publisher *Publisher
	Generate  Generator
	// URLReader reads url: sources; without it they fail to build.
	URLReader TreeReader
	// Workers bounds the builds running at once; 2 when 0.
	Workers int
	// PollInterval is how often the catalog is listed for new and
	// changed entities; 30 s when 0.
	PollInterval time.Duration
	// RecheckInterval is how often the source of an unchanged entity is
	// checked for changes; 10 minutes when 0.
	RecheckInterval time.Duration
	// BuildTimeout bounds one build; 10 minutes when 0.
	BuildTimeout time.Duration
	// TempDir holds sources and sites while they are built; the system's
	// when empty.
	TempDir string
	// Hold, when set, reports that the catalog is in the middle of a
	// first load. Run does not list the catalog meanwhile (a listing
	// then reads search rows without their indexes); it looks again every
	// second and lists it once the hold ends. Hold bounds its own wait.
	Hold   func() bool
	Logger *slog.Logger
	Now    func() time.Time
}

// SyncInterval is the shortest time between two update checks of an
// entity asked for by readers (Backstage's 60 s rule).
const SyncInterval = 60 * time.Second

// maxLogLines bounds the log kept for a failed build.
const maxLogLines = 200

// Builder keeps the docs of catalog entities built and published, in the
// background. At most one build per entity runs at a time, and at most
// Workers in all; readers are never made to wait.
//
// Checks that the poll queues are cheap when many entities share a local
// docs folder (a monorepo): they reuse a walk of the folder started in
// the last few seconds, and do not build again an input whose build
// failed until RecheckInterval has passed. Checks asked for by readers
// (Request, Sync) walk the folder anew, and Sync builds regardless.
type Builder struct {
	catalog  EntityLister
	pub      *Publisher
	generate Generator
	urls     TreeReader
	poll     time.Duration
	hold     func() bool
	recheck  time.Duration
	timeout  time.Duration
	work     *workspaces
	trees    *treeHashes
	log      *slog.Logger
	now      func() time.Time
	slots    chan struct{}
	wake     chan struct{}
	ctx      context.Context
	cancel   context.CancelFunc

	mu      sync.Mutex
	entries map[string]*buildEntry
	queue   []string
}

// buildEntry is what the builder knows about one entity.
type buildEntry struct {
	e         *entity.Entity
	etag      string // the entity's metadata.etag when last listed
	lastCheck time.Time
	queued    bool
	running   bool
	again     bool // asked for again while running
	waiters   []chan syncResult
	subs      map[int]func(string)
	nextSub   int
	log       []string // the running check's lines
	status    Status
	// wantFresh asks the next check to hash a local source anew: a
	// reader wants it.
	wantFresh bool
	mode      checkMode // the running check's
	// failedInput is the input (see buildInput) of the last failed
	// build and failedAt when its check started; background checks do
	// not build it again until RecheckInterval after that.
	failedInput string
	failedAt    time.Time
}

// checkMode says what a check may take from earlier checks.
type checkMode struct {
	freshSource bool // hash a local source anew, not reuse a recent hash
	retryFailed bool // build an input whose build failed before
}

// syncMode is the sync endpoint's: nothing is taken from earlier checks.
var syncMode = checkMode{freshSource: true, retryFailed: true}

type syncResult struct {
	updated bool
	err     error
	// badInput is the input of a build that failed; repeated means the
	// check did not build because that input failed before.
	badInput string
	repeated bool
}

// Status is an entity's build state, for the entity page.
type Status struct {
	Building bool
	Queued   bool
	// LastCheck is when its source was last checked; LastBuild when its
	// site was last published by this process.
	LastCheck time.Time
	LastBuild time.Time
	// Error is the last check's failure; "" when it succeeded. The
	// published site is then the last good one.
	Error   string
	ErrorAt time.Time
	// Log is the failed build's log.
	Log []string
}

// NewBuilder returns a builder; Run starts it.
func NewBuilder(o BuilderOptions) (*Builder, error) {
	if o.Catalog == nil || o.Publisher == nil || o.Generate == nil {
		return nil, errors.New("techdocs: the builder needs a catalog, a publisher and a generator")
	}
	b := &Builder{
		catalog: o.Catalog, pub: o.Publisher, generate: o.Generate, urls: o.URLReader,
		poll: o.PollInterval, hold: o.Hold, recheck: o.RecheckInterval, timeout: o.BuildTimeout,
		log: o.Logger, now: o.Now,
		wake:    make(chan struct{}, 1),
		entries: map[string]*buildEntry{},
	}
	workers := o.Workers
	if workers <= 0 {
		workers = 2
	}
	b.slots = make(chan struct{}, workers)
	b.work = &workspaces{parent: o.TempDir, max: workers}
	if b.poll <= 0 {
		b.poll = 30 * time.Second
	}
	if b.now == nil {
		b.now = time.Now
	}
	b.trees = newTreeHashes(min(b.poll, maxTreeHashAge), b.now)
	if b.recheck <= 0 {
		b.recheck = 10 * time.Minute
	}
	if b.timeout <= 0 {
		b.timeout = 10 * time.Minute
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	return b, nil
}

// Run lists the catalog every PollInterval and builds what changed, until
// ctx ends; builds in progress are then cancelled.
func (b *Builder) Run(ctx context.Context) error {
	defer b.cancel()
	defer b.work.close()
	var wg sync.WaitGroup
	for range cap(b.slots) {
		wg.Go(func() { b.worker(ctx) })
	}
	defer wg.Wait()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			b.cancel()
			return nil
		case <-t.C:
		}
		if b.hold != nil && b.hold() {
			t.Reset(min(b.poll, holdRecheck))
			continue
		}
		start := time.Now()
		if err := b.Poll(ctx); err != nil && ctx.Err() == nil {
			b.log.Warn("list entities with docs", "error", err)
		}
		t.Reset(max(0, b.poll-time.Since(start)))
	}
}

// holdRecheck is how often Run looks whether BuilderOptions.Hold ended.
const holdRecheck = time.Second

// Poll lists the entities with docs once: new and changed entities, and
// those not checked for RecheckInterval, are queued for a check;
// entities that lost their docs are forgotten.
func (b *Builder) Poll(ctx context.Context) error {
	seen := map[string]bool{}
	err := b.catalog.EntitiesWithDocs(ctx, func(e *entity.Entity) error {
		if !HasDocs(e) {
			return nil
		}
		key := e.Ref().String()
		seen[key] = true
		b.mu.Lock()
		defer b.mu.Unlock()
		en := b.entries[key]
		switch {
		case en == nil:
			en = &buildEntry{e: e, etag: e.Metadata.Etag}
			b.entries[key] = en
			b.enqueue(key, en)
		case en.etag != e.Metadata.Etag:
			en.e, en.etag = e, e.Metadata.Etag
			b.enqueue(key, en)
		case b.now().Sub(en.lastCheck) >= b.recheck:
			b.enqueue(key, en)
		}
		return nil
	})
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for key, en := range b.entries {
		if !seen[key] && !en.running && !en.queued {
			delete(b.entries, key)
		}
	}
	return nil
}

// enqueue queues a check of key; b.mu is held.
func (b *Builder) enqueue(key string, en *buildEntry) {
	switch {
	case en.running:
		en.again = true
	case !en.queued:
		en.queued = true
		b.queue = append(b.queue, key)
		select {
		case b.wake <- struct{}{}:
		default:
		}
	}
}

// worker runs queued checks until ctx ends.
func (b *Builder) worker(ctx context.Context) {
	for {
		key, en, ok := b.next()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-b.wake:
				continue
			}
		}
		b.execute(key, en)
	}
}

// next takes the first queued entity that is not being checked already,
// marking it running.
func (b *Builder) next() (string, *buildEntry, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.queue) > 0 {
		key := b.queue[0]
		b.queue = b.queue[1:]
		en := b.entries[key]
		if en == nil {
			continue
		}
		en.queued = false
		if en.running {
			en.again = true
			continue
		}
		b.start(en, checkMode{})
		if len(b.queue) > 0 {
			select { // let another worker take the rest
			case b.wake <- struct{}{}:
			default:
			}
		}
		return key, en, true
	}
	return "", nil, false
}

// start marks en running a check in mode m, fresh if a reader asked;
// b.mu is held.
func (b *Builder) start(en *buildEntry, m checkMode) {
	m.freshSource = m.freshSource || en.wantFresh
	en.running, en.again, en.wantFresh, en.mode = true, false, false, m
	en.lastCheck = b.now()
	en.log = nil
	en.status.Building = true
}

// execute checks one entity in a build slot and records the outcome.
func (b *Builder) execute(key string, en *buildEntry) {
	var res syncResult
	select {
	case b.slots <- struct{}{}:
		b.mu.Lock()
		e, m := en.e, en.mode
		var failed *failure
		if !m.retryFailed && en.failedInput != "" && b.now().Sub(en.failedAt) < b.recheck {
			failed = &failure{input: en.failedInput, msg: en.status.Error, at: en.status.ErrorAt}
		}
		b.mu.Unlock()
		ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
		res = b.check(ctx, e, m, failed, slog.New(&lineHandler{emit: func(l string) { b.logLine(en, l) }}))
		cancel()
		<-b.slots
	case <-b.ctx.Done():
		res.err = b.ctx.Err()
	}
	b.finish(key, en, res)
}

// logLine keeps one line of a running check and passes it to the
// readers following it.
func (b *Builder) logLine(en *buildEntry, line string) {
	b.mu.Lock()
	if len(en.log) < maxLogLines {
		en.log = append(en.log, line)
	}
	subs := make([]func(string), 0, len(en.subs))
	for _, s := range en.subs {
		subs = append(subs, s)
	}
	b.mu.Unlock()
	for _, s := range subs {
		s(line)
	}
}

// finish records a check's outcome and wakes whoever waits for it.
func (b *Builder) finish(key string, en *buildEntry, res syncResult) {
	b.mu.Lock()
	defer b.mu.Unlock()
	en.running = false
	st := &en.status
	st.Building = false
	st.LastCheck = en.lastCheck
	ref := en.e.Ref().String()
	switch {
	case res.repeated:
		// The status keeps the failure and log of the build that ran.
		b.log.Debug("docs build not retried: its input failed before", "entity", ref)
	case res.err != nil:
		st.Error, st.ErrorAt, st.Log = res.err.Error(), b.now(), en.log
		en.failedInput, en.failedAt = res.badInput, en.lastCheck
		if b.ctx.Err() == nil {
			b.log.Warn("docs build failed", "entity", ref, "error", res.err)
		}
	default:
		st.Error, st.ErrorAt, st.Log = "", time.Time{}, nil
		en.failedInput = ""
		if res.updated {
			st.LastBuild = b.now()
			b.log.Info("docs published", "entity", ref, "duration", b.now().Sub(en.lastCheck))
		}
	}
	for _, w := range en.waiters {
		w <- res
	}
	en.waiters = nil
	if en.again {
		b.enqueue(key, en)
	}
}

// failure is a failed build's input and error.
type failure struct {
	input, msg string
	at         time.Time
}

// check brings one entity's site up to date: resolve its source, read it,
// and unless its etag matches the published site, build and publish it.
// When failed is set and the build's input is the same, it does not
// build but answers the same failure.
func (b *Builder) check(ctx context.Context, e *entity.Entity, m checkMode, failed *failure, log *slog.Logger) syncResult {
	updated, input, err := b.update(ctx, e, m, failed, log)
	switch {
	case err == nil:
		return syncResult{updated: updated}
	case errors.Is(err, errSameInput):
		return syncResult{err: fmt.Errorf("%s (the input is unchanged since %s)", failed.msg, failed.at.UTC().Format(time.RFC3339)), repeated: true}
	default:
		return syncResult{err: err, badInput: input}
	}
}

// errSameInput says update stopped before a build known to fail.
var errSameInput = errors.New("the build's input failed before")

// update does check's work; input is the input given to the build, when
// it got that far.
func (b *Builder) update(ctx context.Context, e *entity.Entity, m checkMode, failed *failure, log *slog.Logger) (updated bool, input string, err error) {
	ref := e.Ref()
	loc, err := ResolveLocation(e)
	if err != nil {
		return false, "", err
	}
	prevEtag := ""
	switch md, err := b.pub.Metadata(ctx, ref); {
	case err == nil:
		prevEtag = md.Etag
	case problem.Is(err, problem.NotFoundError):
	default:
		log.Warn("the published metadata cannot be read; building anew", "error", err.Error())
	}
	tmp, err := b.work.get()
	if err != nil {
		return false, "", fmt.Errorf("create build folder: %w", err)
	}
	defer b.work.put(tmp)
	log.Info("Preparing docs source", "location", loc.String())
	src, etag, notModified, err := b.prepare(ctx, loc, prevEtag, tmp, m.freshSource)
	if err != nil {
		return false, "", err
	}
	if notModified {
		log.Info("Docs are up to date", "etag", etag)
		return false, "", nil
	}
	out := filepath.Join(tmp, "site")
	repoURL, editURI := RepoURLs(loc)
	siteName := e.Metadata.Title
	if siteName == "" {
		siteName = e.Metadata.Name
	}
	input = buildInput(loc, etag, siteName, repoURL, editURI)
	if failed != nil && failed.input == input {
		log.Info("Not building again: the same input failed before", "etag", etag)
		return false, "", errSameInput
	}
	log.Info("Generating docs")
	err = b.generate(ctx, src, out, GenerateOptions{SiteName: siteName, RepoURL: repoURL, EditURI: editURI, Etag: etag, Logger: log})
	if err != nil {
		return false, input, fmt.Errorf("build docs: %w", err)
	}
	if err := updateMetadata(out, siteName, etag, b.now()); err != nil {
		return false, input, err
	}
	log.Info("Publishing docs")
	res, err := b.pub.Publish(ctx, ref, out)
	if err != nil {
		return false, "", err
	}
	log.Info("Published docs", "files", len(res.Uploaded), "removed", len(res.Deleted))
	return true, "", nil
}

// buildInput identifies what a build is given: the source and its etag
// and the options taken from the entity.
func buildInput(loc Location, etag, siteName, repoURL, editURI string) string {
	return strings.Join([]string{loc.String(), etag, siteName, repoURL, editURI}, "\x00")
}

// updateMetadata finishes techdocs_metadata.json as Backstage's pipeline
// does after generating: build_timestamp, the list of files and the
// source's etag, keeping whatever else the generator wrote.
func updateMetadata(site, siteName, etag string, now time.Time) error {
	p := filepath.Join(site, MetadataFile)
	md := map[string]any{}
	switch b, err := os.ReadFile(p); {
	case err == nil:
		if err := json.Unmarshal(b, &md); err != nil {
			return fmt.Errorf("the generated %s: %w", MetadataFile, err)
		}
	case errors.Is(err, os.ErrNotExist):
	default:
		return err
	}
	if _, ok := md["site_name"]; !ok {
		md["site_name"] = siteName
	}
	if _, ok := md["site_description"]; !ok {
		md["site_description"] = "None"
	}
	files, err := siteFiles(site)
	if err != nil && !strings.Contains(err.Error(), "holds no files") {
		return err
	}
	if !contains(files, MetadataFile) {
		files = append(files, MetadataFile)
	}
	md["files"] = files
	md["etag"] = etag
	md["build_timestamp"] = now.UnixMilli()
	b, err := json.Marshal(md)
	if err != nil {
		return err
	}
	return os.WriteFile(p, b, 0o644)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Status returns ref's build state.
func (b *Builder) Status(ref entity.Ref) Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	en := b.entries[ref.String()]
	if en == nil {
		return Status{}
	}
	st := en.status
	st.Queued = en.queued
	st.Log = append([]string(nil), st.Log...)
	return st
}

// Request asks for a check of e soon, unless one ran in the last
// SyncInterval; it does not wait. The docs pages call it when read.
func (b *Builder) Request(e *entity.Entity) {
	if !HasDocs(e) {
		return
	}
	key := e.Ref().String()
	b.mu.Lock()
	defer b.mu.Unlock()
	en := b.track(key, e)
	if en.running || (!en.lastCheck.IsZero() && b.now().Sub(en.lastCheck) < SyncInterval) {
		return
	}
	en.wantFresh = true // a reader may just have edited the source
	b.enqueue(key, en)
}

// track returns the entry of key, made or updated with e; b.mu is held.
func (b *Builder) track(key string, e *entity.Entity) *buildEntry {
	en := b.entries[key]
	if en == nil {
		en = &buildEntry{e: e, etag: e.Metadata.Etag}
		b.entries[key] = en
	} else if !en.running {
		en.e = e
	}
	return en
}

// Sync is the sync endpoint's update check: it brings e's docs up to date
// now, passing the build's log lines to logf, and reports whether a new
// site was published. A check already running for e is joined; when one
// ran in the last SyncInterval, it answers false at once. The build goes
// on if the caller stops waiting.
func (b *Builder) Sync(ctx context.Context, e *entity.Entity, logf func(string)) (bool, error) {
	if !HasDocs(e) {
		_, err := ResolveLocation(e)
		return false, err
	}
	key := e.Ref().String()
	g := &lineGuard{fn: logf}
	defer g.close()
	ch := make(chan syncResult, 1)
	b.mu.Lock()
	en := b.track(key, e)
	switch {
	case en.running:
		if !en.mode.freshSource {
			// The running check may use a source hash from before an
			// edit the reader made: check again afterwards.
			en.again, en.wantFresh = true, true
		}
	case !en.lastCheck.IsZero() && b.now().Sub(en.lastCheck) < SyncInterval:
		b.mu.Unlock()
		return false, nil
	default:
		b.start(en, syncMode)
		go b.execute(key, en)
	}
	en.waiters = append(en.waiters, ch)
	if en.subs == nil {
		en.subs = map[int]func(string){}
	}
	id := en.nextSub
	en.nextSub++
	en.subs[id] = g.call
	// What the check already said goes first: lines logged from now on
	// wait for g until the replay is done.
	said := append([]string(nil), en.log...)
	g.mu.Lock()
	b.mu.Unlock()
	for _, l := range said {
		g.fn(l)
	}
	g.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(en.subs, id)
		b.mu.Unlock()
	}()
	select {
	case r := <-ch:
		return r.updated, r.err
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// lineGuard stops log lines reaching a reader who has gone.
type lineGuard struct {
	mu     sync.Mutex
	fn     func(string)
	closed bool
}

func (g *lineGuard) call(l string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.closed && g.fn != nil {
		g.fn(l)
	}
}

func (g *lineGuard) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}
