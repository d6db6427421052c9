package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/callboard/callboard/entity"
)

// Defaults of the Indexer.
const (
	// DefaultSchedule is how often each type is rebuilt in full, as a
	// safety net behind the change feed (Backstage's collator default).
	DefaultSchedule = 10 * time.Minute
	// DefaultRebuildTimeout bounds one rebuild.
	DefaultRebuildTimeout = 15 * time.Minute
	// DefaultPollInterval is how often the change feed is read.
	DefaultPollInterval = 250 * time.Millisecond
	// DefaultSettle is how long a change position is re-read for changes
	// committed out of order before it (see feedWindow).
	DefaultSettle = 5 * time.Second
	// lockRetry is how often a replica that is not indexing tries to
	// take over.
	lockRetry = 5 * time.Second
	// DefaultRetryAfter is how long after a failed rebuild the indexer
	// tries again, doubling after each failure up to maxRetryAfter.
	DefaultRetryAfter = 5 * time.Second
	maxRetryAfter     = 5 * time.Minute
)

// feedStateKey is where the feed position is kept in the engine.
const feedStateKey = "catalog-feed"

// lockName is the Locker lock that makes one replica the indexer.
const lockName = "callboard-search-indexer"

// IndexerOptions configure an Indexer. Engine and Collators are required;
// without Feed, entity changes reach the index only through rebuilds.
type IndexerOptions struct {
	Engine    Engine
	Collators []Collator
	Feed      ChangeFeed
	// Schedules are how often each type is rebuilt, by type;
	// DefaultSchedule for a type not listed, never for a negative one.
	Schedules      map[string]time.Duration
	RebuildTimeout time.Duration
	PollInterval   time.Duration
	// Settle is how long an applied feed position is read again for
	// changes below it that commit later (DefaultSettle when zero), unless
	// FeedInOrder.
	Settle time.Duration
	// FeedInOrder says the feed's changes become visible in position
	// order, as with one writer (SQLite): a position is kept as soon as
	// its changes are applied, and a restart does not read the changes
	// of the last Settle again.
	FeedInOrder bool
	// RetryAfter is DefaultRetryAfter when zero.
	RetryAfter time.Duration
	// Hold, when set, reports that the catalog is in the middle of a
	// first load into an empty catalog. Run's feed passes wait meanwhile
	// and catch up after: the load's entities change many times before
	// they settle, and the database's single writer and the cores are the
	// catalog's until they do. Hold bounds its own wait.
	Hold   func() bool
	Logger *slog.Logger
	Now    func() time.Time
}

// Indexer keeps an Engine's indexes fresh: every type is rebuilt at
// start when it has no index and then on its schedule; entity changes
// from the feed and docs sites as they are published update the live
// indexes in between. A rebuild swaps its index in atomically; changes
// that arrive while it runs are applied again to the new index after the
// swap.
type Indexer struct {
	engine    Engine
	collators []Collator
	feed      ChangeFeed
	schedules map[string]time.Duration
	timeout   time.Duration
	poll      time.Duration
	settle    time.Duration
	retry     time.Duration
	hold      func() bool
	log       *slog.Logger
	now       func() time.Time

	wake chan struct{}

	mu sync.Mutex
	// published are entities whose docs site was published since the
	// last pass.
	published map[string]bool
	// replay holds, per type being rebuilt, the entities updated in the
	// live index meanwhile.
	replay map[string]map[string]bool
	// window is the place in the feed; nil until Run or Sync reads it.
	window *feedWindow

	// applyMu makes feed passes one at a time.
	applyMu sync.Mutex
}

