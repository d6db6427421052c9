package catalog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/plugin"
)

// EngineOrchestrator processes unprocessed entities. *Orchestrator
// implements it.
type EngineOrchestrator interface {
	Process(ctx context.Context, req ProcessRequest) ProcessResult
	ProcessTree(ctx context.Context, root map[string]any) ([]*entity.Entity, []entity.SerializedError)
}

var _ EngineOrchestrator = (*Orchestrator)(nil)

// Backstage's defaults.
const (
	// DefaultProcessingInterval and DefaultProcessingIntervalMax bound the
	// random time after which a processed entity is processed again.
	DefaultProcessingInterval    = 100 * time.Second
	DefaultProcessingIntervalMax = 150 * time.Second
	// DefaultOrphanInterval is how often orphans are deleted.
	DefaultOrphanInterval = 30 * time.Second
)

// Orphan strategies (catalog.orphanStrategy).
const (
	OrphanDelete = "delete"
	OrphanKeep   = "keep"
)

// Location conflict strategies (catalog.defaultLocationConflictStrategy).
const (
	ConflictReject  = "reject"
	ConflictRefresh = "refresh"
)

// Names of the built-in providers, as Backstage names them.
const (
	configProviderName   = "ConfigLocationProvider"
	locationProviderName = "DefaultLocationStore"
)

// Leases: how long a claimed entity or stitch entry stays with its
// claimer before another engine may take it (Backstage's stitchTimeout is
// 60 s).
const (
	processingLease = 5 * time.Minute
	stitchLease     = time.Minute
)

// backlogStitchLag is how long an entity waits to be stitched while
// processing has a backlog (its last claim took a full batch). During a
// bulk load the entities processed later add relations to those processed
// earlier; stitched at once, those would be stitched again for each batch
// that adds one. Once the backlog is gone, everything queued is due.
//
// A first load into an empty catalog (a bulk load, ADR 0010) does not
// stitch before processing is idle (holdStitching), for up to
// bulkStitchLag (EngineOptions.BulkStitchLag): stitching an entity before that wrote a tenth of the
// entities of a 100,000-entity load twice, and while nothing is stitched
// processing need not queue the sources of the relations it adds. The
// bound keeps a provider that never stops delivering from holding
// stitching back for good; after it a backlog delays stitching by
// bulkStitchLag too.
const (
	backlogStitchLag = 5 * time.Second
	bulkStitchLag    = time.Minute
)

// EngineOptions configures an Engine.
type EngineOptions struct {
	Store        EngineStore
	Orchestrator EngineOrchestrator
	// ProcessingInterval is the shortest time after which a processed entity
	// is processed again; each claimed batch is next due after a random time
	// between ProcessingInterval and ProcessingIntervalMax (equal to
	// ProcessingInterval when smaller). Zero or negative disables processing
	// entirely, as catalog.processingInterval: false does.
	ProcessingInterval    time.Duration
	ProcessingIntervalMax time.Duration
	// OrphanStrategy is OrphanDelete (the default) or OrphanKeep.
	OrphanStrategy string
	// OrphanInterval is how often orphans are deleted; default 30 s.
	OrphanInterval time.Duration
	// OrphanProviderStrategy is OrphanDelete (the default: Run removes the
	// entities of providers that are no longer configured, with everything
	// they keep alive) or OrphanKeep (catalog.orphanProviderStrategy).
	OrphanProviderStrategy string
	// Readonly refuses location writes (catalog.readonly).
	Readonly bool
	// AllowedLocationTypes may be registered through the API; default
	// ["url"].
	AllowedLocationTypes []string
	// DefaultConflictStrategy is ConflictReject (the default) or
	// ConflictRefresh.
	DefaultConflictStrategy string
	// ConfigLocations become Location entities through the config provider
	// (catalog.locations); relative file targets are made absolute.
	ConfigLocations []plugin.Location
	// Providers are further entity providers, connected by Run.
	Providers []plugin.EntityProvider
	// Workers process entities in parallel; default GOMAXPROCS.
	Workers int
	// BatchSize is how many entities one claim for processing takes;
	// default 500.
	BatchSize int
	// StitchBatchSize is how many entities one claim for stitching
	// takes; default 250. Two stitch batches are in memory at once (one
	// built while the other is written) with every entity's final JSON and
	// search rows: at 500 the peak memory of a 10,000-entity cold start
	// was about 15 MB higher, for no measurable gain in CPU.
	StitchBatchSize int
	// PollInterval is how often the loops look for work that another
	// engine made due; default 1 s. Work made due by this engine wakes them
	// at once.
	PollInterval time.Duration
	// StitchDelay defers stitching a marked entity so that marks from
	// several batches coalesce; default 200 ms, negative for none.
	StitchDelay time.Duration
	// BulkStitchLag bounds how long a first load holds stitching back
	// while processing is busy; default one minute, negative for none.
	BulkStitchLag time.Duration
	Logger        *slog.Logger
	// Clock returns the current time; default time.Now.
	Clock func() time.Time
}

