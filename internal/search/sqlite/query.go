package sqlite

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/callboard/callboard/internal/search"
	"github.com/callboard/callboard/internal/search/sqlsearch"
)

// rankCap is the largest tier ranked by bm25. bm25 costs a few
// microseconds per matching row, so a tier with more matches than this
// (a word most documents share) is returned in index order instead:
// its members are alike for the query anyway, and the query stays
// within milliseconds.
const rankCap = 1000

// maxExact bounds the documents whose name or title equals the query.
const maxExact = 100

// browseSortCap is the largest set a query without words returns in
// title order; larger sets come in index order, which costs nothing.
const browseSortCap = 2000

// bm25 is the ranking function with the column weights title > name >
// description > tags > body; meta does not count.
const bm25 = `bm25(search_fts, 10.0, 5.0, 3.0, 2.0, 1.0, 0.0)`

// query is one search being run: the match expressions, the live
// generations and the documents that match the query exactly.
type query struct {
	e        *Engine
	q        *search.EngineQuery
	gens     []int64
	pos      string // positive expression; "" for none
	excl     string // excluded expression; "" for none
	meta     string // filters and permission condition; "" for none
	restrict search.MetaExpr
	exactKey string
	// exactIDs are the documents whose name or title is exactKey.
	exactIDs []int64
	// counts remembers tier counts: n found when counting up to cap.
	counts map[int][2]int
}

