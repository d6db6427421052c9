package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

var _ catalog.QueryStore = (*store.CatalogReader)(nil)

// testCatalog is the fixture most query tests read: a few entities that
// between them exercise every filter form.
func testCatalog() []map[string]any {
	return []map[string]any{
		ent("Component", "alpha", map[string]any{"type": "service", "lifecycle": "production", "owner": "team-a"},
			withMeta("title", "Alpha Service"),
			withMeta("tags", []any{"java", "Go"}),
			withMeta("annotations", map[string]any{"backstage.io/orphan": "true", "backstage.io/techdocs-ref": "dir:."}),
			withRelation("ownedBy", "group:default/team-a"),
			withRelation("partOf", "system:default/shop")),
		ent("Component", "Bravo", map[string]any{"type": "website", "lifecycle": "experimental", "owner": "team-b"},
			withMeta("title", "bravo site"),
			withMeta("tags", []any{"javascript"}),
			withRelation("ownedBy", "group:default/team-b")),
		ent("Component", "charlie", map[string]any{"type": "Service", "lifecycle": "production", "owner": "team-b"},
			withMeta("tags", []any{"java"}),
			withRelation("ownedBy", "group:default/team-b"),
			withRelation("dependsOn", "component:default/alpha")),
		ent("API", "delta-api", map[string]any{"type": "openapi", "lifecycle": "production", "owner": "team-a", "definition": "openapi: 3.0.0"},
			withMeta("title", "Delta API"),
			withRelation("ownedBy", "group:default/team-a")),
		ent("Group", "team-a", map[string]any{"type": "team", "children": []any{}},
			withMeta("title", "Team A"),
			func(e map[string]any) {
				e["spec"].(map[string]any)["profile"] = map[string]any{"displayName": "The A Team"}
			}),
		ent("Group", "team-b", map[string]any{"type": "team", "children": []any{}}),
		ent("User", "echo", map[string]any{"memberOf": []any{"team-a"}},
			func(e map[string]any) {
				e["spec"].(map[string]any)["profile"] = map[string]any{"displayName": "Echo Echoson"}
			},
			withRelation("memberOf", "group:default/team-a")),
		ent("System", "shop", map[string]any{"owner": "team-a", "weight": 2.5}),
		ent("Location", "loc", map[string]any{"type": "url", "target": "https://example.com/catalog-info.yaml"},
			withMeta("namespace", "ops")),
	}
}

// openCatalog writes testCatalog and returns a query over it and the
// entities by name.
func openCatalog(t *testing.T, db *store.DB) (*catalog.Query, map[string]stored) {
	t.Helper()
	entities := testCatalog()
	ws := writeEntities(t, db, entities...)
	byName := map[string]stored{}
	for i, w := range ws {
		byName[entities[i]["metadata"].(map[string]any)["name"].(string)] = w
	}
	return catalog.NewQuery(store.NewCatalogReader(db), catalog.QueryOptions{}), byName
}

