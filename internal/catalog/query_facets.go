package catalog

import (
	"context"
	"fmt"
	"strings"

	"github.com/callboard/callboard/internal/problem"
)

// Facets serves GET and POST /entity-facets (§a.9): for each facet as
// requested, the distinct original (case-preserving) values of that search
// key among the entities matching the filter, with their counts, ordered
// by value. "Component" and "component" are separate buckets. Results are
// cached until the catalog changes.
func (q *Query) Facets(ctx context.Context, req FacetsRequest) (map[string][]FacetCount, error) {
	if len(req.Facets) == 0 {
		return nil, problem.Input("Missing facet parameter")
	}
	filter, err := canonicalKey(req.Filter)
	if err != nil {
		return nil, err
	}
	gen, err := q.generation(ctx)
	if err != nil {
		return nil, err
	}
	byKey := map[string][]FacetCount{}
	var missing []string
	for _, facet := range req.Facets {
		key := strings.ToLower(facet)
		if _, done := byKey[key]; done {
			continue
		}
		if f, ok := q.cache.facet(gen, filter+"\x00"+key); ok {
			byKey[key] = f
			continue
		}
		byKey[key] = nil
		missing = append(missing, key)
	}
	if len(missing) > 0 {
		read, err := q.store.Facets(ctx, missing, req.Filter)
		if err != nil {
			return nil, fmt.Errorf("read facets: %w", err)
		}
		for _, key := range missing {
			f := read[key]
			if f == nil {
				f = []FacetCount{}
			}
			byKey[key] = f
			q.cache.putFacet(gen, filter+"\x00"+key, f)
		}
	}
	out := make(map[string][]FacetCount, len(req.Facets))
	for _, facet := range req.Facets {
		out[facet] = append([]FacetCount{}, byKey[strings.ToLower(facet)]...)
	}
	return out, nil
}
