package catalog

import (
	"encoding/json"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/plugin"
)

// ProcessRequest is one unprocessed entity handed to the orchestrator.
type ProcessRequest struct {
	// Entity is the unprocessed entity exactly as stored (emitted by a
	// parent or given by a provider), with its managed-by-location and
	// managed-by-origin-location annotations.
	Entity map[string]any
	// State is the processor cache from the previous run ("" when none).
	State json.RawMessage
	// EncodeChildren has emitted children encoded as they are emitted
	// (ProcessResult.Children) rather than kept as maps until the end: a
	// Location can emit a whole catalog, and its decoded documents would
	// all be in memory at once. A child that is not of an allowed kind or
	// cannot be encoded stays in Deferred, where it fails the result as
	// before.
	EncodeChildren bool
	// NoReplay has location readers read and parse every file, even one
	// they could replay (see Replayer).
	NoReplay bool
}

// ProcessResult is what processing one entity produced. When OK is false
// the engine keeps the previous processed entity and records Errors.
type ProcessResult struct {
	OK bool
	// Entity is the completed entity when OK.
	Entity *entity.Entity
	// Deferred are emitted child entities, already annotated with their
	// managed-by-location and managed-by-origin-location.
	Deferred []DeferredEntity
	// Children are the emitted child entities already encoded, in the
	// order emitted, when the request set EncodeChildren.
	Children []UnprocessedEntity
	// Relations are emitted edges, forward and reverse.
	Relations []plugin.RelationEdge
	// Errors are the processing errors in Backstage's serialized form.
	Errors []entity.SerializedError
	// RefreshKeys are the keys that should re-trigger processing.
	RefreshKeys []string
	// State is the processor cache to persist.
	State json.RawMessage
	// Reusable is set when the result depends on nothing but the request:
	// every processor is deterministic, none reported external input and
	// no location was read. Only the orchestrator's Fingerprint may change
	// it otherwise.
	Reusable bool
	// Replayed is set when some Children were replayed from an unchanged
	// file and carry no JSON: the result can be compared by its hash, but
	// must be made again with NoReplay before it is stored.
	Replayed bool
}

// DeferredEntity is an entity emitted while processing another.
type DeferredEntity struct {
	Entity      map[string]any
	LocationKey string
}