// names returns metadata.name of each item.
func names(t *testing.T, items []json.RawMessage) []string {
	t.Helper()
	out := []string{}
	for _, item := range items {
		if item == nil {
			out = append(out, "<nil>")
			continue
		}
		var e struct {
			Metadata struct{ Name string } `json:"metadata"`
		}
		if err := json.Unmarshal(item, &e); err != nil {
			t.Fatalf("item %s: %v", item, err)
		}
		out = append(out, e.Metadata.Name)
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

func ptr[T any](v T) *T { return &v }

func TestQueryFilterParams(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q, _ := openCatalog(t, db)
		tests := []struct {
			filter []string
			want   []string
		}{
			{nil, []string{"Bravo", "alpha", "charlie", "delta-api", "echo", "loc", "shop", "team-a", "team-b"}},
			{[]string{"kind=component"}, []string{"Bravo", "alpha", "charlie"}},
			{[]string{"KIND=Component,spec.type=service"}, []string{"alpha", "charlie"}},
			{[]string{"kind=user", "kind=group"}, []string{"echo", "team-a", "team-b"}},
			{[]string{"kind=component,kind=api"}, []string{"Bravo", "alpha", "charlie", "delta-api"}},
			{[]string{"kind=user,metadata.namespace=default", "kind=group,spec.type"}, []string{"echo", "team-a", "team-b"}},
			{[]string{"metadata.tags.java"}, []string{"alpha", "charlie"}},
			{[]string{"metadata.tags.java=true"}, []string{"alpha", "charlie"}},
			{[]string{"metadata.tags=go"}, []string{"alpha"}},
			{[]string{"metadata.annotations.backstage.io/orphan=true"}, []string{"alpha"}},
			{[]string{"relations.ownedby=group:default/team-b"}, []string{"Bravo", "charlie"}},
			{[]string{"kind=user,relations.memberof=group:default/team-a"}, []string{"echo"}},
			{[]string{"spec.profile.displayname"}, []string{"echo", "team-a"}},
			{[]string{"metadata.namespace=ops"}, []string{"loc"}},
			{[]string{"metadata.name=BRAVO"}, []string{"Bravo"}},
			{[]string{"spec.weight=2.5"}, []string{"shop"}},
			{[]string{"spec.type="}, []string{}},
			{[]string{"kind=component,spec.nothing"}, []string{}},
		}
		for _, tt := range tests {
			filter, err := catalog.ParseFilterParams(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			res, err := q.QueryEntities(context.Background(), catalog.QueryRequest{Filter: filter})
			if err != nil {
				t.Fatalf("filter %q: %v", tt.filter, err)
			}
			if diff := cmp.Diff(tt.want, sorted(names(t, res.Items))); diff != "" {
				t.Errorf("filter %q (-want +got):\n%s", tt.filter, diff)
			}
			if res.TotalItems != len(tt.want) {
				t.Errorf("filter %q: totalItems = %d, want %d", tt.filter, res.TotalItems, len(tt.want))
			}
		}
	})
}

func TestQueryPredicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q, _ := openCatalog(t, db)
		tests := []struct {
			query string
			want  []string
		}{
			{`{}`, []string{"Bravo", "alpha", "charlie", "delta-api", "echo", "loc", "shop", "team-a", "team-b"}},
			{`{"kind": "Component", "spec.lifecycle": "production"}`, []string{"alpha", "charlie"}},
			{`{"$not": {"kind": "component"}}`, []string{"delta-api", "echo", "loc", "shop", "team-a", "team-b"}},
			{`{"$all": [{"kind": "component"}, {"$not": {"$any": [{"spec.type": "website"}, {"metadata.tags": {"$contains": "go"}}]}}]}`, []string{"charlie"}},
			{`{"$any": [{"kind": "system"}, {"metadata.title": {"$exists": true}, "kind": "group"}]}`, []string{"shop", "team-a"}},
			{`{"spec.owner": {"$exists": false}}`, []string{"echo", "loc", "team-a", "team-b"}},
			{`{"kind": {"$in": ["API", "system"]}}`, []string{"delta-api", "shop"}},
			{`{"metadata.name": {"$hasPrefix": "TEAM-"}}`, []string{"team-a", "team-b"}},
			{`{"metadata.name": {"$hasPrefix": ""}}`, []string{"Bravo", "alpha", "charlie", "delta-api", "echo", "loc", "shop", "team-a", "team-b"}},
			{`{"metadata.name": {"$hasPrefix": "te_m"}}`, []string{}},
			{`{"relations": {"$contains": {"type": "ownedBy", "targetRef": "group:default/team-a"}}}`, []string{"alpha", "delta-api"}},
			{`{"relations": {"$contains": {"type": "ownedBy", "targetRef": {"$in": ["group:default/team-a", "group:default/team-b"]}}}}`, []string{"Bravo", "alpha", "charlie", "delta-api"}},
			{`{"relations": {"$contains": {"type": "dependsOn"}}}`, []string{"charlie"}},
			{`{"spec.weight": 2.5}`, []string{"shop"}},
			{`{"$any": []}`, []string{}},
			{`{"$not": {"$all": []}}`, []string{}},
			{`{"$not": {"$not": {"kind": "user"}}}`, []string{"echo"}},
		}
		for _, tt := range tests {
			pred, err := catalog.ParsePredicate(json.RawMessage(tt.query))
			if err != nil {
				t.Fatalf("%s: %v", tt.query, err)
			}
			res, err := q.QueryEntities(context.Background(), catalog.QueryRequest{Filter: pred})
			if err != nil {
				t.Fatalf("%s: %v", tt.query, err)
			}
			if diff := cmp.Diff(tt.want, sorted(names(t, res.Items))); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.query, diff)
			}
			// Facets and by-refs compile the same predicate elsewhere.
			if res.TotalItems != len(tt.want) {
				t.Errorf("%s: totalItems = %d, want %d", tt.query, res.TotalItems, len(tt.want))
			}
		}
	})
}