// NewIndexer checks o and returns an indexer.
func NewIndexer(o IndexerOptions) (*Indexer, error) {
	if o.Engine == nil || len(o.Collators) == 0 {
		return nil, errors.New("search: the indexer needs an engine and collators")
	}
	ix := &Indexer{
		engine: o.Engine, collators: o.Collators, feed: o.Feed, schedules: o.Schedules,
		timeout: o.RebuildTimeout, poll: o.PollInterval, settle: o.Settle, retry: o.RetryAfter, log: o.Logger, now: o.Now,
		hold: o.Hold,
		wake: make(chan struct{}, 1), published: map[string]bool{}, replay: map[string]map[string]bool{},
	}
	if ix.timeout <= 0 {
		ix.timeout = DefaultRebuildTimeout
	}
	if ix.poll <= 0 {
		ix.poll = DefaultPollInterval
	}
	if ix.settle <= 0 {
		ix.settle = DefaultSettle
	}
	if o.FeedInOrder {
		ix.settle = 0
	}
	if ix.retry <= 0 {
		ix.retry = DefaultRetryAfter
	}
	if ix.log == nil {
		ix.log = slog.New(slog.DiscardHandler)
	}
	if ix.now == nil {
		ix.now = time.Now
	}
	return ix, nil
}

// Types lists the collators' types, in order.
func (ix *Indexer) Types() []string {
	out := make([]string, len(ix.collators))
	for i, c := range ix.collators {
		out[i] = c.Type()
	}
	return out
}

// SitePublished tells the indexer that the docs site of the entity with
// the canonical ref was published; its pages are indexed on the next
// pass. It never blocks.
func (ix *Indexer) SitePublished(ref string) {
	ix.mu.Lock()
	ix.published[ref] = true
	ix.mu.Unlock()
	select {
	case ix.wake <- struct{}{}:
	default:
	}
}

// Run keeps the indexes fresh until ctx ends. With an engine shared by
// replicas (a Locker) only the replica holding the lock does the work;
// the others wait to take over. A rebuild that fails, the first one of
// a type included, is tried again after RetryAfter, then after twice as
// long, and so on; meanwhile the feed keeps the live indexes fresh.
func (ix *Indexer) Run(ctx context.Context) error {
	if l, ok := ix.engine.(Locker); ok {
		unlock, err := ix.lead(ctx, l)
		if err != nil || unlock == nil {
			return err
		}
		defer unlock()
	}
	due := map[string]time.Time{}
	backoff := map[string]time.Duration{}
	// retryLater makes a failed rebuild of typ due after RetryAfter, or
	// after twice its last wait when it failed before.
	retryLater := func(typ string) {
		b := ix.retry
		if prev, ok := backoff[typ]; ok {
			b = min(2*prev, maxRetryAfter)
		}
		backoff[typ] = b
		due[typ] = ix.now().Add(b)
	}
	for _, t := range ix.start(ctx) {
		retryLater(t)
	}
	if ctx.Err() != nil {
		return nil
	}
	for _, c := range ix.collators {
		t := c.Type()
		if _, retry := due[t]; !retry {
			if every := ix.schedule(t); every > 0 {
				due[t] = ix.now().Add(every)
			}
		}
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	rebuilding := map[string]bool{}
	type result struct {
		typ string
		err error
	}
	finished := make(chan result, len(ix.collators))
	// nextPass is when the feed is read next: after a pass that met a
	// burst of changes, burstPause later, so that the next one takes
	// the changes of a whole second in larger batches, each entity once.
	var nextPass time.Time
	tick := time.NewTicker(ix.poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-ix.wake:
		case r := <-finished:
			delete(rebuilding, r.typ)
			if r.err == nil {
				delete(backoff, r.typ)
			} else if ctx.Err() == nil {
				retryLater(r.typ)
			}
		}
		now := ix.now()
		if !now.Before(nextPass) && !ix.held() {
			n, more, err := ix.sync(ctx)
			if err != nil && ctx.Err() == nil {
				ix.log.Error("search index update failed", "error", err)
			}
			nextPass = time.Time{}
			if n >= burstChanges && !more {
				nextPass = now.Add(burstPause)
			}
		}
		for _, c := range ix.collators {
			t := c.Type()
			at, ok := due[t]
			if !ok || now.Before(at) || rebuilding[t] {
				continue
			}
			if every := ix.schedule(t); every > 0 {
				due[t] = now.Add(every)
			} else {
				delete(due, t)
			}
			rebuilding[t] = true
			wg.Go(func() {
				_, err := ix.rebuild(ctx, c)
				if err != nil && ctx.Err() == nil {
					ix.log.Error("search index rebuild failed", "type", t, "error", err)
				}
				if err == nil {
					ix.compact(ctx)
				}
				finished <- result{t, err}
			})
		}
	}
}

