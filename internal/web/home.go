package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/callboard/callboard/internal/catalog"
)

// homePage is the data of the home page: what the catalog holds and where
// to look next, until the full home page is built. It reads only the kind
// facet, which the query service caches, so the most visited page stays
// cheap however large the catalog grows.
type homePage struct {
	Kinds   []kindCount
	Total   int
	APIBase string
}

// kindCount is how many entities of one kind the catalog serves.
type kindCount struct {
	Kind  string
	Count int
	// APIURL lists them through the catalog API.
	APIURL string
}

func (s *site) home(w http.ResponseWriter, r *http.Request) error {
	facets, err := s.catalog.Facets(r.Context(), catalog.FacetsRequest{Facets: []string{"kind"}})
	if err != nil {
		return err
	}
	p := homePage{APIBase: strings.TrimSuffix(s.baseURL, "/") + "/api/catalog"}
	for _, f := range facets["kind"] {
		p.Kinds = append(p.Kinds, kindCount{
			Kind:   f.Value,
			Count:  f.Count,
			APIURL: "/api/catalog/entities/by-query?filter=" + url.QueryEscape("kind="+strings.ToLower(f.Value)),
		})
		p.Total += f.Count
	}
	return s.render(w, r, http.StatusOK, "home", "Home", p)
}