func TestQueryOrdering(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q, _ := openCatalog(t, db)
		ctx := context.Background()
		for _, tt := range []struct {
			order  catalog.Order
			filter string
			want   []string
		}{
			// Case-insensitive: "Bravo" sorts as "bravo".
			{catalog.Order{Field: "metadata.name"}, "kind=component", []string{"alpha", "Bravo", "charlie"}},
			{catalog.Order{Field: "Metadata.Name", Desc: true}, "kind=component", []string{"charlie", "Bravo", "alpha"}},
			// Entities lacking the field are left out.
			{catalog.Order{Field: "metadata.title"}, "", []string{"alpha", "Bravo", "delta-api", "team-a"}},
			{catalog.Order{Field: "spec.owner", Desc: true}, "kind=component", []string{"charlie", "Bravo", "alpha"}},
			// An array places its entity once, by its smallest value.
			{catalog.Order{Field: "metadata.tags"}, "", []string{"alpha", "charlie", "Bravo"}},
			{catalog.Order{Field: "metadata.tags", Desc: true}, "", []string{"Bravo", "charlie", "alpha"}},
		} {
			filter, err := catalog.ParseFilterParams([]string{tt.filter})
			if err != nil {
				t.Fatal(err)
			}
			res, err := q.QueryEntities(ctx, catalog.QueryRequest{Filter: filter, Order: &tt.order})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, names(t, res.Items)); diff != "" {
				t.Errorf("order %+v filter %q (-want +got):\n%s", tt.order, tt.filter, diff)
			}
			if res.TotalItems != len(tt.want) {
				t.Errorf("order %+v: totalItems = %d, want %d", tt.order, res.TotalItems, len(tt.want))
			}
			// Without a count the store cannot tell how many match and
			// walks the sort key instead of sorting the filtered entities;
			// the result is the same.
			fresh := catalog.NewQuery(store.NewCatalogReader(db), catalog.QueryOptions{})
			res, err = fresh.QueryEntities(ctx, catalog.QueryRequest{Filter: filter, Order: &tt.order, SkipTotal: true})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, names(t, res.Items)); diff != "" {
				t.Errorf("order %+v filter %q, walking the sort key (-want +got):\n%s", tt.order, tt.filter, diff)
			}
		}
		// Without an order, entities come in internal id order (insertion
		// order here).
		res, err := q.QueryEntities(ctx, catalog.QueryRequest{})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"alpha", "Bravo", "charlie", "delta-api", "team-a", "team-b", "echo", "shop", "loc"}
		if diff := cmp.Diff(want, names(t, res.Items)); diff != "" {
			t.Errorf("default order (-want +got):\n%s", diff)
		}
	})
}

func TestQueryFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q, byName := openCatalog(t, db)
		filter, _ := catalog.ParseFilterParams([]string{"metadata.name=alpha"})
		res, err := q.QueryEntities(context.Background(), catalog.QueryRequest{
			Filter: filter,
			Fields: []string{"kind", "metadata.annotations.backstage.io/orphan", "spec.nope"},
		})
		if err != nil {
			t.Fatal(err)
		}
		want := `{"kind":"Component","metadata":{"annotations":{"backstage.io/orphan":"true"}}}`
		if len(res.Items) != 1 || string(res.Items[0]) != want {
			t.Errorf("projected items = %s, want [%s]", res.Items, want)
		}
		// Without fields the stored JSON comes back byte for byte.
		res, err = q.QueryEntities(context.Background(), catalog.QueryRequest{Filter: filter})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Items) != 1 || string(res.Items[0]) != byName["alpha"].JSON {
			t.Errorf("items = %s, want the stored entity", res.Items)
		}
	})
}

