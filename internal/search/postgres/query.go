package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/callboard/callboard/internal/search"
	"github.com/callboard/callboard/internal/search/sqlsearch"
)

// rankCap is the largest tier ranked by ts_rank_cd; a larger tier (a word
// most documents share) comes in index order, as in the SQLite engine.
const rankCap = 1000

// rankWeights are ts_rank_cd's weights of D, C, B and A.
const rankWeights = `'{0.1, 0.2, 0.4, 1.0}'`

// query is one search being run.
type query struct {
	e      *Engine
	q      *search.EngineQuery
	gens   []int64
	parsed search.Query
	pos    string // positive tsquery, any weight; "" for none
	excl   string
	exact  string
}

func (s *query) where(a *sqlsearch.Args) string {
	return sqlsearch.Where(s.gens, s.q.Filters, s.q.Access, a, jsonFilter)
}

// jsonFilter matches a field without a column by reading the document: a
// scalar or any item of a list.
func jsonFilter(f search.Filter, a *sqlsearch.Args) string {
	return `EXISTS (SELECT 1 FROM (SELECT d.document::jsonb -> ` + a.Add(f.Field) + ` AS v) j,
		jsonb_array_elements_text(CASE jsonb_typeof(j.v) WHEN 'array' THEN j.v ELSE jsonb_build_array(j.v) END) AS x(value)
		WHERE lower(x.value) IN (` + sqlsearch.List(a, f.Values) + `))`
}

// Search runs q: documents whose name or title equals the whole query
// first, then tiers by where the words match (tierWeights), each ranked
// by ts_rank_cd unless larger than rankCap. Total counts up to
// search.MaxCount.
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
	s := &query{e: e, q: q, gens: gens, parsed: parsed, pos: positiveQuery(parsed, ""), excl: excludedQuery(parsed), exact: parsed.Exact}
	if s.pos == "" {
		return s.browse(ctx)
	}
	var ids []int64
	err = sqlsearch.Paging(len(tierWeights)+1, q.Offset, q.Limit,
		func(t, upTo int) (int, error) { return s.count(ctx, t, upTo) },
		func(t, offset, limit int) (int, error) {
			got, err := s.fetch(ctx, t, offset, limit)
			ids = append(ids, got...)
			return len(got), err
		})
	if err != nil {
		return nil, err
	}
	total, err := s.count(ctx, -1, search.MaxCount)
	if err != nil {
		return nil, err
	}
	hits, err := e.hydrate(ctx, ids, s.pos)
	if err != nil {
		return nil, err
	}
	return &search.EngineResult{Hits: hits, Total: total}, nil
}

// tsq is to_tsquery of a query text.
func tsq(a *sqlsearch.Args, text string) string { return "to_tsquery('simple', " + a.Add(text) + ")" }

// tier returns the condition of tier t (0 exact matches, 1.. the
// tierWeights, -1 everything) and a function writing its ranking
// expression (adding its arguments only when called); cond is "" for a
// tier that cannot hold anything.
func (s *query) tier(t int, a *sqlsearch.Args) (cond string, rank func() string) {
	excl := ""
	if s.excl != "" {
		excl = " AND NOT d.tsv @@ " + tsq(a, s.excl)
	}
	rankOf := func(col string) func() string {
		return func() string { return "ts_rank_cd(" + rankWeights + ", " + col + ", " + tsq(a, s.pos) + ")" }
	}
	switch {
	case t < 0:
		return "d.tsv @@ " + tsq(a, s.pos) + excl, rankOf("d.tsv")
	case t == 0:
		if s.exact == "" {
			return "", nil
		}
		e := a.Add(s.exact)
		return "d.tsv @@ " + tsq(a, s.pos) + " AND (d.name_key = " + e + " OR d.title_key = " + e + ")" + excl, rankOf("d.tsv")
	}
	w := tierWeights[t-1]
	col := "d.tsv_fields"
	if w == "" {
		col = "d.tsv"
		cond = "d.tsv @@ " + tsq(a, s.pos)
	} else {
		cond = "d.tsv_fields @@ " + tsq(a, positiveQuery(s.parsed, w))
	}
	if t > 1 {
		cond += " AND NOT d.tsv_fields @@ " + tsq(a, positiveQuery(s.parsed, tierWeights[t-2]))
	}
	if s.exact != "" {
		e := a.Add(s.exact)
		cond += " AND d.name_key <> " + e + " AND d.title_key <> " + e
	}
	return cond + excl, rankOf(col)
}

