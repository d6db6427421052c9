package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/search"
)

// searchPage is the data of /search.
type searchPage struct {
	View searchView
	// Active is false when the address asks for nothing: the page then
	// explains itself.
	Active bool
	Types  []option
	// Filters are the document filters with the values the catalog has.
	Filters      []facetGroup
	FiltersReady bool
	Chips        []chip
	Rows         []searchRow
	// Total counts every match; HasTotal is false when the service could
	// not count (permission conditions checked after the query). Capped
	// says the count stopped at search.MaxCount.
	Total    int
	HasTotal bool
	Capped   bool
	// First and Last number the results shown.
	First, Last int
	PrevURL     string
	NextURL     string
	ClearURL    string
	// Problem is why the query was refused (an input error) or could
	// not run yet (an index still being built).
	Problem string
}

// page serves /search: the query box, result type and document filters,
// the query syntax, and one page of ranked results. The filters' values
// are the catalog's (counted as a slow part, like the catalog page's);
// the results are one bounded query to the search service, as the reader
// may see them.
func (p *Search) page(w http.ResponseWriter, r *http.Request) error {
	v := parseSearchView(r.URL.Query())
	data := &searchPage{View: v, Active: v.Active(), ClearURL: searchURL(v.Query)}
	if v.Query == "" {
		data.ClearURL = "/search"
	}
	for _, t := range p.search.Types() {
		data.Types = append(data.Types, option{Value: t, Label: searchTypeLabel(t), Selected: slices.Contains(v.Types, t)})
	}
	filters, ready, err := p.filterValues(r, v)
	if err != nil {
		return err
	}
	data.Filters, data.FiltersReady = filters, ready
	data.Chips = searchChips(v)

	status := http.StatusOK
	if data.Active {
		resp, err := p.search.Query(r.Context(), v.request())
		switch {
		case err == nil:
			if err := data.fill(v, resp); err != nil {
				return err
			}
		case problem.Is(err, problem.InputError):
			pr, _ := problem.As(err)
			data.Problem, status = pr.Message, http.StatusBadRequest
		case errors.Is(err, search.ErrMissingIndex):
			data.Problem, status = err.Error(), http.StatusServiceUnavailable
		default:
			return err
		}
	}
	title := "Search"
	if v.Query != "" {
		title = "“" + v.Query + "” · Search"
	}
	return p.render(w, r, status, "search", title, data)
}

// fill lays out one page of results.
func (d *searchPage) fill(v searchView, resp *search.Response) error {
	for _, res := range resp.Results {
		row, err := searchRowOf(res)
		if err != nil {
			return err
		}
		d.Rows = append(d.Rows, row)
	}
	if n := resp.NumberOfResults; n != nil {
		d.Total, d.HasTotal, d.Capped = *n, true, *n >= search.MaxCount
	}
	if len(d.Rows) > 0 {
		d.First, d.Last = d.Rows[0].Rank, d.Rows[len(d.Rows)-1].Rank
	}
	if c := resp.PreviousPageCursor; c != "" {
		prev := v.at(c)
		if page, err := search.DecodeCursor(c); err == nil && page == 0 {
			prev = v.at("")
		}
		d.PrevURL = prev.URL()
	}
	if c := resp.NextPageCursor; c != "" {
		d.NextURL = v.at(c).URL()
	}
	return nil
}

// filterValues lays out the document filters with the values the
// catalog holds, as the reader may see it. The counts are a slow part:
// when they are not ready within the budget, the chosen values alone are
// offered and the script fetches the rest.
func (p *Search) filterValues(r *http.Request, v searchView) ([]facetGroup, bool, error) {
	cat, err := p.reader(r)
	if err != nil {
		return nil, false, err
	}
	keys := make([]string, len(searchFilters))
	for i, f := range searchFilters {
		keys[i] = f.Key
	}
	me := viewerOf(r)
	key := me.Ref + "\x00" + strings.Join(me.Ownership, ",") + "\x00search-facets"
	counts, ready, err := part(p.site, r, p.site.partsDeadline(), key, func(ctx context.Context) (map[string][]catalog.FacetCount, error) {
		return cat.Facets(ctx, catalog.FacetsRequest{Facets: keys})
	})
	if err != nil {
		if r.Context().Err() != nil {
			return nil, false, err
		}
		p.log.WarnContext(r.Context(), "search filter counts failed", "error", err)
	}
	var out []facetGroup
	for _, f := range searchFilters {
		out = append(out, searchFacetGroup(f, v.Filters[f.Field], counts[f.Key], ready, err != nil))
	}
	return out, ready, nil
}

// searchFacetGroup lays out one filter's values: the most common first,
// the chosen ones always shown, case variants counted together (the
// engine compares values lower-cased).
func searchFacetGroup(f searchFilter, chosen []string, fc []catalog.FacetCount, ready, failed bool) facetGroup {
	// Values show as written: owners written two ways ("harbour",
	// "group:default/harbour") are two values to the engine.
	asWritten := func(value string) string { return value }
	return newFacetGroup("filters["+f.Field+"]", f.Label, chosen, fc, ready, failed, asWritten)
}

// searchChips lists the view's active filters, each with the address
// without it.
func searchChips(v searchView) []chip {
	var out []chip
	for _, t := range v.Types {
		out = append(out, chip{Label: "Result type: " + searchTypeLabel(t), RemoveURL: v.without("types", t).URL()})
	}
	for _, f := range searchFilters {
		for _, val := range v.Filters[f.Field] {
			out = append(out, chip{Label: f.Label + ": " + val, RemoveURL: v.without(f.Field, val).URL()})
		}
	}
	return out
}
