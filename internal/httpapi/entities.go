package httpapi

import (
	"bufio"
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
)

// listEntities is the legacy GET /entities: the whole (filtered) catalog
// streamed as one array, or one offset page with a Link to the next.
func (s *server) listEntities(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	filter, err := catalog.ParseFilterParams(q["filter"])
	if err != nil {
		return err
	}
	fields, err := catalog.ParseFields(q["fields"])
	if err != nil {
		return err
	}
	order, err := catalog.ParseOrderParams(q["order"])
	if err != nil {
		return err
	}
	offset, err := intParam(q, "offset")
	if err != nil {
		return err
	}
	limit, err := intParam(q, "limit")
	if err != nil {
		return err
	}
	after, hasAfter, err := stringParam(q, "after")
	if err != nil {
		return err
	}
	rd, err := s.entityReader(r)
	if err != nil {
		return err
	}
	if offset == nil && limit == nil && !hasAfter {
		return s.streamEntities(w, r, rd, catalog.ListRequest{Filter: filter, Fields: fields, Order: order})
	}
	switch {
	case offset != nil && *offset < 0:
		return problem.Input("Invalid offset, must be zero or greater")
	case limit != nil && *limit <= 0:
		return problem.Input("Invalid limit, must be greater than zero")
	case hasAfter && after == "":
		return problem.Input("Invalid after, must not be empty")
	}
	res, err := rd.ListEntities(r.Context(), catalog.ListRequest{
		Filter:    filter,
		Fields:    fields,
		Order:     order,
		Paginated: true,
		Limit:     limit,
		Offset:    offset,
		After:     after,
	})
	if err != nil {
		return err
	}
	if res.NextAfter != "" {
		w.Header().Set("Link", s.nextLink(r, res.NextAfter))
	}
	writeArrayBody(w, "", res.Items, "")
	return nil
}

// streamEntities writes every matching entity as one JSON array, item by
// item as the reader produces them; the whole catalog is never held in
// memory. The status line waits for the first item, so a failing query
// still gets an error body; a failure after that can no longer become one,
// so the connection is cut instead of ending the array.
func (s *server) streamEntities(w http.ResponseWriter, r *http.Request, rd CatalogReader, req catalog.ListRequest) error {
	// A bigger buffer than the response's own few kilobytes halves the
	// system calls, yet still sends a large catalog as it is read.
	bw := bufio.NewWriterSize(w, 16<<10)
	arr := jsonArray{w: bw}
	started := false
	var writeErr error
	err := rd.StreamEntities(r.Context(), req, func(item json.RawMessage) error {
		if !started {
			started = true
			startJSON(w, http.StatusOK)
			if writeErr = arr.open(); writeErr != nil {
				return writeErr
			}
		}
		writeErr = arr.item(item)
		return writeErr
	})
	switch {
	case err == nil:
	case !started:
		return err
	case writeErr != nil || r.Context().Err() != nil:
		return nil // the client went away
	default:
		s.log.ErrorContext(r.Context(), "stream entities", slog.Any("error", err))
		_ = bw.Flush()
		panic(http.ErrAbortHandler)
	}
	if !started {
		startJSON(w, http.StatusOK)
		_ = arr.open()
	}
	_ = arr.close()
	_ = bw.Flush()
	return nil
}

// entityByUID is GET /entities/by-uid/{uid}.
func (s *server) entityByUID(w http.ResponseWriter, r *http.Request) error {
	rd, err := s.entityReader(r)
	if err != nil {
		return err
	}
	raw, err := rd.EntityByUID(r.Context(), r.PathValue("uid"))
	if err != nil {
		return err
	}
	writeRaw(w, http.StatusOK, raw)
	return nil
}

