package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
)

// decodeLocationInput decodes a strict {"type","target","presence"?} body.
func decodeLocationInput(b []byte, members map[string]json.RawMessage) (catalog.LocationInput, error) {
	var in catalog.LocationInput
	if err := decodeBody(b, members, &in, true, "type", "target"); err != nil {
		return in, err
	}
	if in.Presence != "" && in.Presence != "required" && in.Presence != "optional" {
		return in, problem.Input(`Malformed request: property "presence" must be "required" or "optional"`)
	}
	return in, nil
}

// readLocationInput reads a request body holding a location (see
// decodeLocationInput).
func readLocationInput(r *http.Request) (catalog.LocationInput, error) {
	b, members, err := readJSONObject(r, bodyRequired)
	if err != nil {
		return catalog.LocationInput{}, err
	}
	return decodeLocationInput(b, members)
}

// createLocation is POST /locations?dryRun=&onConflict=.
func (s *server) createLocation(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	onConflict, _, err := stringParam(q, "onConflict")
	if err != nil {
		return err
	}
	if onConflict != "" && onConflict != "refresh" && onConflict != "reject" {
		return problem.Input(`Invalid onConflict, must be "refresh" or "reject"`)
	}
	in, err := readLocationInput(r)
	if err != nil {
		return err
	}
	dryRun := parseYN(q, "dryRun", false)
	if err := s.require(r, catalog.PermissionLocationCreate, in.Type+":"+in.Target); err != nil {
		return err
	}
	if !dryRun {
		n := note(r).write(catalog.PermissionLocationCreate, in.Type+":"+in.Target)
		n.details = map[string]any{"onConflict": onConflict}
	}
	res, err := s.writer.CreateLocation(r.Context(), in, catalog.CreateLocationOptions{
		DryRun:     dryRun,
		OnConflict: onConflict,
	})
	if err != nil {
		return err
	}
	if !dryRun {
		setJSON(&note(r).after, res.Location)
	}
	out := *res
	if out.Entities == nil {
		out.Entities = []json.RawMessage{}
	}
	return writeJSON(w, http.StatusCreated, out)
}

// locationData is one item of GET /locations.
type locationData struct {
	Data catalog.Location `json:"data"`
}

// locations is GET /locations: [{"data": Location}, ...]; empty when
// catalog.location.read is denied.
func (s *server) locations(w http.ResponseWriter, r *http.Request) error {
	if ok, err := s.allow(r, catalog.PermissionLocationRead, r.URL.Path); err != nil || !ok {
		if err == nil {
			err = writeJSON(w, http.StatusOK, []locationData{})
		}
		return err
	}
	locs, err := s.writer.Locations(r.Context())
	if err != nil {
		return err
	}
	out := make([]locationData, len(locs))
	for i, l := range locs {
		out[i] = locationData{Data: l}
	}
	return writeJSON(w, http.StatusOK, out)
}

// locationsQueryBody is the body of POST /locations/by-query.
type locationsQueryBody struct {
	Query  json.RawMessage `json:"query"`
	Limit  *json.Number    `json:"limit"`
	Cursor string          `json:"cursor"`
}

// locationsPage is the answer of POST /locations/by-query.
type locationsPage struct {
	Items      []catalog.Location `json:"items"`
	TotalItems int                `json:"totalItems"`
	PageInfo   locationsPageInfo  `json:"pageInfo"`
}

type locationsPageInfo struct {
	NextCursor string `json:"nextCursor,omitempty"`
}

// locationsByQuery is POST /locations/by-query.
func (s *server) locationsByQuery(w http.ResponseWriter, r *http.Request) error {
	b, members, err := readJSONObject(r, bodyOptional)
	if err != nil {
		return err
	}
	var body locationsQueryBody
	if err := decodeBody(b, members, &body, false); err != nil {
		return err
	}
	var lq catalog.LocationQuery
	limit, err := nonNegativeInt("limit", body.Limit, 1)
	if err != nil {
		return err
	}
	if limit != nil {
		lq.Limit = *limit
	}
	if lq.Filter, err = parseOptionalPredicate(body.Query); err != nil {
		return err
	}
	lq.Cursor = body.Cursor
	if ok, err := s.allow(r, catalog.PermissionLocationRead, r.URL.Path); err != nil || !ok {
		if err == nil {
			err = writeJSON(w, http.StatusOK, locationsPage{Items: []catalog.Location{}})
		}
		return err
	}
	page, err := s.writer.LocationsByQuery(r.Context(), lq)
	if err != nil {
		return err
	}
	out := locationsPage{Items: page.Items, TotalItems: page.TotalItems, PageInfo: locationsPageInfo{NextCursor: page.NextCursor}}
	if out.Items == nil {
		out.Items = []catalog.Location{}
	}
	return writeJSON(w, http.StatusOK, out)
}

// location is GET /locations/{id}; NotFound when catalog.location.read
// is denied.
func (s *server) location(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if ok, err := s.allow(r, catalog.PermissionLocationRead, id); err != nil || !ok {
		if err == nil {
			err = problem.NotFound("Found no location with ID %s", id)
		}
		return err
	}
	loc, err := s.writer.Location(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, loc)
}

// updateLocation is PUT /locations/{id}. Changing a location registers
// its new target, so it needs catalog.location.create.
func (s *server) updateLocation(w http.ResponseWriter, r *http.Request) error {
	in, err := readLocationInput(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := s.require(r, catalog.PermissionLocationCreate, id); err != nil {
		return err
	}
	n := note(r).write(catalog.PermissionLocationCreate, id)
	s.noteLocationBefore(r, n, id)
	loc, err := s.writer.UpdateLocation(r.Context(), id, in)
	if err != nil {
		return err
	}
	setJSON(&n.after, loc)
	return writeJSON(w, http.StatusOK, loc)
}

// deleteLocation is DELETE /locations/{id}.
func (s *server) deleteLocation(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.require(r, catalog.PermissionLocationDelete, id); err != nil {
		return err
	}
	s.noteLocationBefore(r, note(r).write(catalog.PermissionLocationDelete, id), id)
	if err := s.writer.DeleteLocation(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// locationByEntity is GET /locations/by-entity/{kind}/{namespace}/{name}.
// It needs catalog.location.read, and the entity must be one the caller
// may read: otherwise the answer would tell that it exists.
func (s *server) locationByEntity(w http.ResponseWriter, r *http.Request) error {
	ref := pathRef(r)
	if ok, err := s.allow(r, catalog.PermissionLocationRead, ref.String()); err != nil || !ok {
		if err == nil {
			err = problem.NotFound("Found no location for entity %s", ref)
		}
		return err
	}
	rd, err := s.entityReader(r)
	if err != nil {
		return err
	}
	if _, err := rd.EntityByRef(r.Context(), ref); err != nil {
		return err
	}
	loc, err := s.writer.LocationByEntity(r.Context(), ref)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, loc)
}

// noteLocationBefore puts the location as it is into the write's audit
// note, when it exists.
func (s *server) noteLocationBefore(r *http.Request, n *auditNote, id string) {
	if s.audit == nil {
		return
	}
	if loc, err := s.writer.Location(r.Context(), id); err == nil {
		setJSON(&n.before, loc)
	}
}
