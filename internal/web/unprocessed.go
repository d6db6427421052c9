package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
)

// unprocessedPath is the operator page listing entities whose processing
// failed or has not finished.
const unprocessedPath = "/catalog-unprocessed"

// unprocessedListLimit bounds one list on the page.
const unprocessedListLimit = 500

// unprocessedData is the data of the operator page.
type unprocessedData struct {
	Tab   catalog.UnprocessedReason
	Tabs  []tabLink
	Owner string
	// ClearURL is the current tab without the owner filter.
	ClearURL string
	Entities []unprocessedView
	// Truncated says the list stopped at Limit.
	Truncated bool
	Limit     int
	// Deleted is the ref of the entity just deleted, for the notice.
	Deleted string
	// CSRF is the token the delete forms echo.
	CSRF string
}

// tabLink is one tab: a link, so it works without JavaScript.
type tabLink struct {
	Label, Href string
	Current     bool
}

// unprocessedView is one entity as the page shows it.
type unprocessedView struct {
	ID, Ref     string
	LocationKey string
	// DeleteURL is where the delete button posts.
	DeleteURL string
	// Source is the file or URL the entity was read from, when known.
	Source source
	// Owner is the unprocessed spec.owner, when it is a string.
	Owner string
	// Processed says an earlier processing succeeded: that version is
	// still served while the latest one fails.
	Processed     bool
	Errors        []errorView
	NextUpdate    time.Time
	LastDiscovery time.Time
}

func (s *site) unprocessedPage(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, catalog.PermissionUnprocessedRead, ""); err != nil {
		return err
	}
	q := r.URL.Query()
	tab := catalog.UnprocessedReason(q.Get("tab"))
	switch tab {
	case "":
		tab = catalog.UnprocessedFailed
	case catalog.UnprocessedFailed, catalog.UnprocessedPending:
	default:
		return problem.Input("There is no %q list; choose failed or pending.", string(tab))
	}
	owner := q.Get("owner")
	entries, err := s.unprocessed.List(r.Context(), catalog.UnprocessedQuery{Reason: tab, Owner: owner, Limit: unprocessedListLimit + 1})
	if err != nil {
		return err
	}
	d := unprocessedData{
		Tab:      tab,
		Owner:    owner,
		ClearURL: unprocessedURL(tab, ""),
		Limit:    unprocessedListLimit,
		Deleted:  q.Get("deleted"),
		CSRF:     viewerOf(r).CSRF,
	}
	if len(entries) > unprocessedListLimit {
		entries = entries[:unprocessedListLimit]
		d.Truncated = true
	}
	for _, t := range []struct {
		reason catalog.UnprocessedReason
		label  string
	}{{catalog.UnprocessedFailed, "Failed"}, {catalog.UnprocessedPending, "Pending"}} {
		d.Tabs = append(d.Tabs, tabLink{Label: t.label, Href: unprocessedURL(t.reason, owner), Current: t.reason == tab})
	}
	for _, e := range entries {
		d.Entities = append(d.Entities, viewUnprocessed(e))
	}
	title := "Unprocessed entities"
	return s.render(w, r, http.StatusOK, "unprocessed", title, d)
}

// unprocessedURL links to one tab of the page, filtered by owner.
func unprocessedURL(tab catalog.UnprocessedReason, owner string) string {
	v := url.Values{"tab": {string(tab)}}
	if owner != "" {
		v.Set("owner", owner)
	}
	return unprocessedPath + "?" + v.Encode()
}

func viewUnprocessed(e catalog.UnprocessedEntry) unprocessedView {
	v := unprocessedView{
		ID:            e.EntityID,
		Ref:           e.EntityRef,
		LocationKey:   e.LocationKey,
		DeleteURL:     unprocessedPath + "/" + url.PathEscape(e.EntityID) + "/delete",
		Processed:     len(e.ProcessedEntity) > 0,
		NextUpdate:    e.NextUpdateAt,
		LastDiscovery: e.LastDiscoveryAt,
	}
	// The entity as emitted may be anything that is JSON; what does not
	// have the expected shape is simply not shown.
	var ent struct {
		Metadata struct {
			Annotations map[string]any `json:"annotations"`
		} `json:"metadata"`
		Spec map[string]any `json:"spec"`
	}
	_ = json.Unmarshal(e.UnprocessedEntity, &ent)
	v.Owner, _ = ent.Spec["owner"].(string)
	// Where it was read from: its managed-by-location annotation, else its
	// location key.
	if loc, ok := ent.Metadata.Annotations[entity.AnnotationManagedByLocation].(string); ok && loc != "" {
		v.Source = parseSource(loc)
	} else {
		v.Source = parseSource(e.LocationKey)
	}
	for _, err := range e.Errors {
		v.Errors = append(v.Errors, viewError(err, v.Source))
	}
	return v
}

// unprocessedDelete is the delete button's form: POST
// /catalog-unprocessed/{entityId}/delete, then back to the list.
func (s *site) unprocessedDelete(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return problem.Input("The form could not be read.")
	}
	if err := s.allow(r, catalog.PermissionUnprocessedDelete, ""); err != nil {
		return err
	}
	if err := s.unprocessed.Delete(r.Context(), r.PathValue("entityId")); err != nil {
		return err
	}
	tab := catalog.UnprocessedReason(r.PostForm.Get("tab"))
	if tab != catalog.UnprocessedPending {
		tab = catalog.UnprocessedFailed
	}
	back := unprocessedURL(tab, r.PostForm.Get("owner"))
	if ref := r.PostForm.Get("ref"); ref != "" {
		back += "&" + url.Values{"deleted": {ref}}.Encode()
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}
