package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/callboard/callboard/internal/search"
	"github.com/callboard/callboard/internal/search/sqlsearch"
)

// rankCap is the largest set ranked as a whole. A larger tier (a word
// many documents share) is served by id (largeTierPage): ranking all of
// it would read every document of the tier, and the total stops at
// search.MaxCount anyway.
const rankCap = 1000

// browseSortCap is the largest restricted set a query without words
// returns in title order.
const browseSortCap = 2000

// rankWeights are the ranking functions' weights of D, C, B and A.
const rankWeights = `'{0.1, 0.2, 0.4, 1.0}'`

// query is one search being run.
type query struct {
	e      *Engine
	q      *search.EngineQuery
	gens   []int64
	parsed search.Query
	pos    string // positive tsquery, any weight; "" for none
	excl   string // any of the excluded terms; "" for none
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
// first, then tiers by where the words match (tierWeights), each ranked
// (rank); a tier of more than rankCap documents by id. Filters and the
// permission condition are part of every tsquery (meta tokens). Total
// counts up to search.MaxCount.
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
// narrowest index that holds its words. Exclusions are checked against
// the fields and the body.
func (s *query) level(a *sqlsearch.Args, t int) string {
	var cond string
	if t >= len(tierWeights)-1 {
		cond = s.anywhere(a)
	} else {
		cond = tierColumn(t) + " @@ " + tsq(a, and(positiveQuery(s.parsed, tierWeights[t]), s.meta))
	}
	if s.excl != "" {
		cond += " AND " + s.notExcluded(a)
	}
	return cond
}

// notExcluded holds for documents with none of the excluded terms in
// their fields or body. It is written with NOT so that it is never an
// index condition: a GIN lookup of a negation reads the whole index (as a
// generic plan, which cannot tell a negation from a word, might choose).
func (s *query) notExcluded(a *sqlsearch.Args) string {
	p := tsq(a, s.excl)
	return "NOT d.tsv_fields @@ " + p + " AND NOT d.tsv_body @@ " + p
}

// anywhere matches the documents in which each term that must match does
// so in the fields or in the body, looked up in the index of each: a
// phrase's candidates are then the documents holding all its words in
// one of the two, where an index of the whole text would offer every
// document holding them anywhere, each to be read from the table to check
// the words' positions. (A phrase whose words run from the fields into
// the body is thus not a match.) The filters and the permission
// condition go with every term (the meta tokens are in both vectors), so
// that each lookup offers only the documents they allow: a word common
// in bodies would otherwise offer them all, to be ANDed away.
func (s *query) anywhere(a *sqlsearch.Args) string {
	var parts []string
	for _, t := range s.parsed.Terms {
		if t.Exclude {
			continue
		}
		p := tsq(a, and(termQuery(t, ""), s.meta))
		parts = append(parts, "(d.tsv_fields @@ "+p+" OR d.tsv_body @@ "+p+")")
	}
	return strings.Join(parts, " AND ")
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
		// A document whose name or title is the whole query holds every
		// word of it (search.Query.Exact, which has no exclusions): only
		// the filters and the permission condition are left to check. The
		// query's words would cost planning more than the lookup by key.
		e := a.Add(s.exact)
		cond := "(d.name_key = " + e + " OR d.title_key = " + e + ")"
		if s.meta != "" {
			cond += " AND d.tsv_names @@ " + tsq(a, s.meta)
		}
		return cond
	}
	return s.tiers(a, t-1, t)
}

// tiers matches the documents of the tiers after tier from (-1 for
// none) up to tier to: to's level without from's matches, nor the exact
// matches.
func (s *query) tiers(a *sqlsearch.Args, from, to int) string {
	return s.level(a, to) + s.notUpTo(a, from)
}

// notUpTo leaves out the matches of tier t's level (none for t = -1)
// and the exact matches (tier -1).
func (s *query) notUpTo(a *sqlsearch.Args, t int) string {
	cond := ""
	if t >= 0 {
		cond = " AND NOT " + tierColumn(t) + " @@ " + tsq(a, positiveQuery(s.parsed, tierWeights[t]))
	}
	if s.exact == "" {
		return cond
	}
	e := a.Add(s.exact)
	return cond + " AND d.name_key <> " + e + " AND d.title_key <> " + e
}

// rank ranks the matches of tier t: by ts_rank over the fields for the
// exact matches and the fields' tiers, where a field holds a few words
// and ts_rank_cd's covers cost several times more (5 ms more per 1,000
// documents) to order alike; by ts_rank_cd over the fields and the body
// for the body's tier, where the words' nearness in a page matters. A
// body (large, often in TOAST) is thus read only to rank the matches in
// bodies.
func (s *query) rank(a *sqlsearch.Args, t int) string {
	if t >= len(tierWeights)-1 {
		return "ts_rank_cd(" + rankWeights + ", d.tsv_fields || d.tsv_body, " + tsq(a, s.pos) + ")"
	}
	return "ts_rank(" + rankWeights + ", d.tsv_fields, " + tsq(a, s.pos) + ")"
}

// countCond counts the documents meeting cond, up to upTo.
func (s *query) countCond(ctx context.Context, cond func(a *sqlsearch.Args) string, upTo int) (int, error) {
	var a sqlsearch.Args
	stmt := `SELECT count(*) FROM (SELECT FROM search_documents d WHERE ` + cond(&a) + ` AND ` + s.inGenerations(&a) +
		` LIMIT ` + strconv.Itoa(upTo) + `) c`
	var n int
	if err := s.e.queryRow(ctx, stmt, a.Values...).Scan(&n); err != nil {
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

// browse answers a query with no word that must match: every document
// allowed and not excluded, in title order (index order for restricted
// sets larger than browseSortCap).
func (s *query) browse(ctx context.Context) (*search.EngineResult, error) {
	cond := func(a *sqlsearch.Args) string {
		var parts []string
		if s.meta != "" {
			parts = append(parts, "d.tsv_names @@ "+tsq(a, s.meta))
		}
		if s.excl != "" {
			parts = append(parts, s.notExcluded(a))
		}
		if len(parts) == 0 {
			return "TRUE"
		}
		return strings.Join(parts, " AND ")
	}
	n, err := s.countCond(ctx, cond, browseSortCap+1)
	if err != nil {
		return nil, err
	}
	total := min(n, search.MaxCount)
	order := func(*sqlsearch.Args) string { return "d.title_key, d.id" }
	if (s.excl != "" || s.meta != "") && n > browseSortCap {
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
	rows, err := e.query(ctx, stmt, args...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return sqlsearch.Column[int64](rows)
}

// hydrate reads the documents of ids, in that order, with highlights for
// hl (nil for none).
func (e *Engine) hydrate(ctx context.Context, ids []int64, hl *search.Query) ([]search.Hit, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := e.query(ctx, `SELECT id, type, document, res_ref FROM search_documents WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("read search results: %w", err)
	}
	return sqlsearch.Hits(rows, ids, hl)
}
