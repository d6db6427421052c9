package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

func TestEntityByRefAndUID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q, byName := openCatalog(t, db)
		ctx := context.Background()
		got, err := q.EntityByRef(ctx, entity.Ref{Kind: "COMPONENT", Namespace: "Default", Name: "bravo"})
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != byName["Bravo"].JSON {
			t.Errorf("by name = %s", got)
		}
		_, err = q.EntityByRef(ctx, entity.Ref{Kind: "Component", Namespace: "default", Name: "Nope"})
		checkProblem(t, err, problem.NotFoundError, "No entity named 'Nope' found, with kind 'Component' in namespace 'default'")

		got, err = q.EntityByUID(ctx, byName["loc"].UID)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != byName["loc"].JSON {
			t.Errorf("by uid = %s", got)
		}
		// Case-insensitive, through the search table.
		writeEntities(t, db, ent("Component", "uid-case", nil, withMeta("uid", "AbCd-1234")))
		for _, uid := range []string{"abcd-1234", "ABCD-1234"} {
			got, err := q.EntityByUID(ctx, uid)
			if err != nil {
				t.Fatal(err)
			}
			if n := names(t, []json.RawMessage{got}); n[0] != "uid-case" {
				t.Errorf("by uid %s = %v", uid, n)
			}
		}
		_, err = q.EntityByUID(ctx, "missing-uid")
		checkProblem(t, err, problem.NotFoundError, "No entity with uid missing-uid")
	})
}

func TestEntitiesByRefs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q, _ := openCatalog(t, db)
		ctx := context.Background()
		refs := []string{"group:default/team-a", "component:default/nope", "Component:default/alpha", "component:default/alpha",
			"location:ops/loc", "bravo", "component:default/bravo", "group:default/team-a"}
		items, err := q.EntitiesByRefs(ctx, catalog.ByRefsRequest{Refs: refs})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"team-a", "<nil>", "<nil>", "alpha", "loc", "<nil>", "Bravo", "team-a"}
		if diff := cmp.Diff(want, names(t, items)); diff != "" {
			t.Errorf("by refs (-want +got):\n%s", diff)
		}
		// A filter nulls out entities that do not match it; fields project
		// the others and leave nulls alone.
		filter, _ := catalog.ParseFilterParams([]string{"kind=component"})
		items, err = q.EntitiesByRefs(ctx, catalog.ByRefsRequest{Refs: refs[:4], Filter: filter, Fields: []string{"metadata.name"}})
		if err != nil {
			t.Fatal(err)
		}
		got := make([]string, len(items))
		for i, item := range items {
			got[i] = string(item)
		}
		if diff := cmp.Diff([]string{"", "", "", `{"metadata":{"name":"alpha"}}`}, got); diff != "" {
			t.Errorf("filtered by refs (-want +got):\n%s", diff)
		}
		items, err = q.EntitiesByRefs(ctx, catalog.ByRefsRequest{})
		if err != nil || len(items) != 0 {
			t.Errorf("no refs: %v, %v", items, err)
		}
	})
}

func TestEntitiesByRefsManyRefs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var es []map[string]any
		for i := range 1200 {
			es = append(es, ent("Component", fmt.Sprintf("c%04d", i), nil))
		}
		writeEntities(t, db, es...)
		q := catalog.NewQuery(store.NewCatalogReader(db), catalog.QueryOptions{})
		var refs []string
		for i := 1199; i >= 0; i -= 1 {
			refs = append(refs, fmt.Sprintf("component:default/c%04d", i))
		}
		items, err := q.EntitiesByRefs(context.Background(), catalog.ByRefsRequest{Refs: refs, Fields: []string{"metadata.name"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 1200 || string(items[0]) != `{"metadata":{"name":"c1199"}}` || string(items[1199]) != `{"metadata":{"name":"c0000"}}` {
			t.Errorf("got %d items, first %s, last %s", len(items), items[0], items[len(items)-1])
		}
	})
}