func TestQueryLimitAndOffset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q, _ := openCatalog(t, db)
		ctx := context.Background()
		order := &catalog.Order{Field: "metadata.name"}
		res, err := q.QueryEntities(ctx, catalog.QueryRequest{Order: order, Limit: ptr(0)})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Items) != 0 || res.TotalItems != 9 || res.NextCursor != "" || res.PrevCursor != "" {
			t.Errorf("limit=0: %d items, total %d, next %q, prev %q", len(res.Items), res.TotalItems, res.NextCursor, res.PrevCursor)
		}
		res, err = q.QueryEntities(ctx, catalog.QueryRequest{Order: order, Limit: ptr(3), Offset: 2})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"charlie", "delta-api", "echo"}, names(t, res.Items)); diff != "" {
			t.Errorf("offset 2 limit 3 (-want +got):\n%s", diff)
		}
		if res.TotalItems != 9 || res.NextCursor == "" || res.PrevCursor != "" {
			t.Errorf("offset page: total %d, next %q, prev %q", res.TotalItems, res.NextCursor, res.PrevCursor)
		}
		// Past the end: no items, the total still counts every match.
		res, err = q.QueryEntities(ctx, catalog.QueryRequest{Order: order, Offset: 50})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Items) != 0 || res.TotalItems != 9 || res.NextCursor != "" {
			t.Errorf("offset 50: %d items, total %d, next %q", len(res.Items), res.TotalItems, res.NextCursor)
		}
		// totalItems=exclude.
		res, err = q.QueryEntities(ctx, catalog.QueryRequest{SkipTotal: true, Limit: ptr(2)})
		if err != nil {
			t.Fatal(err)
		}
		if res.TotalItems != 0 || len(res.Items) != 2 {
			t.Errorf("skip total: total %d, %d items", res.TotalItems, len(res.Items))
		}
		next, err := q.QueryEntities(ctx, catalog.QueryRequest{Cursor: res.NextCursor})
		if err != nil {
			t.Fatal(err)
		}
		if next.TotalItems != 0 {
			t.Errorf("skip total carried by the cursor: total %d", next.TotalItems)
		}
		if len(next.Items) != 7 {
			t.Errorf("default limit after a cursor: %d items, want 7", len(next.Items))
		}
		_, err = q.QueryEntities(ctx, catalog.QueryRequest{Limit: ptr(-1)})
		checkInput(t, err, "Invalid limit, must be zero or greater")
	})
}

// walk pages through a query forward with limit n, then back from the last
// page with prevCursor, and returns the names seen each way and the totals.
func walk(t *testing.T, q *catalog.Query, req catalog.QueryRequest, n int) (forward, backward [][]string, totals []int) {
	t.Helper()
	ctx := context.Background()
	req.Limit = &n
	res, err := q.QueryEntities(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.PrevCursor != "" {
		t.Errorf("first page has a prevCursor")
	}
	for {
		forward = append(forward, names(t, res.Items))
		totals = append(totals, res.TotalItems)
		if res.NextCursor == "" {
			break
		}
		if len(forward) > 50 {
			t.Fatal("paging does not end")
		}
		if res, err = q.QueryEntities(ctx, catalog.QueryRequest{Cursor: res.NextCursor, Limit: &n}); err != nil {
			t.Fatal(err)
		}
	}
	for res.PrevCursor != "" {
		if res, err = q.QueryEntities(ctx, catalog.QueryRequest{Cursor: res.PrevCursor, Limit: &n}); err != nil {
			t.Fatal(err)
		}
		backward = append(backward, names(t, res.Items))
		totals = append(totals, res.TotalItems)
		if len(backward) > 50 {
			t.Fatal("paging back does not end")
		}
		if res.NextCursor == "" {
			t.Errorf("a previous page has no nextCursor")
		}
	}
	return forward, backward, totals
}

func TestQueryCursorPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		openCatalog(t, db)
		filter, _ := catalog.ParseFilterParams([]string{"kind=component,kind=group,kind=user,kind=api"})
		tests := []struct {
			name string
			req  catalog.QueryRequest
			want [][]string
		}{
			{"by name", catalog.QueryRequest{Filter: filter, Order: &catalog.Order{Field: "metadata.name"}},
				[][]string{{"alpha", "Bravo"}, {"charlie", "delta-api"}, {"echo", "team-a"}, {"team-b"}}},
			{"by name desc", catalog.QueryRequest{Filter: filter, Order: &catalog.Order{Field: "metadata.name", Desc: true}},
				[][]string{{"team-b", "team-a"}, {"echo", "delta-api"}, {"charlie", "Bravo"}, {"alpha"}}},
			{"ties broken by id", catalog.QueryRequest{Filter: filter, Order: &catalog.Order{Field: "spec.lifecycle"}},
				[][]string{{"Bravo", "alpha"}, {"charlie", "delta-api"}}},
			{"by id", catalog.QueryRequest{Filter: filter},
				[][]string{{"alpha", "Bravo"}, {"charlie", "delta-api"}, {"team-a", "team-b"}, {"echo"}}},
			// Without totals the store walks the sort key's index.
			{"by name without total", catalog.QueryRequest{Filter: filter, Order: &catalog.Order{Field: "metadata.name"}, SkipTotal: true},
				[][]string{{"alpha", "Bravo"}, {"charlie", "delta-api"}, {"echo", "team-a"}, {"team-b"}}},
			{"by name desc without total", catalog.QueryRequest{Filter: filter, Order: &catalog.Order{Field: "metadata.name", Desc: true}, SkipTotal: true},
				[][]string{{"team-b", "team-a"}, {"echo", "delta-api"}, {"charlie", "Bravo"}, {"alpha"}}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				q := catalog.NewQuery(store.NewCatalogReader(db), catalog.QueryOptions{})
				forward, backward, totals := walk(t, q, tt.req, 2)
				if diff := cmp.Diff(tt.want, forward); diff != "" {
					t.Errorf("forward (-want +got):\n%s", diff)
				}
				rev := slices.Clone(tt.want[:len(tt.want)-1])
				slices.Reverse(rev)
				if diff := cmp.Diff(rev, backward); diff != "" {
					t.Errorf("backward (-want +got):\n%s", diff)
				}
				n := 0
				for _, p := range tt.want {
					n += len(p)
				}
				if tt.req.SkipTotal {
					n = 0
				}
				for _, total := range totals {
					if total != n {
						t.Errorf("totals %v, want %d throughout", totals, n)
						break
					}
				}
			})
		}
	})
}

