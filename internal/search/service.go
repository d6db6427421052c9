package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/callboard/callboard/internal/problem"
)

// Defaults of Backstage's search backend.
const (
	DefaultMaxTermLength = 100
	DefaultMaxPageLimit  = 100
	DefaultPageLimit     = 25
	// DefaultSuggestions is how many suggestions Suggest makes when
	// asked for none in particular; MaxSuggestions bounds them.
	DefaultSuggestions = 8
	MaxSuggestions     = 25
)

// PostFilterScan bounds how many documents a query reads to fill a page
// when the caller's permission has conditions only Access.Check can
// decide: pages beyond what that many documents yield come back short.
const PostFilterScan = 2000

// ServiceOptions configure a Service. Engine, Types and Access are
// required.
type ServiceOptions struct {
	Engine Engine
	// Types are the registered document types, in the order of the
	// collators.
	Types []string
	// Access says what the caller in ctx may find.
	Access   func(ctx context.Context) (Access, error)
	Synonyms *Synonyms
	// MaxTermLength and MaxPageLimit are search.maxTermLength and
	// search.maxPageLimit; Backstage's defaults when 0.
	MaxTermLength int
	MaxPageLimit  int
	Logger        *slog.Logger
}

// Service answers search queries and search-box suggestions.
type Service struct {
	engine   Engine
	types    []string
	access   func(ctx context.Context) (Access, error)
	synonyms *Synonyms
	maxTerm  int
	maxLimit int
	log      *slog.Logger
}

