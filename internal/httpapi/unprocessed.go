package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
)

// UnprocessedEntities lists and deletes the entities that are missing from
// the catalog or whose processing fails; *catalog.Unprocessed implements
// it.
type UnprocessedEntities interface {
	List(ctx context.Context, q catalog.UnprocessedQuery) ([]catalog.UnprocessedEntry, error)
	Delete(ctx context.Context, entityID string) error
}

var _ UnprocessedEntities = (*catalog.Unprocessed)(nil)

// unprocessedResponse is the body of Backstage's unprocessed-entities
// module.
type unprocessedResponse struct {
	Type     catalog.UnprocessedReason `json:"type"`
	Entities []unprocessedItem         `json:"entities"`
}

// unprocessedItem is one refresh state row, named as the module's
// HydratedRefreshState. The processor cache is left out: it is internal
// state, sometimes large, and no client reads it.
type unprocessedItem struct {
	EntityID          string                   `json:"entity_id"`
	EntityRef         string                   `json:"entity_ref"`
	UnprocessedEntity json.RawMessage          `json:"unprocessed_entity"`
	UnprocessedHash   string                   `json:"unprocessed_hash,omitempty"`
	ProcessedEntity   json.RawMessage          `json:"processed_entity,omitempty"`
	ResultHash        string                   `json:"result_hash,omitempty"`
	Errors            []entity.SerializedError `json:"errors"`
	LocationKey       string                   `json:"location_key,omitempty"`
	NextUpdateAt      string                   `json:"next_update_at"`
	LastDiscoveryAt   string                   `json:"last_discovery_at"`
}

// isoTime formats t as JavaScript's Date.prototype.toISOString does,
// which is how Backstage's module serializes its timestamps.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (s *server) unprocessedPending(w http.ResponseWriter, r *http.Request) error {
	return s.unprocessedList(w, r, catalog.UnprocessedPending)
}

func (s *server) unprocessedFailed(w http.ResponseWriter, r *http.Request) error {
	return s.unprocessedList(w, r, catalog.UnprocessedFailed)
}

// unprocessedList is GET /entities/unprocessed/{pending,failed}?owner=&limit=.
func (s *server) unprocessedList(w http.ResponseWriter, r *http.Request, reason catalog.UnprocessedReason) error {
	q := r.URL.Query()
	owner, _, err := stringParam(q, "owner")
	if err != nil {
		return err
	}
	limit, err := intParam(q, "limit")
	if err != nil {
		return err
	}
	req := catalog.UnprocessedQuery{Reason: reason, Owner: owner}
	if limit != nil {
		if *limit <= 0 {
			return problem.Input("Invalid limit, must be greater than zero")
		}
		req.Limit = *limit
	}
	if err := s.require(r, catalog.PermissionUnprocessedRead, r.URL.Path); err != nil {
		return err
	}
	entries, err := s.unprocessed.List(r.Context(), req)
	if err != nil {
		return err
	}
	out := unprocessedResponse{Type: reason, Entities: make([]unprocessedItem, len(entries))}
	for i, e := range entries {
		out.Entities[i] = unprocessedItem{
			EntityID:          e.EntityID,
			EntityRef:         e.EntityRef,
			UnprocessedEntity: e.UnprocessedEntity,
			UnprocessedHash:   e.UnprocessedHash,
			ProcessedEntity:   e.ProcessedEntity,
			ResultHash:        e.ResultHash,
			Errors:            e.Errors,
			LocationKey:       e.LocationKey,
			NextUpdateAt:      isoTime(e.NextUpdateAt),
			LastDiscoveryAt:   isoTime(e.LastDiscoveryAt),
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

// unprocessedDelete is DELETE /entities/unprocessed/delete/{entityId}.
func (s *server) unprocessedDelete(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("entityId")
	if err := s.require(r, catalog.PermissionUnprocessedDelete, id); err != nil {
		return err
	}
	note(r).write(catalog.PermissionUnprocessedDelete, id)
	if err := s.unprocessed.Delete(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