func TestQueryCursorKeepsTotalWhileCatalogChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q, _ := openCatalog(t, db)
		ctx := context.Background()
		res, err := q.QueryEntities(ctx, catalog.QueryRequest{Order: &catalog.Order{Field: "metadata.name"}, Limit: ptr(4)})
		if err != nil {
			t.Fatal(err)
		}
		writeEntities(t, db, ent("Component", "zulu", nil), ent("Component", "aaa", nil))
		next, err := q.QueryEntities(ctx, catalog.QueryRequest{Cursor: res.NextCursor, Limit: ptr(20)})
		if err != nil {
			t.Fatal(err)
		}
		if next.TotalItems != 9 {
			t.Errorf("totalItems on page 2 = %d, want 9 as on page 1", next.TotalItems)
		}
		if diff := cmp.Diff([]string{"echo", "loc", "shop", "team-a", "team-b", "zulu"}, names(t, next.Items)); diff != "" {
			t.Errorf("page 2 (-want +got):\n%s", diff)
		}
		// A fresh query counts again.
		fresh, err := q.QueryEntities(ctx, catalog.QueryRequest{Order: &catalog.Order{Field: "metadata.name"}, Limit: ptr(1)})
		if err != nil {
			t.Fatal(err)
		}
		if fresh.TotalItems != 11 {
			t.Errorf("fresh totalItems = %d, want 11", fresh.TotalItems)
		}
	})
}

func TestQueryCountCache(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q, _ := openCatalog(t, db)
		ctx := context.Background()
		filter, _ := catalog.ParseFilterParams([]string{"kind=component"})
		total := func() int {
			res, err := q.QueryEntities(ctx, catalog.QueryRequest{Filter: filter, Limit: ptr(0)})
			if err != nil {
				t.Fatal(err)
			}
			return res.TotalItems
		}
		if n := total(); n != 3 {
			t.Fatalf("total = %d, want 3", n)
		}
		// Rows written without moving the generation are not seen by the
		// cached count; that shows the cache is in use.
		w := newWriter(t, db, 1000)
		w.add(ent("Component", "sneaky", nil))
		w.flush()
		if err := w.tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if n := total(); n != 3 {
			t.Errorf("total with an unchanged generation = %d, want the cached 3", n)
		}
		if _, err := db.Exec(`UPDATE catalog_state SET generation = generation + 1 WHERE id = 1`); err != nil {
			t.Fatal(err)
		}
		if n := total(); n != 4 {
			t.Errorf("total after the generation moved = %d, want 4", n)
		}
	})
}

