package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/callboard/callboard/internal/search"
	"github.com/callboard/callboard/internal/search/sqlsearch"
)

// Suggest finds documents for a search-box prefix: first those whose
// name, then title, begins with it (walking the C-collated btree indexes
// in order), then those with a word of their name or title beginning
// with it (the last word; earlier words match whole).
func (e *Engine) Suggest(ctx context.Context, q *search.SuggestQuery) ([]search.Hit, error) {
	gens, err := e.liveGenerations(ctx, q.Types)
	if err != nil || len(gens) == 0 {
		return nil, err
	}
	words := search.Words(q.Prefix)
	if len(words) == 0 {
		return nil, nil
	}
	s := &query{e: e, gens: gens, meta: metaQuery(search.Restriction(nil, q.Access))}
	restrict := func(a *sqlsearch.Args) string {
		if s.meta == "" {
			return s.inGenerations(a)
		}
		return s.inGenerations(a) + " AND d.tsv_names @@ " + tsq(a, s.meta)
	}
	found := sqlsearch.NewSuggestions(q.Limit)
	for _, col := range []string{"name_key", "title_key"} {
		if found.Full() {
			break
		}
		var a sqlsearch.Args
		stmt := `SELECT d.id FROM search_documents d WHERE d.` + col + ` LIKE ` + a.Add(likePrefix(q.Prefix)) +
			` AND ` + restrict(&a) + ` ORDER BY d.` + col + ` LIMIT ` + strconv.Itoa(q.Limit)
		got, err := e.ids(ctx, stmt, a.Values)
		if err != nil {
			return nil, fmt.Errorf("suggest: %w", err)
		}
		found.Add(got)
	}
	if !found.Full() {
		var a sqlsearch.Args
		stmt := `SELECT d.id FROM search_documents d WHERE d.tsv_names @@ ` + tsq(&a, and(suggestQuery(words), s.meta)) +
			` AND ` + s.inGenerations(&a) + ` ORDER BY d.id LIMIT ` + strconv.Itoa(q.Limit+found.Len())
		got, err := e.ids(ctx, stmt, a.Values)
		if err != nil {
			return nil, fmt.Errorf("suggest: %w", err)
		}
		found.Add(got)
	}
	hl := sqlsearch.PrefixQuery(words)
	return e.hydrate(ctx, found.IDs(), &hl)
}

// suggestQuery matches names and titles (weights A and B) with the words,
// the last as a prefix.
func suggestQuery(words []string) string {
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = lexeme(w, i == len(words)-1, "AB")
	}
	return strings.Join(parts, " & ")
}

// likePrefix is a LIKE pattern matching strings that begin with p, its
// own wildcard characters escaped (LIKE's default escape is \).
func likePrefix(p string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(p) + "%"
}

// candidateTerms is how many vocabulary words are offered per word for
// typo correction.
const candidateTerms = 40

// candidates reads the vocabulary words of names and titles that typo
// correction of w chooses from (sqlsearch.Corrected). With pg_trgm the
// trigram index finds them; without it, words of about the same length
// and the same first letter are read.
func (e *Engine) candidates(ctx context.Context, w string) ([]string, error) {
	e.trgmOnce.Do(func() {
		err := e.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')`).Scan(&e.trgm)
		if err != nil {
			e.log.Warn("cannot tell whether pg_trgm is installed", "error", err)
		}
	})
	stmt := `SELECT term FROM search_terms WHERE term % $1 ORDER BY similarity(term, $1) DESC, term LIMIT $2`
	args := []any{w, candidateTerms}
	if !e.trgm {
		n := len([]rune(w))
		stmt = `SELECT term FROM search_terms WHERE left(term, 1) = left($1, 1) AND length(term) BETWEEN $2 AND $3 LIMIT 5000`
		args = []any{w, n - 2, n + 2}
	}
	rows, err := e.query(ctx, stmt, args...)
	if err != nil {
		return nil, fmt.Errorf("look up search terms: %w", err)
	}
	return sqlsearch.Column[string](rows)
}
