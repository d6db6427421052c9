package catalog

import (
	"encoding/json"
	"time"

	"github.com/callboard/callboard/entity"
)

// This file holds the types that cross the boundary between the catalog and
// its callers (the REST API, the UI, the CLI). Reads are served by *Query,
// writes and locations by *Engine.

// Predicate is a parsed entity filter: Backstage's filter query parameters
// (§a.2) and predicate bodies (§a.8) both become a Predicate.
type Predicate struct {
	// Op is one of OpAll, OpAny, OpNot or OpField.
	Op       PredicateOp
	Children []Predicate // OpAll, OpAny; OpNot has exactly one
	// Key is the lower-cased search key for OpField, e.g. "spec.type".
	Key   string
	Match FieldMatch
}

// PredicateOp is the kind of a Predicate node.
type PredicateOp string

// Predicate operators.
const (
	OpAll   PredicateOp = "all"
	OpAny   PredicateOp = "any"
	OpNot   PredicateOp = "not"
	OpField PredicateOp = "field"
)

// FieldMatch is the condition on one search key.
type FieldMatch struct {
	// Kind is MatchEq (value in Values), MatchExists (key present or, with
	// Exists false, absent) or MatchPrefix (value starts with Values[0]).
	Kind   MatchKind
	Values []string // lower-cased
	Exists bool
	// Selective marks an equality that matches few entities whatever
	// its number of values, so a store may read its rows first. The
	// permission filter of IS_ENTITY_OWNER sets it (query_authz.go);
	// parsed filters never do, and it is not part of a predicate's JSON.
	Selective bool
}

// MatchKind is the kind of a FieldMatch.
type MatchKind string

// Field match kinds.
const (
	MatchEq     MatchKind = "eq"
	MatchExists MatchKind = "exists"
	MatchPrefix MatchKind = "prefix"
)

// Order is one sort key.
type Order struct {
	Field string `json:"field"`
	Desc  bool   `json:"-"`
}

// FullTextFilter is a case-insensitive substring filter over fields.
type FullTextFilter struct {
	Term   string   `json:"term"`
	Fields []string `json:"fields,omitempty"`
}

// QueryRequest is GET or POST /entities/by-query.
type QueryRequest struct {
	Filter   *Predicate // nil matches everything
	Order    *Order     // at most one sort field
	FullText *FullTextFilter
	Fields   []string // projection; empty = whole entity
	Limit    *int     // nil = default (200)
	Offset   int      // first page only
	// SkipTotal is totalItems=exclude.
	SkipTotal bool
	// Cursor continues a previous query; the other query fields are then
	// ignored except Limit and Fields.
	Cursor string
}

// QueryResult is a page of entities.
type QueryResult struct {
	Items      []json.RawMessage // projected final entities
	TotalItems int
	NextCursor string
	PrevCursor string
}

// ListRequest is the legacy GET /entities.
type ListRequest struct {
	Filter *Predicate
	Fields []string
	Order  []Order
	// Paginated is true when any of limit, offset or after was given.
	Paginated bool
	Limit     *int
	Offset    *int
	After     string // opaque cursor from a previous Link header
}

// ListResult is the legacy list: all items, or one page and the cursor for
// the next one ("" at the end).
type ListResult struct {
	Items     []json.RawMessage
	NextAfter string
}

// ByRefsRequest is POST /entities/by-refs.
type ByRefsRequest struct {
	Refs   []string
	Fields []string
	Filter *Predicate
}

// FacetCount is one bucket of an entity facet.
type FacetCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// FacetsRequest is GET or POST /entity-facets.
type FacetsRequest struct {
	Facets []string // as requested; lookups are lower-cased
	Filter *Predicate
}

// Ancestry is the chain of entities that led to one.
type Ancestry struct {
	RootEntityRef string         `json:"rootEntityRef"`
	Items         []AncestryItem `json:"items"`
}

// AncestryItem is one entity in an ancestry and the refs of its parents.
type AncestryItem struct {
	Entity           json.RawMessage `json:"entity"`
	ParentEntityRefs []string        `json:"parentEntityRefs"`
}

// HistoryRequest pages an entity's change history, newest first.
type HistoryRequest struct {
	Limit  int
	Cursor string
}

// HistoryEntry is one recorded change to an entity's final form.
type HistoryEntry struct {
	ID           int64           `json:"id"`
	EntityRef    string          `json:"entityRef"`
	EntityUID    string          `json:"entityUid"`
	ChangedAt    time.Time       `json:"changedAt"`
	Source       string          `json:"source"`
	Change       string          `json:"change"` // created, updated, deleted
	PreviousEtag string          `json:"previousEtag,omitempty"`
	NewEtag      string          `json:"newEtag,omitempty"`
	Diff         json.RawMessage `json:"diff"`
}

// HistoryPage is one page of history.
type HistoryPage struct {
	Items      []HistoryEntry `json:"items"`
	NextCursor string         `json:"nextCursor,omitempty"`
}

// Location is a registered location.
type Location struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Target    string `json:"target"`
	EntityRef string `json:"entityRef"`
}

// LocationInput is the body of POST /locations and PUT /locations/{id}.
type LocationInput struct {
	Type     string `json:"type"`
	Target   string `json:"target"`
	Presence string `json:"presence,omitempty"`
}

// CreateLocationOptions are the query parameters of POST /locations.
type CreateLocationOptions struct {
	DryRun bool
	// OnConflict is "reject" or "refresh"; "" uses the configured default.
	OnConflict string
}

// CreateLocationResult is the body of POST /locations.
type CreateLocationResult struct {
	Location Location          `json:"location"`
	Entities []json.RawMessage `json:"entities"`
	Exists   *bool             `json:"exists,omitempty"`
}

// LocationQuery is POST /locations/by-query.
type LocationQuery struct {
	Filter *Predicate // matched against type and target
	Limit  int        // 0 = 1000
	Cursor string
}

// LocationPage is a page of locations.
type LocationPage struct {
	Items      []Location
	TotalItems int
	NextCursor string
}

// AnalyzeRequest is POST /analyze-location.
type AnalyzeRequest struct {
	Location        LocationInput
	CatalogFilename string
}

// AnalyzeResult is the body of POST /analyze-location.
type AnalyzeResult struct {
	ExistingEntityFiles []ExistingEntityFile `json:"existingEntityFiles"`
	GenerateEntities    []GeneratedEntity    `json:"generateEntities"`
}

// ExistingEntityFile is a catalog file found by analysis.
type ExistingEntityFile struct {
	Location     LocationInput  `json:"location"`
	IsRegistered bool           `json:"isRegistered"`
	Entity       *entity.Entity `json:"entity"`
}

// GeneratedEntity is an entity analysis suggests creating.
type GeneratedEntity struct {
	Entity map[string]any     `json:"entity"`
	Fields []AnalyzeFieldHint `json:"fields"`
}

// AnalyzeFieldHint tells the user about a field of a generated entity.
type AnalyzeFieldHint struct {
	Field       string  `json:"field"`
	State       string  `json:"state"`
	Value       *string `json:"value"`
	Description string  `json:"description"`
}
