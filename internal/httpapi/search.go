package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/search"
)

// Search answers search queries and search-box suggestions as the caller
// in the request context may see them; *search.Service implements it.
type Search interface {
	Query(ctx context.Context, req search.Request) (*search.Response, error)
	Suggest(ctx context.Context, prefix string, n int) ([]search.Result, error)
}

var _ Search = (*search.Service)(nil)

// searchMount is where the search plugin's routes live.
const searchMount = "/api/search"

func (s *server) searchRoutes() []route {
	return []route{
		{"GET " + searchMount + "/query", s.searchQuery},
		{"GET " + searchMount + "/suggest", s.searchSuggest},
	}
}

// searchOff answers a search route when search is off, with the plain
// 404 of an unknown route.
func (s *server) searchOff(w http.ResponseWriter) bool {
	if s.search != nil {
		return false
	}
	w.WriteHeader(http.StatusNotFound)
	return true
}

// searchQuery is Backstage's GET /api/search/query, its query string read
// the qs way (§f.1).
func (s *server) searchQuery(w http.ResponseWriter, r *http.Request) error {
	if s.searchOff(w) {
		return nil
	}
	req, err := searchRequest(parseQS(r.URL.RawQuery))
	if err != nil {
		return err
	}
	resp, err := s.search.Query(r.Context(), req)
	if err != nil {
		return searchError(err)
	}
	return writeJSON(w, http.StatusOK, resp)
}

// searchSuggest is Callboard's GET /api/search/suggest?prefix=&limit=:
// completions for the search box, as results of the query shape.
func (s *server) searchSuggest(w http.ResponseWriter, r *http.Request) error {
	if s.searchOff(w) {
		return nil
	}
	q := r.URL.Query()
	n := 0
	if v := q.Get("limit"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			return problem.Input("limit must be a positive integer, got %q", v)
		}
	}
	results, err := s.search.Suggest(r.Context(), q.Get("prefix"), n)
	if err != nil {
		return searchError(err)
	}
	return writeJSON(w, http.StatusOK, struct {
		Results []search.Result `json:"results"`
	}{results})
}

// searchError reports a missing index as Backstage does: a 400 named
// MissingIndexError.
func searchError(err error) error {
	var mi *search.MissingIndexError
	if errors.As(err, &mi) {
		return &statusError{status: http.StatusBadRequest, name: "MissingIndexError", message: mi.Error()}
	}
	return err
}

// searchRequest reads a search request from a parsed query string.
// Unknown keys are ignored, as Backstage passes them to its engine.
func searchRequest(q qsObject) (search.Request, error) {
	var req search.Request
	var err error
	if req.Term, err = qsString(q, "term"); err != nil {
		return req, err
	}
	if req.PageCursor, err = qsString(q, "pageCursor"); err != nil {
		return req, err
	}
	limit, err := qsString(q, "pageLimit")
	if err != nil {
		return req, err
	}
	if limit != "" {
		if req.PageLimit, err = strconv.Atoi(limit); err != nil {
			return req, problem.Input("pageLimit must be an integer, got %q", limit)
		}
		if req.PageLimit < 1 {
			return req, problem.Input("pageLimit must be a positive integer, got %q", limit)
		}
	}
	switch t := q["types"].(type) {
	case nil:
	case string:
		req.Types = []string{t}
	case []any:
		for _, v := range t {
			s, ok := v.(string)
			if !ok {
				return req, problem.Input("types must be a list of strings")
			}
			req.Types = append(req.Types, s)
		}
	default:
		return req, problem.Input("types must be a list of strings")
	}
	switch f := q["filters"].(type) {
	case nil:
	case qsObject:
		req.Filters = map[string][]string{}
		keys := make([]string, 0, len(f))
		for k := range f {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			switch v := f[k].(type) {
			case string:
				req.Filters[k] = []string{v}
			case []any:
				for _, item := range v {
					s, ok := item.(string)
					if !ok {
						return req, problem.Input("filters[%s] must be a value or a list of values", k)
					}
					req.Filters[k] = append(req.Filters[k], s)
				}
			default:
				return req, problem.Input("filters[%s] must be a value or a list of values", k)
			}
		}
	default:
		return req, problem.Input("filters must be an object, as filters[field]=value")
	}
	return req, nil
}

// qsString reads an optional string parameter.
func qsString(q qsObject, key string) (string, error) {
	switch v := q[key].(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	default:
		return "", problem.Input("%s must be a single string, got %s", key, describeQS(v))
	}
}

func describeQS(v any) string {
	switch v.(type) {
	case []any:
		return "a list"
	case qsObject:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
