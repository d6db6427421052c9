package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/internal/auth"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/internal/config"
	"github.com/callboard/callboard/internal/httpapi"
	"github.com/callboard/callboard/internal/integration"
	"github.com/callboard/callboard/internal/permission"
	"github.com/callboard/callboard/internal/scaffolder"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/web"
	"github.com/callboard/callboard/internal/web/apidoc"
	"github.com/callboard/callboard/internal/web/graph"
	"github.com/callboard/callboard/plugin"
)

// Options are what New needs besides the context.
type Options struct {
	Config  *config.Config
	Logger  *slog.Logger
	Plugins []plugin.Plugin
	Version string
	// Dev makes the UI read its templates and static files from WebDir on
	// every request (callboard serve --dev).
	Dev bool
	// WebDir is where Dev reads them; web.DefaultDevDir when empty.
	WebDir string
	// GraphvizWorker is the command line of the process that lays out
	// graphs ("callboard graphviz-worker"); nil lays them out in this
	// process.
	GraphvizWorker []string
}

// App is a built Callboard: every subsystem, wired.
type App struct {
	cfg     *config.Config
	log     *slog.Logger
	db      *store.DB
	reg     *registry
	engine  *catalog.Engine
	query   *catalog.Query
	auth    *auth.Service
	policy  *permission.Policy
	audit   *audit.Log
	handler http.Handler
	// techdocs is the docs service and its background builder.
	techdocs *techdocsParts
	// search is the search service and its indexer.
	search *searchParts
	// dot lays out the graph tab's and the docs' drawings.
	dot *graph.Renderer

	scaffolder *scaffolder.Engine
	// firstLoad holds back the work that follows the catalog while its
	// first load runs (ADR 0014).
	firstLoad func() bool
	// slack is the Slack approvals' notifier and endpoint, when configured.
	slack *slackParts
}

