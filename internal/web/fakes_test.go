package web

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/auth"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
)

// fakeCatalog is an in-memory catalog: its filters are evaluated with
// catalog.MatchEntity over each entity's search rows, as the database
// would, and cursors are numbered in the order they are made.
type fakeCatalog struct {
	entities []json.RawMessage
	history  map[string][]catalog.HistoryEntry
	// kinds, when set, is the kind facet, whatever the entities.
	kinds []catalog.FacetCount
	err   error
	// facetGate, when set, holds every Facets call until it is closed;
	// countGate holds every query for a count alone (no rows).
	facetGate chan struct{}
	countGate chan struct{}

	mu      sync.Mutex
	cursors []fakeCursor
	queries []catalog.QueryRequest
	facets  []catalog.FacetsRequest
}

type fakeCursor struct {
	req    catalog.QueryRequest
	offset int
	total  int
}

func (f *fakeCatalog) rows(e json.RawMessage) map[string][]catalog.SearchRow {
	var ent entity.Entity
	if err := json.Unmarshal(e, &ent); err != nil {
		panic(err)
	}
	rows, err := catalog.BuildSearchRows(&ent)
	if err != nil {
		panic(err)
	}
	out := map[string][]catalog.SearchRow{}
	for _, r := range rows {
		out[r.Key] = append(out[r.Key], r)
	}
	return out
}

func (f *fakeCatalog) match(filter *catalog.Predicate) ([]json.RawMessage, error) {
	var out []json.RawMessage
	for _, e := range f.entities {
		ok, err := catalog.MatchEntity(filter, e)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, e)
		}
	}
	return out, nil
}

func (f *fakeCatalog) QueryEntities(_ context.Context, req catalog.QueryRequest) (*catalog.QueryResult, error) {
	if f.countGate != nil && req.Limit != nil && *req.Limit == 0 {
		<-f.countGate
	}
	if f.err != nil {
		return nil, f.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, req)
	limit := 200
	if req.Limit != nil {
		limit = *req.Limit
	}
	offset := 0
	if req.Cursor != "" {
		var i int
		if _, err := fmt.Sscanf(req.Cursor, "cursor-%d", &i); err != nil || i < 0 || i >= len(f.cursors) {
			return nil, problem.Input("Malformed cursor")
		}
		c := f.cursors[i]
		offset = c.offset
		c.req.Limit = req.Limit
		req = c.req
	}
	matched, err := f.match(req.Filter)
	if err != nil {
		return nil, err
	}
	type keyed struct {
		key string
		e   json.RawMessage
	}
	var list []keyed
	for _, e := range matched {
		rows := f.rows(e)
		if ft := req.FullText; ft != nil {
			hit := false
			for _, field := range ft.Fields {
				for _, r := range rows[strings.ToLower(field)] {
					hit = hit || r.Value != nil && strings.Contains(*r.Value, strings.ToLower(ft.Term))
				}
			}
			if !hit {
				continue
			}
		}
		k := ""
		if req.Order != nil {
			rs := rows[strings.ToLower(req.Order.Field)]
			if len(rs) == 0 || rs[0].Value == nil {
				continue
			}
			k = *rs[0].Value
		}
		list = append(list, keyed{k, e})
	}
	if req.Order != nil {
		slices.SortStableFunc(list, func(a, b keyed) int {
			if req.Order.Desc {
				return cmp.Compare(b.key, a.key)
			}
			return cmp.Compare(a.key, b.key)
		})
	}
	res := &catalog.QueryResult{Items: []json.RawMessage{}, TotalItems: len(list)}
	end := min(offset+limit, len(list))
	for _, k := range list[min(offset, len(list)):end] {
		res.Items = append(res.Items, k.e)
	}
	cursor := func(off int) string {
		f.cursors = append(f.cursors, fakeCursor{req: req, offset: off, total: len(list)})
		return fmt.Sprintf("cursor-%d", len(f.cursors)-1)
	}
	if limit > 0 && end < len(list) {
		res.NextCursor = cursor(end)
	}
	if offset > 0 {
		res.PrevCursor = cursor(max(offset-limit, 0))
	}
	return res, nil
}

