package search

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fields of a document as ranking reads them, highest weight first:
// title, name, description, tags, body.
const rankFields = 5

// fieldWeights and fieldLengths (typical lengths in words) of the fields
// in rank order, for Rank's BM25F-like score.
var (
	fieldWeights = [rankFields]float64{10, 5, 3, 2, 1}
	fieldLengths = [rankFields]float64{4, 3, 20, 3, 200}
)

// BM25's term frequency saturation and length normalisation.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// MatchTier returns the ranking tier of a document for q: the smallest k
// such that every term of q that must match does so within fields[0..k]
// (a phrase within one field), fields given by weight, highest first;
// len(fields) when they do not hold every term (the words match in
// text beyond them).
func MatchTier(q Query, fields ...string) int {
	tier, _ := Rank(q, fields...)
	return tier
}

// Rank returns a document's tier (MatchTier) and its score within the
// tier: a BM25F-like sum over the terms and fields of the saturated
// frequency of the term (any alternative) in the field, weighted title
// 10, name 5, description 3, tags 2, body 1 and normalised by the
// field's length. It leaves out BM25's inverse document frequency: every
// document of a tier holds every term, so it hardly changes their order,
// and it is what makes a full-text index's own bm25 slow for common
// words. fields are title, name, description, tags and body, the latter
// ones optional.
func Rank(q Query, fields ...string) (int, float64) {
	return NewRanker(q).Rank(fields...)
}

// Ranker ranks documents for one query as Rank does, reusing its buffers
// from one document to the next: splitting the fields into words is most
// of the cost, and an engine ranks up to a thousand documents a query.
// A Ranker is not safe for concurrent use.
type Ranker struct {
	q      Query
	fields []fieldWords
	// counts holds the occurrences of each term in each field, field
	// by field; met which terms the fields so far hold.
	counts []int
	met    []bool
}

// NewRanker returns a Ranker for q.
func NewRanker(q Query) *Ranker {
	return &Ranker{q: q, met: make([]bool, len(q.Terms))}
}

// Rank returns the tier and score of a document with these fields, as
// the function Rank does.
func (r *Ranker) Rank(fields ...string) (int, float64) {
	for len(r.fields) < len(fields) {
		r.fields = append(r.fields, fieldWords{})
	}
	words := r.fields[:len(fields)]
	nt := len(r.q.Terms)
	r.counts = r.counts[:0]
	for k, f := range fields {
		words[k].split(f)
		for _, t := range r.q.Terms {
			n := 0
			if !t.Exclude {
				n = words[k].termCount(t)
			}
			r.counts = append(r.counts, n)
		}
	}
	clear(r.met)
	tier := len(fields)
	for k := range words {
		all := true
		for i, t := range r.q.Terms {
			if t.Exclude || r.met[i] {
				continue
			}
			if r.counts[k*nt+i] > 0 {
				r.met[i] = true
			} else {
				all = false
			}
		}
		if all {
			tier = k
			break
		}
	}
	score := 0.0
	for k := range words {
		n := len(words[k].spans)
		if k >= rankFields || n == 0 {
			continue
		}
		norm := 1 - bm25B + bm25B*float64(n)/fieldLengths[k]
		for i := range r.q.Terms {
			if tf := float64(r.counts[k*nt+i]); tf > 0 {
				score += fieldWeights[k] * tf * (bm25K1 + 1) / (tf + bm25K1*norm)
			}
		}
	}
	return tier, math.Round(score*1e6) / 1e6
}

// fieldWords is a field split into words as Words splits it: the
// lower-cased text and where each word lies in it.
type fieldWords struct {
	text  []byte
	spans []wordSpan
}

// wordSpan is where a word lies in a fieldWords text.
type wordSpan struct{ start, end int32 }

// split reads s into f, reusing f's buffers.
func (f *fieldWords) split(s string) {
	f.spans = f.spans[:0]
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		f.text = append(f.text[:0], strings.ToLower(s)...)
		start := -1
		for i, r := range string(f.text) {
			start = f.edge(unicode.IsLetter(r) || unicode.IsDigit(r), i, start)
		}
		f.edge(false, len(f.text), start)
		return
	}
	f.text = f.text[:0]
	start := -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		f.text = append(f.text, c)
		start = f.edge('a' <= c && c <= 'z' || '0' <= c && c <= '9', i, start)
	}
	f.edge(false, len(s), start)
}

// edge records a word ending at i when one started (start ≥ 0) and this
// byte is not a word's, and returns where the current word starts, -1
// outside one.
func (f *fieldWords) edge(word bool, i, start int) int {
	switch {
	case word && start < 0:
		return i
	case !word && start >= 0:
		f.spans = append(f.spans, wordSpan{int32(start), int32(i)})
		return -1
	}
	return start
}

// word returns the text of word i; converting it in a comparison does
// not allocate.
func (f *fieldWords) word(i int) []byte {
	sp := f.spans[i]
	return f.text[sp.start:sp.end]
}

// termCount counts the occurrences of the term's alternatives.
func (f *fieldWords) termCount(t Term) int {
	n := 0
	for _, p := range t.Alts {
		n += f.phraseCount(p)
	}
	return n
}

func (f *fieldWords) phraseCount(p Phrase) int {
	n, c := len(p.Words), 0
	for i := 0; i+n <= len(f.spans); i++ {
		ok := true
		for j, w := range p.Words {
			got := f.word(i + j)
			if p.Prefix && j == n-1 {
				ok = len(got) >= len(w) && string(got[:len(w)]) == w
			} else {
				ok = string(got) == w
			}
			if !ok {
				break
			}
		}
		if ok {
			c++
		}
	}
	return c
}