// New opens and migrates the database and builds every subsystem. Nothing
// runs until Run.
func New(ctx context.Context, o Options) (*App, error) {
	cfg, log := o.Config, o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	db, err := OpenDatabase(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a, err := build(ctx, cfg, log, db, o)
	if err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

func build(ctx context.Context, cfg *config.Config, log *slog.Logger, db *store.DB, o Options) (*App, error) {
	applied, err := db.Migrate(ctx)
	if err != nil {
		return nil, err
	}
	for _, name := range applied {
		log.Info("applied migration", "name", name)
	}

	// The built-in processors register through the same Registrar as every
	// plugin, ahead of them, in Backstage's order.
	reg := &registry{}
	readers, err := builtinOptions(cfg, log)
	if err != nil {
		return nil, err
	}
	all := append([]plugin.Plugin{builtin.New(readers)}, o.Plugins...)
	if err := reg.register(cfg, log, all); err != nil {
		return nil, err
	}

	locations, perLocation := configLocations(cfg)
	rules, err := catalog.NewRules(catalogRules(cfg.Catalog.Rules), perLocation)
	if err != nil {
		return nil, fmt.Errorf("catalog.rules: %w", err)
	}
	orch := catalog.NewOrchestrator(catalog.OrchestratorOptions{
		Processors: reg.processors,
		Rules:      rules,
		Logger:     log.With("component", "catalog-processing"),
	})
	interval, intervalMax := processingInterval(cfg.Catalog.ProcessingInterval)
	catalogStore := store.NewCatalog(db)
	engine, err := catalog.NewEngine(catalog.EngineOptions{
		Store:                   catalogStore,
		Orchestrator:            orch,
		ProcessingInterval:      interval,
		ProcessingIntervalMax:   intervalMax,
		OrphanStrategy:          cfg.Catalog.OrphanStrategy,
		OrphanProviderStrategy:  cfg.Catalog.OrphanProviderStrategy,
		Readonly:                cfg.Catalog.Readonly,
		AllowedLocationTypes:    cfg.Catalog.AllowedLocationTypes,
		DefaultConflictStrategy: cfg.Catalog.DefaultLocationConflictStrategy,
		ConfigLocations:         locations,
		Providers:               reg.providers,
		StitchDelay:             cfg.Catalog.StitchingStrategy.PollingInterval,
		Logger:                  log.With("component", "catalog"),
	})
	if err != nil {
		return nil, err
	}
	query := catalog.NewQuery(store.NewCatalogReader(db), catalog.QueryOptions{Logger: log.With("component", "catalog-query")})

	unprocessed := catalog.NewUnprocessed(catalogStore, engine)

	a := &App{cfg: cfg, log: log, db: db, reg: reg, engine: engine, query: query}
	// One Graphviz for the graph tab and the docs' dot fences.
	dot := graph.NewRendererWith(graph.RendererOptions{Worker: o.GraphvizWorker, Logger: log.With("component", "graphviz")})
	a.dot = dot
	published := &sitesPublished{}
	// Search indexing, docs builds and template triggers follow the
	// catalog; they wait for its first load (ADR 0014).
	firstLoad := firstLoadHold(engine.FirstLoad, time.Now, maxFirstLoadHold)
	a.firstLoad = firstLoad
	if a.techdocs, err = newTechDocs(cfg, log, query, readers.URLReader, dot, published, firstLoad); err != nil {
		return nil, err
	}
	if a.policy, err = newPolicy(cfg, log, query); err != nil {
		return nil, err
	}
	if a.audit, err = newAuditLog(cfg, log, db); err != nil {
		return nil, err
	}
	if err := recordPolicy(ctx, a.audit, a.policy); err != nil {
		return nil, err
	}
	authz := pageAuthz{policy: a.policy, query: query, audit: a.audit, log: log.With("component", "permission")}
	if a.search, err = newSearch(cfg, log, db, query, firstLoad, a.techdocs, authz, published); err != nil {
		return nil, err
	}
	if a.slack, err = newSlack(cfg, log, catalogUsers{query}); err != nil {
		return nil, err
	}
	var notifier scaffolder.Notifier
	if a.slack.notifier != nil {
		notifier = a.slack.notifier
	}
	if a.scaffolder, err = wireScaffolder(cfg, log, db, authz, engine, reg.actions, notifier); err != nil {
		return nil, err
	}
	api := httpapi.New(httpapi.Options{
		Reader:      query,
		Writer:      engine,
		Analyzer:    orch,
		Unprocessed: unprocessed,
		Readiness:   a.ready,
		Logger:      log.With("component", "http"),
		BaseURL:     cfg.Backend.BaseURL,
		Permissions: a.policy,
		Audit:       a.audit,
		TechDocs:    a.techdocs.service,
		Scaffolder:  a.scaffolder,
		Search:      a.search.service,
		Slack:       a.slack.api,
	})
	var appSection struct {
		Title string `config:"title"`
	}
	if err := cfg.Decode("app", &appSection); err != nil {
		return nil, err
	}
	graphs := graph.New(dot, log.With("component", "graph"))
	docs := a.docsPages(authz.readerFor, o, appSection.Title)
	ui := web.New(web.Options{
		Catalog:     query,
		ReaderFor:   authz.readerFor,
		Authorize:   authz.authorize,
		Unprocessed: unprocessed,
		Locations:   engine,
		Analyzer:    orch,
		UI:          store.NewUI(db),
		Cards:       reg.cards,
		// The API definition and the dependency graph come first, after
		// Overview and Relations; plugins' tabs follow.
		Tabs:    append([]plugin.EntityTab{apidoc.NewTab(), graphs.Tab(), docs.Tab()}, reg.tabs...),
		Pages:   []web.Page{graphPage(graphs)},
		Logger:  log.With("component", "web"),
		Dev:     o.Dev,
		DevDir:  o.WebDir,
		Title:   appSection.Title,
		BaseURL: cfg.Backend.BaseURL,
		// Day-2 templates are offered as actions on the entities they
		// apply to.
		EntityTemplates: a.scaffolder,
	})
	if a.auth, err = newAuth(cfg, log, db, query); err != nil {
		return nil, err
	}
	// The REST API and the health probes own /api/ and their paths; the UI
	// serves everything else. Sign-in adds /api/auth/ and the account
	// pages, and authenticates every request before it reaches any of them.
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	mux.Handle("/healthcheck", api)
	mux.Handle("/.backstage/", api)
	mux.Handle("/", ui)
	admin := web.NewAdminPages(web.AdminOptions{
		Policy:    policyExplainer{policy: a.policy, users: catalogUsers{query}},
		Audit:     a.audit,
		Authorize: func(ctx context.Context, name string) error { return authz.authorize(ctx, name, "") },
		Logger:    log.With("component", "web"),
		Dev:       o.Dev,
		DevDir:    o.WebDir,
		Title:     appSection.Title,
	})
	handleAll(mux, web.AdminPaths, admin)
	handleAll(mux, web.DocsPaths, docs)
	create := web.NewCreate(web.CreateOptions{
		Scaffolder: a.scaffolder,
		Catalog:    query,
		ReaderFor:  authz.readerFor,
		Authorize:  authz.authorize,
		Logger:     log.With("component", "web"),
		Dev:        o.Dev,
		DevDir:     o.WebDir,
		Title:      appSection.Title,
	})
	handleAll(mux, web.CreatePaths, create)
	searchPages := web.NewSearch(web.SearchOptions{
		Search:    a.search.service,
		Catalog:   query,
		ReaderFor: authz.readerFor,
		Logger:    log.With("component", "web"),
		Dev:       o.Dev,
		DevDir:    o.WebDir,
		Title:     appSection.Title,
	})
	handleAll(mux, web.SearchPaths, searchPages)
	a.handler = mountAuth(mux, a.auth, a.audit.Middleware, web.AccountOptions{
		Logger: log.With("component", "web"),
		Dev:    o.Dev,
		DevDir: o.WebDir,
		Title:  appSection.Title,
	})
	return a, nil
}

// handleAll mounts h at each of paths, the patterns a web page set serves.
func handleAll(mux *http.ServeMux, paths []string, h http.Handler) {
	for _, p := range paths {
		mux.Handle(p, h)
	}
}

// Handler is the whole HTTP surface.
func (a *App) Handler() http.Handler { return a.handler }

// Engine is the catalog engine.
func (a *App) Engine() *catalog.Engine { return a.engine }

// Query is the catalog read side.
func (a *App) Query() *catalog.Query { return a.query }

// DB is the database.
func (a *App) DB() *store.DB { return a.db }

// Auth is sign-in: providers, sessions and tokens.
func (a *App) Auth() *auth.Service { return a.auth }

// ready answers the readiness probe: the database must answer.
func (a *App) ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := a.db.PingContext(ctx); err != nil {
		return errors.New("database is not reachable")
	}
	return nil
}

// Run listens on backend.listen and runs the background loops until ctx
// ends, then shuts down gracefully.
func (a *App) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.cfg.ListenAddr())
	if err != nil {
		return err
	}
	return a.Serve(ctx, ln)
}