// Engine is the catalog's write side: it takes entities from providers
// and registered locations, runs them through the orchestrator in batches,
// stitches final entities with their relations, status and search rows,
// deletes orphans, and records history.
type Engine struct {
	store     EngineStore
	orch      EngineOrchestrator
	log       *slog.Logger
	clock     func() time.Time
	opts      EngineOptions
	providers []plugin.EntityProvider

	wakeProcess chan struct{}
	wakeStitch  chan struct{}
	// busy counts loop iterations between their claim and their write;
	// ticks grows with every start and end, so WaitIdle can tell that
	// nothing happened while it looked at the database.
	busy  atomic.Int64
	ticks atomic.Int64
	// bulk is set while the store holds indexes aside for a bulk load
	// (BeginBulkLoad) that have yet to be built.
	bulk atomic.Bool
	// stitching is set once stitching may claim: at once on a catalog
	// loaded before, and in a first load once processing is idle or the
	// load is bulkStitchLag old (holdStitching). Until then processing
	// queues only the entities it processed (ProcessingBatch.OwnMarks).
	stitching atomic.Bool
	// loadStart is when start began; set before Run starts the loops.
	loadStart time.Time
	backlog   backlog
	// locationsMu orders the registered-locations provider's mutations:
	// the start-up full mutation and the location API's deltas.
	locationsMu sync.Mutex
}

// chooseStrategy sets an unset *s to def and refuses any value but def or
// alt; what names the option in the error.
func chooseStrategy(s *string, what, def, alt string) error {
	switch *s {
	case "":
		*s = def
	case def, alt:
	default:
		return fmt.Errorf("catalog engine: %s %q is not %q or %q", what, *s, def, alt)
	}
	return nil
}

