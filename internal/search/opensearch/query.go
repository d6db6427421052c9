package opensearch

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/callboard/callboard/internal/search"
)

// textFields are the searched fields with their boosts.
var textFields = []string{"title^10", "name^5", "description^3", "tags^2", "body"}

// nameFields are where typo tolerance applies.
var nameFields = []string{"title^10", "name^5"}

// exactBoost lifts documents whose name or title equals the query above
// any text score.
const exactBoost = 1000

// phraseQuery matches a phrase in the text fields.
func phraseQuery(p search.Phrase) map[string]any {
	typ := "phrase"
	if p.Prefix {
		typ = "phrase_prefix"
	}
	return map[string]any{"multi_match": map[string]any{"query": strings.Join(p.Words, " "), "type": typ, "fields": textFields}}
}

// termQuery matches any alternative of a term; fuzzy adds the engine's
// fuzzy matching of the word in names and titles.
func termQuery(t search.Term, fuzzy bool) map[string]any {
	should := make([]any, 0, len(t.Alts)+1)
	for _, p := range t.Alts {
		should = append(should, phraseQuery(p))
	}
	if fuzzy {
		should = append(should, map[string]any{"multi_match": map[string]any{
			"query": strings.Join(t.Alts[0].Words, " "), "fields": nameFields, "fuzziness": "AUTO"}})
	}
	return map[string]any{"bool": map[string]any{"should": should, "minimum_should_match": 1}}
}

// metaQuery is a meta expression as keyword filters; nil when it
// restricts nothing.
func metaQuery(e search.MetaExpr) map[string]any {
	switch {
	case e.Token != "":
		return map[string]any{"term": map[string]any{"meta": e.Token}}
	case e.Not != nil:
		return map[string]any{"bool": map[string]any{"must_not": []any{metaQuery(*e.Not)}}}
	case e.Or != nil:
		if len(e.Or) == 0 {
			return map[string]any{"bool": map[string]any{"must_not": []any{map[string]any{"match_all": map[string]any{}}}}}
		}
		should := make([]any, len(e.Or))
		for i, o := range e.Or {
			should[i] = metaQuery(o)
		}
		return map[string]any{"bool": map[string]any{"should": should, "minimum_should_match": 1}}
	}
	if len(e.And) == 0 {
		return map[string]any{"match_all": map[string]any{}}
	}
	filter := make([]any, len(e.And))
	for i, a := range e.And {
		filter[i] = metaQuery(a)
	}
	return map[string]any{"bool": map[string]any{"filter": filter}}
}

// searchBody is the request body of q.
func searchBody(q *search.EngineQuery) map[string]any {
	parsed := q.Query
	fuzzy := map[string]bool{}
	if q.Fuzzy {
		for _, w := range parsed.FuzzyWords() {
			fuzzy[w] = true
		}
	}
	var must, mustNot []any
	for _, t := range parsed.Terms {
		if t.Exclude {
			mustNot = append(mustNot, termQuery(t, false))
			continue
		}
		must = append(must, termQuery(t, len(t.Alts[0].Words) == 1 && fuzzy[t.Alts[0].Words[0]]))
	}
	b := map[string]any{}
	filter := []any{}
	if r := search.Restriction(q.Filters, q.Access); r.Constrained() {
		filter = append(filter, metaQuery(r))
	}
	if len(must) > 0 {
		b["must"] = must
	}
	if len(mustNot) > 0 {
		b["must_not"] = mustNot
	}
	if len(filter) > 0 {
		b["filter"] = filter
	}
	if parsed.Exact != "" {
		b["should"] = []any{map[string]any{"constant_score": map[string]any{
			"filter": map[string]any{"bool": map[string]any{"should": []any{
				map[string]any{"term": map[string]any{"name_key": parsed.Exact}},
				map[string]any{"term": map[string]any{"title_key": parsed.Exact}},
			}}},
			"boost": exactBoost,
		}}}
	}
	sort := []any{map[string]any{"_score": "desc"}, map[string]any{"doc_id": "asc"}}
	if len(must) == 0 {
		sort = []any{map[string]any{"title_key": "asc"}, map[string]any{"doc_id": "asc"}}
	}
	return map[string]any{
		"query":            map[string]any{"bool": b},
		"from":             q.Offset,
		"size":             q.Limit,
		"track_total_hits": search.MaxCount,
		"sort":             sort,
		"_source":          []string{"type", "res_ref", "document"},
	}
}