func TestQueryFullText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q, _ := openCatalog(t, db)
		ctx := context.Background()
		uiFields := []string{"metadata.name", "metadata.title", "spec.profile.displayName"}
		tests := []struct {
			name string
			req  catalog.QueryRequest
			want []string
		}{
			{"trigram on name", catalog.QueryRequest{FullText: &catalog.FullTextFilter{Term: "  HARL ", Fields: []string{"metadata.name"}}}, []string{"charlie"}},
			{"trigram on the UI fields", catalog.QueryRequest{FullText: &catalog.FullTextFilter{Term: "team", Fields: uiFields}}, []string{"team-a", "team-b"}},
			{"display name", catalog.QueryRequest{FullText: &catalog.FullTextFilter{Term: "echoson", Fields: uiFields}}, []string{"echo"}},
			{"title", catalog.QueryRequest{FullText: &catalog.FullTextFilter{Term: "site", Fields: uiFields}}, []string{"Bravo"}},
			{"short term scans", catalog.QueryRequest{FullText: &catalog.FullTextFilter{Term: "ea", Fields: uiFields}}, []string{"team-a", "team-b"}},
			{"wildcards are not escaped", catalog.QueryRequest{FullText: &catalog.FullTextFilter{Term: "t_am", Fields: uiFields}}, []string{"team-a", "team-b"}},
			{"other keys scan", catalog.QueryRequest{FullText: &catalog.FullTextFilter{Term: "3.0", Fields: []string{"spec.definition"}}}, []string{"delta-api"}},
			{"default field is the sort field", catalog.QueryRequest{Order: &catalog.Order{Field: "spec.owner"}, FullText: &catalog.FullTextFilter{Term: "team-a"}}, []string{"alpha", "delta-api", "shop"}},
			{"default field is metadata.uid", catalog.QueryRequest{FullText: &catalog.FullTextFilter{Term: "-8000-000000000001"}}, []string{"alpha"}},
			{"with a filter and order", catalog.QueryRequest{
				Filter:   &catalog.Predicate{Op: catalog.OpField, Key: "kind", Match: catalog.FieldMatch{Kind: catalog.MatchEq, Values: []string{"group"}}},
				Order:    &catalog.Order{Field: "metadata.name", Desc: true},
				FullText: &catalog.FullTextFilter{Term: "tea", Fields: uiFields}}, []string{"team-b", "team-a"}},
			{"blank term is no filter", catalog.QueryRequest{FullText: &catalog.FullTextFilter{Term: "   "}, Limit: ptr(2)}, []string{"alpha", "Bravo"}},
		}
		for _, tt := range tests {
			res, err := q.QueryEntities(ctx, tt.req)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			got := names(t, res.Items)
			if tt.req.Order == nil {
				got = sorted(got)
				tt.want = sorted(tt.want)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.name, diff)
			}
		}
	})
}

func TestQueryFullTextPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var es []map[string]any
		for i := range 30 {
			es = append(es, ent("Component", fmt.Sprintf("svc-%02d", i), nil, withMeta("title", fmt.Sprintf("Service %02d", i))))
			es = append(es, ent("Component", fmt.Sprintf("lib-%02d", i), nil))
		}
		writeEntities(t, db, es...)
		q := catalog.NewQuery(store.NewCatalogReader(db), catalog.QueryOptions{})
		ft := &catalog.FullTextFilter{Term: "svc-1", Fields: []string{"metadata.name", "metadata.title"}}
		forward, backward, totals := walk(t, q, catalog.QueryRequest{Order: &catalog.Order{Field: "metadata.name"}, FullText: ft}, 4)
		want := [][]string{{"svc-10", "svc-11", "svc-12", "svc-13"}, {"svc-14", "svc-15", "svc-16", "svc-17"}, {"svc-18", "svc-19"}}
		if diff := cmp.Diff(want, forward); diff != "" {
			t.Errorf("forward (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([][]string{want[1], want[0]}, backward); diff != "" {
			t.Errorf("backward (-want +got):\n%s", diff)
		}
		for _, n := range totals {
			if n != 10 {
				t.Errorf("totals = %v, want 10", totals)
				break
			}
		}
	})
}

func TestQueryCursorErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q, _ := openCatalog(t, db)
		ctx := context.Background()
		_, err := q.QueryEntities(ctx, catalog.QueryRequest{Cursor: "nope!"})
		checkInput(t, err, "Malformed cursor: not base64")
		bad := base64JSON(`{"orderFields":[{"field":"metadata.name","order":"asc"}],"orderFieldValues":["x"],"isPrevious":false}`)
		_, err = q.QueryEntities(ctx, catalog.QueryRequest{Cursor: bad})
		checkInput(t, err, "Malformed cursor: expected 2 order field values, got 1")
	})
}

func checkInput(t *testing.T, err error, want string) {
	t.Helper()
	checkProblem(t, err, problem.InputError, want)
}

func checkProblem(t *testing.T, err error, name, want string) {
	t.Helper()
	p, ok := problem.As(err)
	if !ok || p.Name != name {
		t.Fatalf("error = %v, want %s %q", err, name, want)
	}
	if p.Message != want {
		t.Errorf("message = %q\nwant      %q", p.Message, want)
	}
}