// inGenerations restricts col (a document id) to the live generations;
// the bounds are numbers, written into the statement.
func (s *query) inGenerations(col string) string {
	parts := make([]string, len(s.gens))
	for i, g := range s.gens {
		lo, hi := idRange(g)
		parts[i] = col + " BETWEEN " + strconv.FormatInt(lo, 10) + " AND " + strconv.FormatInt(hi, 10)
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// from is the FROM and WHERE of a statement over the matches of an FTS5
// expression in the live generations, with extra conditions on
// search_fts.rowid.
func (s *query) from(a *sqlsearch.Args, match, extra string) string {
	return ` FROM search_fts WHERE search_fts MATCH ` + a.Add(match) + ` AND ` + s.inGenerations("search_fts.rowid") + extra
}

// newQuery prepares q over the live generations gens.
func (e *Engine) newQuery(q *search.EngineQuery, parsed search.Query, gens []int64) *query {
	s := &query{
		e: e, q: q, gens: gens,
		pos: positiveExpr(parsed), excl: excludedExpr(parsed),
		exactKey: parsed.Exact, counts: map[int][2]int{},
		restrict: search.Restriction(q.Filters, q.Access),
	}
	s.meta = metaExpr(s.restrict)
	return s
}

// Search runs q. Results come in tiers: documents whose name or title
// equals the whole query first, then those matching in titles, names,
// descriptions, tags, anywhere; each tier by bm25 unless it is larger
// than rankCap. Filters and the permission condition are part of every
// match expression (meta tokens). Total counts up to search.MaxCount.
func (e *Engine) Search(ctx context.Context, q *search.EngineQuery) (*search.EngineResult, error) {
	gens, err := e.liveGenerations(ctx, q.Types)
	if err != nil || len(gens) == 0 {
		return &search.EngineResult{}, err
	}
	parsed := q.Query
	if q.Fuzzy {
		fix, err := e.corrections(ctx, parsed.FuzzyWords())
		if err != nil {
			return nil, err
		}
		if len(fix) == 0 {
			return &search.EngineResult{}, nil
		}
		parsed = parsed.WithCorrections(fix)
	}
	s := e.newQuery(q, parsed, gens)
	if s.pos == "" {
		return s.browse(ctx)
	}
	if s.exactKey != "" {
		stmt := `SELECT id FROM search_documents WHERE (name_key = $1 OR title_key = $1) AND ` + s.inGenerations("id") +
			` ORDER BY name_key = $1 DESC, title_key, id LIMIT ` + strconv.Itoa(maxExact)
		if s.exactIDs, err = e.ids(ctx, stmt, []any{s.exactKey}); err != nil {
			return nil, err
		}
	}
	ids, total, err := s.run(ctx, parsed)
	if err != nil {
		return nil, err
	}
	hits, err := e.hydrate(ctx, ids, &parsed)
	if err != nil {
		return nil, err
	}
	return &search.EngineResult{Hits: hits, Total: total}, nil
}

// fieldColumns are the columns of the first four tiers.
const fieldColumns = "{title name description tags}"

// run finds the page of ids and the total. When the query matches at
// most rankCap documents, all of them are read at once with their bm25
// and fields and ranked here (exact matches, then MatchTier, then bm25);
// when it matches more but at most rankCap in the fields before the
// body, those are ranked that way and the body's matches follow; only
// when the fields alone match more is each tier asked for separately.
func (s *query) run(ctx context.Context, parsed search.Query) ([]int64, int, error) {
	all := restricted(withoutExcluded(within(textColumns, s.pos), s.excl), s.meta)
	n, err := s.countExpr(ctx, all, "", rankCap+1)
	if err != nil {
		return nil, 0, err
	}
	if n <= rankCap {
		ranked, err := s.rankSmall(ctx, parsed, all)
		return pageOf(ranked, s.q.Offset, s.q.Limit), n, err
	}
	total, err := s.countExpr(ctx, all, "", search.MaxCount)
	if err != nil {
		return nil, 0, err
	}
	fields := restricted(withoutExcluded(within(fieldColumns, s.pos), s.excl), s.meta)
	nf, err := s.countExpr(ctx, fields, "", rankCap+1)
	if err != nil {
		return nil, 0, err
	}
	if nf > rankCap {
		var ids []int64
		err := sqlsearch.Paging(len(tierColumns)+1, s.q.Offset, s.q.Limit,
			func(t, upTo int) (int, error) { return s.count(ctx, t, upTo) },
			func(t, offset, limit int) (int, error) {
				got, err := s.fetch(ctx, t, offset, limit)
				ids = append(ids, got...)
				return len(got), err
			})
		return ids, total, err
	}
	head, err := s.rankSmall(ctx, parsed, fields)
	if err != nil {
		return nil, 0, err
	}
	ids := pageOf(head, s.q.Offset, s.q.Limit)
	if len(ids) < s.q.Limit {
		body := restricted(withoutExcluded("("+within(textColumns, s.pos)+") NOT "+within(fieldColumns, s.pos), s.excl), s.meta)
		more, err := s.fetchExpr(ctx, body, "", max(0, s.q.Offset-len(head)), s.q.Limit-len(ids))
		if err != nil {
			return nil, 0, err
		}
		ids = append(ids, more...)
	}
	return ids, total, nil
}

// pageOf slices a page out of ids.
func pageOf(ids []int64, offset, limit int) []int64 {
	if offset >= len(ids) {
		return nil
	}
	return ids[offset:min(len(ids), offset+limit)]
}

// countExpr counts the matches of an expression (with an extra rowid
// condition), up to upTo.
func (s *query) countExpr(ctx context.Context, match, extra string, upTo int) (int, error) {
	var a sqlsearch.Args
	stmt := `SELECT count(*) FROM (SELECT 1` + s.from(&a, match, extra) + ` LIMIT ` + strconv.Itoa(upTo) + `)`
	var n int
	if err := s.e.db.QueryRowContext(ctx, stmt, a.Values...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count search results: %w", err)
	}
	return n, nil
}

// fetchExpr reads a page of an expression's matches: by bm25 when they
// are at most rankCap, in index order otherwise.
func (s *query) fetchExpr(ctx context.Context, match, extra string, offset, limit int) ([]int64, error) {
	n, err := s.countExpr(ctx, match, extra, rankCap+1)
	if err != nil || n == 0 || offset >= n {
		return nil, err
	}
	order := "search_fts.rowid"
	if n <= rankCap {
		order = bm25 + ", search_fts.rowid"
	}
	var a sqlsearch.Args
	stmt := `SELECT search_fts.rowid` + s.from(&a, match, extra) + ` ORDER BY ` + order +
		` LIMIT ` + strconv.Itoa(limit) + ` OFFSET ` + strconv.Itoa(offset)
	return s.e.ids(ctx, stmt, a.Values)
}

// rankSmall reads every match of an expression (at most rankCap) with its
// bm25 and fields, and returns their ids in rank order: exact name or
// title matches first, then by tier (search.MatchTier), then bm25.
func (s *query) rankSmall(ctx context.Context, parsed search.Query, match string) ([]int64, error) {
	var a sqlsearch.Args
	stmt := `SELECT search_fts.rowid, ` + bm25 + `, title, name, description, tags` + s.from(&a, match, "")
	rows, err := s.e.db.QueryContext(ctx, stmt, a.Values...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	exact := make(map[int64]int, len(s.exactIDs))
	for i, id := range s.exactIDs {
		exact[id] = i
	}
	type ranked struct {
		id   int64
		tier int
		rank float64
	}
	var rs []ranked
	for rows.Next() {
		var r ranked
		var title, name, desc, tags string
		if err := rows.Scan(&r.id, &r.rank, &title, &name, &desc, &tags); err != nil {
			return nil, err
		}
		if i, ok := exact[r.id]; ok {
			// Exact matches keep their order (names before titles).
			r.tier, r.rank = -1, float64(i)
		} else {
			r.tier = search.MatchTier(parsed, title, name, desc, tags)
		}
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].tier != rs[j].tier {
			return rs[i].tier < rs[j].tier
		}
		if rs[i].rank != rs[j].rank {
			return rs[i].rank < rs[j].rank
		}
		return rs[i].id < rs[j].id
	})
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.id
	}
	return ids, nil
}

