package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/callboard/callboard/internal/search"
)

// Searcher is what the search page and the search box ask of search;
// *search.Service implements it. Query and Suggest answer as the caller
// in ctx may see the documents.
type Searcher interface {
	Query(ctx context.Context, req search.Request) (*search.Response, error)
	Suggest(ctx context.Context, prefix string, n int) ([]search.Result, error)
	Types() []string
}

var _ Searcher = (*search.Service)(nil)

// SearchOptions configure the search pages. Search and Catalog are
// required.
type SearchOptions struct {
	Search Searcher
	// Catalog counts the values the page's filters offer (kinds, types,
	// lifecycles, owners, namespaces); ReaderFor is as in Options, so
	// that a reader is offered only values of entities they may see.
	Catalog   CatalogReader
	ReaderFor func(ctx context.Context) (CatalogReader, error)
	Logger    *slog.Logger
	// Dev, DevDir and Title are as in Options.
	Dev    bool
	DevDir string
	Title  string
	// PartBudget is as in Options: how long the page waits for its
	// filters' values; DefaultPartBudget when zero.
	PartBudget time.Duration
}

// SearchPaths are the path patterns the search handler serves, for the
// composition root's router.
var SearchPaths = []string{"/search", "/search/"}

// Search is the search part of the portal: the page /search, with its
// filters and paging, and /search/suggest, the suggestions the script of
// every page's search box shows as the reader types.
type Search struct {
	*site
	search  Searcher
	handler http.Handler
}

// NewSearch builds the search pages. It panics if the embedded templates
// do not parse, which the package's tests rule out.
func NewSearch(o SearchOptions) *Search {
	s := &site{
		catalog:    o.Catalog,
		readerFor:  o.ReaderFor,
		log:        o.Logger,
		title:      o.Title,
		dev:        o.Dev,
		devDir:     o.DevDir,
		partBudget: o.PartBudget,
		parts:      newFlights(),
		now:        time.Now,
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
	if !s.dev {
		b, err := embeddedBundle()
		if err != nil {
			panic(fmt.Sprintf("web: embedded templates: %v", err))
		}
		s.fixed = b
	}
	p := &Search{site: s, search: o.Search}
	mux := http.NewServeMux()
	mux.Handle("GET /search", s.handle(p.page))
	mux.Handle("GET /search/suggest", s.handle(p.suggest))
	mux.Handle("/", s.handle(s.notFound))
	p.handler = s.observe(securityHeaders(mux))
	return p
}

// ServeHTTP serves the search pages.
func (p *Search) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.handler.ServeHTTP(w, r) }
