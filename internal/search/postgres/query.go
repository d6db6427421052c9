package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

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

// tsq is a query text as a tsquery parameter. The texts are already
// normalized as to_tsquery('simple', ...) would (lower-cased words,
// quoted), so the parameter is typed tsquery: it is parsed once when the
// statement is bound, where to_tsquery of a parameter in a generic plan
// would parse it again for every row an expression reads.
func tsq(a *sqlsearch.Args, text string) string { return a.Add(text) + "::tsquery" }

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

// tierKey is the ranking tier of a matching document: the first tier
// whose weights hold every term (tierWeights), read from the narrow
// vectors only.
func (s *query) tierKey(a *sqlsearch.Args) string {
	o := "CASE"
	for t, w := range tierWeights[:len(tierWeights)-1] {
		o += " WHEN " + tierColumn(t) + " @@ " + tsq(a, positiveQuery(s.parsed, w)) + " THEN " + strconv.Itoa(t)
	}
	return o + " ELSE " + strconv.Itoa(len(tierWeights)-1) + " END"
}

// exactKey is 0 for a document whose name is the whole query, 1 for one
// whose title is, 2 for the others.
func (s *query) exactKey(a *sqlsearch.Args) string {
	e := a.Add(s.exact)
	return "CASE WHEN d.name_key = " + e + " THEN 0 WHEN d.title_key = " + e + " THEN 1 ELSE 2 END"
}

// rank is ts_rank_cd of the positive query over the narrowest vector
// holding the words of tier t: the fields for the fields' tiers, so that
// the body's vector (large, often toasted) is read only to rank matches
// in the body.
func (s *query) rank(a *sqlsearch.Args, t int) string {
	col := "d.tsv_fields"
	if t >= len(tierWeights)-1 {
		col = "d.tsv"
	}
	return "ts_rank_cd(" + rankWeights + ", " + col + ", " + tsq(a, s.pos) + ")"
}

// setKeys ranks a set as a whole: exact names, exact titles, then by
// tier and rank.
func (s *query) setKeys(a *sqlsearch.Args) (cols, order string) {
	body := len(tierWeights) - 1
	cols = ", " + s.tierKey(a) + " AS tier"
	if s.exact != "" {
		cols += ", " + s.exactKey(a) + " AS ex"
		order = "d.ex, "
	}
	order += "d.tier, CASE WHEN d.tier = " + strconv.Itoa(body) + " THEN " + s.rank(a, body) +
		" ELSE " + s.rank(a, 0) + " END DESC, d.id"
	return cols, order
}

// tierKeys ranks the documents of one tier t (-1 for the exact matches).
func (s *query) tierKeys(t int) func(a *sqlsearch.Args) (string, string) {
	return func(a *sqlsearch.Args) (string, string) {
		return ", " + s.rank(a, t) + " AS r", "d.r DESC, d.id"
	}
}

// countCond counts the documents meeting cond, up to upTo.
func (s *query) countCond(ctx context.Context, cond func(a *sqlsearch.Args) string, upTo int) (int, error) {
	var a sqlsearch.Args
	stmt := `SELECT count(*) FROM (SELECT FROM search_documents d WHERE ` + cond(&a) + ` AND ` + s.inGenerations(&a) +
		` LIMIT ` + strconv.Itoa(upTo) + `) c`
	var n int
	if err := s.e.db.QueryRowContext(ctx, stmt, a.Values...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count search results: %w", err)
	}
	return n, nil
}

// fetchCond reads a page of the documents meeting cond in the given
// order.
func (s *query) fetchCond(ctx context.Context, cond func(a *sqlsearch.Args) string, order func(a *sqlsearch.Args) string, offset, limit int) ([]int64, error) {
	var a sqlsearch.Args
	stmt := `SELECT d.id FROM search_documents d WHERE ` + cond(&a) + ` AND ` + s.inGenerations(&a) +
		` ORDER BY ` + order(&a) + ` LIMIT ` + strconv.Itoa(limit) + ` OFFSET ` + strconv.Itoa(offset)
	return s.e.ids(ctx, stmt, a.Values)
}

func byID(*sqlsearch.Args) string { return "d.id" }