func TestFacets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q, _ := openCatalog(t, db)
		writeEntities(t, db, ent("Component", "extra", map[string]any{"type": "service"}), ent("Resource", "db", map[string]any{"type": "database"}))
		ctx := context.Background()
		got, err := q.Facets(ctx, catalog.FacetsRequest{Facets: []string{"spec.type", "Kind", "metadata.tags", "spec.nothing"}})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]catalog.FacetCount{
			// Case-sensitive buckets, ordered by value.
			"spec.type":     {fc("Service", 1), fc("database", 1), fc("openapi", 1), fc("service", 2), fc("team", 2), fc("url", 1), fc("website", 1)},
			"Kind":          {fc("API", 1), fc("Component", 4), fc("Group", 2), fc("Location", 1), fc("Resource", 1), fc("System", 1), fc("User", 1)},
			"metadata.tags": {fc("Go", 1), fc("java", 2), fc("javascript", 1)},
			"spec.nothing":  {},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("facets (-want +got):\n%s", diff)
		}
		filter, _ := catalog.ParseFilterParams([]string{"kind=component,spec.lifecycle"})
		got, err = q.Facets(ctx, catalog.FacetsRequest{Facets: []string{"spec.type", "spec.lifecycle"}, Filter: filter})
		if err != nil {
			t.Fatal(err)
		}
		want = map[string][]catalog.FacetCount{
			"spec.type":      {fc("Service", 1), fc("service", 1), fc("website", 1)},
			"spec.lifecycle": {fc("experimental", 1), fc("production", 2)},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("filtered facets (-want +got):\n%s", diff)
		}
		// Cached results are copies: changing one does not change the next.
		got["spec.type"][0].Count = 99
		again, err := q.Facets(ctx, catalog.FacetsRequest{Facets: []string{"spec.type"}, Filter: filter})
		if err != nil {
			t.Fatal(err)
		}
		if again["spec.type"][0].Count != 1 {
			t.Errorf("cached facet was changed by a caller: %v", again)
		}
		// A new generation is counted afresh.
		writeEntities(t, db, ent("Component", "more", map[string]any{"type": "website", "lifecycle": "production"}))
		again, err = q.Facets(ctx, catalog.FacetsRequest{Facets: []string{"spec.type"}, Filter: filter})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]catalog.FacetCount{fc("Service", 1), fc("service", 1), fc("website", 2)}, again["spec.type"]); diff != "" {
			t.Errorf("facets after a change (-want +got):\n%s", diff)
		}
		_, err = q.Facets(ctx, catalog.FacetsRequest{})
		checkInput(t, err, "Missing facet parameter")
	})
}

