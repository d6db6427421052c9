package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/callboard/callboard/internal/problem"
)

// defaultQueryLimit is by-query's page size when none is given; Backstage's
// code uses 200 (its spec text says 20).
const defaultQueryLimit = 200

// QueryOptions configures a Query.
type QueryOptions struct {
	Logger *slog.Logger
	// CacheEntries bounds the cached counts and facets (default 1024).
	// The cache is dropped whenever catalog_state.generation moves.
	CacheEntries int
}

// Query answers the catalog's read API (§a.1–a.6, a.8, a.9): filters,
// predicates, projection, cursor and offset paging, facets, lookups,
// ancestry and history. Entities are returned as the stored JSON of the
// final entity, re-encoded only when fields are projected.
type Query struct {
	store QueryStore
	log   *slog.Logger
	cache *resultCache
	views *viewCaches // of the views Restrict makes (query_authz.go)
}

// NewQuery returns a Query reading from store.
func NewQuery(store QueryStore, opts QueryOptions) *Query {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	n := opts.CacheEntries
	if n <= 0 {
		n = 1024
	}
	return &Query{store: store, log: log, cache: newResultCache(n), views: newViewCaches()}
}

// QueryEntities serves GET and POST /entities/by-query (§a.5). Without a
// cursor the request's filter, order, full-text filter, offset and
// totalItems mode apply; with one, only Limit and Fields are read from the
// request and the rest comes from the cursor.
//
// Order: by the lower-cased value of the sort field, then by the entity's
// internal integer id (Backstage breaks ties by uid; the id gives the same
// stability and lets the database walk its index). Without a sort field
// entities come in internal id order. Entities without the sort field are
// left out, from the items and from totalItems.
func (q *Query) QueryEntities(ctx context.Context, req QueryRequest) (*QueryResult, error) {
	limit := defaultQueryLimit
	if req.Limit != nil {
		if *req.Limit < 0 {
			return nil, problem.Input("Invalid limit, must be zero or greater")
		}
		limit = *req.Limit
	}
	cur, skipTotal, offset, err := requestCursor(req)
	if err != nil {
		return nil, err
	}
	if len(cur.OrderFields) > 1 {
		q.log.WarnContext(ctx, "only one sort field is supported, ignoring the rest", "fields", len(cur.OrderFields))
	}
	set := cursorSet(cur)
	sorted := len(cur.OrderFields) > 0
	if sorted && set.SortKey == "" {
		// No entity has an empty search key, so the set is empty.
		return &QueryResult{Items: []json.RawMessage{}}, nil
	}

	if ctx, err = q.withGeneration(ctx); err != nil {
		return nil, err
	}
	total, matches, err := q.totals(ctx, cur, set, skipTotal)
	if err != nil {
		return nil, err
	}
	page := EntityPage{EntitySet: set, Offset: offset, Matches: matches, SortKeyMatches: -1, SourceRows: -1}
	page.Desc = (sorted && cur.OrderFields[0].Order == "desc") != cur.IsPrevious
	if len(cur.OrderFieldValues) > 0 {
		k, err := cursorKeyset(cur.OrderFieldValues, sorted)
		if err != nil {
			return nil, problem.Input("Malformed cursor: %v", err)
		}
		page.After = &EntityPosition{Value: k.value, ID: k.id}
	}
	var firstValues []*string
	if cur.FirstSortFieldValues != nil {
		k, err := cursorKeyset(cur.FirstSortFieldValues, sorted)
		if err != nil {
			return nil, problem.Input("Malformed cursor: %v", err)
		}
		firstValues = keysetValues(k, sorted)
	}

	var rows []EntityRow
	// A set counted empty needs no page: reading a filter's smallest
	// equality to find that the others never meet it (APIs of type
	// library) took 20 ms at 100,000 entities.
	if limit > 0 && matches != 0 {
		if err := q.planPage(ctx, &page); err != nil {
			return nil, err
		}
		// One row more than asked tells whether a next page exists; a
		// previous page always has one after it.
		page.Limit = limit + 1
		if cur.IsPrevious {
			page.Limit = limit
		}
		if rows, err = q.store.EntityPage(ctx, page); err != nil {
			return nil, fmt.Errorf("query entities: %w", err)
		}
	}
	if cur.IsPrevious {
		slices.Reverse(rows) // fetched backwards
	}
	hasMore := len(rows) > 0 && (cur.IsPrevious || len(rows) > limit)
	if len(rows) > limit {
		rows = rows[:limit]
	}

	res := &QueryResult{Items: make([]json.RawMessage, 0, len(rows)), TotalItems: total}
	if err := pageCursors(res, cur, rows, firstValues, hasMore, total); err != nil {
		return nil, err
	}
	for _, r := range rows {
		item, err := Project(r.Entity, req.Fields)
		if err != nil {
			return nil, fmt.Errorf("entity %d: %w", r.ID, err)
		}
		res.Items = append(res.Items, item)
	}
	return res, nil
}

