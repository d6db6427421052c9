package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
)

// importPath is the register page, at Backstage's address.
const importPath = "/catalog-import"

// maxPreviewEntities bounds the entities a preview lists and carries to
// the registration's result page.
const maxPreviewEntities = 50

// importPage is the data of the register page: the form, a preview of
// what a URL would add, or the result of a registration.
type importPage struct {
	URL       string
	CSRF      string
	FormError string
	Preview   *importPreview
	// Suggestion is the catalog file proposed for a URL that holds none.
	Suggestion string
	Done       *importDone
}

// importPreview is what registering the URL would add (a dry run).
type importPreview struct {
	Entities []previewEntity
	// More counts entities beyond those listed.
	More int
	// Exists says the location is registered already.
	Exists bool
}

// previewEntity is one entity of a preview.
type previewEntity struct {
	Ref, Kind, Name, Description string
	// InCatalog links to the entity when the catalog has it already.
	InCatalog string
}

// importDone is the result page of a registration or removal.
type importDone struct {
	Target   string
	Entities []previewEntity
}

func (s *site) importPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p := &importPage{CSRF: viewerOf(r).CSRF}
	if t := q.Get("registered"); t != "" {
		done := &importDone{Target: t}
		refs := q["entity"]
		if len(refs) > maxPreviewEntities {
			refs = refs[:maxPreviewEntities]
		}
		cat, err := s.reader(r)
		if err != nil {
			return err
		}
		ents, err := summariesByRefs(r.Context(), cat, refs)
		if err != nil {
			return err
		}
		for i, ref := range refs {
			pe := previewEntity{Ref: ref, Name: linkTo(ref, "").Label}
			if ents[i] != nil {
				pe.Name, pe.Kind, pe.InCatalog = displayName(ents[i]), ents[i].Kind, refPath(ents[i].Ref())
			}
			done.Entities = append(done.Entities, pe)
		}
		p.Done = done
	}
	return s.render(w, r, http.StatusOK, "import", "Register an existing component", p)
}

// importPost analyzes a URL (action=analyze, the default) or registers it
// (action=register).
func (s *site) importPost(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return problem.Input("The form could not be read.")
	}
	target := strings.TrimSpace(r.PostForm.Get("url"))
	p := &importPage{URL: target, CSRF: viewerOf(r).CSRF}
	fail := func(err error) error {
		pe, ok := problem.As(err)
		if !ok || problem.Status(err) >= 500 {
			return err
		}
		p.FormError = pe.Message
		p.Preview, p.Suggestion = nil, ""
		return s.render(w, r, problem.Status(err), "import", "Register an existing component", p)
	}
	if _, ok := safeURL(target, false); !ok {
		return fail(problem.Input("Enter the full URL of a catalog file, starting with https://."))
	}
	in := catalog.LocationInput{Type: "url", Target: target}
	if r.PostForm.Get("action") == "register" {
		if err := s.allow(r, catalog.PermissionLocationCreate, ""); err != nil {
			return fail(err)
		}
		if _, err := s.locations.CreateLocation(r.Context(), in, catalog.CreateLocationOptions{}); err != nil {
			return fail(err)
		}
		back := url.Values{"registered": {target}}
		for i, ref := range r.PostForm["entity"] {
			if i == maxPreviewEntities {
				break
			}
			back.Add("entity", ref)
		}
		http.Redirect(w, r, importPath+"?"+back.Encode(), http.StatusSeeOther)
		return nil
	}

	if err := s.allow(r, catalog.PermissionLocationAnalyze, ""); err != nil {
		return fail(err)
	}
	registered, err := s.registeredLocations(r)
	if err != nil {
		return err
	}
	res, err := s.analyzer.Analyze(r.Context(), catalog.AnalyzeRequest{Location: in}, registered)
	if err != nil {
		return fail(err)
	}
	if len(res.ExistingEntityFiles) == 0 {
		if len(res.GenerateEntities) > 0 {
			b, err := json.Marshal(res.GenerateEntities[0].Entity)
			if err != nil {
				return err
			}
			if p.Suggestion, err = jsonToYAML(b); err != nil {
				return err
			}
		}
		if p.Suggestion == "" {
			return fail(problem.Input("No catalog file was found at that URL."))
		}
		return s.render(w, r, http.StatusOK, "import", "Register an existing component", p)
	}
	dry, err := s.locations.CreateLocation(r.Context(), in, catalog.CreateLocationOptions{DryRun: true})
	if err != nil {
		return fail(err)
	}
	prev := &importPreview{Exists: dry.Exists != nil && *dry.Exists}
	var refs []string
	for _, raw := range dry.Entities {
		e, err := decodeEntity(raw)
		if err != nil {
			return err
		}
		// The location's own entity is bookkeeping, not what the user
		// registers.
		if strings.EqualFold(e.Kind, "location") && e.Ref().String() == dry.Location.EntityRef {
			continue
		}
		if len(prev.Entities) == maxPreviewEntities {
			prev.More++
			continue
		}
		ref := e.Ref().String()
		refs = append(refs, ref)
		prev.Entities = append(prev.Entities, previewEntity{Ref: ref, Kind: e.Kind, Name: displayName(e), Description: markdownSummary(e.Metadata.Description)})
	}
	cat, err := s.reader(r)
	if err != nil {
		return err
	}
	found, err := entityReader{cat}.EntitiesByRefs(r.Context(), refs)
	if err != nil {
		return err
	}
	for i, e := range found {
		if e != nil {
			prev.Entities[i].InCatalog = refPath(e.Ref())
		}
	}
	p.Preview = prev
	return s.render(w, r, http.StatusOK, "import", "Register an existing component", p)
}

