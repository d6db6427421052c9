package web

import (
	"html/template"
	"strings"
	"unicode"
	"unicode/utf8"
)

// span is a run of text, matched or not.
type span struct {
	text    string
	matched bool
}

// highlightSpans splits an engine's highlighted text at its tags: the
// text between a pre tag and the next post tag is matched. A tag without
// its partner is text like any other (documents may hold "<>" or "</>"
// themselves, as JSX does).
func highlightSpans(s, pre, post string) []span {
	var out []span
	if pre == "" || post == "" {
		return []span{{text: s}}
	}
	for s != "" {
		i := strings.Index(s, pre)
		if i < 0 {
			break
		}
		j := strings.Index(s[i+len(pre):], post)
		if j < 0 {
			break
		}
		if i > 0 {
			out = append(out, span{text: s[:i]})
		}
		if inner := s[i+len(pre) : i+len(pre)+j]; inner != "" {
			out = append(out, span{text: inner, matched: true})
		}
		s = s[i+len(pre)+j+len(post):]
	}
	if s != "" {
		out = append(out, span{text: s})
	}
	return out
}

// truncateSpans keeps the first max runes of spans, ending with an
// ellipsis when it cut; max <= 0 keeps all.
func truncateSpans(spans []span, max int) []span {
	if max <= 0 {
		return spans
	}
	left := max
	for i, sp := range spans {
		n := utf8.RuneCountInString(sp.text)
		if n <= left {
			left -= n
			continue
		}
		out := append([]span(nil), spans[:i]...)
		cut := sp
		cut.text = cutWords(sp.text, left)
		out = append(out, cut)
		return append(out, span{text: "…"})
	}
	return spans
}

// cutWords returns the first n runes of s, shortened to the last space
// within them when there is one, so that a word is not cut in half.
func cutWords(s string, n int) string {
	r := []rune(s)
	if n >= len(r) {
		return s
	}
	head := string(r[:n])
	if i := strings.LastIndexFunc(head, unicode.IsSpace); i > 0 {
		head = head[:i]
	}
	return strings.TrimRightFunc(head, unicode.IsSpace)
}

// renderSpans writes spans as HTML: every character escaped, matched
// runs in <mark>. It is the only place search text becomes HTML.
func renderSpans(spans []span) template.HTML {
	var b strings.Builder
	for _, sp := range spans {
		if sp.matched {
			b.WriteString("<mark>")
		}
		b.WriteString(template.HTMLEscapeString(sp.text))
		if sp.matched {
			b.WriteString("</mark>")
		}
	}
	return template.HTML(b.String())
}

// highlightHTML renders an engine's highlighted text safely, at most max
// runes of it (0 for all): escaped, with only the engine's own tags
// turned into <mark>.
func highlightHTML(s, pre, post string, max int) template.HTML {
	return renderSpans(truncateSpans(highlightSpans(collapseSpace(s), pre, post), max))
}

// plainHTML renders text without highlights, at most max runes of it.
func plainHTML(s string, max int) template.HTML {
	return renderSpans(truncateSpans([]span{{text: collapseSpace(s)}}, max))
}

// collapseSpace turns runs of white space (page text keeps its line
// breaks) into single spaces.
func collapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// markPrefixes marks, in s, the beginnings of its words that begin with
// one of words (lower-cased, as search.Words writes them): how the search
// box shows what matched when the engine gave no highlight.
func markPrefixes(s string, words []string) template.HTML {
	var spans []span
	plain := 0 // start of the pending unmatched text
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			i += size
			continue
		}
		end := i
		for end < len(s) {
			r, size := utf8.DecodeRuneInString(s[end:])
			if !isWordRune(r) {
				break
			}
			end += size
		}
		if n := longestPrefix(s[i:end], words); n > 0 {
			if plain < i {
				spans = append(spans, span{text: s[plain:i]})
			}
			spans = append(spans, span{text: s[i : i+n], matched: true})
			plain = i + n
		}
		i = end
	}
	if plain < len(s) {
		spans = append(spans, span{text: s[plain:]})
	}
	return renderSpans(spans)
}

// longestPrefix returns the length in bytes of the longest of words that
// begins word (compared lower-cased), 0 when none does.
func longestPrefix(word string, words []string) int {
	best := 0
	for _, w := range words {
		if w == "" {
			continue
		}
		// Lower-case word rune by rune, as strings.ToLower wrote w: a
		// rune may become several (İ is i and a combining dot).
		wi, n := 0, 0
		for n < len(word) && wi < len(w) {
			r, size := utf8.DecodeRuneInString(word[n:])
			lr := strings.ToLower(string(r))
			if !strings.HasPrefix(w[wi:], lr) {
				break
			}
			n += size
			wi += len(lr)
		}
		if wi == len(w) && n > best {
			best = n
		}
	}
	return best
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
