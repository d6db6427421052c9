package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/callboard/callboard/internal/catalog"
)

// filterFirstMax is the set size up to which a sorted page is served by
// sorting the filtered entities when the planning hints are missing.
const filterFirstMax = 2000

// clusterPenalty weighs walks whose full-text term is searched in the sort
// field itself (see walkSortKey).
const clusterPenalty = 20

// walkBudgetFactor bounds a walk of the sort key's index (see
// walkSortKey) to this many times its estimated rows.
const walkBudgetFactor = 4

// Costs of a hashed walk (see walkSortKey), in index probes: a step along
// the sort key's index with a hash lookup, and reading a source row into
// the hash. Both read index pages in order, where a probe descends the
// index. hashedMaxRows keeps the hash well inside PostgreSQL's hash_mem,
// without which it would not hash the set and would rescan it per row.
const (
	hashedStepCost  = 0.3
	hashedBuildCost = 0.5
	hashedMaxRows   = 20000
)

// CountEntities implements catalog.QueryStore.
func (r *CatalogReader) CountEntities(ctx context.Context, set catalog.EntitySet) (int, error) {
	query, args, err := r.countSQL(set)
	if err != nil {
		return 0, err
	}
	var n int
	if err := r.queryRow(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count entities: %w", err)
	}
	return n, nil
}

// EntityPage implements catalog.QueryStore. A walk of the sort key with a
// budget that ends short of a full page is followed by reading the
// source: the matches were fewer, or further along the key, than the
// estimate said. On SQLite a walk that tests equalities runs in a read
// transaction that may test them on member sets (reader_members.go).
func (r *CatalogReader) EntityPage(ctx context.Context, p catalog.EntityPage) ([]catalog.EntityRow, error) {
	if keys := r.memberKeys(p); len(keys) > 0 {
		return r.memberPage(ctx, p, keys)
	}
	return r.entityPage(ctx, r.query, p, nil)
}

// queryFunc runs a statement: CatalogReader.query, or the same through a
// transaction (txQuery).
type queryFunc func(ctx context.Context, query string, args ...any) (*sql.Rows, error)

func (r *CatalogReader) entityPage(ctx context.Context, run queryFunc, p catalog.EntityPage, members map[memberKey]int64) ([]catalog.EntityRow, error) {
	// On SQLite the page takes the JSON it can from the entity cache
	// (reader_cache.go); should the catalog change between its two
	// statements, it is read again with its JSON.
	if r.db.Dialect == SQLite && p.Limit <= entityCachePage {
		mode := byHash
		switch {
		case r.entities.empty():
			mode = keepJSON
		case r.entities.steady():
			mode = byGeneration
		}
		out, err := r.plannedPage(ctx, run, p, members, mode)
		if errors.Is(err, errStale) {
			out, err = r.plannedPage(ctx, run, p, members, byHash)
		}
		if !errors.Is(err, errPageChanged) {
			return out, err
		}
	}
	return r.plannedPage(ctx, run, p, members, withJSON)
}

// pageMode is what a page statement selects besides ids and sort values.
type pageMode int

const (
	withJSON     pageMode = iota // the entities' JSON
	byGeneration                 // the catalog generation, without reading final_entities
	byHash                       // the catalog generation and the entities' hashes
	keepJSON                     // the JSON, generation and hashes, all kept in the cache
)