func TestListEntities(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q, _ := openCatalog(t, db)
		ctx := context.Background()
		filter, _ := catalog.ParseFilterParams([]string{"kind=component", "kind=api", "kind=group"})

		// Unpaginated: the by-query machinery, internal id order.
		res, err := q.ListEntities(ctx, catalog.ListRequest{Filter: filter})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"alpha", "Bravo", "charlie", "delta-api", "team-a", "team-b"}, names(t, res.Items)); diff != "" {
			t.Errorf("unpaginated (-want +got):\n%s", diff)
		}
		// Unpaginated with order: the first order only; entities lacking it
		// are left out (Backstage's quirk).
		res, err = q.ListEntities(ctx, catalog.ListRequest{Filter: filter, Order: []catalog.Order{{Field: "metadata.title", Desc: true}, {Field: "metadata.name"}}})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"team-a", "delta-api", "Bravo", "alpha"}, names(t, res.Items)); diff != "" {
			t.Errorf("unpaginated with order (-want +got):\n%s", diff)
		}

		// Paginated: ordered by entity ref without order.
		var pages [][]string
		req := catalog.ListRequest{Filter: filter, Paginated: true, Limit: ptr(4)}
		for {
			res, err := q.ListEntities(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			pages = append(pages, names(t, res.Items))
			if res.NextAfter == "" {
				break
			}
			req = catalog.ListRequest{Filter: filter, Paginated: true, After: res.NextAfter, Limit: ptr(1)}
		}
		want := [][]string{{"delta-api", "alpha", "Bravo", "charlie"}, {"team-a", "team-b"}}
		if diff := cmp.Diff(want, pages); diff != "" {
			t.Errorf("paginated by ref (-want +got):\n%s", diff)
		}

		// Several orders, missing values last, then the internal id.
		res, err = q.ListEntities(ctx, catalog.ListRequest{
			Filter: filter, Paginated: true, Offset: ptr(1),
			Order: []catalog.Order{{Field: "Spec.Lifecycle", Desc: true}, {Field: "metadata.name", Desc: true}},
		})
		if err != nil {
			t.Fatal(err)
		}
		want2 := []string{"charlie", "alpha", "Bravo", "team-b", "team-a"} // delta-api skipped by the offset
		if diff := cmp.Diff(want2, names(t, res.Items)); diff != "" {
			t.Errorf("paginated with orders (-want +got):\n%s", diff)
		}
		if res.NextAfter != "" {
			t.Errorf("no limit, yet NextAfter = %q", res.NextAfter)
		}
		res, err = q.ListEntities(ctx, catalog.ListRequest{Paginated: true, Limit: ptr(2), Fields: []string{"kind"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Items) != 2 || string(res.Items[0]) != `{"kind":"API"}` {
			t.Errorf("projected page = %s", res.Items)
		}

		for _, tt := range []struct {
			req  catalog.ListRequest
			want string
		}{
			{catalog.ListRequest{Paginated: true, Limit: ptr(0)}, "Invalid limit, must be greater than zero"},
			{catalog.ListRequest{Paginated: true, Offset: ptr(-1)}, "Invalid offset, must be zero or greater"},
			{catalog.ListRequest{Paginated: true, After: "!!"}, "Malformed after cursor, could not be parsed"},
			{catalog.ListRequest{Paginated: true, After: base64JSON(`{"limit":"x"}`)}, "Malformed after cursor, limit was not an number"},
			{catalog.ListRequest{Paginated: true, After: base64JSON(`{"limit":-5}`)}, "Invalid limit, must be greater than zero"},
		} {
			_, err := q.ListEntities(ctx, tt.req)
			checkInput(t, err, tt.want)
		}
	})
}

func TestStreamEntitiesPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var es []map[string]any
		for i := range 25 {
			es = append(es, ent("Component", fmt.Sprintf("c%02d", i), nil))
		}
		writeEntities(t, db, es...)
		q := catalog.NewQuery(store.NewCatalogReader(db), catalog.QueryOptions{})
		var got []string
		err := q.StreamEntities(context.Background(), catalog.ListRequest{Order: []catalog.Order{{Field: "metadata.name", Desc: true}}},
			func(item json.RawMessage) error {
				got = append(got, names(t, []json.RawMessage{item})...)
				if len(got) == 20 {
					return errStop
				}
				return nil
			})
		if err != errStop {
			t.Fatalf("stream error = %v, want the emitter's", err)
		}
		if got[0] != "c24" || got[19] != "c05" {
			t.Errorf("streamed %v", got)
		}
	})
}

var errStop = fmt.Errorf("stop")

func fc(value string, count int) catalog.FacetCount {
	return catalog.FacetCount{Value: value, Count: count}
}

