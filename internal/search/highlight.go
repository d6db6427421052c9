package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// SnippetWords is how many words a text highlight holds.
const SnippetWords = 32

// Highlights marks the words of q that must match (every alternative, a
// prefix matching the words it begins) in a document's title and text,
// with PreTag and PostTag: "title" is the whole title, "text" a snippet
// of at most SnippetWords words around the most matches, "…" marking
// where it was cut. A field without a match is left out; nil when
// neither has one. Engines use it so that every engine highlights alike.
func Highlights(q Query, title, text string) map[string]string {
	m := matcher(q)
	if m == nil {
		return nil
	}
	out := map[string]string{}
	if s, ok := mark(title, m, -1); ok {
		out["title"] = s
	}
	if s, ok := mark(text, m, SnippetWords); ok {
		out["text"] = s
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// wordMatcher reports whether a lower-cased word is one of the query's.
type wordMatcher func(w string) bool

func matcher(q Query) wordMatcher {
	exact := map[string]bool{}
	var prefixes []string
	for _, t := range q.Terms {
		if t.Exclude {
			continue
		}
		for _, p := range t.Alts {
			for i, w := range p.Words {
				if p.Prefix && i == len(p.Words)-1 {
					prefixes = append(prefixes, w)
				} else {
					exact[w] = true
				}
			}
		}
	}
	if len(exact) == 0 && len(prefixes) == 0 {
		return nil
	}
	return func(w string) bool {
		if exact[w] {
			return true
		}
		for _, p := range prefixes {
			if strings.HasPrefix(w, p) {
				return true
			}
		}
		return false
	}
}

// span is a word of a text: its byte range and whether it matched.
type span struct {
	start, end int
	hit        bool
}

// words finds the words of s as Words does, with their places.
func spans(s string, m wordMatcher) []span {
	var out []span
	start := -1
	for i, r := range s {
		alnum := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case alnum && start < 0:
			start = i
		case !alnum && start >= 0:
			out = append(out, span{start, i, m(strings.ToLower(s[start:i]))})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, span{start, len(s), m(strings.ToLower(s[start:]))})
	}
	return out
}

// mark returns s with its matching words marked, cut to the window of at
// most window words holding the most matches (all of s when window < 0);
// ok is false when no word matches.
func mark(s string, m wordMatcher, window int) (string, bool) {
	ws := spans(s, m)
	first, last := 0, len(ws)
	if window >= 0 && len(ws) > window {
		best, hits := 0, 0
		for i := 0; i < window; i++ {
			if ws[i].hit {
				hits++
			}
		}
		most := hits
		for i := window; i < len(ws); i++ {
			if ws[i].hit {
				hits++
			}
			if ws[i-window].hit {
				hits--
			}
			if hits > most {
				most, best = hits, i-window+1
			}
		}
		if most == 0 {
			return "", false
		}
		// Start a little before the first match rather than at the
		// window's edge, so the snippet reads from some context.
		h := best
		for !ws[h].hit {
			h++
		}
		first = max(0, min(h-window/4, len(ws)-window))
		last = first + window
	}
	var b strings.Builder
	any := false
	pos := 0
	if first > 0 {
		b.WriteString("…")
		pos = ws[first].start
	}
	end := len(s)
	if last < len(ws) {
		end = ws[last-1].end
	}
	for _, w := range ws[first:last] {
		if !w.hit {
			continue
		}
		any = true
		b.WriteString(s[pos:w.start])
		b.WriteString(PreTag)
		b.WriteString(s[w.start:w.end])
		b.WriteString(PostTag)
		pos = w.end
	}
	if !any {
		return "", false
	}
	b.WriteString(s[pos:end])
	if end < len(s) {
		b.WriteString("…")
	}
	return b.String(), utf8.ValidString(s)
}