type hitsResponse struct {
	Hits struct {
		Total struct {
			Value int `json:"value"`
		} `json:"total"`
		Hits []struct {
			Source struct {
				Type     string          `json:"type"`
				ResRef   string          `json:"res_ref"`
				Document json.RawMessage `json:"document"`
			} `json:"_source"`
		} `json:"hits"`
	} `json:"hits"`
}

// indexes is the comma-separated aliases of the types that have one.
func (e *Engine) indexes(ctx context.Context, types []string) (string, error) {
	live, err := e.Types(ctx)
	if err != nil {
		return "", err
	}
	var names []string
	for _, t := range types {
		for _, l := range live {
			if l == t {
				names = append(names, e.alias(t))
			}
		}
	}
	return strings.Join(names, ","), nil
}

// Search runs q.
func (e *Engine) Search(ctx context.Context, q *search.EngineQuery) (*search.EngineResult, error) {
	idx, err := e.indexes(ctx, q.Types)
	if err != nil || idx == "" {
		return &search.EngineResult{}, err
	}
	var out hitsResponse
	if err := e.c.do(ctx, http.MethodPost, "/"+idx+"/_search", searchBody(q), &out); err != nil {
		return nil, err
	}
	res := &search.EngineResult{Total: min(out.Hits.Total.Value, search.MaxCount)}
	for _, h := range out.Hits.Hits {
		res.Hits = append(res.Hits, search.Hit{Type: h.Source.Type, Document: h.Source.Document, ResourceRef: h.Source.ResRef,
			Highlight: search.HighlightsOf(q.Query, h.Source.Document)})
	}
	return res, nil
}

// suggestBody is the request body of a suggestion: names, then titles,
// beginning with the prefix, then names and titles with a word beginning
// with it.
func suggestBody(q *search.SuggestQuery) map[string]any {
	words := search.Words(q.Prefix)
	b := map[string]any{
		"should": []any{
			map[string]any{"prefix": map[string]any{"name_key": map[string]any{"value": q.Prefix, "boost": 30}}},
			map[string]any{"prefix": map[string]any{"title_key": map[string]any{"value": q.Prefix, "boost": 20}}},
			map[string]any{"multi_match": map[string]any{"query": strings.Join(words, " "), "type": "bool_prefix", "fields": []string{"name", "title"}}},
		},
		"minimum_should_match": 1,
	}
	if r := search.Restriction(nil, q.Access); r.Constrained() {
		b["filter"] = []any{metaQuery(r)}
	}
	return map[string]any{
		"query":   map[string]any{"bool": b},
		"size":    q.Limit,
		"sort":    []any{map[string]any{"_score": "desc"}, map[string]any{"title_key": "asc"}, map[string]any{"doc_id": "asc"}},
		"_source": []string{"type", "res_ref", "document"},
	}
}

// Suggest finds documents for a search-box prefix.
func (e *Engine) Suggest(ctx context.Context, q *search.SuggestQuery) ([]search.Hit, error) {
	idx, err := e.indexes(ctx, q.Types)
	if err != nil || idx == "" {
		return nil, err
	}
	var out hitsResponse
	if err := e.c.do(ctx, http.MethodPost, "/"+idx+"/_search", suggestBody(q), &out); err != nil {
		return nil, err
	}
	words := search.Words(q.Prefix)
	hl := search.Query{}
	for i, w := range words {
		hl.Terms = append(hl.Terms, search.Term{Alts: []search.Phrase{{Words: []string{w}, Prefix: i == len(words)-1}}})
	}
	var hits []search.Hit
	for _, h := range out.Hits.Hits {
		hits = append(hits, search.Hit{Type: h.Source.Type, Document: h.Source.Document, ResourceRef: h.Source.ResRef,
			Highlight: search.HighlightsOf(hl, h.Source.Document)})
	}
	return hits, nil
}
