package web

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/web/form"
)

// pickerEntities offers catalog entities to the form's entity pickers,
// as the reader may see them: one bounded query per picker.
type pickerEntities struct{ cat CatalogReader }

var _ form.Entities = pickerEntities{}

// Suggest implements form.Entities. The catalog returns the first
// matches unordered (ordering a kind as large as the users by name would
// cost more than the page may take); they are sorted by label here.
func (p pickerEntities) Suggest(ctx context.Context, q form.EntityQuery) ([]form.EntityOption, error) {
	var alts []catalog.Predicate
	for _, f := range q.Filters {
		var parts []*catalog.Predicate
		for _, key := range sortedFilterKeys(f) {
			c := f[key]
			k := strings.ToLower(key)
			if c.Exists {
				parts = append(parts, &catalog.Predicate{Op: catalog.OpField, Key: k, Match: catalog.FieldMatch{Kind: catalog.MatchExists, Exists: true}})
			} else {
				parts = append(parts, fieldIn(k, c.Values))
			}
		}
		alts = append(alts, *catalog.AllOf(parts...))
	}
	var filter *catalog.Predicate
	switch len(alts) {
	case 0:
	case 1:
		filter = &alts[0]
	default:
		filter = &catalog.Predicate{Op: catalog.OpAny, Children: alts}
	}
	if len(q.OwnedBy) > 0 {
		filter = catalog.AllOf(filter, fieldIn("relations.ownedby", q.OwnedBy))
	}
	limit := q.Limit
	// No field projection: projecting decodes and encodes each entity
	// whole, which costs more than decoding the summary here does.
	res, err := p.cat.QueryEntities(ctx, catalog.QueryRequest{Filter: filter, Limit: &limit, SkipTotal: true})
	if err != nil {
		return nil, err
	}
	out := make([]form.EntityOption, 0, len(res.Items))
	for _, raw := range res.Items {
		var e pickerEntity
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("decode entity: %w", err)
		}
		ns := e.Metadata.Namespace
		if ns == "" {
			ns = entity.DefaultNamespace
		}
		label := e.Metadata.Title
		if label == "" {
			label = e.Spec.Profile.DisplayName
		}
		if label == "" {
			label = e.Metadata.Name
		}
		out = append(out, form.EntityOption{
			Ref:   strings.ToLower(e.Kind) + ":" + strings.ToLower(ns) + "/" + e.Metadata.Name,
			Label: label,
		})
	}
	slices.SortFunc(out, func(a, b form.EntityOption) int {
		return strings.Compare(strings.ToLower(a.Label)+"\x00"+a.Ref, strings.ToLower(b.Label)+"\x00"+b.Ref)
	})
	return out, nil
}

// pickerEntity is what a suggestion shows of an entity. Groups and users
// carry long relation lists; leaving them out of the decoding keeps a
// picker's query cheap.
type pickerEntity struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
		Title     string `json:"title"`
	} `json:"metadata"`
	Spec struct {
		Profile struct {
			DisplayName string `json:"displayName"`
		} `json:"profile"`
	} `json:"spec"`
}

func sortedFilterKeys(f form.Filter) []string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