// deleteEntityByUID is DELETE /entities/by-uid/{uid}: 204 whether or not
// the entity existed, when catalog.entity.delete allows; a conditional
// decision allows only an existing entity that meets its conditions.
func (s *server) deleteEntityByUID(w http.ResponseWriter, r *http.Request) error {
	uid := r.PathValue("uid")
	target := uid
	var before json.RawMessage
	load := loadOnce(func() (json.RawMessage, error) {
		e, err := s.reader.EntityByUID(r.Context(), uid)
		if problem.Is(err, problem.NotFoundError) {
			return nil, nil
		}
		before = e
		if ref, ok := entityRefOf(e); ok {
			target = ref
		}
		return e, err
	})
	if s.audit != nil {
		// The log keeps what was deleted, so read it whatever the policy.
		if _, err := load(); err != nil {
			return err
		}
	}
	if err := s.requireEntity(r, catalog.PermissionEntityDelete, load, func() string { return target }); err != nil {
		return err
	}
	n := note(r).write(catalog.PermissionEntityDelete, target)
	n.before = before
	n.details = map[string]any{"uid": uid}
	if err := s.writer.DeleteByUID(r.Context(), uid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// pathRef is the entity named by the {kind}/{namespace}/{name} path values.
func pathRef(r *http.Request) entity.Ref {
	return entity.Ref{Kind: r.PathValue("kind"), Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}
}

// entityByName is GET /entities/by-name/{kind}/{namespace}/{name}.
func (s *server) entityByName(w http.ResponseWriter, r *http.Request) error {
	rd, err := s.entityReader(r)
	if err != nil {
		return err
	}
	raw, err := rd.EntityByRef(r.Context(), pathRef(r))
	if err != nil {
		return err
	}
	writeRaw(w, http.StatusOK, raw)
	return nil
}

// ancestry is GET /entities/by-name/{kind}/{namespace}/{name}/ancestry.
func (s *server) ancestry(w http.ResponseWriter, r *http.Request) error {
	rd, err := s.entityReader(r)
	if err != nil {
		return err
	}
	a, err := rd.Ancestry(r.Context(), pathRef(r))
	if err != nil {
		return err
	}
	out := *a
	if out.Items == nil {
		out.Items = []catalog.AncestryItem{}
	}
	for i := range out.Items {
		if out.Items[i].ParentEntityRefs == nil {
			out.Items[i].ParentEntityRefs = []string{}
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

// byRefsBody is the body of POST /entities/by-refs.
type byRefsBody struct {
	EntityRefs []string        `json:"entityRefs"`
	Fields     []string        `json:"fields"`
	Query      json.RawMessage `json:"query"`
}

// entitiesByRefs is POST /entities/by-refs: one item per requested ref, in
// order, null where there is none. A filter in the query string and a
// predicate in the body must both match.
func (s *server) entitiesByRefs(w http.ResponseWriter, r *http.Request) error {
	b, members, err := readJSONObject(r, bodyRequired)
	if err != nil {
		return err
	}
	var body byRefsBody
	if err := decodeBody(b, members, &body, false, "entityRefs"); err != nil {
		return err
	}
	if body.EntityRefs == nil {
		return problem.Input("Malformed request: property %q must be an array", "entityRefs")
	}
	q := r.URL.Query()
	filter, err := catalog.ParseFilterParams(q["filter"])
	if err != nil {
		return err
	}
	pred, err := parseOptionalPredicate(body.Query)
	if err != nil {
		return err
	}
	filter = catalog.AllOf(filter, pred)
	fields, err := catalog.ParseFields(append(q["fields"], body.Fields...))
	if err != nil {
		return err
	}
	rd, err := s.entityReader(r)
	if err != nil {
		return err
	}
	items, err := rd.EntitiesByRefs(r.Context(), catalog.ByRefsRequest{
		Refs:   body.EntityRefs,
		Fields: fields,
		Filter: filter,
	})
	if err != nil {
		return err
	}
	writeItemsObject(w, items, nil)
	return nil
}

// parseOptionalPredicate parses a body's "query" member; absent or null
// means no predicate.
func parseOptionalPredicate(raw json.RawMessage) (*catalog.Predicate, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	return catalog.ParsePredicate(raw)
}

// refreshBody is the body of POST /refresh.
type refreshBody struct {
	EntityRef string `json:"entityRef"`
	// AuthorizationToken is Backstage's legacy way to pass the caller's
	// token; accepted so old clients keep working. Credentials are checked
	// by the auth middleware, not here.
	AuthorizationToken string `json:"authorizationToken"`
}

// refresh is POST /refresh: schedule an entity and its location ancestors
// for processing now.
func (s *server) refresh(w http.ResponseWriter, r *http.Request) error {
	b, members, err := readJSONObject(r, bodyRequired)
	if err != nil {
		return err
	}
	var body refreshBody
	if err := decodeBody(b, members, &body, true, "entityRef"); err != nil {
		return err
	}
	load := func() (json.RawMessage, error) {
		ref, err := entity.ParseRef(body.EntityRef, entity.RefDefaults{})
		if err != nil {
			return nil, nil
		}
		e, err := s.reader.EntityByRef(r.Context(), ref)
		if problem.Is(err, problem.NotFoundError) {
			return nil, nil
		}
		return e, err
	}
	target := func() string { return body.EntityRef }
	if err := s.requireEntity(r, catalog.PermissionEntityRefresh, load, target); err != nil {
		return err
	}
	note(r).write(catalog.PermissionEntityRefresh, body.EntityRef)
	if err := s.writer.Refresh(r.Context(), body.EntityRef); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}