// NewEngine checks o and returns an engine; Run starts it.
func NewEngine(o EngineOptions) (*Engine, error) {
	if o.Store == nil {
		return nil, errors.New("catalog engine: no store")
	}
	if o.Orchestrator == nil {
		return nil, errors.New("catalog engine: no orchestrator")
	}
	if err := chooseStrategy(&o.OrphanStrategy, "orphan strategy", OrphanDelete, OrphanKeep); err != nil {
		return nil, err
	}
	if err := chooseStrategy(&o.OrphanProviderStrategy, "orphan provider strategy", OrphanDelete, OrphanKeep); err != nil {
		return nil, err
	}
	if err := chooseStrategy(&o.DefaultConflictStrategy, "location conflict strategy", ConflictReject, ConflictRefresh); err != nil {
		return nil, err
	}
	if o.ProcessingIntervalMax < o.ProcessingInterval {
		o.ProcessingIntervalMax = o.ProcessingInterval
	}
	if o.OrphanInterval <= 0 {
		o.OrphanInterval = DefaultOrphanInterval
	}
	if o.AllowedLocationTypes == nil {
		o.AllowedLocationTypes = []string{"url"}
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 500
	}
	if o.StitchBatchSize <= 0 {
		o.StitchBatchSize = 250
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.StitchDelay < 0 {
		o.StitchDelay = 0
	} else if o.StitchDelay == 0 {
		o.StitchDelay = 200 * time.Millisecond
	}
	if o.BulkStitchLag < 0 {
		o.BulkStitchLag = 0
	} else if o.BulkStitchLag == 0 {
		o.BulkStitchLag = bulkStitchLag
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	for _, l := range o.ConfigLocations {
		if l.Type == "" || l.Target == "" {
			return nil, fmt.Errorf("catalog engine: config location %q needs a type and a target", l.String())
		}
	}
	e := &Engine{
		store:       o.Store,
		orch:        o.Orchestrator,
		log:         o.Logger,
		clock:       o.Clock,
		opts:        o,
		providers:   o.Providers,
		wakeProcess: make(chan struct{}, 1),
		wakeStitch:  make(chan struct{}, 1),
	}
	// Until Run has applied the locations, the engine is not idle.
	e.begin()
	return e, nil
}

func (e *Engine) now() time.Time { return e.clock() }

func (e *Engine) processingEnabled() bool { return e.opts.ProcessingInterval > 0 }

// nextInterval draws the time until a claimed batch is due again.
func (e *Engine) nextInterval() time.Duration {
	lo, hi := e.opts.ProcessingInterval, e.opts.ProcessingIntervalMax
	if hi <= lo {
		return lo
	}
	return lo + rand.N(hi-lo)
}

// Run applies the config locations and the registered locations, connects
// the providers, and runs the processing, stitching and orphan loops until
// ctx is done.
func (e *Engine) Run(ctx context.Context) error {
	if err := e.start(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	var wg sync.WaitGroup
	for _, p := range e.providers {
		conn := &providerConnection{e: e, name: p.Name()}
		wg.Go(func() {
			if err := p.Connect(ctx, conn); err != nil && ctx.Err() == nil {
				e.log.Error("entity provider failed to connect", "provider", p.Name(), "error", err)
			}
		})
	}
	if e.processingEnabled() {
		wg.Go(func() { e.processLoop(ctx) })
	} else {
		e.log.Info("catalog processing is disabled")
	}
	wg.Go(func() { e.stitchLoop(ctx) })
	if e.bulk.Load() {
		wg.Go(func() { e.endBulkLoad(ctx) })
	}
	if e.opts.OrphanStrategy == OrphanDelete {
		wg.Go(func() { e.orphanLoop(ctx) })
	}
	wg.Wait()
	return nil
}

func (e *Engine) start(ctx context.Context) error {
	defer e.end()
	bulk, err := e.store.BeginBulkLoad(ctx)
	if err != nil {
		return err
	}
	e.loadStart = e.now()
	e.bulk.Store(bulk)
	e.stitching.Store(!bulk || !e.processingEnabled())
	if err := e.applyConfigLocations(ctx); err != nil {
		return err
	}
	if err := e.syncRegisteredLocations(ctx); err != nil {
		return err
	}
	if e.opts.OrphanProviderStrategy == OrphanDelete {
		return e.evictRemovedProviders(ctx)
	}
	return nil
}

// evictRemovedProviders removes what providers that are no longer
// configured hold, as an empty full mutation of each.
func (e *Engine) evictRemovedProviders(ctx context.Context) error {
	keys, err := e.store.ProviderKeys(ctx)
	if err != nil {
		return err
	}
	known := map[string]bool{configProviderName: true, locationProviderName: true}
	for _, p := range e.providers {
		known[p.Name()] = true
	}
	for _, k := range keys {
		if known[k] {
			continue
		}
		e.log.Info("removing the entities of a provider that is no longer configured", "provider", k)
		if err := e.applyMutation(ctx, k, plugin.Mutation{Type: plugin.Full}); err != nil {
			return fmt.Errorf("evict provider %s: %w", k, err)
		}
	}
	return nil
}

// WaitIdle blocks until Run has started, nothing is due for processing,
// nothing is queued for stitching, no batch is in flight and the indexes a
// bulk load set aside are built. It needs Run to be running (otherwise it
// waits for ctx).
func (e *Engine) WaitIdle(ctx context.Context) error {
	for {
		if !e.bulk.Load() {
			idle, err := e.quiet(ctx)
			// Looked at again: start sets bulk before it ends, so an
			// engine found quiet has it set, while the look above may
			// have come before start.
			if err != nil || idle && !e.bulk.Load() {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// quiet reports whether nothing is due for processing, nothing is queued
// for stitching and no batch is in flight, with no batch started or ended
// while it looked.
func (e *Engine) quiet(ctx context.Context) (bool, error) {
	before := e.ticks.Load()
	if e.busy.Load() != 0 {
		return false, nil
	}
	pending, err := e.store.PendingWork(ctx, e.now(), e.processingEnabled())
	if err != nil {
		return false, err
	}
	return !pending && e.busy.Load() == 0 && e.ticks.Load() == before, nil
}

func (e *Engine) begin() { e.busy.Add(1); e.ticks.Add(1) }
func (e *Engine) end()   { e.ticks.Add(1); e.busy.Add(-1) }

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// wait sleeps until woken, the poll interval passes or ctx is done.
func (e *Engine) wait(ctx context.Context, ch chan struct{}) {
	t := time.NewTimer(e.opts.PollInterval)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-ch:
	case <-t.C:
	}
}

// backoff sleeps after a failed iteration.
func (e *Engine) backoff(ctx context.Context) {
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (e *Engine) orphanLoop(ctx context.Context) {
	t := time.NewTicker(e.opts.OrphanInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := e.DeleteOrphans(ctx); err != nil && ctx.Err() == nil {
			e.log.Error("orphan deletion failed", "error", err)
		}
	}
}

// DeleteOrphans deletes the entities nothing references any more, and
// transitively those that become orphans by it. The orphan loop calls it
// periodically under the delete strategy.
func (e *Engine) DeleteOrphans(ctx context.Context) (int, error) {
	n, err := e.store.DeleteOrphans(ctx, e.now())
	if n > 0 {
		e.log.Info("deleted orphaned entities", "count", n)
		signal(e.wakeStitch)
	}
	return n, err
}
