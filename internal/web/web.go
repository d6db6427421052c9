package web

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/plugin"
)

// CatalogReader is what the pages read from the catalog; *catalog.Query
// implements it.
type CatalogReader interface {
	QueryEntities(ctx context.Context, req catalog.QueryRequest) (*catalog.QueryResult, error)
	Facets(ctx context.Context, req catalog.FacetsRequest) (map[string][]catalog.FacetCount, error)
	EntityByRef(ctx context.Context, ref entity.Ref) (json.RawMessage, error)
	EntitiesByRefs(ctx context.Context, req catalog.ByRefsRequest) ([]json.RawMessage, error)
	History(ctx context.Context, ref entity.Ref, req catalog.HistoryRequest) (*catalog.HistoryPage, error)
}

// UnprocessedEntities lists and deletes entities whose processing failed
// or has not finished; *catalog.Unprocessed implements it.
type UnprocessedEntities interface {
	List(ctx context.Context, q catalog.UnprocessedQuery) ([]catalog.UnprocessedEntry, error)
	Delete(ctx context.Context, entityID string) error
}

// Locations registers and removes locations; *catalog.Engine implements
// it.
type Locations interface {
	CreateLocation(ctx context.Context, in catalog.LocationInput, opts catalog.CreateLocationOptions) (*catalog.CreateLocationResult, error)
	Locations(ctx context.Context) ([]catalog.Location, error)
	LocationByEntity(ctx context.Context, ref entity.Ref) (*catalog.Location, error)
	DeleteLocation(ctx context.Context, id string) error
}

// LocationAnalyzer says what a URL holds before it is registered;
// *catalog.Orchestrator implements it.
type LocationAnalyzer interface {
	Analyze(ctx context.Context, req catalog.AnalyzeRequest, registered func(catalog.LocationInput) bool) (*catalog.AnalyzeResult, error)
}

// UIStore keeps stars and answers the home page's bounded reads;
// *store.UI implements it.
type UIStore interface {
	Stars(ctx context.Context, userRef string, limit int) ([]string, error)
	IsStarred(ctx context.Context, userRef, entityRef string) (bool, error)
	SetStar(ctx context.Context, userRef, entityRef string, on bool, at time.Time) error
	RecentChanges(ctx context.Context, limit int) ([]catalog.HistoryEntry, error)
	FailedCount(ctx context.Context) (int, error)
	UnresolvedOwners(ctx context.Context, limit int) ([]string, error)
}

var (
	_ CatalogReader       = (*catalog.Query)(nil)
	_ UnprocessedEntities = (*catalog.Unprocessed)(nil)
	_ Locations           = (*catalog.Engine)(nil)
	_ LocationAnalyzer    = (*catalog.Orchestrator)(nil)
)

