package search

import "math"

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
	words := make([][]string, len(fields))
	for i, f := range fields {
		words[i] = Words(f)
	}
	tier := len(fields)
	met := make([]bool, len(q.Terms))
	for k := range fields {
		all := true
		for i, t := range q.Terms {
			if t.Exclude || met[i] {
				continue
			}
			if termCount(t, words[k]) > 0 {
				met[i] = true
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
	for k := range fields {
		if k >= rankFields || len(words[k]) == 0 {
			continue
		}
		norm := 1 - bm25B + bm25B*float64(len(words[k]))/fieldLengths[k]
		for _, t := range q.Terms {
			if t.Exclude {
				continue
			}
			if tf := float64(termCount(t, words[k])); tf > 0 {
				score += fieldWeights[k] * tf * (bm25K1 + 1) / (tf + bm25K1*norm)
			}
		}
	}
	return tier, math.Round(score*1e6) / 1e6
}

// termCount counts the occurrences of the term's alternatives in words.
func termCount(t Term, words []string) int {
	n := 0
	for _, p := range t.Alts {
		n += phraseCount(p, words)
	}
	return n
}

func phraseCount(p Phrase, words []string) int {
	n, c := len(p.Words), 0
	for i := 0; i+n <= len(words); i++ {
		ok := true
		for j, w := range p.Words {
			got := words[i+j]
			if p.Prefix && j == n-1 {
				ok = len(got) >= len(w) && got[:len(w)] == w
			} else {
				ok = got == w
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
