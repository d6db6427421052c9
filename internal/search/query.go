package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Query is a parsed search term: every term that is not excluded must
// match (AND), no excluded term may.
type Query struct {
	Terms []Term
	// Exact is the whole term as names and titles are compared (Key) when
	// it has no exclusion and no prefix; a document whose name or title
	// equals it ranks first. "" otherwise. Such a document holds every
	// word of the query, so it always matches it.
	Exact string
}

// Term is one word or "phrase" of a query, with its synonyms.
type Term struct {
	// Alts are the ways the term may match: the term itself first, then
	// its synonyms and typo corrections.
	Alts    []Phrase
	Exclude bool
}

// Phrase is a sequence of words that must appear together, in order.
type Phrase struct {
	// Words are lower-cased runs of letters and digits.
	Words []string
	// Prefix makes the last word match any word it begins.
	Prefix bool
}

// MaxTerms bounds the terms of a query; later ones are ignored.
const MaxTerms = 16

// ParseQuery reads the query syntax: words (all must match), "exact
// phrases", -exclusions (a word or phrase) and prefix* (a word, or the
// last word of a phrase). A word with punctuation inside, such as
// payments-api, is the phrase of its parts. Anything else is ignored:
// stray quotes, lone dashes and stars, characters that are neither
// letters nor digits.
func ParseQuery(s string) Query {
	var q Query
	plain := true
	for len(s) > 0 && len(q.Terms) < MaxTerms {
		r, size := utf8.DecodeRuneInString(s)
		if unicode.IsSpace(r) {
			s = s[size:]
			continue
		}
		exclude := false
		if r == '-' {
			exclude = true
			s = s[size:]
			if s == "" {
				break
			}
			r, _ = utf8.DecodeRuneInString(s)
			if unicode.IsSpace(r) {
				continue
			}
		}
		var text string
		prefix := false
		if r == '"' {
			s = s[1:]
			if end := strings.IndexByte(s, '"'); end < 0 {
				text, s = s, ""
			} else {
				text, s = s[:end], s[end+1:]
			}
			if strings.HasPrefix(s, "*") {
				prefix = true
				s = strings.TrimLeft(s, "*")
			}
		} else {
			end := strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '"' })
			if end < 0 {
				end = len(s)
			}
			text, s = s[:end], s[end:]
			if t := strings.TrimRight(text, "*"); t != text {
				prefix = true
				text = t
			}
		}
		words := Words(text)
		if len(words) == 0 {
			continue
		}
		if exclude || prefix {
			plain = false
		}
		q.Terms = append(q.Terms, Term{Alts: []Phrase{{Words: words, Prefix: prefix}}, Exclude: exclude})
	}
	if plain && len(q.Terms) > 0 {
		q.Exact = exactKey(q.Terms)
	}
	return q
}

// exactKey is the words of the terms joined by spaces, as Key writes
// names and titles.
func exactKey(terms []Term) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = strings.Join(t.Alts[0].Words, " ")
	}
	return strings.Join(parts, " ")
}

// Words splits s into lower-cased runs of letters and digits.
func Words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// Positive reports whether the query has a term that must match; a query
// of exclusions only (or none) matches every document not excluded.
func (q *Query) Positive() bool {
	for _, t := range q.Terms {
		if !t.Exclude {
			return true
		}
	}
	return false
}

// Empty reports whether the query has no terms at all.
func (q *Query) Empty() bool { return len(q.Terms) == 0 }

// FuzzyWords returns the words typo tolerance may correct: terms that
// must match and are one word of at least four letters, not a prefix, not
// a number.
func (q *Query) FuzzyWords() []string {
	var out []string
	for _, t := range q.Terms {
		if t.Exclude || len(t.Alts[0].Words) != 1 || t.Alts[0].Prefix {
			continue
		}
		w := t.Alts[0].Words[0]
		if utf8.RuneCountInString(w) < 4 || strings.IndexFunc(w, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 {
			continue
		}
		out = append(out, w)
	}
	return out
}

// WithCorrections returns a copy of q whose one-word terms also match the
// given corrections of their word.
func (q Query) WithCorrections(fix map[string][]string) Query {
	terms := make([]Term, len(q.Terms))
	for i, t := range q.Terms {
		terms[i] = t
		if t.Exclude || len(t.Alts[0].Words) != 1 || t.Alts[0].Prefix {
			continue
		}
		alts := append([]Phrase(nil), t.Alts...)
		for _, c := range fix[t.Alts[0].Words[0]] {
			alts = append(alts, Phrase{Words: []string{c}})
		}
		terms[i].Alts = alts
	}
	q.Terms = terms
	return q
}

// WithPlurals returns a copy of q whose one-word terms (not prefixes) of
// at least four letters also match the word's English singular or plural
// form: engines do not stem, so this is what lets "deployments" find
// "deployment" and "service" find "services".
func (q Query) WithPlurals() Query {
	terms := make([]Term, len(q.Terms))
	for i, t := range q.Terms {
		terms[i] = t
		first := t.Alts[0]
		if first.Prefix || len(first.Words) != 1 {
			continue
		}
		if v := pluralVariant(first.Words[0]); v != "" {
			terms[i].Alts = append(append([]Phrase(nil), t.Alts...), Phrase{Words: []string{v}})
		}
	}
	q.Terms = terms
	return q
}

// pluralVariant returns the other number of an English word: the
// singular of a plural, the plural of anything else; "" for words too
// short or not all letters.
func pluralVariant(w string) string {
	if utf8.RuneCountInString(w) < 4 || strings.IndexFunc(w, func(r rune) bool { return !unicode.IsLetter(r) }) >= 0 {
		return ""
	}
	switch {
	case strings.HasSuffix(w, "ies"):
		return strings.TrimSuffix(w, "ies") + "y"
	case strings.HasSuffix(w, "sses"), strings.HasSuffix(w, "xes"), strings.HasSuffix(w, "ches"), strings.HasSuffix(w, "shes"):
		return strings.TrimSuffix(w, "es")
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
		return w + "es"
	case strings.HasSuffix(w, "s"):
		return strings.TrimSuffix(w, "s")
	case strings.HasSuffix(w, "y") && !strings.ContainsRune("aeiou", rune(w[len(w)-2])):
		return strings.TrimSuffix(w, "y") + "ies"
	case strings.HasSuffix(w, "x"), strings.HasSuffix(w, "ch"), strings.HasSuffix(w, "sh"):
		return w + "es"
	}
	return w + "s"
}

// String writes the query back in its syntax, each term's alternatives
// in parentheses joined by |; for logs and tests.
func (q Query) String() string {
	var b strings.Builder
	for i, t := range q.Terms {
		if i > 0 {
			b.WriteByte(' ')
		}
		if t.Exclude {
			b.WriteByte('-')
		}
		if len(t.Alts) > 1 {
			b.WriteByte('(')
		}
		for j, p := range t.Alts {
			if j > 0 {
				b.WriteByte('|')
			}
			b.WriteString(p.String())
		}
		if len(t.Alts) > 1 {
			b.WriteByte(')')
		}
	}
	return b.String()
}

// String writes a phrase in the query syntax.
func (p Phrase) String() string {
	s := strings.Join(p.Words, " ")
	if len(p.Words) > 1 {
		s = `"` + s + `"`
	}
	if p.Prefix {
		s += "*"
	}
	return s
}
