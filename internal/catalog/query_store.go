package catalog

import (
	"context"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// QueryStore is the storage the query side reads: the stitched
// final_entities, their search rows, refresh_state_references,
// entity_history and catalog_state. *store.CatalogReader implements it.
type QueryStore interface {
	// Generation returns catalog_state.generation, which grows whenever
	// final entities change.
	Generation(ctx context.Context) (int64, error)
	// CountEntities counts the entities of a set.
	CountEntities(ctx context.Context, set EntitySet) (int, error)
	// EntityPage reads one keyset page of a set.
	EntityPage(ctx context.Context, page EntityPage) ([]EntityRow, error)
	// ListPage reads one offset page for the legacy list.
	ListPage(ctx context.Context, page ListPage) ([]json.RawMessage, error)
	// EntityByRef returns the final entity with a canonical ref, nil when
	// there is none.
	EntityByRef(ctx context.Context, ref string) (json.RawMessage, error)
	// EntityByUID returns the final entity whose metadata.uid is uid
	// (lower-cased), nil when there is none.
	EntityByUID(ctx context.Context, uid string) (json.RawMessage, error)
	// EntitiesByRefs returns the final entities among refs (canonical,
	// matched verbatim) that match filter, keyed by ref.
	EntitiesByRefs(ctx context.Context, refs []string, filter *Predicate) (map[string]json.RawMessage, error)
	// Facets counts the values of each search key (lower-cased) over the
	// entities matching filter, keyed by search key, ordered by value.
	Facets(ctx context.Context, keys []string, filter *Predicate) (map[string][]FacetCount, error)
	// EntityParents returns the entities that emitted the entity with
	// ref, per refresh_state_references.
	EntityParents(ctx context.Context, ref string) ([]EntityParent, error)
	// EntityHistory returns up to limit history rows of ref, newest
	// first, with ids below beforeID (0 = from the newest).
	EntityHistory(ctx context.Context, ref string, beforeID int64, limit int) ([]HistoryEntry, error)
}

// EntitySet is the set of entities a by-query request reads.
type EntitySet struct {
	Filter *Predicate // nil matches every entity
	// SortKey, when set, is a lower-cased search key; entities without a
	// non-null value for it are not in the set (§a.4).
	SortKey string
	// FullText, when set, keeps the entities for which a search row with
	// one of Fields (lower-cased keys) has a value containing Term
	// (trimmed, lower-cased, not empty) in the sense of SQL LIKE
	// '%term%' (§a.5: "%" and "_" are not escaped).
	FullText *FullTextFilter
	// IntersectDrivers is a planning hint for counts: the filter's first two
	// conditions are single-value equalities of similar, large sizes, so
	// the store may intersect their index ranges instead of testing the
	// second for each entity of the first. It never changes the result.
	IntersectDrivers bool
	// RowEstimate asks a count of a sort key alone for its rows rather
	// than its entities, which may be more when values are arrays: a
	// planning hint that spares the distinct count (50 ms for the 60,000
	// lifecycles of 100,000 entities).
	RowEstimate bool
}

// EntityPage asks for one page of an EntitySet in keyset order. Entities
// are ordered by (sort value, internal id) with a SortKey and by internal
// id without one. An entity with several values for the sort key (an
// array) is placed by its smallest value, so it appears once.
type EntityPage struct {
	EntitySet
	Desc   bool            // direction of travel
	After  *EntityPosition // start after this position, exclusive
	Offset int
	Limit  int
	// Planning hints, -1 when unknown; the store uses them to choose
	// between walking the sort key in order and sorting the filtered
	// entities. Matches is the size of the set, SortKeyMatches the number
	// of entities with a value for SortKey, SourceRows the number of
	// entities the store's driving source yields: the indexed full-text
	// filter when FullTextIndexed, else the first single-value equality
	// condition of the filter's top-level conjunction.
	Matches        int
	SortKeyMatches int
	SourceRows     int
}

// FullTextIndexedKeys are the search keys that have a trigram index for
// full-text filters (store migration 0002 must index the same keys).
var FullTextIndexedKeys = map[string]bool{
	"metadata.name":            true,
	"metadata.title":           true,
	"spec.profile.displayname": true,
}

// FullTextIndexed reports whether the trigram index can answer a
// full-text filter: every field indexed and a term of at least three
// characters without LIKE wildcards.
func FullTextIndexed(ft *FullTextFilter) bool {
	if ft == nil || utf8.RuneCountInString(ft.Term) < 3 || strings.ContainsAny(ft.Term, "%_") || len(ft.Fields) == 0 {
		return false
	}
	for _, f := range ft.Fields {
		if !FullTextIndexedKeys[f] {
			return false
		}
	}
	return true
}

// EntityPosition is a place in the by-query order.
type EntityPosition struct {
	Value string // sort value; unused without a sort key
	ID    int64  // final_entities.id
}

// EntityRow is one entity of a page.
type EntityRow struct {
	ID        int64
	SortValue string
	Entity    json.RawMessage
}

// ListPage asks for one page of the legacy list (§a.4, §a.5): ordered by
// each Order key (lower-cased search keys; missing values last) and then
// the internal id, or by entity ref when Order is empty.
type ListPage struct {
	Filter *Predicate
	Order  []Order
	Offset int
	Limit  int // negative: no limit
}

// EntityParent is an entity that emitted another one.
type EntityParent struct {
	Ref    string
	Entity json.RawMessage
}
