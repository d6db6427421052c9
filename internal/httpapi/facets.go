package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
)

// facetsGet is GET /entity-facets?facet=...&filter=...
func (s *server) facetsGet(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	facets := q["facet"]
	if len(facets) == 0 {
		return problem.Input("Missing facet parameter")
	}
	filter, err := catalog.ParseFilterParams(q["filter"])
	if err != nil {
		return err
	}
	return s.facets(w, r, catalog.FacetsRequest{Facets: facets, Filter: filter})
}

// facetsBody is the body of POST /entity-facets.
type facetsBody struct {
	Facets []string        `json:"facets"`
	Query  json.RawMessage `json:"query"`
}

// facetsPost is POST /entity-facets, the predicate form.
func (s *server) facetsPost(w http.ResponseWriter, r *http.Request) error {
	b, members, err := readJSONObject(r, bodyRequired)
	if err != nil {
		return err
	}
	var body facetsBody
	if err := decodeBody(b, members, &body, false, "facets"); err != nil {
		return err
	}
	if body.Facets == nil {
		return problem.Input("Missing facet parameter")
	}
	filter, err := parseOptionalPredicate(body.Query)
	if err != nil {
		return err
	}
	return s.facets(w, r, catalog.FacetsRequest{Facets: body.Facets, Filter: filter})
}

// facets writes {"facets": {"<facet as requested>": [{"value","count"}]}};
// every requested facet is present, empty when nothing has it.
func (s *server) facets(w http.ResponseWriter, r *http.Request, req catalog.FacetsRequest) error {
	rd, err := s.entityReader(r)
	if err != nil {
		return err
	}
	res, err := rd.Facets(r.Context(), req)
	if err != nil {
		return err
	}
	out := make(map[string][]catalog.FacetCount, len(req.Facets))
	for _, f := range req.Facets {
		out[f] = []catalog.FacetCount{}
		if counts := res[f]; counts != nil {
			out[f] = counts
		}
	}
	return writeJSON(w, http.StatusOK, struct {
		Facets map[string][]catalog.FacetCount `json:"facets"`
	}{out})
}
