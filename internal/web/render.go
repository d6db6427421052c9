package web

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"
	"time"
)

// layout is what the layout template reads; Page is the page's own data.
type layout struct {
	App   string
	Title string
	Nav   []navLink
	Theme themeState
	// Query fills the search box.
	Query string
	Page  any
}

// navLink is one entry of the primary navigation.
type navLink struct {
	Label, Href string
	Current     bool
}

// primaryNav lists the portal's sections. The unprocessed-entities page is
// in it until the catalog pages link to it.
var primaryNav = []navLink{
	{Label: "Home", Href: "/"},
	{Label: "Catalog", Href: "/catalog"},
	{Label: "APIs", Href: "/api-docs"},
	{Label: "Create", Href: "/create"},
	{Label: "Docs", Href: "/docs"},
	{Label: "Search", Href: "/search"},
	{Label: "Unprocessed", Href: "/catalog-unprocessed"},
}

// navFor marks the section the path belongs to.
func navFor(path string) []navLink {
	out := make([]navLink, len(primaryNav))
	for i, l := range primaryNav {
		l.Current = path == l.Href || (l.Href != "/" && strings.HasPrefix(path, l.Href+"/"))
		out[i] = l
	}
	return out
}

// render executes page with data inside the layout and writes it with
// status. It renders into memory first, so a template failure becomes an
// error page rather than half a page.
func (s *site) render(w http.ResponseWriter, r *http.Request, status int, page, title string, data any) error {
	b, err := s.bundle()
	if err != nil {
		return err
	}
	t, ok := b.pages[page]
	if !ok {
		return &missingPageError{page}
	}
	l := layout{
		App:   s.title,
		Title: title,
		Nav:   navFor(r.URL.Path),
		Theme: themeFrom(r),
		Query: r.URL.Query().Get("query"),
		Page:  data,
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", l); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Pages show live catalog state: always ask again.
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	return nil
}

type missingPageError struct{ page string }

func (e *missingPageError) Error() string { return "no page template " + e.page }

func (b *bundle) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":     b.assetURL,
		"isoTime":   isoTime,
		"humanTime": humanTime,
	}
}

// isoTime is the machine-readable form of a time, for datetime attributes.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// humanTime is a time as the page shows it; the script may replace it with
// the reader's local time.
func humanTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
