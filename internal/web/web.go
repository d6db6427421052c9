package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/callboard/callboard/internal/catalog"
)

// CatalogReader is what the pages read from the catalog; *catalog.Query
// implements it.
type CatalogReader interface {
	Facets(ctx context.Context, req catalog.FacetsRequest) (map[string][]catalog.FacetCount, error)
}

// UnprocessedEntities lists and deletes entities whose processing failed
// or has not finished; *catalog.Unprocessed implements it.
type UnprocessedEntities interface {
	List(ctx context.Context, q catalog.UnprocessedQuery) ([]catalog.UnprocessedEntry, error)
	Delete(ctx context.Context, entityID string) error
}

var (
	_ CatalogReader       = (*catalog.Query)(nil)
	_ UnprocessedEntities = (*catalog.Unprocessed)(nil)
)

// Options are the services and settings of the UI. Every service is
// required.
type Options struct {
	Catalog     CatalogReader
	Unprocessed UnprocessedEntities
	Logger      *slog.Logger
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
}

// Defaults for Options.
const (
	DefaultTitle = "Callboard"
	// DefaultDevDir is this package's directory relative to the repository
	// root, where `callboard serve --dev` runs from.
	DefaultDevDir = "internal/web"
)

// site is the UI: its settings and the loaded templates and static files.
type site struct {
	catalog     CatalogReader
	unprocessed UnprocessedEntities
	log         *slog.Logger
	title       string
	baseURL     string
	dev         bool
	devDir      string
	// fixed is the embedded bundle; nil in development mode.
	fixed *bundle
}

// New returns the handler for every UI path: pages, static files and the
// theme switch. It panics if the embedded templates do not parse, which
// the package's tests rule out.
func New(o Options) http.Handler {
	s := &site{
		catalog:     o.Catalog,
		unprocessed: o.Unprocessed,
		log:         o.Logger,
		title:       o.Title,
		baseURL:     o.BaseURL,
		dev:         o.Dev,
		devDir:      o.DevDir,
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
	if !s.dev {
		b, err := loadBundle(embedded)
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

// routes is the whole UI surface.
func (s *site) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", s.handle(s.home))
	mux.Handle("GET /catalog-unprocessed", s.handle(s.unprocessedPage))
	mux.Handle("POST /catalog-unprocessed/{entityId}/delete", s.handle(s.unprocessedDelete))
	mux.Handle("GET /theme", s.handle(s.setTheme))
	mux.Handle("GET /static/{file}", s.handle(s.static))
	mux.Handle("/", s.handle(s.notFound))

	// Forms post to this site only: a cross-site POST (a forged delete)
	// is refused before it reaches a handler.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(s.handle(func(http.ResponseWriter, *http.Request) error {
		return errCrossOrigin
	}))
	return s.observe(securityHeaders(csrf.Handler(mux)))
}
