package web

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// layout is what the layout template reads; Page is the page's own data.
type layout struct {
	App   string
	Title string
	Nav   []navLink
	Theme themeState
	// Query fills the header's search box.
	Query string
	// User names the signed-in user on the profile link; "" when there is
	// none.
	User string
	Page any
}

// navLink is one entry of the primary navigation.
type navLink struct {
	Label, Href string
	Current     bool
}

// primaryNav lists the portal's sections.
var primaryNav = []navLink{
	{Label: "Home", Href: "/"},
	{Label: "Catalog", Href: "/catalog"},
	{Label: "APIs", Href: "/api-docs"},
	{Label: "Register", Href: "/catalog-import"},
	{Label: "Create", Href: "/create"},
	{Label: "Docs", Href: "/docs"},
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
	parse, ok := b.pages[page]
	if !ok {
		return &missingPageError{page}
	}
	t, err := parse()
	if err != nil {
		return err
	}
	l := layout{
		App:   s.title,
		Title: title,
		Nav:   navFor(r.URL.Path),
		Theme: themeFrom(r),
		Page:  data,
	}
	if ref := viewerRef(r); ref != "" {
		l.User = linkTo(ref, "user").Label
	}
	if r.URL.Path == "/search" {
		l.Query = r.URL.Query().Get("query")
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

// fragment executes one of the shared templates (templates/*.html) with
// data, for parts rendered on their own: entity cards and tabs.
func (s *site) fragment(name string, data any) (template.HTML, error) {
	b, err := s.bundle()
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := b.base.ExecuteTemplate(&buf, name, data); err != nil {
		return "", err
	}
	// The shared templates are html/template: their output is escaped.
	return template.HTML(buf.String()), nil
}

type missingPageError struct{ page string }

func (e *missingPageError) Error() string { return "no page template " + e.page }

func (b *bundle) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":     b.assetURL,
		"isoTime":   isoTime,
		"humanTime": humanTime,
		"plural":    plural,
		"count":     formatCount,
	}
}

// isoTime is the machine-readable form of a time, for datetime attributes.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// humanTime is a time as the page shows it; the script may replace it with
// the reader's local time.
func humanTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// plural picks the singular or plural word for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// formatCount writes n with thousands separators: 100,000.
func formatCount(n int) string {
	s := []byte(strings.TrimPrefix(strconv.Itoa(n), "-"))
	var out []byte
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, c)
	}
	if n < 0 {
		return "-" + string(out)
	}
	return string(out)
}
