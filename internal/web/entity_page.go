package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

// overviewTab is the ID of the tab served at the entity page's own path.
const overviewTab = "overview"

// entityPageData is the shell every tab of an entity page shares.
type entityPageData struct {
	Name string
	Ref  string
	Kind string
	Type string
	Path string
	// KindURL lists the entity's kind in the catalog table.
	KindURL, KindLabel string
	Tabs               []tabLink
	Tab                string
	Content            template.HTML
	// Errors counts the entity's processing errors, shown on every tab.
	Errors int
	// Orphan says no location or provider keeps the entity any more.
	Orphan bool
	Star   starState
	// UnregisterURL starts unregistering the entity's location.
	UnregisterURL string
}

// starState is the star button of an entity page.
type starState struct {
	// Can is false when the reader is no user who could star.
	Can     bool
	Starred bool
	Action  string
	CSRF    string
}

// loadEntity reads the entity the path names, as the reader may see it.
func (s *site) loadEntity(r *http.Request) (*entity.Entity, CatalogReader, error) {
	cat, err := s.reader(r)
	if err != nil {
		return nil, nil, err
	}
	ref := entity.Ref{Kind: r.PathValue("kind"), Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}
	raw, err := cat.EntityByRef(r.Context(), ref)
	if err != nil {
		return nil, nil, err
	}
	e, err := decodeEntity(raw)
	if err != nil {
		return nil, nil, err
	}
	return e, cat, nil
}

// entityView is what the entity's cards and tabs render from.
func entityView(r *http.Request, e *entity.Entity, cat CatalogReader) *plugin.EntityView {
	return &plugin.EntityView{
		Entity:  e,
		Ref:     e.Ref().Canonical(),
		Path:    refPath(e.Ref()),
		Query:   r.URL.Query(),
		Viewer:  viewerRef(r),
		Catalog: entityReader{cat},
		Link:    entityPath,
	}
}

func (s *site) entityPage(w http.ResponseWriter, r *http.Request) error {
	e, cat, err := s.loadEntity(r)
	if err != nil {
		return err
	}
	v := entityView(r, e, cat)
	id := r.PathValue("tab")
	if id == "" {
		id = overviewTab
	}
	var tab plugin.EntityTab
	d := &entityPageData{
		Name:          displayName(e),
		Ref:           v.Ref.String(),
		Kind:          e.Kind,
		Type:          specString(e, "type"),
		Path:          v.Path,
		KindLabel:     kindPlural(e.Kind),
		KindURL:       catalogView{Kind: strings.ToLower(e.Kind), Sort: "name", Limit: defaultPageSize}.URL(),
		Tab:           id,
		Errors:        len(processingErrors(e)),
		Orphan:        e.Annotation(entity.AnnotationOrphan) == "true",
		UnregisterURL: "/catalog-unregister?" + url.Values{"entity": {v.Ref.String()}}.Encode(),
	}
	seen := map[string]bool{}
	for _, t := range s.tabs {
		// The first tab registered under an ID wins.
		if seen[t.ID()] || !t.AppliesTo(e) {
			continue
		}
		seen[t.ID()] = true
		href := v.Path
		if t.ID() != overviewTab {
			href += "/" + url.PathEscape(t.ID())
		}
		d.Tabs = append(d.Tabs, tabLink{Label: t.Title(), Href: href, Current: t.ID() == id})
		if t.ID() == id {
			tab = t
		}
	}
	if tab == nil {
		return problem.NotFound("%s has no %q tab.", d.Name, id)
	}
	if d.Star, err = s.starState(r, v); err != nil {
		return err
	}
	if d.Content, err = tab.Render(r.Context(), v); err != nil {
		return err
	}
	title := d.Name
	if id != overviewTab {
		title = tab.Title() + " · " + d.Name
	}
	return s.render(w, r, http.StatusOK, "entity", title, d)
}

// starState is the star button for the reader.
func (s *site) starState(r *http.Request, v *plugin.EntityView) (starState, error) {
	me := viewerOf(r)
	if me.Ref == "" {
		return starState{}, nil
	}
	on, err := s.ui.IsStarred(r.Context(), me.Ref, v.Ref.String())
	if err != nil {
		return starState{}, err
	}
	return starState{Can: true, Starred: on, Action: v.Path + "/star", CSRF: me.CSRF}, nil
}

// star is the star button: POST {entity page}/star with on=1 or on=0,
// then back to the page.
func (s *site) star(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return problem.Input("The form could not be read.")
	}
	me := viewerOf(r)
	if me.Ref == "" {
		return problem.Unauthenticated("Sign in to star entities.")
	}
	e, _, err := s.loadEntity(r)
	if err != nil {
		return err
	}
	if err := s.ui.SetStar(r.Context(), me.Ref, e.Ref().String(), r.PostForm.Get("on") == "1", s.now()); err != nil {
		return err
	}
	http.Redirect(w, r, refPath(e.Ref()), http.StatusSeeOther)
	return nil
}
