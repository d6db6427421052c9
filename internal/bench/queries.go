package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// query is one of the requests the issue sets a latency target for.
type query struct {
	Name string
	// Shown is the request as printed in the report.
	Shown string
	// request builds the i-th request of a series (by-name and full-text
	// requests cycle through different entities and terms).
	request func(ctx context.Context, base string, i int) (*http.Request, error)
	// check validates one response body against the generated organisation.
	check func(body []byte) error
}

const catalogAPI = "/api/catalog"

// queries returns the measured requests for an organisation.
func queries(sum Summary) []query {
	components := sum.Counts["Component"]
	getter := func(path string) func(context.Context, string, int) (*http.Request, error) {
		return func(ctx context.Context, base string, _ int) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, http.MethodGet, base+catalogAPI+path, nil)
		}
	}
	byQuery := "/entities/by-query?filter=kind=component&limit=100"
	table := "/entities/by-query?filter=kind=component,spec.lifecycle=production&orderField=metadata.name,asc&limit=20"
	facets := "/entity-facets?facet=spec.type"
	fullText := func(term string) string {
		return "/entities/by-query?fullTextFilterTerm=" + term + "&fullTextFilterFields=metadata.name&limit=20"
	}
	refsBody, _ := json.Marshal(map[string]any{"entityRefs": sum.Refs})
	return []query{
		{
			Name: "by-query kind=component limit=100", Shown: "GET " + byQuery,
			request: getter(byQuery),
			check: func(body []byte) error {
				return checkPage(body, min(100, components), components, nil)
			},
		},
		{
			Name: "by-name", Shown: "GET /entities/by-name/{kind}/{namespace}/{name} (100 different entities)",
			request: func(ctx context.Context, base string, i int) (*http.Request, error) {
				r := sum.Names[i%len(sum.Names)]
				return http.NewRequestWithContext(ctx, http.MethodGet,
					base+catalogAPI+"/entities/by-name/"+r.Kind+"/"+r.Namespace+"/"+url.PathEscape(r.Name), nil)
			},
			check: func(body []byte) error {
				var e struct {
					Metadata struct{ Name string } `json:"metadata"`
				}
				if err := json.Unmarshal(body, &e); err != nil || e.Metadata.Name == "" {
					return fmt.Errorf("not an entity: %.200s", body)
				}
				return nil
			},
		},
		{
			Name: "entity-facets spec.type", Shown: "GET " + facets,
			request: getter(facets),
			check: func(body []byte) error {
				var f struct {
					Facets map[string][]struct {
						Value string `json:"value"`
						Count int    `json:"count"`
					} `json:"facets"`
				}
				if err := json.Unmarshal(body, &f); err != nil {
					return fmt.Errorf("not a facets response: %.200s", body)
				}
				total := 0
				for _, b := range f.Facets["spec.type"] {
					total += b.Count
				}
				// Every component, API, resource, group and system has a type.
				if want := components + sum.Counts["API"] + sum.Counts["Resource"] + sum.Counts["Group"] + sum.Counts["System"]; total < want {
					return fmt.Errorf("spec.type facets count %d entities, want at least %d", total, want)
				}
				return nil
			},
		},
		{
			Name: "full text on metadata.name", Shown: "GET " + fullText("{term}") + " (terms " + strings.Join(sum.FullTextTerms, ", ") + ")",
			request: func(ctx context.Context, base string, i int) (*http.Request, error) {
				term := sum.FullTextTerms[i%len(sum.FullTextTerms)]
				return http.NewRequestWithContext(ctx, http.MethodGet, base+catalogAPI+fullText(url.QueryEscape(term)), nil)
			},
			check: func(body []byte) error { return checkPage(body, -1, -1, nil) },
		},
		{
			Name: "UI table query", Shown: "GET " + table,
			request: getter(table),
			check: func(body []byte) error {
				return checkPage(body, -1, -1, func(names []string) error {
					if !slices.IsSortedFunc(names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }) {
						return fmt.Errorf("items not ordered by name: %v", names)
					}
					return nil
				})
			},
		},
		{
			Name: "by-refs 20 refs", Shown: "POST /entities/by-refs with 20 entityRefs",
			request: func(ctx context.Context, base string, _ int) (*http.Request, error) {
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+catalogAPI+"/entities/by-refs", bytes.NewReader(refsBody))
				if err == nil {
					req.Header.Set("Content-Type", "application/json")
				}
				return req, err
			},
			check: func(body []byte) error {
				var r struct {
					Items []json.RawMessage `json:"items"`
				}
				if err := json.Unmarshal(body, &r); err != nil {
					return fmt.Errorf("not a by-refs response: %.200s", body)
				}
				if len(r.Items) != len(sum.Refs) {
					return fmt.Errorf("%d items for %d refs", len(r.Items), len(sum.Refs))
				}
				for i, it := range r.Items {
					if string(it) == "null" {
						return fmt.Errorf("%s came back null", sum.Refs[i])
					}
				}
				return nil
			},
		},
	}
}

// checkPage validates a by-query response: the number of items and
// totalItems when wantItems and wantTotal are not negative, at least one
// item otherwise, and then names (in order) with more.
func checkPage(body []byte, wantItems, wantTotal int, more func(names []string) error) error {
	var p struct {
		Items []struct {
			Metadata struct{ Name string } `json:"metadata"`
		} `json:"items"`
		TotalItems *int `json:"totalItems"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.TotalItems == nil {
		return fmt.Errorf("not a by-query response: %.200s", body)
	}
	if wantItems >= 0 && len(p.Items) != wantItems {
		return fmt.Errorf("%d items, want %d", len(p.Items), wantItems)
	}
	if wantItems < 0 && len(p.Items) == 0 {
		return fmt.Errorf("no items (totalItems %d)", *p.TotalItems)
	}
	if wantTotal >= 0 && *p.TotalItems != wantTotal {
		return fmt.Errorf("totalItems %d, want %d", *p.TotalItems, wantTotal)
	}
	if more != nil {
		names := make([]string, len(p.Items))
		for i, it := range p.Items {
			names[i] = it.Metadata.Name
		}
		return more(names)
	}
	return nil
}

// totalItems asks the server how many entities it can serve.
func totalItems(ctx context.Context, c *http.Client, base string) (int, error) {
	status, body, err := get(ctx, c, base+catalogAPI+"/entities/by-query?limit=0")
	if err != nil {
		return 0, err
	}
	if status != http.StatusOK {
		return 0, fmt.Errorf("by-query answered %d: %.200s", status, body)
	}
	var p struct {
		TotalItems int `json:"totalItems"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return 0, fmt.Errorf("by-query: %w", err)
	}
	return p.TotalItems, nil
}