func TestAncestry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ws := writeEntities(t, db,
			ent("Location", "root", nil),
			ent("Location", "child", nil),
			ent("Component", "leaf", nil),
			ent("Location", "other", nil),
		)
		w := newWriter(t, db, 100)
		// root (from a provider) -> child -> leaf; other -> leaf too; a
		// reference from a source that is not a final entity is ignored.
		for _, r := range [][2]any{
			{nil, ws[0].Ref}, {ws[0].Ref, ws[1].Ref}, {ws[1].Ref, ws[2].Ref}, {ws[3].Ref, ws[2].Ref},
			{nil, ws[3].Ref}, {"location:default/gone", ws[2].Ref},
		} {
			if r[0] == nil {
				w.exec(`INSERT INTO refresh_state_references (source_key, target_entity_ref) VALUES ('provider', $1)`, r[1])
			} else {
				w.exec(`INSERT INTO refresh_state_references (source_entity_ref, target_entity_ref) VALUES ($1, $2)`, r[0], r[1])
			}
		}
		w.done()
		q := catalog.NewQuery(store.NewCatalogReader(db), catalog.QueryOptions{})
		a, err := q.Ancestry(context.Background(), entity.Ref{Kind: "Component", Name: "LEAF"})
		if err != nil {
			t.Fatal(err)
		}
		if a.RootEntityRef != "component:default/leaf" {
			t.Errorf("root = %s", a.RootEntityRef)
		}
		type item struct {
			Name    string
			Parents []string
		}
		var got []item
		for _, it := range a.Items {
			got = append(got, item{names(t, []json.RawMessage{it.Entity})[0], it.ParentEntityRefs})
		}
		want := []item{
			{"leaf", []string{"location:default/child", "location:default/other"}},
			{"other", []string{}},
			{"child", []string{"location:default/root"}},
			{"root", []string{}},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ancestry (-want +got):\n%s", diff)
		}
		_, err = q.Ancestry(context.Background(), entity.Ref{Kind: "Component", Namespace: "default", Name: "missing"})
		checkProblem(t, err, problem.NotFoundError, "No such entity component:default/missing")
	})
}

func TestHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ws := writeEntities(t, db, ent("Component", "hist", nil))
		w := newWriter(t, db, 10)
		base := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		for i := range 5 {
			change := "updated"
			if i == 0 {
				change = "created"
			}
			w.exec(`INSERT INTO entity_history (entity_ref, entity_uid, changed_at, source, change, previous_etag, new_etag, diff)
				VALUES ($1, $2, $3, 'url:https://example.com/x.yaml', $4, $5, $6, $7)`,
				ws[0].Ref, ws[0].UID, base.Add(time.Duration(i)*time.Minute).UnixMilli(), change,
				fmt.Sprintf("e%d", i), fmt.Sprintf("e%d", i+1), fmt.Sprintf(`[{"op":"replace","path":"/spec/n","value":%d}]`, i))
		}
		w.exec(`INSERT INTO entity_history (entity_ref, entity_uid, changed_at, source, change, diff) VALUES ('component:default/gone', 'u', 1, 's', 'deleted', '')`)
		w.done()
		q := catalog.NewQuery(store.NewCatalogReader(db), catalog.QueryOptions{})
		ctx := context.Background()
		ref := entity.Ref{Kind: "component", Name: "HIST"}
		var seen []string
		var cursor string
		for pages := 0; ; pages++ {
			page, err := q.History(ctx, ref, catalog.HistoryRequest{Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range page.Items {
				seen = append(seen, fmt.Sprintf("%s %s %s->%s %s %s", h.ChangedAt.Format("15:04"), h.Change, h.PreviousEtag, h.NewEtag, h.Diff, h.EntityRef))
			}
			if page.NextCursor == "" {
				if pages != 2 {
					t.Errorf("%d pages, want 3", pages+1)
				}
				break
			}
			cursor = page.NextCursor
		}
		want := []string{
			`12:04 updated e4->e5 [{"op":"replace","path":"/spec/n","value":4}] component:default/hist`,
			`12:03 updated e3->e4 [{"op":"replace","path":"/spec/n","value":3}] component:default/hist`,
			`12:02 updated e2->e3 [{"op":"replace","path":"/spec/n","value":2}] component:default/hist`,
			`12:01 updated e1->e2 [{"op":"replace","path":"/spec/n","value":1}] component:default/hist`,
			`12:00 created e0->e1 [{"op":"replace","path":"/spec/n","value":0}] component:default/hist`,
		}
		if diff := cmp.Diff(want, seen); diff != "" {
			t.Errorf("history (-want +got):\n%s", diff)
		}
		// A deleted entity keeps its history.
		page, err := q.History(ctx, entity.Ref{Kind: "component", Name: "gone"}, catalog.HistoryRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 || string(page.Items[0].Diff) != "null" || page.Items[0].Change != "deleted" {
			t.Errorf("history of a deleted entity = %+v", page.Items)
		}
		_, err = q.History(ctx, entity.Ref{Kind: "component", Name: "never"}, catalog.HistoryRequest{})
		checkProblem(t, err, problem.NotFoundError, "No entity named 'never' found, with kind 'component' in namespace 'default'")
		_, err = q.History(ctx, ref, catalog.HistoryRequest{Limit: 5000})
		checkInput(t, err, "Invalid limit, must be between 1 and 1000")
		_, err = q.History(ctx, ref, catalog.HistoryRequest{Cursor: "@@"})
		checkInput(t, err, "Malformed cursor: not base64")
	})
}

