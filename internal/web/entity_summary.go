package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
)

// entitySummary is the part of an entity that lists and tables show.
// Decoding it skips the rest of the entity (annotations, status, the bulk
// of spec), which a table of a hundred rows would otherwise decode in
// full.
type entitySummary struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name        string   `json:"name"`
		Namespace   string   `json:"namespace"`
		Title       string   `json:"title"`
		Description string   `json:"description"`
		Tags        []string `json:"tags"`
	} `json:"metadata"`
	Spec struct {
		Type      string `json:"type"`
		Lifecycle string `json:"lifecycle"`
		Owner     string `json:"owner"`
		System    string `json:"system"`
		Profile   struct {
			DisplayName string `json:"displayName"`
		} `json:"profile"`
	} `json:"spec"`
	Relations []entity.Relation `json:"relations"`
}

// decodeSummary reads the summary of a stored entity as an Entity holding
// only those fields, for the helpers that take one (displayName,
// ownerLink ...). A field of an unexpected type is left empty.
func decodeSummary(raw json.RawMessage) (*entity.Entity, error) {
	var s entitySummary
	if err := json.Unmarshal(raw, &s); err != nil {
		var typeErr *json.UnmarshalTypeError
		if !errors.As(err, &typeErr) {
			return nil, fmt.Errorf("decode entity: %w", err)
		}
	}
	e := &entity.Entity{Kind: s.Kind, Relations: s.Relations, Spec: map[string]any{}}
	m := &e.Metadata
	m.Name, m.Namespace, m.Title, m.Description, m.Tags = s.Metadata.Name, s.Metadata.Namespace, s.Metadata.Title, s.Metadata.Description, s.Metadata.Tags
	for k, v := range map[string]string{"type": s.Spec.Type, "lifecycle": s.Spec.Lifecycle, "owner": s.Spec.Owner, "system": s.Spec.System} {
		if v != "" {
			e.Spec[k] = v
		}
	}
	if s.Spec.Profile.DisplayName != "" {
		e.Spec["profile"] = map[string]any{"displayName": s.Spec.Profile.DisplayName}
	}
	return e, nil
}

// summariesByRefs reads the summaries of the entities with the given
// canonical refs, nil where there is none.
func summariesByRefs(ctx context.Context, cat CatalogReader, refs []string) ([]*entity.Entity, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	items, err := cat.EntitiesByRefs(ctx, catalog.ByRefsRequest{Refs: refs})
	if err != nil {
		return nil, err
	}
	out := make([]*entity.Entity, len(items))
	for i, raw := range items {
		if raw == nil {
			continue
		}
		if out[i], err = decodeSummary(raw); err != nil {
			return nil, err
		}
	}
	return out, nil
}
