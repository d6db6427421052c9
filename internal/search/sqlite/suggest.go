package sqlite

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/callboard/callboard/internal/search"
	"github.com/callboard/callboard/internal/search/sqlsearch"
)

// Suggest finds documents for a search-box prefix: first those whose
// name, then title, begins with it (walking the name and title indexes
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
	s := e.newQuery(&search.EngineQuery{Access: q.Access}, search.Query{}, gens)
	found := sqlsearch.NewSuggestions(q.Limit)
	// Names and titles beginning with the prefix, in index order; with a
	// permission condition more are read and checked against it.
	scan := q.Limit
	if s.meta != "" {
		scan = q.Limit * 10
	}
	for _, col := range []string{"name_key", "title_key"} {
		if found.Full() {
			break
		}
		var a sqlsearch.Args
		stmt := `SELECT d.id FROM search_documents d WHERE d.` + col + ` GLOB ` + a.Add(globPrefix(q.Prefix)) +
			` AND ` + s.inGenerations("+d.id") + ` ORDER BY d.` + col + ` LIMIT ` + strconv.Itoa(scan)
		got, err := e.ids(ctx, stmt, a.Values)
		if err != nil {
			return nil, fmt.Errorf("suggest: %w", err)
		}
		if got, err = s.allowed(ctx, got); err != nil {
			return nil, fmt.Errorf("suggest: %w", err)
		}
		found.Add(got)
	}
	match := suggestExpr(words)
	if !found.Full() {
		var a sqlsearch.Args
		stmt := `SELECT rowid` + s.from(&a, namesTable, restricted(match, s.meta), "") +
			` ORDER BY rowid LIMIT ` + strconv.Itoa(q.Limit+found.Len())
		got, err := e.ids(ctx, stmt, a.Values)
		if err != nil {
			return nil, fmt.Errorf("suggest: %w", err)
		}
		found.Add(got)
	}
	hl := sqlsearch.PrefixQuery(words)
	return e.hydrate(ctx, found.IDs(), &hl)
}

// suggestExpr matches names and titles with the words, the last as a
// prefix.
func suggestExpr(words []string) string {
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = phrase(search.Phrase{Words: []string{w}, Prefix: i == len(words)-1})
	}
	return "{title name} : (" + strings.Join(parts, " AND ") + ")"
}

// globPrefix is a GLOB pattern matching strings that begin with p, its
// own wildcard characters escaped.
func globPrefix(p string) string {
	var b strings.Builder
	for _, r := range p {
		switch r {
		case '*', '?', '[':
			b.WriteString("[" + string(r) + "]")
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('*')
	return b.String()
}

// candidateTerms is how many vocabulary words the trigram index offers
// per word for typo correction.
const candidateTerms = 40

// candidates reads the vocabulary words of names and titles that typo
// correction of w chooses from (sqlsearch.Corrected), by the trigram
// index; none for a word shorter than a trigram.
func (e *Engine) candidates(ctx context.Context, w string) ([]string, error) {
	grams := trigrams(w)
	if len(grams) == 0 {
		return nil, nil
	}
	parts := make([]string, len(grams))
	for i, g := range grams {
		parts[i] = `"` + g + `"`
	}
	rows, err := e.db.QueryContext(ctx, `SELECT term FROM search_terms_trigram WHERE search_terms_trigram MATCH $1
			ORDER BY rank LIMIT $2`, strings.Join(parts, " OR "), candidateTerms)
	if err != nil {
		return nil, fmt.Errorf("look up search terms: %w", err)
	}
	return sqlsearch.Column[string](rows)
}

// trigrams returns the distinct three-rune substrings of w.
func trigrams(w string) []string {
	if utf8.RuneCountInString(w) < 3 {
		return nil
	}
	r := []rune(w)
	seen := map[string]bool{}
	var out []string
	for i := 0; i+3 <= len(r); i++ {
		g := string(r[i : i+3])
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	return out
}