// requestCursor returns the cursor state a request starts from: decoded
// from its cursor, or made from its filter, order and full-text filter.
func requestCursor(req QueryRequest) (cur queryCursor, skipTotal bool, offset int, err error) {
	if req.Cursor != "" {
		c, err := decodeQueryCursor(req.Cursor)
		if err != nil {
			return queryCursor{}, false, 0, err
		}
		return *c, false, 0, nil
	}
	if req.Offset < 0 {
		return queryCursor{}, false, 0, problem.Input("Invalid offset, must be zero or greater")
	}
	cur.Query = req.Filter
	if req.Order != nil {
		cur.OrderFields = []cursorOrder{{Field: req.Order.Field, Order: orderName(req.Order.Desc)}}
	}
	if req.FullText != nil {
		if term := strings.TrimSpace(req.FullText.Term); term != "" {
			cur.FullTextFilter = &FullTextFilter{Term: term, Fields: req.FullText.Fields}
		}
	}
	return cur, req.SkipTotal, req.Offset, nil
}

// cursorSet is the entity set a cursor reads: its filter, its first sort
// key, and its full-text filter with the term and fields lower-cased and
// the default field (the sort key, else metadata.uid) filled in.
func cursorSet(cur queryCursor) EntitySet {
	set := EntitySet{Filter: cur.Query}
	if len(cur.OrderFields) > 0 {
		set.SortKey = strings.ToLower(cur.OrderFields[0].Field)
	}
	ft := cur.FullTextFilter
	if ft == nil {
		return set
	}
	term := strings.TrimSpace(ft.Term)
	if term == "" {
		return set
	}
	fields := ft.Fields
	if len(fields) == 0 {
		fields = []string{"metadata.uid"}
		if len(cur.OrderFields) > 0 {
			fields = []string{set.SortKey}
		}
	}
	lower := make([]string, len(fields))
	for i, f := range fields {
		lower[i] = strings.ToLower(f)
	}
	set.FullText = &FullTextFilter{Term: strings.ToLower(term), Fields: lower}
	return set
}

// totals returns the totalItems to report and the set's size for
// planning (-1 when unknown). A cursor carries the total of its first
// page. totalItems=exclude reports 0; a sorted, filtered set still needs
// a size to pick its plan, and gets its smallest equality's (cached)
// size, a bound that plans as well, or else is counted.
func (q *Query) totals(ctx context.Context, cur queryCursor, set EntitySet, skipTotal bool) (total, matches int, err error) {
	sorted := set.SortKey != ""
	switch {
	case cur.TotalItems != nil:
		total = *cur.TotalItems
		if total > 0 {
			return total, total, nil
		}
		if n, ok := q.cachedCount(ctx, set); ok {
			return total, n, nil // the first page had totalItems=exclude
		}
		return total, -1, nil
	case skipTotal:
		if n, ok := q.cachedCount(ctx, set); ok {
			return 0, n, nil
		}
		if !sorted || (set.Filter == nil && set.FullText == nil) {
			return 0, -1, nil
		}
		_, sizes, err := q.orderDrivers(ctx, set.Filter, true)
		if err != nil {
			return 0, 0, err
		}
		if len(sizes) > 0 {
			return 0, sizes[0], nil
		}
	}
	n, err := q.count(ctx, set)
	if err != nil {
		return 0, 0, err
	}
	if skipTotal {
		return 0, n, nil
	}
	return n, n, nil
}