func (f *fakeCatalog) Facets(_ context.Context, req catalog.FacetsRequest) (map[string][]catalog.FacetCount, error) {
	if f.facetGate != nil {
		<-f.facetGate
	}
	if f.err != nil {
		return nil, f.err
	}
	f.mu.Lock()
	f.facets = append(f.facets, req)
	f.mu.Unlock()
	matched, err := f.match(req.Filter)
	if err != nil {
		return nil, err
	}
	out := map[string][]catalog.FacetCount{}
	for _, key := range req.Facets {
		if key == "kind" && f.kinds != nil {
			out[key] = f.kinds
			continue
		}
		counts := map[string]int{}
		for _, e := range matched {
			for _, r := range f.rows(e)[strings.ToLower(key)] {
				v := r.Original
				if v == nil {
					v = r.Value
				}
				if v != nil {
					counts[*v]++
				}
			}
		}
		fc := []catalog.FacetCount{}
		for v, n := range counts {
			fc = append(fc, catalog.FacetCount{Value: v, Count: n})
		}
		slices.SortFunc(fc, func(a, b catalog.FacetCount) int { return strings.Compare(a.Value, b.Value) })
		out[key] = fc
	}
	return out, nil
}

func (f *fakeCatalog) byRef(ref string) json.RawMessage {
	for _, e := range f.entities {
		var ent entity.Entity
		_ = json.Unmarshal(e, &ent)
		if ent.Ref().String() == strings.ToLower(ref) {
			return e
		}
	}
	return nil
}

func (f *fakeCatalog) EntityByRef(_ context.Context, ref entity.Ref) (json.RawMessage, error) {
	if f.err != nil {
		return nil, f.err
	}
	if e := f.byRef(ref.String()); e != nil {
		return e, nil
	}
	return nil, problem.NotFound("No entity named '%s' found, with kind '%s' in namespace '%s'", ref.Name, ref.Kind, ref.Namespace)
}

func (f *fakeCatalog) EntitiesByRefs(_ context.Context, req catalog.ByRefsRequest) ([]json.RawMessage, error) {
	if f.err != nil {
		return nil, f.err
	}
	out := make([]json.RawMessage, len(req.Refs))
	for i, ref := range req.Refs {
		if e := f.byRef(ref); e != nil && ref == strings.ToLower(ref) {
			out[i] = e
		}
	}
	return out, nil
}

func (f *fakeCatalog) History(_ context.Context, ref entity.Ref, req catalog.HistoryRequest) (*catalog.HistoryPage, error) {
	items := f.history[ref.String()]
	start := 0
	if req.Cursor != "" {
		if _, err := fmt.Sscanf(req.Cursor, "h%d", &start); err != nil {
			return nil, problem.Input("Malformed cursor")
		}
	}
	page := &catalog.HistoryPage{Items: []catalog.HistoryEntry{}}
	end := min(start+req.Limit, len(items))
	page.Items = append(page.Items, items[min(start, len(items)):end]...)
	if end < len(items) {
		page.NextCursor = fmt.Sprintf("h%d", end)
	}
	return page, nil
}

// fakeUI keeps stars in memory and serves fixed health figures.
type fakeUI struct {
	mu         sync.Mutex
	stars      map[string][]string
	recent     []catalog.HistoryEntry
	failed     int
	unresolved []string
}

func (f *fakeUI) Stars(_ context.Context, user string, limit int) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.stars[user]
	return slices.Clone(s[:min(limit, len(s))]), nil
}

func (f *fakeUI) IsStarred(_ context.Context, user, ref string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Contains(f.stars[user], strings.ToLower(ref)), nil
}

func (f *fakeUI) SetStar(_ context.Context, user, ref string, on bool, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stars == nil {
		f.stars = map[string][]string{}
	}
	ref = strings.ToLower(ref)
	s := slices.DeleteFunc(f.stars[user], func(x string) bool { return x == ref })
	if on {
		s = append([]string{ref}, s...)
	}
	f.stars[user] = s
	return nil
}

func (f *fakeUI) RecentChanges(_ context.Context, limit int) ([]catalog.HistoryEntry, error) {
	return f.recent[:min(limit, len(f.recent))], nil
}

func (f *fakeUI) FailedCount(context.Context) (int, error) { return f.failed, nil }

func (f *fakeUI) UnresolvedOwners(_ context.Context, limit int) ([]string, error) {
	return f.unresolved[:min(limit, len(f.unresolved))], nil
}