// TestEntityPagePlansAgree serves the same pages with each plan the store
// can choose (walking the sort key, sorting the source's entities, reading
// by id) and expects the same rows.
func TestEntityPagePlansAgree(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var es []map[string]any
		for i := range 60 {
			spec := map[string]any{"type": []string{"service", "website", "library"}[i%3], "lifecycle": []string{"production", "experimental"}[i%2]}
			opts := []func(map[string]any){withMeta("tags", []any{[]string{"go", "java", "rust", "zig"}[i%4], "t" + strconv.Itoa(i%5)})}
			if i%4 != 0 {
				opts = append(opts, withMeta("title", fmt.Sprintf("Title %02d of svc", 60-i)))
			}
			es = append(es, ent([]string{"Component", "API"}[i%2], fmt.Sprintf("svc-%02d", i), spec, opts...))
		}
		writeEntities(t, db, es...)
		r := store.NewCatalogReader(db)
		ctx := context.Background()
		eq := func(k, v string) catalog.Predicate {
			return catalog.Predicate{Op: catalog.OpField, Key: k, Match: catalog.FieldMatch{Kind: catalog.MatchEq, Values: []string{v}}}
		}
		both := catalog.Predicate{Op: catalog.OpAll, Children: []catalog.Predicate{eq("spec.type", "service"), eq("spec.lifecycle", "production"),
			{Op: catalog.OpNot, Children: []catalog.Predicate{eq("metadata.tags", "zig")}}}}
		one := eq("kind", "component")
		sets := []catalog.EntitySet{
			{Filter: &both, SortKey: "metadata.name"},
			{Filter: &one, SortKey: "metadata.title"},
			{Filter: &one, SortKey: "metadata.tags"},
			{FullText: &catalog.FullTextFilter{Term: "svc", Fields: []string{"metadata.name", "metadata.title"}}, SortKey: "metadata.title"},
			{Filter: &one, FullText: &catalog.FullTextFilter{Term: "of s", Fields: []string{"metadata.title"}}, SortKey: "metadata.name"},
			{Filter: &both},
			{FullText: &catalog.FullTextFilter{Term: "title 1", Fields: []string{"metadata.title"}}},
			{FullText: &catalog.FullTextFilter{Term: "svc-", Fields: []string{"metadata.name"}}, SortKey: "metadata.name"},
			{Filter: &one, FullText: &catalog.FullTextFilter{Term: "itle", Fields: []string{"metadata.title"}}, SortKey: "metadata.title"},
		}
		for i, set := range sets {
			for _, desc := range []bool{false, true} {
				var results [][]int64
				for _, hints := range [][3]int{{-1, -1, -1}, {1, 1000, 1}, {1000, 1, 1000}} {
					page := catalog.EntityPage{EntitySet: set, Desc: desc, Limit: 4, Matches: hints[0], SortKeyMatches: hints[1], SourceRows: hints[2]}
					walked, err := cursorRows(ctx, r, page, 30)
					if err != nil {
						t.Fatalf("set %d: %v", i, err)
					}
					var ids []int64
					for _, row := range walked {
						ids = append(ids, row.ID)
					}
					results = append(results, ids)
				}
				if len(results[0]) == 0 {
					t.Errorf("set %d desc %v: no rows; the test needs some", i, desc)
				}
				for j := 1; j < len(results); j++ {
					if diff := cmp.Diff(results[0], results[j]); diff != "" {
						t.Errorf("set %d desc %v: plan %d differs from plan 0 (-0 +%d):\n%s", i, desc, j, j, diff)
					}
				}
			}
		}
	})
}

