package techdocs

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// SearchIndexFile is where MkDocs' search plugin (and our builder) write a
// site's search index.
const SearchIndexFile = "search/search_index.json"

// SearchIndex is search/search_index.json: one entry per page and per
// section, as MkDocs writes it ({"config": ..., "docs": [...]}).
type SearchIndex struct {
	Docs []SearchDoc `json:"docs"`

	lower []searchText
}

// SearchDoc is an entry of the index; Location is relative to the site
// root ("guides/setup/#install").
type SearchDoc struct {
	Location string `json:"location"`
	Title    string `json:"title"`
	Text     string `json:"text"`
}

type searchText struct{ title, text string }

// SearchHit is a matching entry with a snippet of its text.
type SearchHit struct {
	Location string
	Title    string
	Snippet  string
	score    int
}

// ParseSearchIndex decodes a site's search index.
func ParseSearchIndex(b []byte) (*SearchIndex, error) {
	var ix SearchIndex
	if err := json.Unmarshal(b, &ix); err != nil {
		return nil, fmt.Errorf("%s: %w", SearchIndexFile, err)
	}
	ix.lower = make([]searchText, len(ix.Docs))
	for i := range ix.Docs {
		ix.Docs[i].Text = stripTags(ix.Docs[i].Text)
		ix.lower[i] = searchText{strings.ToLower(ix.Docs[i].Title), strings.ToLower(ix.Docs[i].Text)}
	}
	return &ix, nil
}

// Search returns up to limit entries holding every word of q, in title or
// text, best first: title matches count most, then how often the words
// occur; ties keep the site's order.
func (ix *SearchIndex) Search(q string, limit int) []SearchHit {
	terms := strings.Fields(strings.ToLower(q))
	if len(terms) == 0 {
		return nil
	}
	var hits []SearchHit
	for i, d := range ix.Docs {
		lt := ix.lower[i]
		score := 0
		for _, t := range terms {
			inTitle := strings.Count(lt.title, t)
			inText := min(strings.Count(lt.text, t), 10)
			if inTitle+inText == 0 {
				score = -1
				break
			}
			score += 10*inTitle + inText
		}
		if score < 0 {
			continue
		}
		hits = append(hits, SearchHit{Location: d.Location, Title: d.Title, Snippet: snippet(d.Text, lt.text, terms), score: score})
	}
	slices.SortStableFunc(hits, func(a, b SearchHit) int { return b.score - a.score })
	if limit > 0 && len(hits) > limit {
		hits = hits[:limit]
	}
	return hits
}

// snippet is about 160 characters of text around the first term found.
func snippet(text, lower string, terms []string) string {
	const width = 160
	at := -1
	for _, t := range terms {
		if i := strings.Index(lower, t); i >= 0 && (at < 0 || i < at) {
			at = i
		}
	}
	if at < 0 || len(lower) != len(text) {
		at = 0 // lower-casing changed byte offsets; start at the top
	}
	start := max(0, at-width/3)
	for start > 0 && !utf8.RuneStart(text[start]) {
		start--
	}
	end := min(len(text), start+width)
	for end < len(text) && !utf8.RuneStart(text[end]) {
		end++
	}
	s := strings.TrimSpace(text[start:end])
	if start > 0 {
		s = "…" + s
	}
	if end < len(text) {
		s += "…"
	}
	return s
}

// stripTags removes markup from index text (older MkDocs versions index
// HTML) and collapses white space.
func stripTags(s string) string {
	if !strings.Contains(s, "<") {
		return collapse(s)
	}
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>' && in:
			in = false
			b.WriteByte(' ')
		case !in:
			b.WriteRune(r)
		}
	}
	return collapse(b.String())
}
