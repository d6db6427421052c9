package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/callboard/callboard/internal/search"
	"github.com/callboard/callboard/internal/search/sqlsearch"
)

// rankCap is the largest set ranked as a whole; a larger tier (a word
// most documents share) comes in index order, as in the SQLite engine.
const rankCap = 1000

// browseSortCap is the largest restricted set a query without words
// returns in title order.
const browseSortCap = 2000

// rankWeights are ts_rank_cd's weights of D, C, B and A.
const rankWeights = `'{0.1, 0.2, 0.4, 1.0}'`

// query is one search being run.
type query struct {
	e      *Engine
	q      *search.EngineQuery
	gens   []int64
	parsed search.Query
	pos    string // positive tsquery, any weight; "" for none
	excl   string // negations of the excluded terms; "" for none
	meta   string // filters and permission condition; "" for none
	exact  string
}

func (s *query) inGenerations(a *sqlsearch.Args) string {
	return "d.generation = ANY(" + a.Add(s.gens) + ")"
}

// tsq is to_tsquery of a query text.
func tsq(a *sqlsearch.Args, text string) string { return "to_tsquery('simple', " + a.Add(text) + ")" }

// Search runs q: documents whose name or title equals the whole query
// first, then tiers by where the words match (tierWeights), ranked by
// ts_rank_cd; a set of more than rankCap documents in one tier comes in
// index order. Filters and the permission condition are part of every
// tsquery (meta tokens). Total counts up to search.MaxCount.
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
	s := &query{e: e, q: q, gens: gens, parsed: parsed, pos: positiveQuery(parsed, ""), excl: excludedQuery(parsed),
		meta: metaQuery(search.Restriction(q.Filters, q.Access)), exact: parsed.Exact}
	if s.pos == "" {
		return s.browse(ctx)
	}
	ids, total, err := s.run(ctx)
	if err != nil {
		return nil, err
	}
	hits, err := e.hydrate(ctx, ids, &parsed)
	if err != nil {
		return nil, err
	}
	return &search.EngineResult{Hits: hits, Total: total}, nil
}

// level is a set of matches: within the fields up to tier t (0..3), or
// anywhere (t = 4). The title and name tiers read tsv_names, the
// description and tags tiers tsv_fields, so that each is answered by the
// narrowest index that holds its words.
func (s *query) level(a *sqlsearch.Args, t int) string {
	if t >= len(tierWeights)-1 {
		return "d.tsv @@ " + tsq(a, and(s.pos, s.excl, s.meta))
	}
	cond := tierColumn(t) + " @@ " + tsq(a, and(positiveQuery(s.parsed, tierWeights[t]), s.meta))
	if s.excl != "" {
		cond += " AND d.tsv @@ " + tsq(a, s.excl)
	}
	return cond
}

// tierColumn is the narrowest tsvector holding the fields up to tier t.
func tierColumn(t int) string {
	if t <= 1 {
		return "d.tsv_names"
	}
	return "d.tsv_fields"
}

// tierCond is the condition of tier t alone: its level without the
// previous one's matches, nor the exact matches (tier -1 is those).
func (s *query) tierCond(a *sqlsearch.Args, t int) string {
	if t < 0 {
		e := a.Add(s.exact)
		return s.level(a, len(tierWeights)-1) + " AND (d.name_key = " + e + " OR d.title_key = " + e + ")"
	}
	cond := s.level(a, t)
	if t > 0 {
		cond += " AND NOT " + tierColumn(t-1) + " @@ " + tsq(a, positiveQuery(s.parsed, tierWeights[t-1]))
	}
	if s.exact != "" {
		e := a.Add(s.exact)
		cond += " AND d.name_key <> " + e + " AND d.title_key <> " + e
	}
	return cond
}

// order ranks a small set as a whole: exact names, exact titles, then by
// tier and ts_rank_cd.
func (s *query) order(a *sqlsearch.Args) string {
	var o string
	if s.exact != "" {
		e := a.Add(s.exact)
		o = "CASE WHEN d.name_key = " + e + " THEN 0 WHEN d.title_key = " + e + " THEN 1 ELSE 2 END, "
	}
	o += "CASE"
	for t, w := range tierWeights[:len(tierWeights)-1] {
		o += " WHEN " + tierColumn(t) + " @@ " + tsq(a, positiveQuery(s.parsed, w)) + " THEN " + strconv.Itoa(t)
	}
	return o + " ELSE " + strconv.Itoa(len(tierWeights)-1) + " END, " + s.rank(a) + " DESC, d.id"
}

func (s *query) rank(a *sqlsearch.Args) string {
	return "ts_rank_cd(" + rankWeights + ", d.tsv, " + tsq(a, s.pos) + ")"
}

// countCond counts the documents meeting cond, up to upTo.
func (s *query) countCond(ctx context.Context, cond func(a *sqlsearch.Args) string, upTo int) (int, error) {
	var a sqlsearch.Args
	stmt := `SELECT count(*) FROM (SELECT 1 FROM search_documents d WHERE ` + cond(&a) + ` AND ` + s.inGenerations(&a) +
		` LIMIT ` + strconv.Itoa(upTo) + `) c`
	var n int
	if err := s.e.db.QueryRowContext(ctx, stmt, a.Values...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count search results: %w", err)
	}
	return n, nil
}