// Serve is Run on a listener the caller opened.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	errc := make(chan error, 3+len(a.reg.starters))
	go func() { errc <- a.engine.Run(ctx) }()
	scaffolderDone := make(chan struct{})
	go func() {
		defer close(scaffolderDone)
		if err := a.scaffolder.Run(ctx); err != nil {
			errc <- err
		}
	}()
	if a.slack.notifier != nil {
		go func() { _ = a.slack.notifier.Run(ctx) }() // delivers approval requests until ctx ends
	}
	go a.auth.Run(ctx)           // prunes expired sessions and tokens until ctx ends
	defer a.startTechDocs(ctx)() // waits for the docs builder to stop
	defer a.startSearch(ctx)()   // waits for the search indexer to stop
	defer a.startTriggers(ctx)() // waits for the template schedules and catalog-event triggers to stop
	for _, s := range a.reg.starters {
		if err := s.Start(ctx); err != nil {
			return fmt.Errorf("start plugin: %w", err)
		}
	}

	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	a.log.Info("callboard is listening", "addr", ln.Addr().String(), "baseUrl", a.cfg.Backend.BaseURL)

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	cancel()
	shutdownCtx, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	if err := srv.Shutdown(shutdownCtx); err != nil && runErr == nil {
		runErr = err
	}
	// Running tasks stop and are left for recovery, before the database
	// closes.
	select {
	case <-scaffolderDone:
	case <-shutdownCtx.Done():
	}
	if err := a.audit.Close(shutdownCtx); err != nil {
		a.log.Warn("audit sinks did not drain", "error", err)
	}
	if errors.Is(runErr, context.Canceled) {
		runErr = nil
	}
	return runErr
}