// pageCursors sets the next and previous cursors of a page (§a.5): next
// when more rows follow, previous when this is not the first page and it
// does not start where the first page started.
func pageCursors(res *QueryResult, cur queryCursor, rows []EntityRow, firstValues []*string, hasMore bool, total int) error {
	sorted := len(cur.OrderFields) > 0
	position := func(r EntityRow) []*string {
		return keysetValues(keyset{value: r.SortValue, id: r.ID}, sorted)
	}
	initial := firstValues == nil
	if initial && len(rows) > 0 {
		firstValues = position(rows[0])
	}
	// cursorAt encodes the cursor of the page after row r or, previous,
	// of the page before it.
	cursorAt := func(r EntityRow, previous bool) (string, error) {
		c := cur
		c.OrderFieldValues = position(r)
		c.FirstSortFieldValues = firstValues
		c.IsPrevious = previous
		c.TotalItems = &total
		return encodeQueryCursor(c)
	}
	if hasMore {
		s, err := cursorAt(rows[len(rows)-1], false)
		if err != nil {
			return err
		}
		res.NextCursor = s
	}
	if !initial && len(rows) > 0 && !sameValues(position(rows[0]), firstValues) {
		s, err := cursorAt(rows[0], true)
		if err != nil {
			return err
		}
		res.PrevCursor = s
	}
	return nil
}

func orderName(desc bool) string {
	if desc {
		return "desc"
	}
	return "asc"
}

func sameValues(a, b []*string) bool {
	return slices.EqualFunc(a, b, func(x, y *string) bool {
		return (x == nil) == (y == nil) && (x == nil || *x == *y)
	})
}

// count returns the size of a set, from the cache when the catalog has not
// changed since it was counted.
func (q *Query) count(ctx context.Context, set EntitySet) (int, error) {
	key, err := setKey(set)
	if err != nil {
		return 0, err
	}
	gen, err := q.generation(ctx)
	if err != nil {
		return 0, err
	}
	if n, ok := q.cache.count(gen, key); ok {
		return n, nil
	}
	// Counted from the smallest equality: kind=component with one owner
	// read from the kind took 0.2 s at 100,000 entities.
	var sizes []int
	if set.Filter, sizes, err = q.orderDrivers(ctx, set.Filter, false); err != nil {
		return 0, err
	}
	set.IntersectDrivers = len(sizes) >= 2 && sizes[0] >= intersectMin && sizes[1] <= intersectRatio*sizes[0]
	n, err := q.store.CountEntities(ctx, set)
	if err != nil {
		return 0, fmt.Errorf("count entities: %w", err)
	}
	q.cache.putCount(gen, key, n)
	return n, nil
}

// cachedCount returns a set's size only when it is already cached.
func (q *Query) cachedCount(ctx context.Context, set EntitySet) (int, bool) {
	key, err := setKey(set)
	if err != nil {
		return 0, false
	}
	gen, err := q.generation(ctx)
	if err != nil {
		return 0, false
	}
	return q.cache.count(gen, key)
}

// setKey is the canonical text of a set, the key of its cached count.
func setKey(set EntitySet) (string, error) {
	filter, err := canonicalKey(set.Filter)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(filter)
	b.WriteString("\x00")
	b.WriteString(set.SortKey)
	if set.RowEstimate {
		b.WriteString("\x00rows")
	}
	if ft := set.FullText; ft != nil {
		b.WriteString("\x00")
		b.WriteString(ft.Term)
		for _, f := range ft.Fields {
			b.WriteString("\x00")
			b.WriteString(f)
		}
	}
	return b.String(), nil
}