// TestFullTextFollowsSearchRows changes search rows through the catalog's
// write path (stitching's row differences, then a replacement of all of an
// entity's rows) and expects full-text filters, which use the trigram index
// on SQLite, to follow.
func TestFullTextFollowsSearchRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ws := writeEntities(t, db, ent("Component", "needle-one", nil), ent("Component", "other", nil))
		q := catalog.NewQuery(store.NewCatalogReader(db), catalog.QueryOptions{})
		find := func(term string) []string {
			t.Helper()
			res, err := q.QueryEntities(context.Background(), catalog.QueryRequest{
				FullText: &catalog.FullTextFilter{Term: term, Fields: []string{"metadata.name", "metadata.title"}},
				Fields:   []string{"metadata.uid"},
			})
			if err != nil {
				t.Fatal(err)
			}
			var uids []string
			for _, item := range res.Items {
				var e struct{ Metadata struct{ UID string } }
				if err := json.Unmarshal(item, &e); err != nil {
					t.Fatal(err)
				}
				uids = append(uids, e.Metadata.UID)
			}
			return uids
		}
		if diff := cmp.Diff([]string{ws[0].UID}, find("needle")); diff != "" {
			t.Fatalf("before (-want +got):\n%s", diff)
		}
		row := func(key, value string) catalog.SearchRow { return catalog.SearchRow{Key: key, Value: &value} }
		stitchSearch(t, db,
			catalog.FinalEntity{ID: ws[0].ID, UID: ws[0].UID, Ref: ws[0].Ref, JSON: ws[0].JSON,
				SearchDelete: []catalog.SearchRow{row("metadata.name", "needle-one")},
				SearchInsert: []catalog.SearchRow{row("metadata.name", "haystack"), row("metadata.title", "a needle title")}},
			catalog.FinalEntity{ID: ws[1].ID, UID: ws[1].UID, Ref: ws[1].Ref, JSON: ws[1].JSON,
				SearchDelete: []catalog.SearchRow{row("metadata.name", "other")},
				SearchInsert: []catalog.SearchRow{row("metadata.title", "needle-two")}})
		if diff := cmp.Diff([]string{ws[0].UID, ws[1].UID}, sorted(find("needle"))); diff != "" {
			t.Errorf("after rewriting (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{ws[0].UID}, find("hayst")); diff != "" {
			t.Errorf("new value (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string(nil), find("other")); diff != "" {
			t.Errorf("deleted value (-want +got):\n%s", diff)
		}
		stitchSearch(t, db, catalog.FinalEntity{ID: ws[0].ID, UID: ws[0].UID, Ref: ws[0].Ref, JSON: ws[0].JSON, SearchReplace: true})
		if diff := cmp.Diff([]string{ws[1].UID}, find("needle")); diff != "" {
			t.Errorf("after deleting (-want +got):\n%s", diff)
		}
	})
}

// stitchSearch writes finals through Catalog.WriteStitching, as stitching
// does: each entity gets the refresh_state row a stitch needs (on
// PostgreSQL the write keeps only entities that still have one) and a
// current stitch ticket.
func stitchSearch(t *testing.T, db *store.DB, finals ...catalog.FinalEntity) {
	t.Helper()
	ctx := context.Background()
	b := &catalog.StitchBatch{Now: time.UnixMilli(1), Finals: finals}
	for i, f := range finals {
		ticket := fmt.Sprintf("ticket-%d", i)
		if _, err := db.ExecContext(ctx, `INSERT INTO refresh_state (id, entity_id, entity_ref, unprocessed_entity, unprocessed_hash, last_discovery_at)
			VALUES ($1, $2, $3, '{}', '', 0) ON CONFLICT DO NOTHING`, f.ID, f.UID, f.Ref); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO stitch_queue (entity_ref, ticket, next_stitch_at) VALUES ($1, $2, 0)`, f.Ref, ticket); err != nil {
			t.Fatal(err)
		}
		b.Tickets = append(b.Tickets, catalog.StitchTicket{Ref: f.Ref, Ticket: ticket})
	}
	n, err := store.NewCatalog(db).WriteStitching(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(finals) {
		t.Fatalf("wrote %d entities, want %d", n, len(finals))
	}
}

func TestQueryPreviousPageAfterDeletes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ws := writeEntities(t, db, ent("Component", "a", nil), ent("Component", "b", nil), ent("Component", "c", nil))
		q := catalog.NewQuery(store.NewCatalogReader(db), catalog.QueryOptions{})
		ctx := context.Background()
		first, err := q.QueryEntities(ctx, catalog.QueryRequest{Order: &catalog.Order{Field: "metadata.name"}, Limit: ptr(2)})
		if err != nil {
			t.Fatal(err)
		}
		second, err := q.QueryEntities(ctx, catalog.QueryRequest{Cursor: first.NextCursor, Limit: ptr(2)})
		if err != nil {
			t.Fatal(err)
		}
		if second.PrevCursor == "" {
			t.Fatal("page 2 has no prevCursor")
		}
		w := newWriter(t, db, 0)
		for _, e := range ws[:2] {
			w.exec(`DELETE FROM search WHERE id = $1`, e.ID)
			w.exec(`DELETE FROM final_entities WHERE id = $1`, e.ID)
		}
		w.done()
		prev, err := q.QueryEntities(ctx, catalog.QueryRequest{Cursor: second.PrevCursor, Limit: ptr(2)})
		if err != nil {
			t.Fatal(err)
		}
		if len(prev.Items) != 0 || prev.NextCursor != "" || prev.PrevCursor != "" {
			t.Errorf("previous page of deleted entities: %d items, next %q, prev %q", len(prev.Items), prev.NextCursor, prev.PrevCursor)
		}
	})
}
