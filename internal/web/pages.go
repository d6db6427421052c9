package web

import (
	"context"
	"html/template"
	"net/http"

	"github.com/callboard/callboard/plugin"
)

// Page is a page another package renders inside the portal's layout,
// such as the standalone dependency graph at /catalog-graph.
type Page struct {
	// Path is the page's path pattern, in net/http ServeMux syntax without
	// the method, e.g. "/catalog-graph". Pages answer GET.
	Path string
	// Render returns the page. A problem error (NotFound, InputError ...)
	// becomes the error page with its status.
	Render func(ctx context.Context, req *PageRequest) (*PageContent, error)
}

// PageRequest is what a Page renders from.
type PageRequest struct {
	// Request is the page request; its query string holds the page's
	// state.
	Request *http.Request
	// Catalog reads entities with the reader's permissions.
	Catalog plugin.EntityReader
	// Viewer is the reader's user entity ref, "" when not a user.
	Viewer string
	// Link returns the entity page path of an entity ref.
	Link func(ref string) string
}

// PageContent is a rendered page: its title (for <title>) and its body,
// which holds the page's one <h1>. The body must be safe HTML, built with
// html/template.
type PageContent struct {
	Title string
	Body  template.HTML
}

// pageHandler serves p.
func (s *site) pageHandler(p Page) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		cat, err := s.reader(r)
		if err != nil {
			return err
		}
		req := &PageRequest{Request: r, Catalog: entityReader{cat}, Viewer: viewerRef(r), Link: entityPath}
		c, err := p.Render(r.Context(), req)
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusOK, "plugin", c.Title, c)
	}
}