// TestFacetsMatchDirectGrouping compares the facets with grouping on
// COALESCE(original_value, value) straight from the table, including rows
// whose value is null (too long) but whose original is kept.
func TestFacetsMatchDirectGrouping(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ws := writeEntities(t, db, testCatalog()...)
		w := newWriter(t, db, 0)
		w.exec(`INSERT INTO search (id, key, value, original_value) VALUES ($1, 'spec.type', NULL, 'A Very Long Type')`, ws[0].ID)
		w.exec(`INSERT INTO search (id, key, value, original_value) VALUES ($1, 'spec.type', NULL, NULL)`, ws[1].ID)
		w.done()
		r := store.NewCatalogReader(db)
		keys := []string{"kind", "spec.type", "metadata.tags", "metadata.title", "relations.ownedby", "spec.lifecycle"}
		// Small kinds are read from their entities (facetsFromSource),
		// larger ones and other filters from the keys' rows.
		for _, filter := range []string{"", "kind=component", "spec.lifecycle", "kind=group", "kind=api,spec.type=openapi", "kind=user,spec.lifecycle"} {
			pred, _ := catalog.ParseFilterParams([]string{filter})
			got, err := r.Facets(context.Background(), keys, pred)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string][]catalog.FacetCount{}
			rows, err := db.Query(`SELECT key, COALESCE(original_value, value) AS v, count(*) FROM search s
				WHERE COALESCE(original_value, value) IS NOT NULL GROUP BY key, COALESCE(original_value, value) ORDER BY key, v`)
			if err != nil {
				t.Fatal(err)
			}
			matches := map[int64]bool{}
			if pred != nil {
				res, err := catalog.NewQuery(r, catalog.QueryOptions{}).QueryEntities(context.Background(), catalog.QueryRequest{Filter: pred, Fields: []string{"metadata.uid"}})
				if err != nil {
					t.Fatal(err)
				}
				byUID := map[string]int64{}
				for _, w := range ws {
					byUID[w.UID] = w.ID
				}
				for _, item := range res.Items {
					var e struct{ Metadata struct{ UID string } }
					if err := json.Unmarshal(item, &e); err != nil {
						t.Fatal(err)
					}
					matches[byUID[e.Metadata.UID]] = true
				}
			}
			for rows.Next() {
				var key string
				var fc catalog.FacetCount
				if err := rows.Scan(&key, &fc.Value, &fc.Count); err != nil {
					t.Fatal(err)
				}
				if slices.Contains(keys, key) && pred == nil {
					want[key] = append(want[key], fc)
				}
			}
			rows.Close()
			if pred != nil {
				// With a filter, group only the matching entities' rows.
				want = map[string][]catalog.FacetCount{}
				for _, key := range keys {
					counts := map[string]int{}
					q := `SELECT id, COALESCE(original_value, value) FROM search WHERE key = $1 AND COALESCE(original_value, value) IS NOT NULL`
					rs, err := db.Query(q, key)
					if err != nil {
						t.Fatal(err)
					}
					for rs.Next() {
						var id int64
						var v string
						if err := rs.Scan(&id, &v); err != nil {
							t.Fatal(err)
						}
						if matches[id] {
							counts[v]++
						}
					}
					rs.Close()
					for v, n := range counts {
						want[key] = append(want[key], catalog.FacetCount{Value: v, Count: n})
					}
					sort.Slice(want[key], func(i, j int) bool { return want[key][i].Value < want[key][j].Value })
				}
			}
			for k, v := range want {
				sort.Slice(v, func(i, j int) bool { return v[i].Value < v[j].Value })
				want[k] = v
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("filter %q: facets differ from direct grouping (-want +got):\n%s", filter, diff)
			}
		}
	})
}
