package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
)

// UnprocessedReason selects which entities that are missing from the
// catalog, or stuck in it, to list.
type UnprocessedReason string

// The lists of Backstage's unprocessed-entities module.
const (
	// UnprocessedPending are entities that have no final form yet: never
	// processed successfully, or processed but not stitched.
	UnprocessedPending UnprocessedReason = "pending"
	// UnprocessedFailed are entities whose latest processing reported
	// errors, whether or not an earlier final form is still served.
	UnprocessedFailed UnprocessedReason = "failed"
)

// Bounds of an unprocessed-entities listing.
const (
	DefaultUnprocessedLimit = 1000
	MaxUnprocessedLimit     = 10000
)

// UnprocessedQuery asks for one list of unprocessed entities, ordered by
// entity ref.
type UnprocessedQuery struct {
	Reason UnprocessedReason
	// Owner, when set, keeps the entities whose unprocessed spec.owner is
	// exactly this string, as written in the source (Backstage's module
	// compares the same way).
	Owner string
	// Limit bounds the list; 0 means DefaultUnprocessedLimit.
	Limit int
}

// UnprocessedRow is one refresh state row as storage returns it: columns
// as stored.
type UnprocessedRow struct {
	EntityID          string
	EntityRef         string
	UnprocessedEntity string
	UnprocessedHash   string
	ProcessedEntity   string // "" when never processed successfully
	ResultHash        string
	Errors            string // JSON array of serialized errors, or ""
	LocationKey       string
	NextUpdateAt      time.Time
	LastDiscoveryAt   time.Time
}

// UnprocessedEntry is one entity of an unprocessed-entities listing.
type UnprocessedEntry struct {
	EntityID          string
	EntityRef         string
	UnprocessedEntity json.RawMessage
	UnprocessedHash   string
	// ProcessedEntity is nil when the entity was never processed
	// successfully.
	ProcessedEntity json.RawMessage
	ResultHash      string
	Errors          []entity.SerializedError
	LocationKey     string
	NextUpdateAt    time.Time
	LastDiscoveryAt time.Time
}

// UnprocessedStore reads refresh state for the unprocessed-entities
// listings; *store.Catalog implements it.
type UnprocessedStore interface {
	// UnprocessedEntities returns at most q.Limit rows of q.Reason's list
	// matching q.Owner, ordered by entity ref.
	UnprocessedEntities(ctx context.Context, q UnprocessedQuery) ([]UnprocessedRow, error)
}

// EntityDeleter deletes an entity by uid the way DELETE
// /entities/by-uid/{uid} does; *Engine implements it.
type EntityDeleter interface {
	DeleteByUID(ctx context.Context, uid string) error
}

var _ EntityDeleter = (*Engine)(nil)

// Unprocessed serves Backstage's unprocessed-entities module: why an
// entity is missing from the catalog, and a way to remove it.
type Unprocessed struct {
	store   UnprocessedStore
	deleter EntityDeleter
}

// NewUnprocessed returns the service reading from store and deleting
// through deleter.
func NewUnprocessed(store UnprocessedStore, deleter EntityDeleter) *Unprocessed {
	return &Unprocessed{store: store, deleter: deleter}
}

// List returns one list of unprocessed entities.
func (u *Unprocessed) List(ctx context.Context, q UnprocessedQuery) ([]UnprocessedEntry, error) {
	switch q.Reason {
	case UnprocessedPending, UnprocessedFailed:
	default:
		return nil, problem.Input("Unknown unprocessed entity list %q, expected pending or failed", string(q.Reason))
	}
	switch {
	case q.Limit < 0:
		return nil, problem.Input("Invalid limit %d, must be positive", q.Limit)
	case q.Limit == 0:
		q.Limit = DefaultUnprocessedLimit
	case q.Limit > MaxUnprocessedLimit:
		q.Limit = MaxUnprocessedLimit
	}
	rows, err := u.store.UnprocessedEntities(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list %s entities: %w", q.Reason, err)
	}
	out := make([]UnprocessedEntry, len(rows))
	for i, r := range rows {
		e, err := entryFromRow(r)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

// Delete removes the entity with the given uid, with its relations, search
// rows and final form; its parents are processed again, so an entity its
// source still emits comes back. An unknown uid is not an error.
func (u *Unprocessed) Delete(ctx context.Context, entityID string) error {
	if entityID == "" {
		return problem.Input("Missing entity id")
	}
	return u.deleter.DeleteByUID(ctx, entityID)
}

func entryFromRow(r UnprocessedRow) (UnprocessedEntry, error) {
	e := UnprocessedEntry{
		EntityID:        r.EntityID,
		EntityRef:       r.EntityRef,
		UnprocessedHash: r.UnprocessedHash,
		ResultHash:      r.ResultHash,
		LocationKey:     r.LocationKey,
		NextUpdateAt:    r.NextUpdateAt,
		LastDiscoveryAt: r.LastDiscoveryAt,
		Errors:          []entity.SerializedError{},
	}
	// The engine wrote these columns; JSON that does not parse is a
	// corrupted row, reported rather than passed on as broken output.
	if !json.Valid([]byte(r.UnprocessedEntity)) {
		return e, fmt.Errorf("refresh state of %s: unprocessed entity is not valid JSON", r.EntityRef)
	}
	e.UnprocessedEntity = json.RawMessage(r.UnprocessedEntity)
	if r.ProcessedEntity != "" {
		if !json.Valid([]byte(r.ProcessedEntity)) {
			return e, fmt.Errorf("refresh state of %s: processed entity is not valid JSON", r.EntityRef)
		}
		e.ProcessedEntity = json.RawMessage(r.ProcessedEntity)
	}
	if r.Errors != "" {
		if err := json.Unmarshal([]byte(r.Errors), &e.Errors); err != nil {
			return e, fmt.Errorf("refresh state of %s: errors: %w", r.EntityRef, err)
		}
		if e.Errors == nil { // a stored "null"
			e.Errors = []entity.SerializedError{}
		}
	}
	return e, nil
}