// fakeLocations records registrations and removals.
type fakeLocations struct {
	mu         sync.Mutex
	registered []catalog.Location
	created    []catalog.LocationInput
	deleted    []string
	// dryRun is what a dry run of any URL returns.
	dryRun []json.RawMessage
	err    error
	// origin maps entity refs to the location they came from.
	origin map[string]catalog.Location
}

func (f *fakeLocations) CreateLocation(_ context.Context, in catalog.LocationInput, o catalog.CreateLocationOptions) (*catalog.CreateLocationResult, error) {
	if f.err != nil {
		return nil, f.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	exists := slices.ContainsFunc(f.registered, func(l catalog.Location) bool { return l.Type == in.Type && l.Target == in.Target })
	loc := catalog.Location{ID: "loc-" + in.Target, Type: in.Type, Target: in.Target, EntityRef: "location:default/generated-1"}
	if o.DryRun {
		return &catalog.CreateLocationResult{Location: loc, Entities: f.dryRun, Exists: &exists}, nil
	}
	if exists {
		return nil, problem.Conflict("Location %s:%s already exists", in.Type, in.Target)
	}
	f.created = append(f.created, in)
	f.registered = append(f.registered, loc)
	return &catalog.CreateLocationResult{Location: loc, Entities: []json.RawMessage{}}, nil
}

func (f *fakeLocations) Locations(context.Context) ([]catalog.Location, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.registered), nil
}

func (f *fakeLocations) LocationByEntity(_ context.Context, ref entity.Ref) (*catalog.Location, error) {
	if l, ok := f.origin[ref.String()]; ok {
		return &l, nil
	}
	return nil, problem.NotFound("found no origin annotation for ref %s", ref.String())
}

func (f *fakeLocations) DeleteLocation(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deleted = append(f.deleted, id)
	return f.err
}

// fakeAnalyzer finds a catalog file at URLs ending in .yaml and suggests
// a component elsewhere.
type fakeAnalyzer struct{}

func (fakeAnalyzer) Analyze(_ context.Context, req catalog.AnalyzeRequest, registered func(catalog.LocationInput) bool) (*catalog.AnalyzeResult, error) {
	if strings.HasSuffix(req.Location.Target, ".yaml") {
		e := &entity.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "Component", Metadata: entity.Metadata{Name: "tide-clock"}}
		return &catalog.AnalyzeResult{ExistingEntityFiles: []catalog.ExistingEntityFile{{Location: req.Location, IsRegistered: registered(req.Location), Entity: e}}}, nil
	}
	return &catalog.AnalyzeResult{GenerateEntities: []catalog.GeneratedEntity{{Entity: map[string]any{
		"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
		"metadata": map[string]any{"name": "tide-clock"},
		"spec":     map[string]any{"type": "other", "lifecycle": "unknown", "owner": "<owner>"},
	}}}}, nil
}

// fakeUnprocessed serves fixed lists and records deletions and queries.
type fakeUnprocessed struct {
	lists   map[catalog.UnprocessedReason][]catalog.UnprocessedEntry
	queries []catalog.UnprocessedQuery
	deleted []string
	err     error
}

func (f *fakeUnprocessed) List(_ context.Context, q catalog.UnprocessedQuery) ([]catalog.UnprocessedEntry, error) {
	f.queries = append(f.queries, q)
	if f.err != nil {
		return nil, f.err
	}
	var out []catalog.UnprocessedEntry
	for _, e := range f.lists[q.Reason] {
		if q.Owner != "" && !strings.Contains(string(e.UnprocessedEntity), `"owner":"`+q.Owner+`"`) {
			continue
		}
		out = append(out, e)
	}
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

func (f *fakeUnprocessed) Delete(_ context.Context, id string) error {
	f.deleted = append(f.deleted, id)
	return f.err
}

var fixedTime = time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)