// Close stops the Graphviz workers and releases the database.
func (a *App) Close() error {
	_ = a.dot.Close() // always nil
	return a.db.Close()
}

// builtinOptions configures the built-in processors: url locations and
// placeholders are read through the forges in integrations, and over plain
// HTTP from the hosts in backend.reading.allow.
func builtinOptions(cfg *config.Config, log *slog.Logger) (builtin.Options, error) {
	var allow []builtin.AllowRule
	for _, r := range cfg.Backend.Reading.Allow {
		allow = append(allow, builtin.AllowRule{Host: r.Host, Paths: r.Paths})
	}
	forges, err := integration.FromConfig(cfg)
	if err != nil {
		return builtin.Options{}, err
	}
	reader, err := integration.New(forges, integration.Options{ReadingAllow: allow})
	if err != nil {
		return builtin.Options{}, err
	}
	return builtin.Options{ReadingAllow: allow, URLReader: reader, Logger: log.With("component", "catalog-readers")}, nil
}

// configLocations turns catalog.locations into plugin locations, file
// targets made absolute against the working directory as Backstage does,
// and their per-location rules keyed by the resolved location ref.
func configLocations(cfg *config.Config) ([]plugin.Location, map[string][]catalog.Rule) {
	var locs []plugin.Location
	per := map[string][]catalog.Rule{}
	for _, l := range cfg.Catalog.Locations {
		loc := plugin.Location{Type: l.Type, Target: l.Target}
		if l.Type == "file" && !filepath.IsAbs(l.Target) {
			if abs, err := filepath.Abs(l.Target); err == nil {
				loc.Target = abs
			}
		}
		locs = append(locs, loc)
		if l.Rules != nil {
			var rs []catalog.Rule
			for _, r := range l.Rules {
				rs = append(rs, catalog.Rule{Allow: ruleKinds(r.Allow)})
			}
			per[loc.String()] = rs
		}
	}
	return locs, per
}

func catalogRules(in []config.Rule) []catalog.Rule {
	var out []catalog.Rule
	for _, r := range in {
		cr := catalog.Rule{Allow: ruleKinds(r.Allow)}
		if r.Locations != nil {
			cr.Locations = []catalog.RuleLocation{}
			for _, l := range r.Locations {
				cr.Locations = append(cr.Locations, catalog.RuleLocation{Type: l.Type, Exact: l.Exact, Pattern: l.Pattern})
			}
		}
		out = append(out, cr)
	}
	return out
}

func ruleKinds(in []config.KindMatcher) []catalog.RuleKind {
	out := make([]catalog.RuleKind, 0, len(in))
	for _, k := range in {
		out = append(out, catalog.RuleKind{Kind: k.Kind, SpecType: k.SpecType})
	}
	return out
}

// processingInterval maps catalog.processingInterval: unset gives
// Backstage's random 100–150 s, false disables processing, a duration is
// used as it is.
func processingInterval(iv config.Interval) (time.Duration, time.Duration) {
	switch {
	case iv.Disabled:
		return 0, 0
	case iv.Duration == 0:
		return catalog.DefaultProcessingInterval, catalog.DefaultProcessingIntervalMax
	default:
		return iv.Duration, iv.Duration
	}
}

// graphPage is the standalone dependency graph, /catalog-graph.
func graphPage(g *graph.Service) web.Page {
	return web.Page{Path: graph.PagePath, Render: func(ctx context.Context, req *web.PageRequest) (*web.PageContent, error) {
		title, body, err := g.Page(ctx, req.Request.URL.Query(), req.Catalog, req.Link)
		if err != nil {
			return nil, err
		}
		return &web.PageContent{Title: title, Body: body}, nil
	}}
}