// held reports whether feed passes wait (IndexerOptions.Hold).
func (ix *Indexer) held() bool { return ix.hold != nil && ix.hold() }

// lead waits until this process holds the indexer lock; it returns a nil
// unlock when ctx ends first.
func (ix *Indexer) lead(ctx context.Context, l Locker) (func(), error) {
	logged := false
	for {
		unlock, ok, err := l.TryLock(ctx, lockName)
		if err != nil && ctx.Err() == nil {
			ix.log.Warn("search indexer lock failed", "error", err)
		}
		if ok {
			return unlock, nil
		}
		if !logged && err == nil {
			ix.log.Info("another replica keeps the search index; waiting to take over")
			logged = true
		}
		select {
		case <-ctx.Done():
			return nil, nil
		case <-time.After(lockRetry):
		}
	}
}

func (ix *Indexer) schedule(typ string) time.Duration {
	if d, ok := ix.schedules[typ]; ok {
		return d
	}
	return DefaultSchedule
}

// start reads the feed position and builds every type that has no
// index, and returns the types it could not build (every type when it
// could not tell which have one). A first start takes the feed's latest
// position before building, so that changes during the build are
// applied afterwards.
func (ix *Indexer) start(ctx context.Context) []string {
	if err := ix.loadWindow(ctx); err != nil {
		ix.log.Error("search indexer start failed", "error", err)
		return ix.Types()
	}
	live, err := ix.engine.Types(ctx)
	if err != nil {
		ix.log.Error("search indexer start failed", "error", fmt.Errorf("read search index types: %w", err))
		return ix.Types()
	}
	var failed []string
	for _, c := range ix.collators {
		if slices.Contains(live, c.Type()) {
			continue
		}
		if _, err := ix.rebuild(ctx, c); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			ix.log.Error("search index build failed", "type", c.Type(), "retryAfter", ix.retry, "error", err)
			failed = append(failed, c.Type())
		}
	}
	ix.compact(ctx)
	return failed
}

// loadWindow reads the saved feed position, or takes the latest one.
func (ix *Indexer) loadWindow(ctx context.Context) error {
	ix.mu.Lock()
	loaded := ix.window != nil
	ix.mu.Unlock()
	if loaded || ix.feed == nil {
		return nil
	}
	s, ok, err := ix.engine.LoadState(ctx, feedStateKey)
	if err != nil {
		return fmt.Errorf("read search feed position: %w", err)
	}
	var pos int64
	if ok {
		if pos, err = strconv.ParseInt(s, 10, 64); err != nil {
			return fmt.Errorf("search feed position %q: %w", s, err)
		}
	} else {
		if pos, err = ix.feed.Latest(ctx); err != nil {
			return fmt.Errorf("read catalog change feed: %w", err)
		}
		if err := ix.engine.SaveState(ctx, feedStateKey, strconv.FormatInt(pos, 10)); err != nil {
			return fmt.Errorf("save search feed position: %w", err)
		}
	}
	ix.mu.Lock()
	if ix.window == nil {
		ix.window = newFeedWindow(pos, ix.settle)
	}
	ix.mu.Unlock()
	return nil
}

// Rebuilt says what a rebuild of one type indexed.
type Rebuilt struct {
	Type      string
	Documents int
	Took      time.Duration
}

// Reindex rebuilds the given types, every type when none is given, now.
func (ix *Indexer) Reindex(ctx context.Context, types ...string) ([]Rebuilt, error) {
	for _, t := range types {
		if !slices.Contains(ix.Types(), t) {
			return nil, fmt.Errorf("unknown document type %q (known: %s)", t, strings.Join(ix.Types(), ", "))
		}
	}
	if err := ix.loadWindow(ctx); err != nil {
		return nil, err
	}
	var out []Rebuilt
	for _, c := range ix.collators {
		if len(types) > 0 && !slices.Contains(types, c.Type()) {
			continue
		}
		start := ix.now()
		n, err := ix.rebuild(ctx, c)
		if err != nil {
			return out, err
		}
		out = append(out, Rebuilt{Type: c.Type(), Documents: n, Took: ix.now().Sub(start)})
	}
	ix.compact(ctx)
	return out, nil
}