// sampleUnprocessed is a failed list with the cases the page distinguishes:
// a Location whose file does not parse (file and line known), an entity
// that fails validation with a cause, read from a URL, and one whose
// earlier version is still served.
func sampleUnprocessed() *fakeUnprocessed {
	yamlErr := catalog.UnprocessedEntry{
		EntityID:          "0b6f7d1e-1111-4f8e-9c51-000000000001",
		EntityRef:         "location:default/generated-3f2a",
		UnprocessedEntity: json.RawMessage(`{"kind":"Location","metadata":{"name":"generated-3f2a","annotations":{"backstage.io/managed-by-location":"file:/srv/catalog/all.yaml"}},"spec":{"target":"./broken.yaml"}}`),
		Errors: []entity.SerializedError{{
			Name:    "Error",
			Message: "YAML error at file:/srv/catalog/broken.yaml, did not find expected ',' or ']' (while parsing a flow sequence) at line 6, column 5",
		}},
		LocationKey:     "file:/srv/catalog/all.yaml",
		NextUpdateAt:    fixedTime.Add(100 * time.Second),
		LastDiscoveryAt: fixedTime,
	}
	invalid := catalog.UnprocessedEntry{
		EntityID:          "0b6f7d1e-1111-4f8e-9c51-000000000002",
		EntityRef:         "component:default/fares-engine",
		UnprocessedEntity: json.RawMessage(`{"kind":"Component","metadata":{"name":"fares-engine","annotations":{"backstage.io/managed-by-location":"url:https://git.example.com/fares/blob/main/catalog-info.yaml"}},"spec":{"type":"service","owner":"team-fares"}}`),
		Errors: []entity.SerializedError{{
			Name:    "InputError",
			Message: "Policy check failed for component:default/fares-engine; caused by Error: /spec must have required property 'lifecycle'",
			Cause:   &entity.SerializedError{Name: "Error", Message: "/spec must have required property 'lifecycle'"},
		}},
		LocationKey:     "url:https://git.example.com/fares/blob/main/catalog-info.yaml",
		NextUpdateAt:    fixedTime.Add(time.Hour),
		LastDiscoveryAt: fixedTime.Add(-time.Hour),
	}
	regressed := catalog.UnprocessedEntry{
		EntityID:          "0b6f7d1e-1111-4f8e-9c51-000000000003",
		EntityRef:         "component:default/<seat-allocator>",
		UnprocessedEntity: json.RawMessage(`{"kind":"Component","metadata":{"name":"seat-allocator"},"spec":{"owner":"team-seats"}}`),
		ProcessedEntity:   json.RawMessage(`{"kind":"Component"}`),
		Errors: []entity.SerializedError{
			{Name: "NotFoundError", Message: "Unable to read url, 404 Not Found"},
			{Name: "Error", Message: "second failure"},
		},
		LocationKey:     "file:/srv/catalog/seats.yaml",
		NextUpdateAt:    fixedTime,
		LastDiscoveryAt: fixedTime,
	}
	waiting := catalog.UnprocessedEntry{
		EntityID:          "0b6f7d1e-1111-4f8e-9c51-000000000004",
		EntityRef:         "group:default/team-fares",
		UnprocessedEntity: json.RawMessage(`{"kind":"Group","metadata":{"name":"team-fares"},"spec":{"type":"team"}}`),
		Errors:            []entity.SerializedError{},
		LocationKey:       "file:/srv/catalog/org.yaml",
		NextUpdateAt:      fixedTime,
		LastDiscoveryAt:   fixedTime,
	}
	return &fakeUnprocessed{lists: map[catalog.UnprocessedReason][]catalog.UnprocessedEntry{
		catalog.UnprocessedFailed:  {invalid, yamlErr, regressed},
		catalog.UnprocessedPending: {invalid, waiting},
	}}
}

// testSite builds the UI over fakes, with the embedded templates and
// static files as production serves them.
func testSite(t testing.TB, cat *fakeCatalog, un *fakeUnprocessed, mods ...func(*Options)) http.Handler {
	t.Helper()
	o := Options{
		Catalog:     cat,
		Unprocessed: un,
		Locations:   &fakeLocations{},
		Analyzer:    fakeAnalyzer{},
		UI:          &fakeUI{},
		Logger:      slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		BaseURL:     "https://portal.example.com",
		Now:         func() time.Time { return fixedTime },
		PartBudget:  5 * time.Second,
	}
	for _, m := range mods {
		m(&o)
	}
	return New(o)
}

// as serves h as the reader id.
func as(id *auth.Identity, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(auth.WithIdentity(r.Context(), id)))
	})
}

type testLog struct{ t testing.TB }

func (w testLog) Write(b []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// send sends a request and returns the recorded response.
func send(t testing.TB, h http.Handler, method, target string, form url.Values, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
