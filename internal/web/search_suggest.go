package web

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/callboard/callboard/internal/search"
)

// maxSuggestions is how many documents the search box lists; the last
// entry of the list is always the search page for what was typed.
const maxSuggestions = 8

// suggestions is the data of the search box's list.
type suggestions struct {
	Query string
	Items []suggestion
	// All is the search page for the query.
	All string
}

// suggest serves /search/suggest?query=: the entries of the search box's
// list as an HTML fragment the script puts in place. The page for the
// whole query is the last entry. Fewer than search.MinSuggestPrefix
// characters get that entry alone.
func (p *Search) suggest(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("query"))
	if utf8.RuneCountInString(q) > maxSearchQuery {
		q = string([]rune(q)[:maxSearchQuery])
	}
	data := suggestions{Query: q, All: searchURL(q)}
	if utf8.RuneCountInString(search.Key(q)) >= search.MinSuggestPrefix {
		results, err := p.search.Suggest(r.Context(), q, maxSuggestions)
		if err != nil {
			return err
		}
		words := search.Words(q)
		for _, res := range results {
			s, err := suggestionOf(res, words)
			if err != nil {
				return err
			}
			data.Items = append(data.Items, s)
		}
	}
	body, err := p.fragment("search-suggestions", data)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Suggestions follow the index, and differ by reader.
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(body))
	return nil
}