// plannedPage reads a page with the planned statement and, when a budgeted
// walk comes back short, by reading the source. Read by generation or
// hash, the JSON is filled in afterwards (fillPage).
func (r *CatalogReader) plannedPage(ctx context.Context, run queryFunc, p catalog.EntityPage, members map[memberKey]int64, mode pageMode) ([]catalog.EntityRow, error) {
	query, args, budgeted, err := r.pageSQL(p, false, members, mode)
	if err != nil {
		return nil, err
	}
	out, at, err := readPage(ctx, run, p, query, args, mode)
	if err != nil {
		return nil, err
	}
	if budgeted && len(out) < p.Limit {
		if query, args, _, err = r.pageSQL(p, true, members, mode); err != nil {
			return nil, err
		}
		if out, at, err = readPage(ctx, run, p, query, args, mode); err != nil {
			return nil, err
		}
	}
	switch mode {
	case keepJSON:
		r.entities.keep(out, at)
	case byGeneration, byHash:
		if err := r.fillPage(ctx, run, out, at, mode); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// memberKeys returns the member sets a page could test its filter's
// equalities on: on SQLite, for a page that walks its sort key.
func (r *CatalogReader) memberKeys(p catalog.EntityPage) []memberKey {
	if r.db.Dialect != SQLite || p.SortKey == "" || p.Filter == nil {
		return nil
	}
	src, rest := r.planSource(p.EntitySet)
	if plan := walkSortKey(p, src, rest, false); !plan.walk {
		return nil
	}
	var keys []memberKey
	for _, c := range conjuncts(p.Filter) {
		if k, ok := memberKeyOf(c); ok {
			keys = append(keys, k)
		}
	}
	return keys
}

// coveredByMembers reports whether every condition of filter is tested
// on a member set of members.
func coveredByMembers(filter *catalog.Predicate, members map[memberKey]int64) bool {
	if members == nil {
		return false
	}
	for _, c := range conjuncts(filter) {
		k, ok := memberKeyOf(c)
		if _, held := members[k]; !ok || !held {
			return false
		}
	}
	return true
}

// memberPage reads a walked page in a read transaction, testing its
// equalities on member sets of the generation the transaction sees when
// they are built or due.
func (r *CatalogReader) memberPage(ctx context.Context, p catalog.EntityPage, keys []memberKey) ([]catalog.EntityRow, error) {
	tx, err := r.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("read entity page: %w", err)
	}
	// Statements the cache did not hold run unprepared in the transaction
	// and are prepared for the next page once the rollback (deferred
	// after this) has given its connection back.
	var unprepared []string
	defer func() { r.stmts.prepare(ctx, unprepared) }()
	defer tx.Rollback()
	run := r.txQuery(tx, &unprepared)
	var gen int64
	if err := scanOne(ctx, run, generationQuery, &gen); err != nil {
		return nil, fmt.Errorf("read catalog_state: %w", err)
	}
	members, release, err := r.members.use(ctx, tx, gen, keys)
	if err != nil {
		return nil, err
	}
	defer release()
	if members == nil {
		// Without sets the page needs no transaction, whose statements
		// would be prepared again on its connection.
		if err := tx.Rollback(); err != nil {
			return nil, fmt.Errorf("read entity page: %w", err)
		}
		return r.entityPage(ctx, r.query, p, nil)
	}
	return r.entityPage(ctx, run, p, members)
}

// txQuery runs statements in tx: those the prepared-statement cache holds
// through it, the others unprepared, adding their texts to unprepared.
// Preparing one would wait for a second connection of the pool, which a
// pool of one, or of four held by as many pages, never frees.
func (r *CatalogReader) txQuery(tx *sql.Tx, unprepared *[]string) queryFunc {
	return func(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
		var (
			rows *sql.Rows
			err  error
		)
		if stmt, release, ok := r.stmts.cached(query); ok {
			defer release()
			rows, err = tx.StmtContext(ctx, stmt).QueryContext(ctx, args...)
		} else {
			*unprepared = append(*unprepared, query)
			rows, err = tx.QueryContext(ctx, query, args...)
		}
		if err != nil {
			return nil, fmt.Errorf("query catalog: %w", err)
		}
		return rows, nil
	}
}

// scanOne reads the one row of a statement into dest.
func scanOne(ctx context.Context, run queryFunc, query string, dest ...any) error {
	rows, err := run(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}

// pageAt is what a page statement read besides its rows' ids and sort
// values: the catalog generation, and the entities' hashes by row.
type pageAt struct {
	gen    int64
	hashes []string
}

// readPage runs a page statement. Its last columns are, by mode, the
// entity's JSON, the catalog generation, or the generation and the
// entity's hash.
func readPage(ctx context.Context, run queryFunc, p catalog.EntityPage, query string, args []any, mode pageMode) (out []catalog.EntityRow, at pageAt, err error) {
	rows, err := run(ctx, query, args...)
	if err != nil {
		return nil, at, err
	}
	defer rows.Close()
	out = make([]catalog.EntityRow, 0, min(p.Limit, 1024))
	dest := make([]any, 0, 4)
	for rows.Next() {
		var (
			row  catalog.EntityRow
			e    entityText
			hash string
		)
		dest = append(dest[:0], &row.ID)
		if p.SortKey != "" {
			dest = append(dest, &row.SortValue)
		}
		switch mode {
		case withJSON:
			dest = append(dest, &e)
		case byGeneration:
			dest = append(dest, &at.gen)
		case byHash:
			dest = append(dest, &at.gen, &hash)
		case keepJSON:
			dest = append(dest, &e, &at.gen, &hash)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, at, fmt.Errorf("read entity page: %w", err)
		}
		row.Entity = json.RawMessage(e)
		out = append(out, row)
		if mode == byHash || mode == keepJSON {
			at.hashes = append(at.hashes, hash)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, at, fmt.Errorf("read entity page: %w", err)
	}
	return out, at, nil
}

// source is where a plan takes its candidate entities from: the trigram
// index for a full-text filter, or one equality condition of the filter on
// the search_key_value index. Written out (sourceSQL) it is the alias c
// and the expression of its entity id.
type source struct {
	fullText *catalog.FullTextFilter // trigram source
	eq       *catalog.Predicate      // equality source
}

// coversFullText reports whether the source already applies the set's
// full-text filter.
func (s *source) coversFullText() bool { return s.fullText != nil }

// searchRows reports whether the source's rows are rows of one key, each
// naming a different entity and carrying that key's value (c.value).
func (s *source) searchRows() bool {
	if s.eq != nil {
		return len(s.eq.Match.Values) == 1
	}
	return len(s.fullText.Fields) == 1 && scalarKeys[s.fullText.Fields[0]]
}

// sortsBy reports whether the source's rows are the sort rows themselves:
// a full-text filter on just the (scalar) sort key.
func (s *source) sortsBy(key string) bool {
	return s.fullText != nil && s.searchRows() && s.fullText.Fields[0] == key
}

// sql returns the FROM item and WHERE terms of the source. An equality
// with several values (a selective one) reads its rows reduced to
// distinct ids, as an entity may match more than one value.
func (s *source) sql(r *CatalogReader, a *sqlArgs) sourceSQL {
	if s.fullText != nil {
		return r.trigramSource(s.fullText, a, s.searchRows())
	}
	if len(s.eq.Match.Values) > 1 {
		var b strings.Builder
		b.WriteString("(SELECT DISTINCT s.id AS id FROM search s WHERE s.key = " + a.add(s.eq.Key) + " AND s.value")
		writeIn(&b, s.eq.Match.Values, a)
		b.WriteString(") c")
		return sourceSQL{from: b.String(), id: "c.id", idOrder: "c.id", after: idAfter("c.id")}
	}
	return sourceSQL{
		from:  "search c",
		where: []string{"c.key = " + a.add(s.eq.Key) + " AND c.value = " + a.add(s.eq.Match.Values[0])},
		id:    "c.id", value: "c.value", idOrder: "c.id", after: idAfter("c.id"),
	}
}

// isSingleEq reports whether p is an equality with one value.
func isSingleEq(p *catalog.Predicate) bool {
	return p.Op == catalog.OpField && p.Match.Kind == catalog.MatchEq && len(p.Match.Values) == 1
}

// planSource picks the driving source of a set, nil when there is none:
// the trigram index for an indexable full-text filter, else an equality
// marked selective (a permission filter), else the first single-value
// equality condition of the filter (the query orders them smallest
// first). On SQLite a selective equality comes before full text: it names
// few entities by contract, while a short term may match a large part of
// the catalog, each match then probed for its owners; PostgreSQL's GIN
// index and planner do better from the term. rest holds the filter
// conditions left to test.
func (r *CatalogReader) planSource(set catalog.EntitySet) (src *source, rest []*catalog.Predicate) {
	conds := conjuncts(set.Filter)
	selective := func() (*source, []*catalog.Predicate) {
		for i, c := range conds {
			if c.Op == catalog.OpField && c.Match.Kind == catalog.MatchEq && c.Match.Selective && len(c.Match.Values) > 0 {
				return &source{eq: c}, append(append([]*catalog.Predicate{}, conds[:i]...), conds[i+1:]...)
			}
		}
		return nil, nil
	}
	if r.db.Dialect == SQLite {
		if src, rest := selective(); src != nil {
			return src, rest
		}
	}
	if catalog.FullTextIndexed(set.FullText) {
		return &source{fullText: set.FullText}, conds
	}
	if src, rest := selective(); src != nil {
		return src, rest
	}
	for i, c := range conds {
		if isSingleEq(c) {
			rest = append(append(rest, conds[:i]...), conds[i+1:]...)
			return &source{eq: c}, rest
		}
	}
	return nil, conds
}

// fullTextSQL tests the full-text filter for the entity idExpr. On SQLite,
// when every field is one the trigram table mirrors, it reads that small
// table by rowid: a probe there is about three times cheaper than reading
// the value from search, which matters when a permission filter drives
// the query and each owned entity is tested.
func (r *CatalogReader) fullTextSQL(ft *catalog.FullTextFilter, idExpr string, a *sqlArgs) string {
	if slots, ok := r.trigramSlotsOf(ft.Fields); ok {
		probes := make([]string, 0, len(slots))
		for _, slot := range slots {
			probes = append(probes, "EXISTS (SELECT 1 FROM "+trigramContent+" t WHERE "+trigramValueLike(idExpr, slot, "t", ft.Term, a)+")")
		}
		return "(" + strings.Join(probes, " OR ") + ")"
	}
	var b strings.Builder
	b.WriteString("EXISTS (SELECT 1 FROM " + a.byEntity("t") + " WHERE t.id = ")
	b.WriteString(idExpr)
	b.WriteString(" AND t.key")
	writeIn(&b, ft.Fields, a)
	b.WriteString(" AND t.value ")
	b.WriteString(r.likeSQL(a.add("%" + ft.Term + "%")))
	b.WriteByte(')')
	return b.String()
}

// likeSQL is "LIKE pattern" without an escape character on either
// database (PostgreSQL's default escape is a backslash, SQLite has none).
func (r *CatalogReader) likeSQL(pattern string) string {
	if r.db.Dialect == Postgres {
		return "LIKE " + pattern + " ESCAPE ''"
	}
	return "LIKE " + pattern
}

// sortRowSQL restricts the search row d to the single row that places its
// entity: key K, a value, and the smallest value when an array gave the
// entity several. Keys that are always a single scalar skip that probe.
func sortRowSQL(key string, a *sqlArgs) string {
	if scalarKeys[key] {
		return "d.value IS NOT NULL"
	}
	return "d.value IS NOT NULL AND NOT EXISTS (SELECT 1 FROM " + a.byEntity("m") + " WHERE m.id = d.id AND m.key = d.key AND m.value < d.value)"
}

// scalarKeys are search keys that entity validation guarantees to be a
// single string (Backstage's envelope and metadata schema), so an entity
// has at most one search row for each.
var scalarKeys = map[string]bool{
	"apiversion": true, "kind": true,
	"metadata.name": true, "metadata.namespace": true, "metadata.uid": true, "metadata.etag": true,
	"metadata.title": true, "metadata.description": true,
}

// everyEntityHas lists the keys every final entity has a value for: the
// stitcher always writes them, and validation keeps them well under the
// 200 characters beyond which a value is stored as null.
var everyEntityHas = map[string]bool{"metadata.name": true, "metadata.namespace": true, "metadata.uid": true}

// sortPlan is how a sorted page is served.
type sortPlan struct {
	walk bool // walk the sort key's index, testing each entity
	// budget, when above zero, bounds the walk to its first rows; one that
	// ends short of a page is followed by reading the source.
	budget int
	// hashed tests the source's condition on each walked row by a lookup
	// in the source's ids, read once into a hash, instead of a probe.
	hashed bool
}

// walkSortKey decides how to serve a sorted page: walk the sort key's
// index testing each entity, or read the source's entities and sort them.
// A walk reads about (offset+limit)·sortKeyMatches/matches rows; reading
// the source reads sourceRows. Each side is weighed by the index probes it
// makes per row. Without the hints it falls back to a fixed threshold.
//
// The walk's estimate assumes the matches spread evenly over the sort key,
// and names do not: groups named team-* sort after nearly every other
// entity, so the first page of groups walked most of 100,000 names. With
// the hints, a walk therefore gets a budget of rows (budget > 0): four
// times its estimate, or as many rows as cost what reading the source
// costs, whichever is more. A walk that ends short of a page is followed
// by the read, so a wrong estimate costs at most about twice the read.
//
// When hashable (PostgreSQL, an equality source), a walk may test the
// source by hash: the 1,027 entities a user owns are read once, and the
// 2,000 names walked to fill a page each cost a lookup, where reading the
// owned entities probes each one's name and kind (7 ms against 1 ms).
func walkSortKey(p catalog.EntityPage, src *source, rest []*catalog.Predicate, hashable bool) sortPlan {
	if src == nil || p.Matches < 0 {
		return sortPlan{walk: true}
	}
	if p.Matches == 0 {
		return sortPlan{} // a walk would read the whole key to find nothing
	}
	if p.SourceRows < 0 || p.SortKeyMatches < 0 {
		return sortPlan{walk: p.Matches > filterFirstMax}
	}
	walkCost := 1 + float64(len(conjuncts(p.Filter))) // index step, conditions
	readCost := 2 + float64(len(rest))                // source row, sort row, conditions
	// A hashed walk tests the rest only on rows the hash lets through.
	passed := float64(p.SourceRows) / float64(max(p.SortKeyMatches, 1))
	hashedCost := hashedStepCost + float64(len(rest))*passed
	if !scalarKeys[p.SortKey] {
		walkCost++ // the smallest-value probe
		hashedCost++
		readCost++
	}
	clustered := false
	if ft := p.FullText; ft != nil {
		if len(ft.Fields) != 1 || ft.Fields[0] != p.SortKey {
			walkCost += float64(len(ft.Fields))
			hashedCost += float64(len(ft.Fields)) * passed
		}
		if !src.coversFullText() {
			readCost += float64(len(ft.Fields))
		}
		if slices.Contains(ft.Fields, p.SortKey) {
			// A term searched in the sort field is often a prefix of it
			// ("pay" in names sorted by name), so the matches cluster and
			// a walk reads far more than the even-spread estimate.
			walkCost *= clusterPenalty
			clustered = true
		}
	}
	read := float64(p.SourceRows) * readCost
	walked := float64(p.Offset+p.Limit) * float64(max(p.SortKeyMatches, p.Matches)) / float64(p.Matches)
	if hashable && !clustered && src.eq != nil && p.SourceRows <= hashedMaxRows {
		build := float64(p.SourceRows) * hashedBuildCost
		if cost := build + walked*hashedCost; cost < read && cost < walked*walkCost {
			budget := max(walkBudgetFactor*walked, (read-build)/hashedCost, float64(p.Offset+p.Limit))
			return sortPlan{walk: true, budget: int(budget), hashed: true}
		}
	}
	if walked*walkCost >= read {
		return sortPlan{}
	}
	return sortPlan{walk: true, budget: int(max(walkBudgetFactor*walked, read/walkCost, float64(p.Offset+p.Limit)))}
}

// hashedSQL tests that idExpr is one of the source's entities as a
// membership the planner hashes: an IN sublink below IS TRUE is not
// turned into a join, so PostgreSQL reads the source once into a hash
// (a "hashed SubPlan") instead of probing it per row.
func hashedSQL(src *source, idExpr string, a *sqlArgs) string {
	var b strings.Builder
	b.WriteString("(" + idExpr + " IN (SELECT h.id FROM search h WHERE h.key = " + a.add(src.eq.Key) + " AND h.value")
	writeIn(&b, src.eq.Match.Values, a)
	b.WriteString(")) IS TRUE")
	return b.String()
}

// pageSQL builds a page statement in two levels: the inner query picks the
// page's ids (and sort values) in order, and only those rows are joined
// with their JSON, so a sort never carries entity bodies.
//
// read forces reading the source instead of a budgeted walk; budgeted
// reports that the statement is such a walk. A walk tests the equalities
// that have a handle in members on their member sets. mode says what the
// page selects besides ids and sort values.
func (r *CatalogReader) pageSQL(p catalog.EntityPage, read bool, members map[memberKey]int64, mode pageMode) (query string, args []any, budgeted bool, err error) {
	a := r.args()
	src, rest := r.planSource(p.EntitySet)
	dir, cmp := "ASC", ">"
	if p.Desc {
		dir, cmp = "DESC", "<"
	}
	ft := p.FullText
	var (
		b     strings.Builder
		where []string
		order string
	)
	conds := func(ps []*catalog.Predicate, idExpr string) error {
		s, err := andSQL(ps, idExpr, &a)
		if s != "" {
			where = append(where, s)
		}
		return err
	}
	sorted := p.SortKey != ""
	// keyset returns the term that starts a sorted page after p.After.
	keyset := func(value, id string) []string {
		if p.After == nil {
			return nil
		}
		return []string{"(" + value + ", " + id + ") " + cmp + " (" + a.add(p.After.Value) + ", " + a.add(p.After.ID) + ")"}
	}
	body := "fe.final_entity"
	switch mode {
	case byGeneration:
		body = generationSQL
	case byHash:
		body = generationSQL + ", fe.hash"
	case keepJSON:
		body = "fe.final_entity, " + generationSQL + ", fe.hash"
	}
	if sorted {
		b.WriteString("SELECT p.id, p.value, " + body + " FROM (")
	} else {
		b.WriteString("SELECT p.id, " + body + " FROM (")
	}
	var plan sortPlan
	if sorted {
		plan = walkSortKey(p, src, rest, r.db.Dialect == Postgres)
		if read && plan.budget > 0 {
			plan = sortPlan{}
		}
		if plan.walk && !plan.hashed && ft == nil && coveredByMembers(p.Filter, members) {
			// A row costs a bit test, not seeks: even the whole key is
			// walked faster than the source is read, and the budget's
			// subquery alone took 40% of the UI table query's walk.
			plan.budget = 0
		}
	}
	switch {
	case plan.walk:
		// Walk the sort key in index order, testing each entity; with a
		// budget, only its first rows.
		keyRows := append([]string{"d.key = " + a.add(p.SortKey), sortRowSQL(p.SortKey, &a)}, keyset("d.value", "d.id")...)
		b.WriteString("SELECT d.id AS id, d.value AS value FROM ")
		if plan.budget > 0 {
			fmt.Fprintf(&b, "(SELECT d.id AS id, d.value AS value FROM search d WHERE %s ORDER BY d.value %s, d.id %s LIMIT %d) d WHERE ",
				strings.Join(keyRows, " AND "), dir, dir, plan.budget)
			budgeted = true
		} else {
			b.WriteString("search d WHERE ")
			where = append(where, keyRows...)
		}
		tests := conjuncts(p.Filter)
		if plan.hashed {
			where = append(where, hashedSQL(src, "d.id", &a))
			tests = rest
		}
		if members != nil {
			var seek []*catalog.Predicate
			for _, c := range tests {
				k, ok := memberKeyOf(c)
				if h, held := members[k]; ok && held {
					where = append(where, memberFunc+"("+a.add(h)+", d.id)")
					continue
				}
				seek = append(seek, c)
			}
			tests = seek
		}
		if err := conds(tests, "d.id"); err != nil {
			return "", nil, false, err
		}
		if ft != nil {
			if len(ft.Fields) == 1 && ft.Fields[0] == p.SortKey {
				where = append(where, "d.value "+r.likeSQL(a.add("%"+ft.Term+"%")))
			} else {
				where = append(where, r.fullTextSQL(ft, "d.id", &a))
			}
		}
		order = "d.value " + dir + ", d.id " + dir
	case sorted && src.sortsBy(p.SortKey):
		// The source's rows are the sort rows: sort them as they come.
		ss := src.sql(r, &a)
		b.WriteString("SELECT " + ss.id + " AS id, " + ss.value + " AS value FROM " + ss.from + " WHERE ")
		where = append(where, ss.where...)
		if err := conds(rest, ss.id); err != nil {
			return "", nil, false, err
		}
		where = append(where, keyset(ss.value, ss.id)...)
		order = ss.value + " " + dir + ", " + ss.id + " " + dir
	case sorted:
		// Few entities match: read them, then sort them by their sort
		// row (on SQLite, for a name or title, the trigram table's copy).
		ss := src.sql(r, &a)
		slot, small := r.trigramSortSlot(p.SortKey)
		sortTable, sortValue := a.byEntity("d"), "d.value"
		if small {
			sortTable, sortValue = trigramContent+" d", "d."+trigramContentValue
		}
		b.WriteString("SELECT " + ss.id + " AS id, " + sortValue + " AS value FROM " + ss.from + " CROSS JOIN " + sortTable + " WHERE ")
		where = append(where, ss.where...)
		if err := conds(rest, ss.id); err != nil {
			return "", nil, false, err
		}
		testFullText := ft != nil && !src.coversFullText()
		// On SQLite a term searched in the sort field alone is tested on
		// the sort row itself.
		termInSortRow := small && testFullText && len(ft.Fields) == 1 && ft.Fields[0] == p.SortKey
		if testFullText && !termInSortRow {
			where = append(where, r.fullTextSQL(ft, ss.id, &a))
		}
		switch {
		case termInSortRow:
			where = append(where, trigramValueLike(ss.id, slot, "d", ft.Term, &a))
		case small:
			where = append(where, trigramRow(ss.id, slot, "d"))
		default:
			where = append(where, "d.id = "+ss.id, "d.key = "+a.add(p.SortKey), sortRowSQL(p.SortKey, &a))
		}
		where = append(where, keyset(sortValue, ss.id)...)
		order = sortValue + " " + dir + ", " + ss.id + " " + dir
	case src != nil:
		ss := src.sql(r, &a)
		b.WriteString("SELECT " + ss.id + " AS id FROM " + ss.from + " WHERE ")
		where = append(where, ss.where...)
		if p.After != nil {
			where = append(where, ss.after(&a, cmp, p.After.ID))
		}
		if err := conds(rest, ss.id); err != nil {
			return "", nil, false, err
		}
		if ft != nil && !src.coversFullText() {
			where = append(where, r.fullTextSQL(ft, ss.id, &a))
		}
		order = ss.idOrder + " " + dir
	default:
		b.WriteString("SELECT fe.id AS id FROM final_entities fe WHERE ")
		if p.After != nil {
			where = append(where, "fe.id "+cmp+" "+a.add(p.After.ID))
		}
		if err := conds(rest, "fe.id"); err != nil {
			return "", nil, false, err
		}
		if ft != nil {
			where = append(where, r.fullTextSQL(ft, "fe.id", &a))
		}
		order = "fe.id " + dir
	}
	if len(where) == 0 {
		where = append(where, "1=1")
	}
	b.WriteString(strings.Join(where, " AND "))
	// Literal numbers: a bound LIMIT inside the subquery makes SQLite
	// re-prepare the statement on every run.
	fmt.Fprintf(&b, " ORDER BY %s LIMIT %d", order, max(p.Limit, 0))
	if p.Offset > 0 {
		fmt.Fprintf(&b, " OFFSET %d", p.Offset)
	}
	b.WriteString(") p")
	if mode != byGeneration {
		b.WriteString(" CROSS JOIN final_entities fe WHERE fe.id = p.id")
	}
	b.WriteString(" ORDER BY ")
	if sorted {
		b.WriteString("p.value " + dir + ", ")
	}
	b.WriteString("p.id " + dir)
	return b.String(), a.args, budgeted, nil
}

func (r *CatalogReader) countSQL(set catalog.EntitySet) (string, []any, error) {
	a := r.args()
	var where []string
	src, rest := r.planSource(set)
	var idExpr string
	var b strings.Builder
	sortKeyDone := false
	switch {
	case src != nil && set.IntersectDrivers && r.db.Dialect == SQLite && src.eq != nil && isSingleEq(src.eq) &&
		len(rest) > 0 && src.eq == conjuncts(set.Filter)[0] && isSingleEq(rest[0]):
		// Two large equalities: intersect their index ranges (a temporary
		// index of the first, probed by a scan of the second) rather than
		// seek the second in the big index for each entity of the first.
		second := rest[0]
		rest = rest[1:]
		b.WriteString("SELECT count(*) FROM (SELECT s.id AS id FROM search s WHERE s.key = " + a.add(src.eq.Key) +
			" AND s.value = " + a.add(src.eq.Match.Values[0]) + " INTERSECT SELECT t.id FROM search t WHERE t.key = " +
			a.add(second.Key) + " AND t.value = " + a.add(second.Match.Values[0]))
		if set.SortKey != "" && !everyEntityHas[set.SortKey] {
			// The sort key's range too: reading its rows in order costs
			// less than probing each entity of the intersection for one
			// (13,600 libraries among 45,000 components by lifecycle: 13
			// ms and 61 ms).
			b.WriteString(" INTERSECT SELECT k.id FROM search k WHERE k.key = " + a.add(set.SortKey) + " AND k.value IS NOT NULL")
			sortKeyDone = true
		}
		b.WriteString(") c")
		idExpr = "c.id"
	case src != nil:
		ss := src.sql(r, &a)
		b.WriteString("SELECT count(*) FROM " + ss.from)
		where = append(where, ss.where...)
		idExpr = ss.id
	case set.SortKey != "":
		// Entities with several values for the key have several rows.
		if scalarKeys[set.SortKey] || (set.RowEstimate && set.Filter == nil && set.FullText == nil) {
			b.WriteString("SELECT count(*) FROM search d")
		} else {
			b.WriteString("SELECT count(DISTINCT d.id) FROM search d")
		}
		where = append(where, "d.key = "+a.add(set.SortKey), "d.value IS NOT NULL")
		idExpr = "d.id"
	default:
		b.WriteString("SELECT count(*) FROM final_entities fe")
		idExpr = "fe.id"
	}
	conds, err := andSQL(rest, idExpr, &a)
	if err != nil {
		return "", nil, err
	}
	if conds != "" {
		where = append(where, conds)
	}
	if ft := set.FullText; ft != nil && (src == nil || !src.coversFullText()) {
		where = append(where, r.fullTextSQL(ft, idExpr, &a))
	}
	if src != nil && set.SortKey != "" && !sortKeyDone && !src.sortsBy(set.SortKey) && !everyEntityHas[set.SortKey] {
		if slot, small := r.trigramSortSlot(set.SortKey); small {
			where = append(where, "EXISTS (SELECT 1 FROM "+trigramContent+" k WHERE "+trigramRow(idExpr, slot, "k")+")")
		} else {
			where = append(where, "EXISTS (SELECT 1 FROM "+a.byEntity("k")+" WHERE k.id = "+idExpr+" AND k.key = "+a.add(set.SortKey)+" AND k.value IS NOT NULL)")
		}
	}
	if len(where) > 0 {
		b.WriteString(" WHERE " + strings.Join(where, " AND "))
	}
	return b.String(), a.args, nil
}
