package sqlsearch

import "github.com/callboard/callboard/internal/search"

// Suggestions gathers the documents a search-box prefix suggests from
// the lookups run one after another: each once, in the order found, up
// to a limit.
type Suggestions struct {
	limit int
	ids   []int64
	seen  map[int64]bool
}

// NewSuggestions gathers up to limit suggestions.
func NewSuggestions(limit int) *Suggestions {
	return &Suggestions{limit: limit, seen: map[int64]bool{}}
}

// Add appends the ids not gathered yet, while there is room.
func (s *Suggestions) Add(ids []int64) {
	for _, id := range ids {
		if !s.seen[id] && len(s.ids) < s.limit {
			s.seen[id] = true
			s.ids = append(s.ids, id)
		}
	}
}

// Full reports whether the limit is reached: no lookup is left to run.
func (s *Suggestions) Full() bool { return len(s.ids) >= s.limit }

// Len is how many suggestions are gathered.
func (s *Suggestions) Len() int { return len(s.ids) }

// IDs are the suggestions gathered, in order.
func (s *Suggestions) IDs() []int64 { return s.ids }

// PrefixQuery is the query of a search-box prefix's words, whose
// highlights a suggestion shows: each word whole but the last, which
// matches as a prefix.
func PrefixQuery(words []string) search.Query {
	var q search.Query
	for i, w := range words {
		q.Terms = append(q.Terms, search.Term{Alts: []search.Phrase{{Words: []string{w}, Prefix: i == len(words)-1}}})
	}
	return q
}