// compact lets an engine that is a Compactor compact its index after
// rebuilds. A failure leaves the index as it was, only slower to read.
func (ix *Indexer) compact(ctx context.Context) {
	c, ok := ix.engine.(Compactor)
	if !ok {
		return
	}
	start := ix.now()
	if err := c.Compact(ctx); err != nil {
		ix.log.Warn("search index not compacted", "error", err)
		return
	}
	ix.log.Debug("search index compacted", "took", ix.now().Sub(start))
}

// rebuildBatch is how many documents one Rebuild.Add takes.
const rebuildBatch = 500

// rebuild builds a new index of c's type and swaps it in, then applies
// again what changed in the live index meanwhile. It returns how many
// documents it indexed.
func (ix *Indexer) rebuild(ctx context.Context, c Collator) (int, error) {
	typ := c.Type()
	// Changes made while the rebuild reads the catalog are applied from
	// the feed afterwards: its position must be known before.
	if err := ix.loadWindow(ctx); err != nil {
		return 0, fmt.Errorf("rebuild %s index: %w", typ, err)
	}
	ctx, cancel := context.WithTimeout(ctx, ix.timeout)
	defer cancel()
	start := ix.now()
	ix.mu.Lock()
	ix.replay[typ] = map[string]bool{}
	ix.mu.Unlock()
	takeReplay := func() []string {
		ix.mu.Lock()
		defer ix.mu.Unlock()
		refs := slices.Sorted(maps.Keys(ix.replay[typ]))
		delete(ix.replay, typ)
		return refs
	}
	rb, err := ix.engine.Rebuild(ctx, typ)
	if err != nil {
		takeReplay()
		return 0, fmt.Errorf("rebuild %s index: %w", typ, err)
	}
	n := 0
	var buf []Document
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		err := rb.Add(ctx, buf)
		n += len(buf)
		buf = buf[:0]
		return err
	}
	err = c.Collate(ctx, func(docs []Document) error {
		buf = append(buf, docs...)
		if len(buf) >= rebuildBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err == nil {
		err = rb.Commit(ctx)
	}
	if err != nil {
		takeReplay()
		if aerr := rb.Abort(context.WithoutCancel(ctx)); aerr != nil {
			ix.log.Warn("search rebuild not cleaned up", "type", typ, "error", aerr)
		}
		return 0, fmt.Errorf("rebuild %s index: %w", typ, err)
	}
	refs := takeReplay()
	if len(refs) > 0 {
		if err := ix.refresh(ctx, c, refs); err != nil {
			return n, fmt.Errorf("rebuild %s index: apply changes made meanwhile: %w", typ, err)
		}
	}
	ix.log.Info("search index rebuilt", "type", typ, "documents", n, "replayed", len(refs), "took", ix.now().Sub(start))
	return n, nil
}

// refresh replaces the documents of refs in c's live index with their
// current ones, and notes them for a rebuild of the type in progress.
func (ix *Indexer) refresh(ctx context.Context, c Collator, refs []string) error {
	docs, err := c.Refresh(ctx, refs)
	if err != nil {
		return fmt.Errorf("collate %s documents: %w", c.Type(), err)
	}
	return ix.replace(ctx, c, refs, docs)
}

// refreshAll refreshes refs in every collator's live index. The
// collators that make documents from entities share one read of them
// from their catalog.
func (ix *Indexer) refreshAll(ctx context.Context, refs []string) error {
	type read struct {
		cat Catalog
		es  []*entity.Entity
	}
	var reads []read
	entities := func(cat Catalog) ([]*entity.Entity, error) {
		for _, r := range reads {
			if sameCatalog(r.cat, cat) {
				return r.es, nil
			}
		}
		es, err := readEntities(ctx, cat, refs)
		if err != nil {
			return nil, err
		}
		reads = append(reads, read{cat, es})
		return es, nil
	}
	for _, c := range ix.collators {
		var docs []Document
		var err error
		if ec, ok := c.(entityCollator); ok {
			var es []*entity.Entity
			if es, err = entities(ec.entityCatalog()); err == nil {
				docs, err = ec.entityDocuments(ctx, es)
			}
		} else {
			docs, err = c.Refresh(ctx, refs)
		}
		if err != nil {
			return fmt.Errorf("collate %s documents: %w", c.Type(), err)
		}
		if err := ix.replace(ctx, c, refs, docs); err != nil {
			return err
		}
	}
	return nil
}

// replace makes docs the documents of refs in c's live index, and notes
// refs for a rebuild of the type in progress.
func (ix *Indexer) replace(ctx context.Context, c Collator, refs []string, docs []Document) error {
	if err := ix.engine.Replace(ctx, c.Type(), refs, docs); err != nil {
		return fmt.Errorf("update %s index: %w", c.Type(), err)
	}
	ix.mu.Lock()
	if set, ok := ix.replay[c.Type()]; ok {
		for _, r := range refs {
			set[r] = true
		}
	}
	ix.mu.Unlock()
	return nil
}

// Sync applies, once, what changed since the last pass: the entities in
// the change feed and the docs sites published. Run calls it on every
// tick; tests and the CLI call it to wait for freshness.
func (ix *Indexer) Sync(ctx context.Context) error {
	for {
		_, more, err := ix.sync(ctx)
		if err != nil || !more {
			return err
		}
	}
}

// sync is one pass of Sync: it applies at most passChanges changes of
// the feed, and returns how many it applied and whether more are
// waiting.
func (ix *Indexer) sync(ctx context.Context) (int, bool, error) {
	ix.applyMu.Lock()
	defer ix.applyMu.Unlock()
	if err := ix.loadWindow(ctx); err != nil {
		return 0, false, err
	}
	ix.mu.Lock()
	published := slices.Sorted(maps.Keys(ix.published))
	clear(ix.published)
	ix.mu.Unlock()
	if len(published) > 0 {
		for _, c := range ix.collators {
			if c.Type() != TypeTechDocs {
				continue
			}
			if err := ix.refresh(ctx, c, published); err != nil {
				ix.mu.Lock()
				for _, r := range published {
					ix.published[r] = true
				}
				ix.mu.Unlock()
				return 0, false, err
			}
		}
	}
	if ix.feed == nil {
		return 0, false, nil
	}
	return ix.syncFeed(ctx)
}

// Limits of one pass over the feed.
const (
	// burstChanges is how many changes make a pass of Run's a burst,
	// after which it waits burstPause for the next: within the 2 s an
	// entity change may take to be searchable.
	burstChanges = 100
	burstPause   = time.Second
	// feedBatch is how many changes one read of the feed takes.
	feedBatch = 500
	// passChanges is how many changes one pass applies at most.
	passChanges = 10 * feedBatch
	// refreshBatch is how many entities one Replace of each type
	// writes.
	refreshBatch = 500
)

// syncFeed applies the changes of the feed not applied yet, up to
// passChanges of them: an entity changed several times since the last
// pass (stitched again as others' relations reach it, during a
// catalog's first ingestion) is read and indexed once.
func (ix *Indexer) syncFeed(ctx context.Context) (int, bool, error) {
	ix.mu.Lock()
	w := ix.window
	ix.mu.Unlock()
	after := w.safe
	var fresh []Change
	more := false
	for {
		changes, err := ix.feed.Changes(ctx, after, feedBatch)
		if err != nil {
			return 0, false, fmt.Errorf("read catalog change feed: %w", err)
		}
		fresh = append(fresh, w.fresh(changes)...)
		if len(changes) < feedBatch {
			break
		}
		after = changes[len(changes)-1].Pos
		if len(fresh) >= passChanges {
			more = true
			break
		}
	}
	if len(fresh) > 0 {
		seen := map[string]bool{}
		for _, c := range fresh {
			seen[c.Ref] = true
		}
		refs := slices.Sorted(maps.Keys(seen))
		for start := 0; start < len(refs); start += refreshBatch {
			if err := ix.refreshAll(ctx, refs[start:min(start+refreshBatch, len(refs))]); err != nil {
				return 0, false, err
			}
		}
		w.applied(fresh, ix.now())
	}
	if w.advance(ix.now()) {
		if err := ix.engine.SaveState(ctx, feedStateKey, strconv.FormatInt(w.safe, 10)); err != nil {
			return 0, false, fmt.Errorf("save search feed position: %w", err)
		}
	}
	return len(fresh), more, nil
}
