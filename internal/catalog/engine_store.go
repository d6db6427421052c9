package catalog

import (
	"context"
	"time"
)

// EngineStore is the storage the Engine writes through. Every method is one
// short transaction (or a plain read); the engine does the CPU work —
// processing, stitching, hashing, diffing — outside of them so that a
// transaction holds the database only for the multi-row statements.
// *store.Catalog implements it.
type EngineStore interface {
	// ApplyMutation applies a provider's full or delta mutation.
	ApplyMutation(ctx context.Context, m StoreMutation) (*MutationOutcome, error)
	// ProviderKeys lists the providers that hold entities.
	ProviderKeys(ctx context.Context) ([]string, error)
	// ScheduleRefreshKeys makes every entity registered for one of keys due now.
	ScheduleRefreshKeys(ctx context.Context, keys []string, now time.Time) (int, error)
	// ClaimProcessing moves up to c.Limit due entities forward in time and
	// returns them, so that no other engine claims them meanwhile.
	ClaimProcessing(ctx context.Context, c ProcessingClaim) ([]ProcessingItem, error)
	// WriteProcessing writes the results of one processed batch.
	WriteProcessing(ctx context.Context, b *ProcessingBatch) (*ProcessingOutcome, error)
	// ClaimStitching claims up to c.Limit due stitch queue entries.
	ClaimStitching(ctx context.Context, c StitchClaim) ([]StitchTicket, error)
	// StitchSources reads what stitching the given refs needs.
	StitchSources(ctx context.Context, refs []string) ([]StitchSource, error)
	// WriteStitching writes stitched entities whose tickets are still
	// current and drops the claimed queue entries; it returns how many
	// final entities changed.
	WriteStitching(ctx context.Context, b *StitchBatch) (int, error)
	// DeleteOrphans deletes entities nothing references, transitively.
	DeleteOrphans(ctx context.Context, now time.Time) (int, error)
	// DeleteByUID deletes one entity and makes its parents re-emit.
	DeleteByUID(ctx context.Context, uid string, now time.Time) error
	// ScheduleRefresh makes the entity and its location ancestors due now;
	// found is false when the entity does not exist.
	ScheduleRefresh(ctx context.Context, ref string, now time.Time) (found bool, err error)
	// PendingWork reports whether anything is due for processing (when
	// processing is true) or queued for stitching.
	PendingWork(ctx context.Context, now time.Time, processing bool) (bool, error)
	// ProcessingDue reports whether an entity is due for processing.
	ProcessingDue(ctx context.Context, now time.Time) (bool, error)
	// BeginBulkLoad sets aside, when the catalog holds no entity yet, the
	// indexes only readers need, so that a first load does not update them
	// row by row; it reports whether any index is set aside (also when an
	// earlier load stopped before EndBulkLoad). EndBulkLoad builds them.
	BeginBulkLoad(ctx context.Context) (bool, error)
	// EndBulkProcessing builds, ahead of the rest, the indexes set aside
	// that stitching reads through.
	EndBulkProcessing(ctx context.Context) error
	EndBulkLoad(ctx context.Context) error

	// InsertLocation stores a registered location; false when one with the
	// same type and target exists.
	InsertLocation(ctx context.Context, l LocationRow) (bool, error)
	ListLocations(ctx context.Context) ([]LocationRow, error)
	// LocationByID and LocationByTarget return nil when nothing matches.
	LocationByID(ctx context.Context, id string) (*LocationRow, error)
	LocationByTarget(ctx context.Context, typ, target string) (*LocationRow, error)
	// UpdateLocation changes a location's type, target and presence; found
	// is false for an unknown id and ok false when another location
	// already has the new type and target.
	UpdateLocation(ctx context.Context, l LocationRow) (found, ok bool, err error)
	// DeleteLocation removes a location and returns it, or nil.
	DeleteLocation(ctx context.Context, id string) (*LocationRow, error)
	// EntityOriginLocation returns the managed-by-origin-location annotation
	// of a stitched entity; found is false when the entity does not exist.
	EntityOriginLocation(ctx context.Context, ref string) (origin string, found bool, err error)
}

// UnprocessedEntity is an entity as a provider or a parent emitted it,
// serialized, with the hash that detects unchanged input.
type UnprocessedEntity struct {
	Ref  string // canonical
	JSON string
	// Hash is the SHA-1 of JSON; "" stands for an unchanged entity whose
	// ownership is only confirmed.
	Hash        string
	LocationKey string // "" = none
}

// StoreMutation is a provider mutation ready for storage.
type StoreMutation struct {
	SourceKey string // the provider name
	// Full replaces the provider's whole set with Upserts; otherwise
	// Upserts are added and Removals (canonical refs) removed.
	Full     bool
	Upserts  []UnprocessedEntity
	Removals []string
	Now      time.Time
}

// Conflict is an entity that could not be written because another
// location key owns its ref.
type Conflict struct {
	Ref         string
	ExistingKey string
	NewKey      string
}

// MutationOutcome reports what a mutation changed.
type MutationOutcome struct {
	Inserted, Updated, Deleted int
	Conflicts                  []Conflict
}