// Options are the services and settings of the UI. Catalog, Unprocessed,
// Locations, Analyzer and UI are required.
type Options struct {
	Catalog     CatalogReader
	Unprocessed UnprocessedEntities
	Locations   Locations
	Analyzer    LocationAnalyzer
	UI          UIStore
	// ReaderFor, when set, returns the catalog as the request's reader may
	// see it (Catalog restricted by their permission filter). Every page
	// reads through it; nil reads Catalog for everyone.
	ReaderFor func(ctx context.Context) (CatalogReader, error)
	// Authorize, when set, decides whether the request's reader may do a
	// write (a catalog permission name such as catalog.location.create,
	// and the entity ref it concerns, if any); it returns a NotAllowed
	// problem to refuse. Nil allows every write sign-in lets through.
	Authorize func(ctx context.Context, permission, resourceRef string) error
	// Cards and Tabs are the entity page parts plugins registered; they
	// come after the portal's own.
	Cards []plugin.EntityCard
	Tabs  []plugin.EntityTab
	// EntityTemplates, when set, adds the Actions card: the templates
	// that act on the entity (spec.entityFilter), linked to their forms.
	EntityTemplates EntityTemplates
	// Pages are pages other packages render inside the portal's layout.
	Pages  []Page
	Logger *slog.Logger
	// Dev reads templates and static files from DevDir on every request
	// instead of the embedded copies, and shows error details on 500 pages.
	Dev bool
	// DevDir holds templates/ and static/; DefaultDevDir when empty.
	DevDir string
	// Title is the product name in the header and page titles (app.title);
	// DefaultTitle when empty.
	Title string
	// BaseURL is the portal's external URL (app.baseUrl), shown where a
	// page tells the user where the API is.
	BaseURL string
	// PartBudget is how long a page waits for a slow part (facet counts,
	// health counts) before it renders without it and lets the script
	// fetch it; DefaultPartBudget when zero.
	PartBudget time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Defaults for Options.
const (
	DefaultTitle = "Callboard"
	// DefaultDevDir is this package's directory relative to the repository
	// root, where `callboard serve --dev` runs from.
	DefaultDevDir = "internal/web"
	// DefaultPartBudget keeps a page within its 50 ms budget when a part
	// is not cached.
	DefaultPartBudget = 25 * time.Millisecond
)

// site is the UI: its settings and the loaded templates and static files.
type site struct {
	catalog     CatalogReader
	readerFor   func(ctx context.Context) (CatalogReader, error)
	authorize   func(ctx context.Context, permission, resourceRef string) error
	unprocessed UnprocessedEntities
	locations   Locations
	analyzer    LocationAnalyzer
	ui          UIStore
	cards       []plugin.EntityCard
	tabs        []plugin.EntityTab
	pages       []Page
	log         *slog.Logger
	title       string
	baseURL     string
	dev         bool
	devDir      string
	partBudget  time.Duration
	now         func() time.Time
	parts       *flights
	// fixed is the embedded bundle; nil in development mode.
	fixed *bundle
}

// New returns the handler for every UI path: pages, static files and the
// theme switch. It panics if the embedded templates do not parse, which
// the package's tests rule out.
func New(o Options) http.Handler {
	s := &site{
		catalog:     o.Catalog,
		readerFor:   o.ReaderFor,
		authorize:   o.Authorize,
		unprocessed: o.Unprocessed,
		locations:   o.Locations,
		analyzer:    o.Analyzer,
		ui:          o.UI,
		pages:       o.Pages,
		log:         o.Logger,
		title:       o.Title,
		baseURL:     o.BaseURL,
		dev:         o.Dev,
		devDir:      o.DevDir,
		partBudget:  o.PartBudget,
		now:         o.Now,
		parts:       newFlights(),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.title == "" {
		s.title = DefaultTitle
	}
	if s.devDir == "" {
		s.devDir = DefaultDevDir
	}
	if s.partBudget <= 0 {
		s.partBudget = DefaultPartBudget
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.cards = s.builtinCards()
	if o.EntityTemplates != nil {
		s.cards = append(s.cards, entityActionsCard{s: s, templates: o.EntityTemplates})
	}
	s.cards = append(s.cards, o.Cards...)
	s.tabs = s.entityTabs(o.Tabs)
	if !s.dev {
		b, err := embeddedBundle()
		if err != nil {
			panic(fmt.Sprintf("web: embedded templates: %v", err))
		}
		s.fixed = b
	}
	return s.routes()
}

// bundle returns the templates and static files to use for one request.
func (s *site) bundle() (*bundle, error) {
	if s.fixed != nil {
		return s.fixed, nil
	}
	return loadBundle(os.DirFS(s.devDir))
}

// reader returns the catalog as the request's reader may see it.
func (s *site) reader(r *http.Request) (CatalogReader, error) {
	if s.readerFor == nil {
		return s.catalog, nil
	}
	return s.readerFor(r.Context())
}

// allow checks a write with Authorize.
func (s *site) allow(r *http.Request, permission, resourceRef string) error {
	if s.authorize == nil {
		return nil
	}
	return s.authorize(r.Context(), permission, resourceRef)
}

// routes is the whole UI surface.
func (s *site) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", s.handle(s.home))
	mux.Handle("GET /catalog", s.handle(s.catalogPage))
	mux.Handle("GET /catalog/{namespace}/{kind}/{name}", s.handle(s.entityPage))
	mux.Handle("GET /catalog/{namespace}/{kind}/{name}/{tab}", s.handle(s.entityPage))
	mux.Handle("POST /catalog/{namespace}/{kind}/{name}/star", s.handle(s.star))
	mux.Handle("GET /api-docs", s.handle(s.apiDocs))
	mux.Handle("GET /catalog-import", s.handle(s.importPage))
	mux.Handle("POST /catalog-import", s.handle(s.importPost))
	mux.Handle("GET /catalog-unregister", s.handle(s.unregisterPage))
	mux.Handle("POST /catalog-unregister", s.handle(s.unregisterPost))
	mux.Handle("GET /catalog-unprocessed", s.handle(s.unprocessedPage))
	mux.Handle("POST /catalog-unprocessed/{entityId}/delete", s.handle(s.unprocessedDelete))
	mux.Handle("GET /theme", s.handle(s.setTheme))
	mux.Handle("GET /static/{file}", s.handle(s.static))
	for _, p := range s.pages {
		mux.Handle("GET "+p.Path, s.handle(s.pageHandler(p)))
	}
	mux.Handle("/", s.handle(s.notFound))

	// Forms post to this site only: a cross-site POST (a forged delete)
	// is refused before it reaches a handler.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(s.handle(func(http.ResponseWriter, *http.Request) error {
		return errCrossOrigin
	}))
	return s.observe(securityHeaders(csrf.Handler(mux)))
}