// registeredLocations tests whether a location is registered, against the
// registered locations as they are now.
func (s *site) registeredLocations(r *http.Request) (func(catalog.LocationInput) bool, error) {
	locs, err := s.locations.Locations(r.Context())
	if err != nil {
		return nil, err
	}
	known := make(map[[2]string]bool, len(locs))
	for _, l := range locs {
		known[[2]string{l.Type, l.Target}] = true
	}
	return func(in catalog.LocationInput) bool { return known[[2]string{in.Type, in.Target}] }, nil
}

// unregisterPage is the data of the unregister page.
type unregisterPage struct {
	Entity   refLink
	Location *catalog.Location
	// Reason explains why there is no location to unregister.
	Reason   string
	Entities []refLink
	Total    int
	CSRF     string
	Done     string
}

// maxUnregisterListed bounds the entities the unregister page lists.
const maxUnregisterListed = 100

// unregisterPage shows the location an entity came from and every
// entity that goes with it, before anything is removed.
func (s *site) unregisterPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if done := q.Get("removed"); done != "" {
		return s.render(w, r, http.StatusOK, "unregister", "Unregistered", &unregisterPage{Done: done})
	}
	ref, err := entity.ParseRef(q.Get("entity"), entity.RefDefaults{})
	if err != nil {
		return problem.Input("Name the entity to unregister as kind:namespace/name.")
	}
	cat, err := s.reader(r)
	if err != nil {
		return err
	}
	raw, err := cat.EntityByRef(r.Context(), ref)
	if err != nil {
		return err
	}
	e, err := decodeEntity(raw)
	if err != nil {
		return err
	}
	p := &unregisterPage{
		Entity: refLink{Label: displayName(e), Href: refPath(e.Ref()), Ref: e.Ref().String()},
		CSRF:   viewerOf(r).CSRF,
	}
	loc, err := s.locations.LocationByEntity(r.Context(), e.Ref())
	switch {
	case problem.Is(err, problem.NotFoundError):
		p.Reason = "This entity does not come from a registered location: it is read from a location in the app config, or added by a provider. Remove it there."
		return s.render(w, r, http.StatusOK, "unregister", "Unregister "+p.Entity.Label, p)
	case err != nil:
		return err
	}
	p.Location = loc
	limit := maxUnregisterListed
	origin := entity.LocationRefString(loc.Type, loc.Target)
	res, err := cat.QueryEntities(r.Context(), catalog.QueryRequest{
		Filter: fieldIn("metadata.annotations."+entity.AnnotationManagedByOriginLocation, []string{origin}),
		Order:  &catalog.Order{Field: "metadata.name"},
		Limit:  &limit,
	})
	if err != nil {
		return err
	}
	p.Total = res.TotalItems
	for _, raw := range res.Items {
		o, err := decodeSummary(raw)
		if err != nil {
			return err
		}
		// The location's own entity is bookkeeping, not one of the
		// user's entities.
		if o.Ref().String() == loc.EntityRef {
			p.Total--
			continue
		}
		p.Entities = append(p.Entities, refLink{Label: humanRef(o.Ref(), "") + " · " + displayName(o), Href: refPath(o.Ref()), Ref: o.Ref().String()})
	}
	return s.render(w, r, http.StatusOK, "unregister", "Unregister "+p.Entity.Label, p)
}

// unregisterPost removes the location (form field location, its ID) and,
// with it, its entities.
func (s *site) unregisterPost(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return problem.Input("The form could not be read.")
	}
	id := r.PostForm.Get("location")
	if id == "" {
		return problem.Input("Name the location to unregister.")
	}
	if err := s.allow(r, catalog.PermissionLocationDelete, r.PostForm.Get("entity")); err != nil {
		return err
	}
	if err := s.locations.DeleteLocation(r.Context(), id); err != nil {
		return err
	}
	target := r.PostForm.Get("target")
	if target == "" {
		target = id
	}
	http.Redirect(w, r, "/catalog-unregister?"+url.Values{"removed": {target}}.Encode(), http.StatusSeeOther)
	return nil
}