// count counts tier t's documents, up to upTo.
func (s *query) count(ctx context.Context, t, upTo int) (int, error) {
	var a sqlsearch.Args
	cond, _ := s.tier(t, &a)
	if cond == "" {
		return 0, nil
	}
	stmt := `SELECT count(*) FROM (SELECT 1 FROM search_documents d WHERE ` + cond + ` AND ` + s.where(&a) +
		` LIMIT ` + a.Add(upTo) + `) c`
	var n int
	if err := s.e.db.QueryRowContext(ctx, stmt, a.Values...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count search results: %w", err)
	}
	return n, nil
}

// fetch reads ids of tier t, ranked when the tier is small enough.
func (s *query) fetch(ctx context.Context, t, offset, limit int) ([]int64, error) {
	n, err := s.count(ctx, t, rankCap+1)
	if err != nil || n == 0 || offset >= n {
		return nil, err
	}
	var a sqlsearch.Args
	cond, rank := s.tier(t, &a)
	order := "d.id"
	if n <= rankCap {
		order = rank() + " DESC, d.id"
	}
	stmt := `SELECT d.id FROM search_documents d WHERE ` + cond + ` AND ` + s.where(&a) +
		` ORDER BY ` + order + ` LIMIT ` + a.Add(limit) + ` OFFSET ` + a.Add(offset)
	return s.e.ids(ctx, stmt, a.Values)
}

// browse answers a query with no term that must match: every document
// (not excluded) in title order.
func (s *query) browse(ctx context.Context) (*search.EngineResult, error) {
	var a sqlsearch.Args
	cond := s.where(&a)
	if s.excl != "" {
		cond += " AND NOT d.tsv @@ " + tsq(&a, s.excl)
	}
	n := len(a.Values)
	stmt := `SELECT d.id FROM search_documents d WHERE ` + cond + ` ORDER BY d.title_key, d.id LIMIT ` +
		a.Add(s.q.Limit) + ` OFFSET ` + a.Add(s.q.Offset)
	ids, err := s.e.ids(ctx, stmt, a.Values)
	if err != nil {
		return nil, err
	}
	var total int
	countStmt := `SELECT count(*) FROM (SELECT 1 FROM search_documents d WHERE ` + cond + ` LIMIT ` + fmt.Sprint(search.MaxCount) + `) c`
	if err := s.e.db.QueryRowContext(ctx, countStmt, a.Values[:n]...).Scan(&total); err != nil {
		return nil, fmt.Errorf("count search results: %w", err)
	}
	hits, err := s.e.hydrate(ctx, ids, "")
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

// Headline options: the whole title, a snippet of the text.
const (
	titleHeadline = "HighlightAll=true, StartSel=" + search.PreTag + ", StopSel=" + search.PostTag
	textHeadline  = "MaxFragments=1, MaxWords=32, MinWords=12, StartSel=" + search.PreTag + ", StopSel=" + search.PostTag
)

// hydrate reads the documents of ids, in that order, with highlights for
// the tsquery text hl ("" for none).
func (e *Engine) hydrate(ctx context.Context, ids []int64, hl string) ([]search.Hit, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var a sqlsearch.Args
	var stmt string
	if hl == "" {
		stmt = `SELECT d.id, d.type, d.document, d.res_ref, '', '' FROM search_documents d WHERE d.id = ANY(` + a.Add(ids) + `)`
	} else {
		q := tsq(&a, hl)
		stmt = `SELECT d.id, d.type, d.document, d.res_ref,
			ts_headline('simple', d.title, ` + q + `, '` + titleHeadline + `'),
			ts_headline('simple', d.text, ` + q + `, '` + textHeadline + `')
			FROM search_documents d WHERE d.id = ANY(` + a.Add(ids) + `)`
	}
	rows, err := e.db.QueryContext(ctx, stmt, a.Values...)
	if err != nil {
		return nil, fmt.Errorf("read search results: %w", err)
	}
	defer rows.Close()
	byID := make(map[int64]search.Hit, len(ids))
	for rows.Next() {
		var (
			id          int64
			h           search.Hit
			doc         string
			title, text sql.NullString
		)
		if err := rows.Scan(&id, &h.Type, &doc, &h.ResourceRef, &title, &text); err != nil {
			return nil, err
		}
		h.Document = []byte(doc)
		h.Highlight = highlights(title.String, text.String)
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

func highlights(title, text string) map[string]string {
	m := map[string]string{}
	if strings.Contains(title, search.PreTag) {
		m["title"] = title
	}
	if strings.Contains(text, search.PreTag) {
		m["text"] = text
	}
	if len(m) == 0 {
		return nil
	}
	return m
}
