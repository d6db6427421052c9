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

// rankCap is the largest set ranked: ranking reads each document's
// fields, so a tier with more matches than this (a word most documents
// share) is returned in index order instead: its members are alike for
// the query anyway, and the query stays within milliseconds.
const rankCap = 1000

// maxExact bounds the documents whose name or title equals the query.
const maxExact = 100

// browseSortCap is the largest set a query without words returns in
// title order; larger sets come in index order, which costs nothing.
const browseSortCap = 2000

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

// The FTS5 tables a match runs against: the whole text, and the titles
// and names alone (store migration 0013).
const (
	textTable  = "search_fts"
	namesTable = "search_names_fts"
)

// from is the FROM and WHERE of a statement over the matches of an FTS5
// expression in table (textTable or namesTable) in the live generations,
// with extra conditions on rowid.
func (s *query) from(a *sqlsearch.Args, table, match, extra string) string {
	return ` FROM ` + table + ` WHERE ` + table + ` MATCH ` + a.Add(match) + ` AND ` + s.inGenerations("rowid") + extra
}

// tableFor is the table to match the fields of tiers up to t in: the
// names' index for the title and name tiers, whose words its small
// doclists hold, unless words are excluded (an exclusion is checked
// against the whole text).
func (s *query) tableFor(t int) string {
	if t <= 1 && s.excl == "" {
		return namesTable
	}
	return textTable
}

// level matches the documents holding the query's words within the
// columns cols, allowed and not excluded.
func (s *query) level(cols string) string {
	return restricted(withoutExcluded(within(cols, s.pos), s.excl), s.meta)
}

// newQuery prepares q over the live generations gens.
func (e *Engine) newQuery(q *search.EngineQuery, parsed search.Query, gens []int64) *query {
	s := &query{
		e: e, q: q, gens: gens,
		pos: positiveExpr(parsed), excl: excludedExpr(parsed),
		exactKey: parsed.Exact,
		restrict: search.Restriction(q.Filters, q.Access),
	}
	s.meta = metaExpr(s.restrict)
	return s
}