// fetchCond reads a page of the documents meeting cond in the given
// order ("" for ranking small sets, index order for large ones).
func (s *query) fetchCond(ctx context.Context, cond func(a *sqlsearch.Args) string, order func(a *sqlsearch.Args) string, offset, limit int) ([]int64, error) {
	var a sqlsearch.Args
	stmt := `SELECT d.id FROM search_documents d WHERE ` + cond(&a) + ` AND ` + s.inGenerations(&a) +
		` ORDER BY ` + order(&a) + ` LIMIT ` + strconv.Itoa(limit) + ` OFFSET ` + strconv.Itoa(offset)
	return s.e.ids(ctx, stmt, a.Values)
}

func byID(*sqlsearch.Args) string { return "d.id" }

// run finds the page of ids and the total. A query matching at most
// rankCap documents is ranked as a whole in one statement; one matching
// more but at most rankCap in the fields is ranked that way over the
// fields, the body's matches following; otherwise each tier is read on
// its own.
func (s *query) run(ctx context.Context) ([]int64, int, error) {
	off, lim := s.q.Offset, s.q.Limit
	all := func(a *sqlsearch.Args) string { return s.level(a, len(tierWeights)-1) }
	n, err := s.countCond(ctx, all, rankCap+1)
	if err != nil {
		return nil, 0, err
	}
	if n <= rankCap {
		ids, err := s.fetchCond(ctx, all, s.order, off, lim)
		return ids, n, err
	}
	// More than rankCap matches: the count stops at MaxCount.
	ids, err := s.runLarge(ctx, off, lim)
	return ids, min(n, search.MaxCount), err
}

// runLarge finds the page of a query matching more than rankCap
// documents.
func (s *query) runLarge(ctx context.Context, off, lim int) ([]int64, error) {
	fieldsTier := len(tierWeights) - 2
	fields := func(a *sqlsearch.Args) string { return s.level(a, fieldsTier) }
	nf, err := s.countCond(ctx, fields, rankCap+1)
	if err != nil {
		return nil, err
	}
	if nf <= rankCap {
		ids, err := s.fetchCond(ctx, fields, s.order, off, lim)
		if err != nil || len(ids) == lim {
			return ids, err
		}
		body := func(a *sqlsearch.Args) string { return s.tierCond(a, len(tierWeights)-1) }
		more, err := s.fetchTier(ctx, body, max(0, off-nf), lim-len(ids))
		return append(ids, more...), err
	}
	var ids []int64
	err = sqlsearch.Paging(len(tierWeights)+1, off, lim,
		func(t, upTo int) (int, error) {
			if t == 0 && s.exact == "" {
				return 0, nil
			}
			return s.countCond(ctx, func(a *sqlsearch.Args) string { return s.tierCond(a, t-1) }, upTo)
		},
		func(t, offset, limit int) (int, error) {
			if t == 0 && s.exact == "" {
				return 0, nil
			}
			got, err := s.fetchTier(ctx, func(a *sqlsearch.Args) string { return s.tierCond(a, t-1) }, offset, limit)
			ids = append(ids, got...)
			return len(got), err
		})
	return ids, err
}

// fetchTier reads a page of one tier: ranked when it is small enough, in
// index order otherwise.
func (s *query) fetchTier(ctx context.Context, cond func(a *sqlsearch.Args) string, offset, limit int) ([]int64, error) {
	n, err := s.countCond(ctx, cond, rankCap+1)
	if err != nil || n == 0 || offset >= n {
		return nil, err
	}
	order := byID
	if n <= rankCap {
		order = func(a *sqlsearch.Args) string { return s.rank(a) + " DESC, d.id" }
	}
	return s.fetchCond(ctx, cond, order, offset, limit)
}

// browse answers a query with no word that must match: every document
// allowed and not excluded, in title order (index order for restricted
// sets larger than browseSortCap).
func (s *query) browse(ctx context.Context) (*search.EngineResult, error) {
	match := and(s.excl, s.meta)
	cond := func(a *sqlsearch.Args) string {
		if match == "" {
			return "TRUE"
		}
		return "d.tsv @@ " + tsq(a, match)
	}
	n, err := s.countCond(ctx, cond, browseSortCap+1)
	if err != nil {
		return nil, err
	}
	total := min(n, search.MaxCount)
	order := func(*sqlsearch.Args) string { return "d.title_key, d.id" }
	if match != "" && n > browseSortCap {
		order = byID
	}
	ids, err := s.fetchCond(ctx, cond, order, s.q.Offset, s.q.Limit)
	if err != nil {
		return nil, err
	}
	hits, err := s.e.hydrate(ctx, ids, nil)
	if err != nil {
		return nil, err
	}
	return &search.EngineResult{Hits: hits, Total: total}, nil
}

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

// hydrate reads the documents of ids, in that order, with highlights for
// hl (nil for none).
func (e *Engine) hydrate(ctx context.Context, ids []int64, hl *search.Query) ([]search.Hit, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := e.db.QueryContext(ctx, `SELECT id, type, document, res_ref FROM search_documents WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("read search results: %w", err)
	}
	return sqlsearch.Hits(rows, ids, hl)
}
