package plugin

import (
	"context"
	"encoding/json"

	"github.com/callboard/callboard/entity"
)

// Location is where entities come from: a type ("file", "url", ...) and a
// target in that type's syntax.
type Location struct {
	Type   string `json:"type"`
	Target string `json:"target"`
	// Presence is "required" (the default) or "optional".
	Presence string `json:"presence,omitempty"`
}

// String returns the location ref "<type>:<target>".
func (l Location) String() string { return l.Type + ":" + l.Target }

// RawEntity is an entity as read from a source, before validation: the
// decoded document and where it came from.
type RawEntity struct {
	Data     map[string]any
	Location Location
	// Line and Column locate the document in its file; 0 when unknown.
	Line, Column int
}

// RelationEdge is a relation emitted by processing: Source --Type--> Target.
type RelationEdge struct {
	Source entity.Ref
	Type   string
	Target entity.Ref
}

// Emitter receives what a processor produces while it handles one entity.
type Emitter interface {
	// Entity emits a child entity to be stored and processed on its own.
	Entity(e RawEntity)
	// Relation emits a relation edge.
	Relation(r RelationEdge)
	// Error records an error against the entity being processed, found while
	// handling loc.
	Error(err error, loc Location)
	// RefreshKey asks for the entity to be refreshed when key is signalled,
	// e.g. "url:https://host/catalog-info.yaml".
	RefreshKey(key string)
}

// Cache is per-entity state a processor keeps between runs, e.g. the ETag of
// the last read. It survives a few failed runs so a transient failure can
// replay the last good result.
type Cache interface {
	Get(key string) (json.RawMessage, bool)
	Set(key string, value json.RawMessage)
}

// Processor takes part in processing entities. It implements one or more of
// PreProcessor, KindValidator, LocationReader and PostProcessor.
type Processor interface {
	Name() string
}

// PreProcessor may rewrite the raw entity before validation (placeholders
// such as $text are resolved here).
type PreProcessor interface {
	PreProcessEntity(ctx context.Context, data map[string]any, loc Location, emit Emitter, cache Cache) (map[string]any, error)
}

// KindValidator reports whether it recognises the entity's kind and
// apiVersion. ok=false means "not mine"; an error means "mine, but invalid".
type KindValidator interface {
	ValidateEntityKind(e *entity.Entity) (ok bool, err error)
}

// LocationReader reads a location target and emits the entities found
// there. handled=false passes the location on to the next reader.
type LocationReader interface {
	ReadLocation(ctx context.Context, loc Location, optional bool, emit Emitter, cache Cache) (handled bool, err error)
}

// PostProcessor runs after validation; relations are emitted here.
type PostProcessor interface {
	PostProcessEntity(ctx context.Context, e *entity.Entity, loc Location, emit Emitter, cache Cache) error
}

// EntityProvider feeds entities into the catalog. Connect is called once;
// the provider keeps the connection and applies mutations until ctx is done.
type EntityProvider interface {
	Name() string
	Connect(ctx context.Context, conn ProviderConnection) error
}

// ProviderConnection is a provider's handle on the catalog.
type ProviderConnection interface {
	ApplyMutation(ctx context.Context, m Mutation) error
	// Refresh schedules the entities registered for any of keys.
	Refresh(ctx context.Context, keys []string) error
}

// MutationType says whether a Mutation replaces or amends a provider's set.
type MutationType string

// Mutation types.
const (
	// Full replaces every entity the provider owns with Entities.
	Full MutationType = "full"
	// Delta adds Added and removes Removed.
	Delta MutationType = "delta"
)

// Mutation changes the set of entities a provider owns.
type Mutation struct {
	Type     MutationType
	Entities []DeferredEntity // Full
	Added    []DeferredEntity // Delta
	Removed  []RemovedEntity  // Delta
}

// DeferredEntity is an entity a provider owns, with the key that claims it;
// an entity ref is owned by one location key at a time.
type DeferredEntity struct {
	Entity      *entity.Entity
	LocationKey string
}

// RemovedEntity names an entity a provider no longer owns.
type RemovedEntity struct {
	Ref         entity.Ref
	LocationKey string
}