// Search runs q. Results come in tiers: documents whose name or title
// equals the whole query first, then those matching in titles, names,
// descriptions, tags, anywhere; each tier by a BM25F score with the
// column weights title > name > description > tags > body (search.Rank)
// unless it is larger than rankCap. Filters and the permission condition are part of every
// match expression (meta tokens). Total counts up to search.MaxCount.
func (e *Engine) Search(ctx context.Context, q *search.EngineQuery) (*search.EngineResult, error) {
	gens, err := e.liveGenerations(ctx, q.Types)
	if err != nil || len(gens) == 0 {
		return &search.EngineResult{}, err
	}
	parsed, ok, err := sqlsearch.Corrected(ctx, q, e.candidates)
	if err != nil {
		return nil, err
	}
	if !ok {
		return &search.EngineResult{}, nil
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

// run finds the page of ids and the total. Each set is first probed for
// at most rankCap matches (stopping at the one after): a small set is
// ranked here as a whole (exact matches first, then search.Rank's tier
// and score), a large one comes in index order. The whole query's
// matches when they are few; otherwise the exact matches, then levels of
// fields from the narrowest (the title, then title and name, ...) up to
// the first that holds the page or the last that is small, ranked, and
// after it the remaining tiers one by one. Ranking is by tier first, so
// a level's ranked page is what any broader level's would begin with.
func (s *query) run(ctx context.Context, parsed search.Query) ([]int64, int, error) {
	p, err := s.probe(ctx, parsed, textTable, s.level(textColumns), "", true, 0)
	if err != nil {
		return nil, 0, err
	}
	if !p.large {
		return pageOf(p.ranked, s.q.Offset, s.q.Limit), len(p.ranked), nil
	}
	// More than rankCap matches: the count stops at MaxCount.
	total := min(len(p.first), search.MaxCount)
	var out []int64
	skip, need := s.q.Offset, s.q.Limit
	take := func(ids []int64) {
		if skip >= len(ids) {
			skip -= len(ids)
			return
		}
		got := ids[skip:min(len(ids), skip+need)]
		out = append(out, got...)
		need -= len(got)
		skip = 0
	}
	exact, err := s.exact(ctx)
	if err != nil {
		return nil, 0, err
	}
	take(exact)
	extra := ""
	if len(s.exactIDs) > 0 {
		extra = " AND rowid NOT IN (" + idList(s.exactIDs) + ")"
	}
	head := -1
	var headRanked []int64
	// The first tier's level is the tier: when it is large, its probe
	// serves the tier. A later level that is large holds its tier and the
	// previous level, which is small and read whole: reading as many more
	// matches as that level holds tells whether the tier is large too, and
	// then its first matches, without a probe of the tier.
	var first, next *probed
	for t := 0; t < len(tierColumns)-1 && need > 0; t++ {
		lp, err := s.probe(ctx, parsed, s.tableFor(t), s.level(tierColumns[t]), extra, false, len(headRanked))
		if err != nil {
			return nil, 0, err
		}
		if lp.large {
			if t == 0 {
				first = &lp
			} else {
				next = largeTier(lp.first, headRanked)
			}
			break
		}
		head, headRanked = t, lp.ranked
		if len(lp.ranked) >= skip+need {
			break
		}
	}
	take(headRanked)
	for t := head + 1; t < len(tierColumns) && need > 0; t++ {
		table := s.tableFor(t)
		expr := restricted(tierExpr(t, s.pos, s.excl), s.meta)
		var tp probed
		switch {
		case t == 0 && first != nil:
			tp = *first
		case t == head+1 && next != nil:
			tp = *next
		default:
			tp, err = s.probe(ctx, parsed, table, expr, extra, t == len(tierColumns)-1, 0)
		}
		if err != nil {
			return nil, 0, err
		}
		switch {
		case !tp.large:
			take(tp.ranked)
		case skip+need <= len(tp.first):
			take(tp.first)
		default:
			n, err := s.countExpr(ctx, table, expr, extra, skip+1)
			if err != nil {
				return nil, 0, err
			}
			if n <= skip {
				skip -= n
				continue
			}
			var a sqlsearch.Args
			stmt := `SELECT rowid` + s.from(&a, table, expr, extra) + ` ORDER BY rowid LIMIT ` +
				strconv.Itoa(need) + ` OFFSET ` + strconv.Itoa(skip)
			got, err := s.e.ids(ctx, stmt, a.Values)
			if err != nil {
				return nil, 0, err
			}
			skip = 0
			take(got)
		}
	}
	return out, total, nil
}

// largeTier returns the tier of a large level's first matches (in rowid
// order) after the previous level's, prev, when more than rankCap are
// left; nil when that does not show the tier to be large.
func largeTier(level, prev []int64) *probed {
	seen := make(map[int64]bool, len(prev))
	for _, id := range prev {
		seen[id] = true
	}
	ids := make([]int64, 0, len(level))
	for _, id := range level {
		if !seen[id] {
			ids = append(ids, id)
		}
	}
	if len(ids) <= rankCap {
		return nil
	}
	return &probed{first: ids, large: true}
}

// pageOf slices a page out of ids.
func pageOf(ids []int64, offset, limit int) []int64 {
	if offset >= len(ids) {
		return nil
	}
	return ids[offset:min(len(ids), offset+limit)]
}

// countExpr counts the matches of an expression in table (with an extra
// rowid condition), up to upTo.
func (s *query) countExpr(ctx context.Context, table, match, extra string, upTo int) (int, error) {
	var a sqlsearch.Args
	stmt := `SELECT count(*) FROM (SELECT 1` + s.from(&a, table, match, extra) + ` LIMIT ` + strconv.Itoa(upTo) + `)`
	var n int
	if err := s.e.db.QueryRowContext(ctx, stmt, a.Values...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count search results: %w", err)
	}
	return n, nil
}

// probed is what probe found: all the matches, ranked, or the first
// rankCap+1 in index order of a larger set.
type probed struct {
	ranked []int64
	first  []int64
	large  bool
}

// rankBodyBytes is how much of a document's body ranking reads: enough
// for the words that matter, bounded so that a thousand docs pages cost
// little.
const rankBodyBytes = 1000

// probe reads the matches of an expression up to rankCap+1 (and more
// of a larger set), in index order; when there are at most rankCap
// it reads their fields by rowid and ranks them (exact matches first,
// then search.Rank's tier and score, then rowid). withBody reads the
// start of the body too, for sets that may hold matches found only
// there.
func (s *query) probe(ctx context.Context, parsed search.Query, table, match, extra string, withBody bool, more int) (probed, error) {
	var a sqlsearch.Args
	stmt := `SELECT rowid` + s.from(&a, table, match, extra) + ` ORDER BY rowid LIMIT ` + strconv.Itoa(rankCap+1+more)
	ids, err := s.e.ids(ctx, stmt, a.Values)
	if err != nil {
		return probed{}, err
	}
	if len(ids) > rankCap {
		return probed{first: ids, large: true}, nil
	}
	if len(ids) == 0 {
		return probed{}, nil
	}
	body := "''"
	if withBody {
		body = "substr(" + ftsBody + ", 1, " + strconv.Itoa(rankBodyBytes) + ")"
	}
	rows, err := s.e.db.QueryContext(ctx, `SELECT id, `+ftsTitle+`, `+ftsName+`, `+ftsDescription+`, `+ftsTags+`, `+body+`
		FROM `+ftsContent+` WHERE id IN (`+idList(ids)+`)`)
	if err != nil {
		return probed{}, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	exact := make(map[int64]int, len(s.exactIDs))
	for i, id := range s.exactIDs {
		exact[id] = i
	}
	type ranked struct {
		id    int64
		tier  int
		score float64
	}
	rs := make([]ranked, 0, len(ids))
	ranker := search.NewRanker(parsed)
	for rows.Next() {
		var r ranked
		var title, name, desc, tags, body string
		if err := rows.Scan(&r.id, &title, &name, &desc, &tags, &body); err != nil {
			return probed{}, err
		}
		if i, ok := exact[r.id]; ok {
			// Exact matches keep their order (names before titles).
			r.tier, r.score = -1, -float64(i)
		} else {
			r.tier, r.score = ranker.Rank(title, name, desc, tags, body)
		}
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return probed{}, err
	}
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].tier != rs[j].tier {
			return rs[i].tier < rs[j].tier
		}
		if rs[i].score != rs[j].score {
			return rs[i].score > rs[j].score
		}
		return rs[i].id < rs[j].id
	})
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.id
	}
	return probed{ranked: out}, nil
}

// idList writes ids as a literal list.
func idList(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ", ")
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
	rows, err := s.e.db.QueryContext(ctx, `SELECT id, `+ftsMeta+` FROM `+ftsContent+` WHERE id IN (`+idList(ids)+`)`)
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
		from := s.from(&a, textTable, match, "")
		var n int
		err = s.e.db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1`+from+` LIMIT `+strconv.Itoa(browseSortCap+1)+`)`, a.Values...).Scan(&n)
		total = min(n, search.MaxCount)
		if err == nil && n <= browseSortCap {
			ids, err = s.e.ids(ctx, `SELECT d.id FROM search_documents d WHERE d.id IN (SELECT rowid`+from+`)
				ORDER BY d.title_key, d.id`+page, a.Values)
		} else if err == nil {
			ids, err = s.e.ids(ctx, `SELECT rowid`+from+` ORDER BY rowid`+page, a.Values)
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
	return sqlsearch.Column[int64](rows)
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
	return sqlsearch.Hits(rows, ids, hl)
}