// rankedPage reads in one statement how many documents meet cond,
// counted up to rankCap+1, and when they are at most rankCap the page of
// them in the order of keys (extra columns, then the ORDER BY over them).
// Each matching row is read from the table once, into a materialized
// CTE; the sort keys are computed only for a set small enough to rank,
// and a toasted vector is read only by the expressions that use it. ids
// is nil for a larger set.
func (s *query) rankedPage(ctx context.Context, cond func(a *sqlsearch.Args) string, keys func(a *sqlsearch.Args) (string, string), offset, limit int) ([]int64, int, error) {
	var a sqlsearch.Args
	where := cond(&a) + " AND " + s.inGenerations(&a)
	cols, order := keys(&a)
	capText := strconv.Itoa(rankCap)
	// The ids come back as one text column so that the count arrives
	// even when the page is empty.
	stmt := `WITH m AS MATERIALIZED (SELECT d.id, d.name_key, d.title_key, d.tsv_names, d.tsv_fields, d.tsv
			FROM search_documents d WHERE ` + where + ` LIMIT ` + strconv.Itoa(rankCap+1) + `),
		c AS (SELECT count(*) AS n FROM m)
		SELECT c.n, array_to_string(ARRAY(SELECT d.id FROM (SELECT d.*` + cols + ` FROM m d WHERE c.n <= ` + capText + ` OFFSET 0) d
			ORDER BY ` + order + ` LIMIT ` + strconv.Itoa(limit) + ` OFFSET ` + strconv.Itoa(offset) + `), ',') FROM c`
	var n int
	var list string
	if err := s.e.db.QueryRowContext(ctx, stmt, a.Values...).Scan(&n, &list); err != nil {
		return nil, 0, fmt.Errorf("search: %w", err)
	}
	if n > rankCap {
		return nil, n, nil
	}
	ids, err := parseIDs(list)
	return ids, n, err
}

// parseIDs reads a comma-separated list of ids.
func parseIDs(list string) ([]int64, error) {
	if list == "" {
		return nil, nil
	}
	parts := strings.Split(list, ",")
	out := make([]int64, len(parts))
	for i, p := range parts {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("search: read id %q: %w", p, err)
		}
		out[i] = id
	}
	return out, nil
}

// run finds the page of ids and the total, reading the narrow vectors
// first. When at most rankCap documents match in the fields, they are
// counted and ranked as a whole in one statement and the body's matches
// follow; otherwise the query matches more than MaxCount documents and
// the page is read tier by tier.
func (s *query) run(ctx context.Context) ([]int64, int, error) {
	off, lim := s.q.Offset, s.q.Limit
	body := len(tierWeights) - 1
	fields := func(a *sqlsearch.Args) string { return s.level(a, body-1) }
	ids, nf, err := s.rankedPage(ctx, fields, s.setKeys, off, lim)
	if err != nil {
		return nil, 0, err
	}
	if nf > rankCap {
		ids, err := s.runTiers(ctx, off, lim)
		return ids, min(nf, search.MaxCount), err
	}
	var nb int
	if need := lim - len(ids); need > 0 {
		var more []int64
		more, nb, err = s.fetchTier(ctx, body, max(0, off-nf), need)
		ids = append(ids, more...)
	} else {
		nb, err = s.countCond(ctx, func(a *sqlsearch.Args) string { return s.tierCond(a, body) }, rankCap+1-nf)
	}
	return ids, min(nf+nb, search.MaxCount), err
}

// runTiers reads the page tier by tier: the exact matches, then each
// tier of tierWeights.
func (s *query) runTiers(ctx context.Context, off, lim int) ([]int64, error) {
	var ids []int64
	err := sqlsearch.Paging(len(tierWeights)+1, off, lim,
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
			got, _, err := s.fetchTier(ctx, t-1, offset, limit)
			ids = append(ids, got...)
			return len(got), err
		})
	return ids, err
}

// fetchTier reads a page of tier t (-1 for the exact matches), ranked
// when the tier is small enough and in index order otherwise, and its
// size counted up to rankCap+1.
func (s *query) fetchTier(ctx context.Context, t, offset, limit int) ([]int64, int, error) {
	cond := func(a *sqlsearch.Args) string { return s.tierCond(a, t) }
	ids, n, err := s.rankedPage(ctx, cond, s.tierKeys(t), offset, limit)
	if err != nil || n <= rankCap {
		return ids, n, err
	}
	ids, err = s.fetchCond(ctx, cond, byID, offset, limit)
	return ids, n, err
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
