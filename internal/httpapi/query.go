package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
)

// cursorParam reads the "cursor" query parameter and, when given, checks
// that it is a cursor.
func cursorParam(q url.Values) (string, bool, error) {
	cursor, ok, err := stringParam(q, "cursor")
	if err != nil || !ok {
		return "", false, err
	}
	if err := catalog.CheckCursorParam(cursor); err != nil {
		return "", false, err
	}
	return cursor, true, nil
}

// queryEntitiesGet is GET /entities/by-query. With a cursor only cursor,
// limit and fields count; the other parameters are ignored, not checked.
func (s *server) queryEntitiesGet(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var req catalog.QueryRequest
	var err error
	if req.Fields, err = catalog.ParseFields(q["fields"]); err != nil {
		return err
	}
	if req.Limit, err = intParam(q, "limit"); err != nil {
		return err
	}
	if req.Limit != nil && *req.Limit < 0 {
		return problem.Input("Invalid limit, must be zero or greater")
	}
	cursor, hasCursor, err := cursorParam(q)
	if err != nil {
		return err
	}
	if hasCursor {
		req.Cursor = cursor
		return s.queryEntities(w, r, req)
	}
	offset, err := intParam(q, "offset")
	if err != nil {
		return err
	}
	if offset != nil {
		if *offset < 0 {
			return problem.Input("Invalid offset, must be zero or greater")
		}
		req.Offset = *offset
	}
	if req.Filter, err = catalog.ParseFilterParams(q["filter"]); err != nil {
		return err
	}
	order, err := catalog.ParseOrderFieldParams(q["orderField"])
	if err != nil {
		return err
	}
	if len(order) > 0 {
		// Backstage sorts by one field; extra ones are ignored.
		req.Order = &order[0]
	}
	if term := strings.TrimSpace(q.Get("fullTextFilterTerm")); term != "" {
		req.FullText = &catalog.FullTextFilter{Term: term, Fields: catalog.ParseFullTextFields(q["fullTextFilterFields"])}
	}
	total, _, err := stringParam(q, "totalItems")
	if err != nil {
		return err
	}
	if req.SkipTotal, err = parseTotalItems(total); err != nil {
		return err
	}
	return s.queryEntities(w, r, req)
}

// parseTotalItems reads the totalItems mode: include (the default) or
// exclude.
func parseTotalItems(v string) (skip bool, err error) {
	switch v {
	case "", "include":
		return false, nil
	case "exclude":
		return true, nil
	}
	return false, problem.Input(`Invalid totalItems, must be "include" or "exclude"`)
}

// queryBody is the body of POST /entities/by-query.
type queryBody struct {
	Cursor         *string            `json:"cursor"`
	Limit          *json.Number       `json:"limit"`
	Offset         *json.Number       `json:"offset"`
	OrderBy        []orderByItem      `json:"orderBy"`
	FullTextFilter *fullTextFilterArg `json:"fullTextFilter"`
	Fields         []string           `json:"fields"`
	TotalItems     string             `json:"totalItems"`
	Query          json.RawMessage    `json:"query"`
}

type orderByItem struct {
	Field string `json:"field"`
	Order string `json:"order"`
}

type fullTextFilterArg struct {
	Term   string   `json:"term"`
	Fields []string `json:"fields"`
}

// queryEntitiesPost is POST /entities/by-query, the predicate form.
func (s *server) queryEntitiesPost(w http.ResponseWriter, r *http.Request) error {
	b, members, err := readJSONObject(r, bodyOptional)
	if err != nil {
		return err
	}
	var body queryBody
	if err := decodeBody(b, members, &body, false); err != nil {
		return err
	}
	var req catalog.QueryRequest
	if req.Limit, err = nonNegativeInt("limit", body.Limit, 0); err != nil {
		return err
	}
	if req.Fields, err = catalog.ParseFields(body.Fields); err != nil {
		return err
	}
	if body.Cursor != nil {
		if err := catalog.CheckCursorParam(*body.Cursor); err != nil {
			return err
		}
		req.Cursor = *body.Cursor
		return s.queryEntities(w, r, req)
	}
	offset, err := nonNegativeInt("offset", body.Offset, 0)
	if err != nil {
		return err
	}
	if offset != nil {
		req.Offset = *offset
	}
	if req.Filter, err = parseOptionalPredicate(body.Query); err != nil {
		return err
	}
	for i, o := range body.OrderBy {
		if o.Field == "" {
			return problem.Input("Malformed request: orderBy[%d].field is required", i)
		}
		if o.Order != "asc" && o.Order != "desc" {
			return problem.Input("Invalid order field order, must be asc or desc")
		}
	}
	if len(body.OrderBy) > 0 {
		// Backstage sorts by one field; extra ones are ignored.
		req.Order = &catalog.Order{Field: body.OrderBy[0].Field, Desc: body.OrderBy[0].Order == "desc"}
	}
	if ft := body.FullTextFilter; ft != nil {
		if term := strings.TrimSpace(ft.Term); term != "" {
			req.FullText = &catalog.FullTextFilter{Term: term, Fields: catalog.ParseFullTextFields(ft.Fields)}
		}
	}
	if req.SkipTotal, err = parseTotalItems(body.TotalItems); err != nil {
		return err
	}
	return s.queryEntities(w, r, req)
}

// pageInfo is the paging part of a by-query answer.
type pageInfo struct {
	NextCursor string `json:"nextCursor,omitempty"`
	PrevCursor string `json:"prevCursor,omitempty"`
}

// queryEntities runs req and writes {"items","totalItems","pageInfo"}.
func (s *server) queryEntities(w http.ResponseWriter, r *http.Request, req catalog.QueryRequest) error {
	rd, err := s.entityReader(r)
	if err != nil {
		return err
	}
	res, err := rd.QueryEntities(r.Context(), req)
	if err != nil {
		return err
	}
	info, err := json.Marshal(pageInfo{NextCursor: res.NextCursor, PrevCursor: res.PrevCursor})
	if err != nil {
		return err
	}
	writeItemsObject(w, res.Items, pageTail(res.TotalItems, info))
	return nil
}

// pageTail encodes `,"totalItems":n,"pageInfo":{...}`.
func pageTail(total int, info []byte) []byte {
	var b strings.Builder
	b.WriteString(`,"totalItems":`)
	b.WriteString(strconv.Itoa(total))
	b.WriteString(`,"pageInfo":`)
	b.Write(info)
	return []byte(b.String())
}
