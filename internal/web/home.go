package web

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
)

// Home page bounds: each list reads at most this many entities.
const (
	homeListSize = 8
	// recentScan is how many history rows the recent list reads to find
	// homeListSize distinct entities the reader may see.
	recentScan = 40
	homeStars  = 20
)

// homePage is the data of the home page. Every list is one bounded,
// indexed read; the health counts are a slow part (see parts.go).
type homePage struct {
	SignedIn bool
	Owned    entityList
	Starred  entityList
	Recent   []recentItem
	Kinds    []kindCount
	Total    int
	Health   healthCounts
	// HealthReady is false while the counts are still being computed.
	HealthReady bool
	APIBase     string
}

// entityList is a short list of entities and where the full list is.
type entityList struct {
	Items []listItem
	Total int
	More  string
}

// listItem is one entity in a short list.
type listItem struct {
	Link        refLink
	Kind        string
	Description string
}

// recentItem is a recently changed entity.
type recentItem struct {
	listItem
	Change string
	At     time.Time
}

// kindCount is how many entities of one kind the catalog serves.
type kindCount struct {
	Kind  string
	Count int
	Href  string
}

// healthCounts are the catalog health counts, each linking to its list.
type healthCounts struct {
	Failed, Orphans, Unowned int
	// UnownedCapped says there are at least Unowned such entities: the
	// unresolved owners were capped.
	UnownedCapped bool
}

func (s *site) home(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cat, err := s.reader(r)
	if err != nil {
		return err
	}
	me := viewerOf(r)
	p := &homePage{SignedIn: me.Ref != "", APIBase: strings.TrimSuffix(s.baseURL, "/") + "/api/catalog"}
	deadline := s.partsDeadline()
	health := startPart(s, me.Ref+"\x00"+strings.Join(me.Ownership, ",")+"\x00health", func(ctx context.Context) (healthCounts, error) {
		return s.healthCounts(ctx, cat)
	})

	facets, err := cat.Facets(ctx, catalog.FacetsRequest{Facets: []string{"kind"}})
	if err != nil {
		return err
	}
	for _, f := range facets["kind"] {
		v := catalogView{Kind: strings.ToLower(f.Value), Sort: "name", Limit: defaultPageSize}
		p.Kinds = append(p.Kinds, kindCount{Kind: f.Value, Count: f.Count, Href: v.URL()})
		p.Total += f.Count
	}
	if me.Ref != "" {
		if p.Owned, err = s.ownedList(ctx, cat, me); err != nil {
			return err
		}
		if p.Starred, err = s.starredList(ctx, cat, me); err != nil {
			return err
		}
	}
	if p.Recent, err = s.recentList(ctx, cat); err != nil {
		return err
	}
	p.Health, p.HealthReady, err = awaitPart[healthCounts](r, health, deadline)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "home", "Home", p)
}

// toItems lists entities.
func toItems(items []*entity.Entity) []listItem {
	var out []listItem
	for _, e := range items {
		if e == nil {
			continue
		}
		out = append(out, listItem{
			Link:        refLink{Label: displayName(e), Href: refPath(e.Ref()), Ref: e.Ref().String()},
			Kind:        e.Kind,
			Description: markdownSummary(e.Metadata.Description),
		})
	}
	return out
}

// ownedList is the first entities the reader and their groups own.
func (s *site) ownedList(ctx context.Context, cat CatalogReader, me viewer) (entityList, error) {
	more := catalogView{Sort: "name", Limit: defaultPageSize, User: userOwned}.URL()
	if len(me.Ownership) == 0 {
		return entityList{More: more}, nil
	}
	limit := homeListSize
	res, err := cat.QueryEntities(ctx, catalog.QueryRequest{
		Filter: fieldIn("relations.ownedby", me.Ownership),
		Order:  &catalog.Order{Field: "metadata.name"},
		Limit:  &limit,
	})
	if err != nil {
		return entityList{}, err
	}
	ents := make([]*entity.Entity, 0, len(res.Items))
	for _, raw := range res.Items {
		e, err := decodeSummary(raw)
		if err != nil {
			return entityList{}, err
		}
		ents = append(ents, e)
	}
	return entityList{Items: toItems(ents), Total: res.TotalItems, More: more}, nil
}

// starredList is the reader's latest stars that still name entities.
func (s *site) starredList(ctx context.Context, cat CatalogReader, me viewer) (entityList, error) {
	refs, err := s.ui.Stars(ctx, me.Ref, homeStars)
	if err != nil {
		return entityList{}, err
	}
	ents, err := summariesByRefs(ctx, cat, refs)
	if err != nil {
		return entityList{}, err
	}
	items := toItems(ents)
	l := entityList{Total: len(items), More: catalogView{Sort: "name", Limit: defaultPageSize, User: userStarred}.URL()}
	if len(items) > homeListSize {
		items = items[:homeListSize]
	}
	l.Items = items
	return l, nil
}

// recentList is the latest changed entities the reader may see.
func (s *site) recentList(ctx context.Context, cat CatalogReader) ([]recentItem, error) {
	changes, err := s.ui.RecentChanges(ctx, recentScan)
	if err != nil {
		return nil, err
	}
	var refs []string
	var latest []catalog.HistoryEntry
	for _, h := range changes {
		if h.Change == catalog.HistoryDeleted || slices.Contains(refs, h.EntityRef) {
			continue
		}
		refs = append(refs, h.EntityRef)
		latest = append(latest, h)
	}
	ents, err := summariesByRefs(ctx, cat, refs)
	if err != nil {
		return nil, err
	}
	var out []recentItem
	for i, e := range ents {
		if e == nil || len(out) == homeListSize {
			continue
		}
		out = append(out, recentItem{listItem: toItems([]*entity.Entity{e})[0], Change: latest[i].Change, At: latest[i].ChangedAt})
	}
	return out, nil
}

// healthCounts counts the entities of the three health lists: failed
// processing (a partial index), orphans (the orphan annotation's search
// rows) and unresolved owners (a loose index scan, then the entities
// owned by them).
func (s *site) healthCounts(ctx context.Context, cat CatalogReader) (healthCounts, error) {
	var h healthCounts
	var err error
	if h.Failed, err = s.ui.FailedCount(ctx); err != nil {
		return h, err
	}
	zero := 0
	count := func(v catalogView, sc scope) (int, error) {
		req := v.request(sc)
		req.Limit = &zero
		res, err := cat.QueryEntities(ctx, req)
		if err != nil {
			return 0, err
		}
		return res.TotalItems, nil
	}
	if h.Orphans, err = count(catalogView{Health: healthOrphan, Sort: "name"}, scope{}); err != nil {
		return h, err
	}
	owners, err := s.ui.UnresolvedOwners(ctx, maxUnresolvedOwners)
	if err != nil {
		return h, err
	}
	h.UnownedCapped = len(owners) == maxUnresolvedOwners
	if h.Unowned, err = count(catalogView{Health: healthUnowned, Sort: "name"}, scope{Unresolved: owners}); err != nil {
		return h, err
	}
	return h, nil
}

// apiDocs is Backstage's API explorer address: the catalog's APIs.
func (s *site) apiDocs(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, catalogView{Kind: "api", Sort: "name", Limit: defaultPageSize}.URL(), http.StatusFound)
	return nil
}
