package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/techdocs"
)

// docsReaderPage is the data of a docs page.
type docsReaderPage struct {
	Entity   refLink
	SiteName string
	// Base is the portal URL of the site root; the search form posts there.
	Base string
	Page *techdocs.Page
	// Missing: the entity has no published site (yet).
	Missing bool
	// NoPage names a page the site does not have.
	NoPage string
	// Query is the search box's text; Searched says a search ran.
	Query     string
	Searched  bool
	Hits      []docsHit
	NoIndex   bool
	Built     time.Time
	Status    techdocs.Status
	HasStatus bool
	// Mermaid is the diagram script to load, when the page has diagrams.
	Mermaid string
}

// docsHit is one search result.
type docsHit struct {
	Title, Href, Snippet string
}

// docsSearchLimit bounds the results a search shows.
const docsSearchLimit = 50

// page renders one page of e's site, or the site's search results.
func (d *Docs) page(w http.ResponseWriter, r *http.Request, e *entity.Entity, ref entity.Ref, base, file string) error {
	ctx := r.Context()
	p := docsReaderPage{
		Entity:   refLink{Label: displayName(e), Href: refPath(e.Ref()), Ref: ref.String()},
		SiteName: displayName(e),
		Base:     base,
		Query:    strings.TrimSpace(r.URL.Query().Get("q")),
		Status:   d.docs.Status(ref),
	}
	p.HasStatus = p.Status.Building || p.Status.Queued || p.Status.Error != ""
	md, err := d.docs.Metadata(ctx, ref)
	switch {
	case err == nil:
		if md.SiteName != "" {
			p.SiteName = md.SiteName
		}
		if md.BuildTimestamp > 0 {
			p.Built = time.UnixMilli(md.BuildTimestamp)
		}
	case !problem.Is(err, problem.NotFoundError):
		return err
	}
	status := http.StatusOK
	switch {
	case p.Query != "":
		p.Searched = true
		hits, err := d.docs.Search(ctx, ref, p.Query, docsSearchLimit)
		switch {
		case problem.Is(err, problem.NotFoundError):
			p.NoIndex = true
		case err != nil:
			return err
		}
		for _, h := range hits {
			if href, ok := hitHref(base, h.Location); ok {
				p.Hits = append(p.Hits, docsHit{Title: h.Title, Href: href, Snippet: h.Snippet})
			}
		}
	default:
		pg, err := d.docs.Page(ctx, ref, file, base)
		switch {
		case problem.Is(err, problem.NotFoundError):
			status = http.StatusNotFound
			if md == nil {
				p.Missing = true
			} else {
				p.NoPage = strings.TrimSuffix(file, "index.html")
			}
		case err != nil:
			return err
		default:
			p.Page = pg
			if pg.Mermaid && d.mermaid != "" {
				p.Mermaid = d.mermaid
				allowScript(w, d.mermaid)
			}
		}
	}
	title := p.SiteName
	switch {
	case p.Searched:
		title = "Search · " + title
	case p.Page != nil && p.Page.Title != "" && p.Page.Title != p.SiteName:
		title = p.Page.Title + " · " + title
	}
	return d.render(w, r, status, "docs-reader", title, p)
}

// hitHref is the portal URL of a search index location, which is
// relative to the site root; anything else is left out.
func hitHref(base, loc string) (string, bool) {
	u, err := url.Parse(loc)
	if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(u.Path, "/") || strings.Contains(u.Path, "..") {
		return "", false
	}
	return base + u.String(), true
}

// allowScript lets the page load the mermaid script from its origin, on
// top of the portal's policy.
func allowScript(w http.ResponseWriter, script string) {
	u, err := url.Parse(script)
	if err != nil {
		return
	}
	src := "'self'"
	if u.Scheme == "https" && u.Host != "" {
		src += " https://" + u.Host
	}
	w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src "+src+"; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
}
