package sqlsearch

import (
	"context"
	"strings"
	"sync"

	"github.com/callboard/callboard/internal/search"
)

// NameTerms are the words of a document's name and title that typo
// tolerance may correct to: lower-cased, at least three letters, not
// numbers.
func NameTerms(d *search.Document) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range append(search.Words(d.Name), search.Words(d.Title)...) {
		if len([]rune(w)) < 3 || seen[w] || strings.Trim(w, "0123456789") == "" {
			continue
		}
		seen[w] = true
		out = append(out, w)
	}
	return out
}

// Vocabulary remembers the words known to be in the typo vocabulary
// (search_terms), so that a write adds only the others. The zero value
// knows no word.
type Vocabulary struct {
	mu    sync.Mutex
	known map[string]bool
}

// Unknown returns the words not known to be in the vocabulary, each
// once, in the order of words.
func (v *Vocabulary) Unknown(words []string) []string {
	v.mu.Lock()
	var fresh []string
	for _, w := range words {
		if !v.known[w] {
			fresh = append(fresh, w)
		}
	}
	v.mu.Unlock()
	return dedupe(fresh)
}

// Remember notes words as being in the vocabulary, once the transaction
// that added them has committed.
func (v *Vocabulary) Remember(words []string) {
	v.mu.Lock()
	if v.known == nil {
		v.known = map[string]bool{}
	}
	for _, w := range words {
		v.known[w] = true
	}
	v.mu.Unlock()
}

func dedupe(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := ss[:0:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Corrected is the query q runs: q.Query, or with typo tolerance
// (q.Fuzzy) its fuzzy words corrected to the close ones
// (search.Corrections) among the vocabulary words candidates reads for
// each. ok is false when no word has a correction: then nothing matches.
func Corrected(ctx context.Context, q *search.EngineQuery, candidates func(ctx context.Context, word string) ([]string, error)) (parsed search.Query, ok bool, err error) {
	parsed = q.Query
	if !q.Fuzzy {
		return parsed, true, nil
	}
	fix := map[string][]string{}
	for _, w := range parsed.FuzzyWords() {
		cands, err := candidates(ctx, w)
		if err != nil {
			return search.Query{}, false, err
		}
		if c := search.Corrections(w, cands); len(c) > 0 {
			fix[w] = c
		}
	}
	if len(fix) == 0 {
		return search.Query{}, false, nil
	}
	return parsed.WithCorrections(fix), true, nil
}