// ProcessingClaim asks for due entities.
type ProcessingClaim struct {
	Now   time.Time
	Limit int
	// NextUpdateAt is when the claimed entities are next due.
	NextUpdateAt time.Time
	// LeaseUntil keeps an entity from being claimed again before its
	// result is written, even when a refresh makes it due meanwhile.
	LeaseUntil time.Time
}

// ProcessingItem is a claimed entity.
type ProcessingItem struct {
	ID          int64
	UID         string
	Ref         string
	Unprocessed []byte
	ResultHash  string
	Cache       []byte
	LocationKey string
	// Parents are the refs of the entities that emitted this one, sorted.
	Parents []string
}

// ProcessingBatch is the outcome of processing a claimed batch.
type ProcessingBatch struct {
	Now time.Time
	// StitchAt is when entities marked for stitching become due.
	StitchAt time.Time
	// OwnMarks, when set, is called inside the write's transaction: true
	// means no entity has been stitched since the first load began, so
	// every processed entity waits in the stitch queue, unclaimed, and the
	// store may queue only the batch's own entities rather than every
	// source of a relation the batch adds.
	OwnMarks func() bool
	Rows     []ProcessedRow
	// Unchanged are claimed entities whose result did not change; only
	// their leases are released.
	Unchanged []int64
}

// ProcessedRow is the result of processing one entity.
type ProcessedRow struct {
	ID  int64
	Ref string
	// Changed is false when only the processor cache changed.
	Changed    bool
	OK         bool
	ResultHash string
	// Processed is the processed entity's JSON when OK.
	Processed string
	// Errors is the JSON array of serialized errors, "" when none.
	Errors string
	// Cache is the processor state to store; nil keeps the stored one.
	Cache []byte
	// Children, Relations and RefreshKeys replace the entity's previous
	// output when OK.
	Children    []UnprocessedEntity
	Relations   []RelationRow
	RefreshKeys []string
}

// RelationRow is a relation emitted by processing; refs are canonical.
type RelationRow struct {
	Source, Type, Target string
}

// ProcessingOutcome reports what writing a batch changed.
type ProcessingOutcome struct {
	// Conflicts lists emitted children skipped for their location key.
	Conflicts []Conflict
	// Scheduled counts children inserted or changed (now due).
	Scheduled int
	// Marked counts entities queued for stitching.
	Marked int
}

// StitchClaim asks for due stitch queue entries.
type StitchClaim struct {
	Now   time.Time
	Limit int
	// LeaseUntil is when a claimed entry becomes due again if the claimer
	// never finishes.
	LeaseUntil time.Time
}

// StitchTicket is a claimed stitch queue entry; the write only counts if
// the ticket is still the entry's current one.
type StitchTicket struct {
	Ref    string
	Ticket string
}

// StitchSource is what stitching one entity reads.
type StitchSource struct {
	Ref string
	// ID is 0 when the entity does not exist any more.
	ID  int64
	UID string
	// Processed is nil when the entity was never processed successfully.
	Processed   []byte
	Errors      string
	LocationKey string
	// Referenced is false for orphans.
	Referenced bool
	// Relations are the distinct relations whose source is the entity,
	// sorted by type then target.
	Relations []RelationRow
	// PrevJSON and PrevHash describe the current final entity, if any.
	PrevJSON []byte
	PrevHash string
	PrevEtag string
}

// StitchBatch is the outcome of stitching claimed entries.
type StitchBatch struct {
	Now     time.Time
	Tickets []StitchTicket
	// Finals are the entities whose final form changed.
	Finals []FinalEntity
	// Search is the search rows of Finals, as SearchInserts gives them
	// but left unsorted during a bulk load. The engine builds it while the
	// previous batch is written, so the single writer does not sort; nil
	// leaves it to the store.
	Search []SearchInsert
}

// SearchInsert is a search row to insert, with its entity's id.
type SearchInsert struct {
	ID  int64
	Row SearchRow
}

// FinalEntity is a changed final entity with the search row changes and
// the history entry that go with it.
type FinalEntity struct {
	ID   int64
	UID  string
	Ref  string
	JSON string
	Hash string
	Etag string
	// SearchDelete and SearchInsert turn the stored search rows of the
	// previous final entity into those of this one.
	SearchDelete []SearchRow
	SearchInsert []SearchRow
	// SearchReplace deletes all stored search rows of the entity first;
	// SearchInsert then holds all of its rows.
	SearchReplace bool
	History       HistoryRow
}

// HistoryRow is one entity_history entry.
type HistoryRow struct {
	Source   string
	Change   string // created, updated, deleted
	PrevEtag string
	NewEtag  string
	// Diff is the JSON Patch from the previous final entity. A creation
	// leaves it empty: its diff adds the final entity whole, which the
	// store already holds, so the store writes it out only when the
	// entity next changes or is deleted.
	Diff string
}

// LocationRow is a stored registered location.
type LocationRow struct {
	ID        string
	Type      string
	Target    string
	Presence  string
	CreatedAt time.Time
}