// NewService checks o and returns a service.
func NewService(o ServiceOptions) (*Service, error) {
	if o.Engine == nil || o.Access == nil || len(o.Types) == 0 {
		return nil, errors.New("search: the service needs an engine, document types and an access function")
	}
	s := &Service{engine: o.Engine, types: o.Types, access: o.Access, synonyms: o.Synonyms,
		maxTerm: o.MaxTermLength, maxLimit: o.MaxPageLimit, log: o.Logger}
	if s.maxTerm <= 0 {
		s.maxTerm = DefaultMaxTermLength
	}
	if s.maxLimit <= 0 {
		s.maxLimit = DefaultMaxPageLimit
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// Types lists the registered document types.
func (s *Service) Types() []string { return slices.Clone(s.types) }

// Request is a search query (GET /api/search/query).
type Request struct {
	Term string
	// Types limits the search to these document types; empty searches
	// every type.
	Types []string
	// Filters keep the documents whose field (a top-level document field
	// such as kind, owner or lifecycle) has one of the values.
	Filters    map[string][]string
	PageCursor string
	// PageLimit is the page size; 0 means DefaultPageLimit.
	PageLimit int
}

// Response is a page of results, in Backstage's shape.
type Response struct {
	Results            []Result `json:"results"`
	NextPageCursor     string   `json:"nextPageCursor,omitempty"`
	PreviousPageCursor string   `json:"previousPageCursor,omitempty"`
	// NumberOfResults counts every match up to MaxCount; it is left out
	// when the caller's permission conditions are checked after the
	// query, as the count would then be a guess.
	NumberOfResults *int `json:"numberOfResults,omitempty"`
}

// Result is one result; Rank is its position among all results, from 1.
type Result struct {
	Type      string          `json:"type"`
	Document  json.RawMessage `json:"document"`
	Highlight *Highlight      `json:"highlight,omitempty"`
	Rank      int             `json:"rank"`
}

// Highlight is a result's matched words, marked with PreTag and PostTag.
type Highlight struct {
	PreTag  string            `json:"preTag"`
	PostTag string            `json:"postTag"`
	Fields  map[string]string `json:"fields"`
}

// filterField is what a filter may name: a top-level document field.
var filterField = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,63}$`)

// Query runs a search as the caller in ctx may see it.
func (s *Service) Query(ctx context.Context, req Request) (*Response, error) {
	if n := utf8.RuneCountInString(req.Term); n > s.maxTerm {
		return nil, problem.Input("The term length exceeds the maximum length of %d characters.", s.maxTerm)
	}
	page, err := DecodeCursor(req.PageCursor)
	if err != nil {
		return nil, err
	}
	limit := req.PageLimit
	switch {
	case limit == 0:
		limit = DefaultPageLimit
	case limit < 0:
		return nil, problem.Input("The page limit must be a positive number, got %d", limit)
	case limit > s.maxLimit:
		return nil, problem.Input("The page limit %d is greater than %d", limit, s.maxLimit)
	}
	types, explicit, err := s.requestTypes(req.Types)
	if err != nil {
		return nil, err
	}
	filters, err := checkFilters(req.Filters)
	if err != nil {
		return nil, err
	}
	acc, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	empty := &Response{Results: []Result{}}
	if acc.Deny {
		return empty, nil
	}
	if types, err = s.liveTypes(ctx, types, explicit); err != nil {
		return nil, err
	}
	if len(types) == 0 {
		return empty, nil
	}
	q := EngineQuery{
		Types:   types,
		Query:   s.synonyms.Expand(ParseQuery(req.Term)).WithPlurals(),
		Filters: filters,
		Offset:  page * limit,
		Limit:   limit,
	}
	opaque := acc.Cond.Opaque()
	if acc.Cond != nil {
		q.Access = acc.Cond.Relaxed()
	}
	run := func(q *EngineQuery) ([]Hit, int, error) {
		if opaque {
			hits, err := s.postFiltered(ctx, q, acc.Check)
			return hits, -1, err
		}
		q.Limit++ // one more tells whether a next page exists
		res, err := s.engine.Search(ctx, q)
		q.Limit--
		if err != nil {
			return nil, 0, err
		}
		return res.Hits, res.Total, nil
	}
	hits, total, err := run(&q)
	if err == nil && len(hits) == 0 && page == 0 && len(q.Query.FuzzyWords()) > 0 {
		q.Fuzzy = true
		hits, total, err = run(&q)
	}
	if err != nil {
		return nil, s.engineError(ctx, err)
	}
	resp := &Response{Results: make([]Result, 0, min(len(hits), limit))}
	for i, h := range hits {
		if i == limit {
			resp.NextPageCursor = EncodeCursor(page + 1)
			break
		}
		resp.Results = append(resp.Results, toResult(h, q.Offset+i+1))
	}
	if page > 0 {
		resp.PreviousPageCursor = EncodeCursor(page - 1)
	}
	if total >= 0 {
		resp.NumberOfResults = &total
	}
	s.log.DebugContext(ctx, "search query", "term", req.Term, "query", q.Query.String(), "types", types,
		"fuzzy", q.Fuzzy, "results", len(resp.Results), "total", total)
	return resp, nil
}

// engineError hides an engine's failure behind Backstage's message,
// logging what it was (the caller sees only the message); a missing
// index is reported as it is.
func (s *Service) engineError(ctx context.Context, err error) error {
	var mi *MissingIndexError
	if errors.As(err, &mi) || problem.Is(err, problem.InputError) || errors.Is(err, context.Canceled) {
		return err
	}
	s.log.ErrorContext(ctx, "search engine failed", "error", err)
	return problem.New("Error", "There was a problem performing the search query").WithCause(err)
}

// requestTypes checks the requested types; explicit says some were named.
func (s *Service) requestTypes(req []string) ([]string, bool, error) {
	if len(req) == 0 {
		return s.types, false, nil
	}
	var out, unknown []string
	for _, t := range req {
		switch {
		case !slices.Contains(s.types, t):
			unknown = append(unknown, t)
		case !slices.Contains(out, t):
			out = append(out, t)
		}
	}
	if len(unknown) > 0 {
		return nil, true, problem.Input("Unknown search type %s; the known types are %s",
			strings.Join(quoteAll(unknown), ", "), strings.Join(s.types, ", "))
	}
	return out, true, nil
}

// liveTypes keeps the types that have an index. A type asked for by name
// without one is a MissingIndexError; when every type is searched, those
// not built yet are left out.
func (s *Service) liveTypes(ctx context.Context, types []string, explicit bool) ([]string, error) {
	live, err := s.engine.Types(ctx)
	if err != nil {
		return nil, s.engineError(ctx, err)
	}
	var out []string
	for _, t := range types {
		switch {
		case slices.Contains(live, t):
			out = append(out, t)
		case explicit:
			return nil, &MissingIndexError{Type: t}
		}
	}
	return out, nil
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// checkFilters turns request filters into engine filters, in a fixed
// order.
func checkFilters(in map[string][]string) ([]Filter, error) {
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []Filter
	for _, k := range keys {
		if !filterField.MatchString(k) || k == "authorization" {
			return nil, problem.Input("Invalid filter %q: filters name a top-level field of the documents", k)
		}
		vals := make([]string, 0, len(in[k]))
		for _, v := range in[k] {
			vals = append(vals, strings.ToLower(v))
		}
		if len(vals) == 0 {
			continue
		}
		out = append(out, Filter{Field: k, Values: vals})
	}
	return out, nil
}

// postFiltered reads the engine's results from the start, keeps those
// check allows and returns the page q asks for plus one more hit when
// there is one, reading at most PostFilterScan documents.
func (s *Service) postFiltered(ctx context.Context, q *EngineQuery, check func(context.Context, []string) (map[string]bool, error)) ([]Hit, error) {
	if check == nil {
		return nil, errors.New("search: permission conditions need a check function")
	}
	want := q.Offset + q.Limit + 1
	chunk := max(2*want, 100)
	var kept []Hit
	for scanned := 0; scanned < PostFilterScan && len(kept) < want; {
		eq := *q
		eq.Offset, eq.Limit = scanned, min(chunk, PostFilterScan-scanned)
		res, err := s.engine.Search(ctx, &eq)
		if err != nil {
			return nil, err
		}
		refs := make([]string, 0, len(res.Hits))
		for _, h := range res.Hits {
			refs = append(refs, h.ResourceRef)
		}
		ok, err := check(ctx, refs)
		if err != nil {
			return nil, err
		}
		for _, h := range res.Hits {
			if ok[h.ResourceRef] {
				kept = append(kept, h)
			}
		}
		scanned += len(res.Hits)
		if len(res.Hits) < eq.Limit {
			break
		}
	}
	if q.Offset >= len(kept) {
		return nil, nil
	}
	return kept[q.Offset:min(len(kept), want)], nil
}

func toResult(h Hit, rank int) Result {
	r := Result{Type: h.Type, Document: h.Document, Rank: rank}
	if len(h.Highlight) > 0 {
		r.Highlight = &Highlight{PreTag: PreTag, PostTag: PostTag, Fields: h.Highlight}
	}
	return r
}

// Suggest returns up to n documents for what is typed in the search box:
// those whose name or title, or a word of it, begins with prefix (its
// last word; the words before it must match whole), as the caller in ctx
// may see them. Prefixes shorter than MinSuggestPrefix get none.
func (s *Service) Suggest(ctx context.Context, prefix string, n int) ([]Result, error) {
	key := Key(prefix)
	if utf8.RuneCountInString(key) < MinSuggestPrefix || utf8.RuneCountInString(key) > s.maxTerm {
		return []Result{}, nil
	}
	switch {
	case n <= 0:
		n = DefaultSuggestions
	case n > MaxSuggestions:
		n = MaxSuggestions
	}
	acc, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	if acc.Deny {
		return []Result{}, nil
	}
	types, err := s.liveTypes(ctx, s.types, false)
	if err != nil {
		return nil, err
	}
	if len(types) == 0 {
		return []Result{}, nil
	}
	q := SuggestQuery{Types: types, Prefix: key, Limit: n}
	opaque := acc.Cond.Opaque()
	if acc.Cond != nil {
		q.Access = acc.Cond.Relaxed()
	}
	if opaque {
		q.Limit = n * 4
	}
	hits, err := s.engine.Suggest(ctx, &q)
	if err != nil {
		return nil, s.engineError(ctx, err)
	}
	if opaque {
		if acc.Check == nil {
			return nil, errors.New("search: permission conditions need a check function")
		}
		refs := make([]string, len(hits))
		for i, h := range hits {
			refs[i] = h.ResourceRef
		}
		ok, err := acc.Check(ctx, refs)
		if err != nil {
			return nil, err
		}
		hits = slices.DeleteFunc(hits, func(h Hit) bool { return !ok[h.ResourceRef] })
	}
	out := make([]Result, 0, min(n, len(hits)))
	for i, h := range hits {
		if i == n {
			break
		}
		out = append(out, toResult(h, i+1))
	}
	return out, nil
}
