package sqlite

import (
	"context"
	"database/sql"
	"fmt"
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

// bm25 is the ranking function with the column weights title > name >
// description > tags > body.
const bm25 = `bm25(search_fts, 10.0, 5.0, 3.0, 2.0, 1.0)`

// query is one search being run: the match expressions and the shared
// conditions.
type query struct {
	e     *Engine
	q     *search.EngineQuery
	gens  []int64
	pos   string // positive expression; "" for none
	excl  string // excluded expression; "" for none
	exact string
}

// where returns the shared conditions over d for a statement.
func (s *query) where(a *sqlsearch.Args) string {
	return sqlsearch.Where(s.gens, s.q.Filters, s.q.Access, a, jsonFilter)
}

// jsonFilter matches a field without a column by reading the document: a
// scalar or any item of a list.
func jsonFilter(f search.Filter, a *sqlsearch.Args) string {
	return `EXISTS (SELECT 1 FROM json_each(d.document, ` + a.Add(`$."`+f.Field+`"`) + `) j WHERE
		(CASE j.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' WHEN 'text' THEN lower(j.value) ELSE CAST(j.value AS TEXT) END)
		IN (` + sqlsearch.List(a, f.Values) + `))`
}

// Search runs q. Results come in tiers: documents whose name or title
// equals the whole query first, then those matching in titles and names,
// in descriptions, in tags, anywhere; each tier by bm25 unless it is
// larger than rankCap. Total counts up to search.MaxCount.
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
	s := &query{e: e, q: q, gens: gens, pos: positiveExpr(parsed), excl: excludedExpr(parsed), exact: parsed.Exact}
	if s.pos == "" {
		return s.browse(ctx)
	}
	var ids []int64
	err = sqlsearch.Paging(len(tierColumns)+1, q.Offset, q.Limit,
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

// tier returns the match expression and extra condition of tier t: 0 is
// the exact name or title matches, 1.. the tierColumns, -1 everything.
func (s *query) tier(t int, a *sqlsearch.Args) (match, cond string) {
	switch {
	case t < 0:
		return withoutExcluded(s.pos, s.excl), ""
	case t == 0:
		if s.exact == "" {
			return "", ""
		}
		e := a.Add(s.exact)
		return withoutExcluded(s.pos, s.excl), " AND (d.name_key = " + e + " OR d.title_key = " + e + ")"
	}
	if s.exact != "" {
		e := a.Add(s.exact)
		cond = " AND d.name_key <> " + e + " AND d.title_key <> " + e
	}
	return tierExpr(t-1, s.pos, s.excl), cond
}

// count counts tier t's documents, up to upTo.
func (s *query) count(ctx context.Context, t, upTo int) (int, error) {
	var a sqlsearch.Args
	match, cond := s.tier(t, &a)
	if match == "" {
		return 0, nil
	}
	m := a.Add(match)
	stmt := `SELECT count(*) FROM (SELECT 1 FROM search_fts JOIN search_documents d ON d.id = search_fts.rowid
		WHERE search_fts MATCH ` + m + cond + ` AND ` + s.where(&a) + ` LIMIT ` + a.Add(upTo) + `)`
	var n int
	if err := s.e.db.QueryRowContext(ctx, stmt, a.Values...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count search results: %w", err)
	}
	return n, nil
}

// fetch reads ids of tier t: ranked by bm25 when the tier is small
// enough, in index order otherwise.
func (s *query) fetch(ctx context.Context, t, offset, limit int) ([]int64, error) {
	n, err := s.count(ctx, t, rankCap+1)
	if err != nil || n == 0 || offset >= n {
		return nil, err
	}
	order := "search_fts.rowid"
	if n <= rankCap {
		order = bm25 + ", d.id"
	}
	var a sqlsearch.Args
	match, cond := s.tier(t, &a)
	m := a.Add(match)
	stmt := `SELECT d.id FROM search_fts JOIN search_documents d ON d.id = search_fts.rowid
		WHERE search_fts MATCH ` + m + cond + ` AND ` + s.where(&a) + `
		ORDER BY ` + order + ` LIMIT ` + a.Add(limit) + ` OFFSET ` + a.Add(offset)
	return s.e.ids(ctx, stmt, a.Values)
}

// browse answers a query with no term that must match: every document
// (not excluded) in title order.
func (s *query) browse(ctx context.Context) (*search.EngineResult, error) {
	var a sqlsearch.Args
	cond := s.where(&a)
	if s.excl != "" {
		cond += ` AND d.id NOT IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ` + a.Add(s.excl) + `)`
	}
	n := len(a.Values)
	stmt := `SELECT d.id FROM search_documents d WHERE ` + cond + ` ORDER BY d.title_key, d.id LIMIT ` +
		a.Add(s.q.Limit) + ` OFFSET ` + a.Add(s.q.Offset)
	ids, err := s.e.ids(ctx, stmt, a.Values)
	if err != nil {
		return nil, err
	}
	var total int
	countStmt := `SELECT count(*) FROM (SELECT 1 FROM search_documents d WHERE ` + cond + ` LIMIT ` + fmt.Sprint(search.MaxCount) + `)`
	if err := s.e.db.QueryRowContext(ctx, countStmt, a.Values[:n]...).Scan(&total); err != nil {
		return nil, fmt.Errorf("count search results: %w", err)
	}
	hits, err := s.e.hydrate(ctx, ids, "")
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

// snippetTokens is how many tokens a text highlight holds.
const snippetTokens = 32

// hydrate reads the documents of ids, in that order, with their
// highlights for the match expression hl ("" for none).
func (e *Engine) hydrate(ctx context.Context, ids []int64, hl string) ([]search.Hit, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var a sqlsearch.Args
	var stmt string
	if hl == "" {
		stmt = `SELECT d.id, d.type, d.document, d.res_ref, '', '' FROM search_documents d WHERE d.id IN (` + sqlsearch.List(&a, ids) + `)`
	} else {
		m := a.Add(hl)
		stmt = `SELECT d.id, d.type, d.document, d.res_ref,
			highlight(search_fts, 0, '` + search.PreTag + `', '` + search.PostTag + `'),
			snippet(search_fts, CASE d.long_text WHEN 1 THEN 4 ELSE 2 END, '` + search.PreTag + `', '` + search.PostTag + `', '…', ` + fmt.Sprint(snippetTokens) + `)
			FROM search_fts JOIN search_documents d ON d.id = search_fts.rowid
			WHERE search_fts MATCH ` + m + ` AND search_fts.rowid IN (` + sqlsearch.List(&a, ids) + `)`
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

// highlights keeps the highlighted fields that hold a match.
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