// idList writes ids as a literal list.
func idList(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ", ")
}

// tier returns the match expression and extra rowid condition of tier t:
// 1.. the tierColumns, -1 everything (tier 0, the exact matches, is
// read by exact).
func (s *query) tier(t int) (match, extra string) {
	if t < 0 {
		return restricted(withoutExcluded(within(textColumns, s.pos), s.excl), s.meta), ""
	}
	if len(s.exactIDs) > 0 {
		extra = " AND search_fts.rowid NOT IN (" + idList(s.exactIDs) + ")"
	}
	return restricted(tierExpr(t-1, s.pos, s.excl), s.meta), extra
}

// exact returns the documents whose name or title equals the query that
// pass the filters and the permission condition, those matching by name
// first. They match the query's words by construction (see
// search.Query.Exact), so only the restriction is checked.
func (s *query) exact(ctx context.Context) ([]int64, error) {
	return s.allowed(ctx, s.exactIDs)
}

// allowed keeps the ids whose documents meet the filters and the
// permission condition, in order. Their meta tokens are read by rowid
// and the restriction evaluated here: for a few documents that is cheaper
// than running a match expression per rowid.
func (s *query) allowed(ctx context.Context, ids []int64) ([]int64, error) {
	if len(ids) == 0 || s.meta == "" {
		return ids, nil
	}
	rows, err := s.e.db.QueryContext(ctx, `SELECT rowid, meta FROM search_fts WHERE rowid IN (`+idList(ids)+`)`)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	keep := make(map[int64]bool, len(ids))
	for rows.Next() {
		var id int64
		var meta string
		if err := rows.Scan(&id, &meta); err != nil {
			return nil, err
		}
		tokens := map[string]bool{}
		for _, t := range strings.Fields(meta) {
			tokens[t] = true
		}
		keep[id] = s.restrict.Holds(tokens)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []int64
	for _, id := range ids {
		if keep[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

// count counts tier t's documents, up to upTo, remembering what it
// found.
func (s *query) count(ctx context.Context, t, upTo int) (int, error) {
	if c, ok := s.counts[t]; ok && (c[0] < c[1] || c[1] >= upTo) {
		return min(c[0], upTo), nil
	}
	if t == 0 {
		ids, err := s.exact(ctx)
		s.counts[0] = [2]int{len(ids), maxExact + 1}
		return len(ids), err
	}
	match, extra := s.tier(t)
	n, err := s.countExpr(ctx, match, extra, upTo)
	if err != nil {
		return 0, err
	}
	s.counts[t] = [2]int{n, upTo}
	return n, nil
}

// fetch reads ids of tier t: ranked by bm25 when the tier is small
// enough, in index order otherwise.
func (s *query) fetch(ctx context.Context, t, offset, limit int) ([]int64, error) {
	if t == 0 {
		ids, err := s.exact(ctx)
		return pageOf(ids, offset, limit), err
	}
	match, extra := s.tier(t)
	return s.fetchExpr(ctx, match, extra, offset, limit)
}

// browse answers a query with no word that must match: every document
// allowed and not excluded, in title order (index order for sets larger
// than browseSortCap).
func (s *query) browse(ctx context.Context) (*search.EngineResult, error) {
	page := ` LIMIT ` + strconv.Itoa(s.q.Limit) + ` OFFSET ` + strconv.Itoa(s.q.Offset)
	var ids []int64
	var total int
	var err error
	match := s.meta
	if s.excl != "" {
		if match == "" {
			match = `"` + search.MetaAll + `"`
		}
		match = "(" + match + ") NOT " + within(textColumns, s.excl)
	}
	if match == "" {
		// The unary + keeps SQLite from reading the id ranges by rowid and
		// sorting: walking the title index is what returns a page early.
		where := s.inGenerations("+d.id")
		if ids, err = s.e.ids(ctx, `SELECT d.id FROM search_documents d WHERE `+where+` ORDER BY d.title_key, d.id`+page, nil); err != nil {
			return nil, err
		}
		err = s.e.db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM search_documents d WHERE `+s.inGenerations("d.id")+
			` LIMIT `+strconv.Itoa(search.MaxCount)+`)`).Scan(&total)
	} else {
		var a sqlsearch.Args
		from := s.from(&a, match, "")
		err = s.e.db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1`+from+` LIMIT `+strconv.Itoa(search.MaxCount)+`)`, a.Values...).Scan(&total)
		if err == nil && total <= browseSortCap {
			ids, err = s.e.ids(ctx, `SELECT d.id FROM search_documents d WHERE d.id IN (SELECT search_fts.rowid`+from+`)
				ORDER BY d.title_key, d.id`+page, a.Values)
		} else if err == nil {
			ids, err = s.e.ids(ctx, `SELECT search_fts.rowid`+from+` ORDER BY search_fts.rowid`+page, a.Values)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	hits, err := s.e.hydrate(ctx, ids, nil)
	if err != nil {
		return nil, err
	}
	return &search.EngineResult{Hits: hits, Total: total}, nil
}

// ids runs a statement returning document ids.
func (e *Engine) ids(ctx context.Context, stmt string, args []any) ([]int64, error) {
	rows, err := e.db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// hydrate reads the documents of ids, in that order, with their
// highlights for hl (nil for none).
func (e *Engine) hydrate(ctx context.Context, ids []int64, hl *search.Query) ([]search.Hit, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := e.db.QueryContext(ctx, `SELECT id, type, document, res_ref FROM search_documents WHERE id IN (`+idList(ids)+`)`)
	if err != nil {
		return nil, fmt.Errorf("read search results: %w", err)
	}
	defer rows.Close()
	byID := make(map[int64]search.Hit, len(ids))
	for rows.Next() {
		var (
			id  int64
			h   search.Hit
			doc string
		)
		if err := rows.Scan(&id, &h.Type, &doc, &h.ResourceRef); err != nil {
			return nil, err
		}
		h.Document = []byte(doc)
		if hl != nil {
			h.Highlight = search.HighlightsOf(*hl, h.Document)
		}
		byID[id] = h
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]search.Hit, 0, len(ids))
	for _, id := range ids {
		if h, ok := byID[id]; ok {
			out = append(out, h)
		}
	}
	return out, nil
}
