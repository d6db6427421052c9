package catalog_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
	"github.com/callboard/callboard/plugin"
)

const authzYAML = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-b}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: jane}
spec: {memberOf: [team-a]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: alpha
  annotations: {callboard.dev/tier: Gold}
  labels: {secret: "yes"}
spec: {type: service, lifecycle: production, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: beta}
spec: {type: website, lifecycle: production, owner: team-b}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: gamma}
spec: {type: service, lifecycle: experimental, owner: user:jane}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: delta, title: Delta API}
spec: {type: openapi, lifecycle: production, owner: team-a, definition: "openapi: 3.0.0"}
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata: {name: sys}
spec: {owner: team-b}
`

// authzCatalog loads authzYAML through the real engine and returns the
// query service over it.
func authzCatalog(t *testing.T, db *store.DB) *catalog.Query {
	t.Helper()
	path := writeFile(t, t.TempDir(), "catalog.yaml", authzYAML)
	h := newHarness(t, db, withConfigLocations(plugin.Location{Type: "file", Target: path}))
	h.idle()
	return catalog.NewQuery(store.NewCatalogReader(db), catalog.QueryOptions{})
}

// refsOf returns the canonical refs of JSON entities ("<null>" for null),
// leaving out location entities, which the config location adds.
func refsOf(t *testing.T, items []json.RawMessage) []string {
	t.Helper()
	out := []string{}
	for _, it := range items {
		if it == nil || string(it) == "null" {
			out = append(out, "<null>")
			continue
		}
		var e entity.Entity
		if err := json.Unmarshal(it, &e); err != nil {
			t.Fatalf("not an entity: %v\n%s", err, it)
		}
		if ref := e.Ref().String(); !strings.HasPrefix(ref, "location:") {
			out = append(out, ref)
		}
	}
	return out
}

func sorted(s []string) []string { slices.Sort(s); return s }

// conditionCases are criteria (Backstage's wire form) and the entities
// they let through.
var conditionCases = []struct {
	name, criteria string
	want           []string
}{
	{"owner", `{"rule":"IS_ENTITY_OWNER","resourceType":"catalog-entity","params":{"claims":["user:default/jane","group:default/team-a"]}}`,
		[]string{"api:default/delta", "component:default/alpha", "component:default/gamma"}},
	{"owner claims compare case-insensitively", `{"rule":"IS_ENTITY_OWNER","resourceType":"catalog-entity","params":{"claims":["Group:Default/Team-B"]}}`,
		[]string{"component:default/beta", "system:default/sys"}},
	{"no claims", `{"rule":"IS_ENTITY_OWNER","resourceType":"catalog-entity","params":{"claims":[]}}`, []string{}},
	{"kind", `{"rule":"IS_ENTITY_KIND","resourceType":"catalog-entity","params":{"kinds":["group","User"]}}`,
		[]string{"group:default/team-a", "group:default/team-b", "user:default/jane"}},
	{"annotation present", `{"rule":"HAS_ANNOTATION","resourceType":"catalog-entity","params":{"annotation":"callboard.dev/tier"}}`,
		[]string{"component:default/alpha"}},
	{"annotation value", `{"rule":"HAS_ANNOTATION","resourceType":"catalog-entity","params":{"annotation":"callboard.dev/tier","value":"gold"}}`,
		[]string{"component:default/alpha"}},
	{"annotation other value", `{"rule":"HAS_ANNOTATION","resourceType":"catalog-entity","params":{"annotation":"callboard.dev/tier","value":"silver"}}`,
		[]string{}},
	{"label", `{"rule":"HAS_LABEL","resourceType":"catalog-entity","params":{"label":"secret","value":"yes"}}`,
		[]string{"component:default/alpha"}},
	{"spec", `{"rule":"HAS_SPEC","resourceType":"catalog-entity","params":{"key":"lifecycle","value":"experimental"}}`,
		[]string{"component:default/gamma"}},
	{"metadata", `{"rule":"HAS_METADATA","resourceType":"catalog-entity","params":{"key":"title"}}`,
		[]string{"api:default/delta"}},
	{"allOf", `{"allOf":[{"rule":"IS_ENTITY_KIND","resourceType":"catalog-entity","params":{"kinds":["Component"]}},{"rule":"HAS_SPEC","resourceType":"catalog-entity","params":{"key":"type","value":"service"}}]}`,
		[]string{"component:default/alpha", "component:default/gamma"}},
	{"anyOf and not", `{"anyOf":[{"rule":"IS_ENTITY_OWNER","resourceType":"catalog-entity","params":{"claims":["group:default/team-b"]}},{"not":{"rule":"IS_ENTITY_KIND","resourceType":"catalog-entity","params":{"kinds":["Component","API","System"]}}}]}`,
		[]string{"component:default/beta", "group:default/team-a", "group:default/team-b", "system:default/sys", "user:default/jane"}},
}

func TestConditionsPredicateOnRealData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q := authzCatalog(t, db)
		ctx := context.Background()
		all, err := q.ListEntities(ctx, catalog.ListRequest{})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range conditionCases {
			t.Run(tc.name, func(t *testing.T) {
				p, err := catalog.ConditionsPredicate(json.RawMessage(tc.criteria))
				if err != nil {
					t.Fatal(err)
				}
				// In SQL, through a restricted view.
				res, err := q.Restrict(p).ListEntities(ctx, catalog.ListRequest{})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, sorted(refsOf(t, res.Items))); diff != "" {
					t.Errorf("SQL (-want +got):\n%s", diff)
				}
				// In Go, entity by entity.
				var matched []json.RawMessage
				for _, e := range all.Items {
					ok, err := catalog.MatchEntity(p, e)
					if err != nil {
						t.Fatal(err)
					}
					if ok {
						matched = append(matched, e)
					}
				}
				if diff := cmp.Diff(tc.want, sorted(refsOf(t, matched))); diff != "" {
					t.Errorf("Go (-want +got):\n%s", diff)
				}
			})
		}
	})
}

// owned is the criteria of a user owning through team-a.
const owned = `{"rule":"IS_ENTITY_OWNER","resourceType":"catalog-entity","params":{"claims":["user:default/jane","group:default/team-a"]}}`

func TestRestrictedReads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		base := authzCatalog(t, db)
		p, err := catalog.ConditionsPredicate(json.RawMessage(owned))
		if err != nil {
			t.Fatal(err)
		}
		q := base.Restrict(p)
		ctx := context.Background()
		one := 1

		t.Run("by-query pages and counts", func(t *testing.T) {
			var got []string
			req := catalog.QueryRequest{Limit: &one, Order: &catalog.Order{Field: "metadata.name"}}
			for range 10 {
				res, err := q.QueryEntities(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				if res.TotalItems != 3 {
					t.Errorf("totalItems = %d, want 3", res.TotalItems)
				}
				got = append(got, refsOf(t, res.Items)...)
				if res.NextCursor == "" {
					break
				}
				req = catalog.QueryRequest{Limit: &one, Cursor: res.NextCursor}
			}
			want := []string{"component:default/alpha", "api:default/delta", "component:default/gamma"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("pages (-want +got):\n%s", diff)
			}
		})

		t.Run("a forged cursor cannot escape the filter", func(t *testing.T) {
			// A cursor of the unrestricted reader, from the start.
			res, err := base.QueryEntities(ctx, catalog.QueryRequest{Limit: &one})
			if err != nil {
				t.Fatal(err)
			}
			// And one written by hand, with a query that matches all.
			forged := base64.StdEncoding.EncodeToString([]byte(`{"orderFields":[],"orderFieldValues":["0"],"query":{"$all":[]},"isPrevious":false,"totalItems":99}`))
			hundred := 100
			for _, cursor := range []string{res.NextCursor, forged} {
				page, err := q.QueryEntities(ctx, catalog.QueryRequest{Limit: &hundred, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				for _, ref := range refsOf(t, page.Items) {
					if !slices.Contains([]string{"api:default/delta", "component:default/alpha", "component:default/gamma"}, ref) {
						t.Errorf("cursor %s read %s", cursor, ref)
					}
				}
			}
		})

		t.Run("legacy list, paginated and streamed", func(t *testing.T) {
			two := 2
			res, err := q.ListEntities(ctx, catalog.ListRequest{Paginated: true, Limit: &two})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Items) != 2 || res.NextAfter == "" {
				t.Errorf("page: %d items, next %q", len(res.Items), res.NextAfter)
			}
			var streamed []json.RawMessage
			if err := q.StreamEntities(ctx, catalog.ListRequest{Order: []catalog.Order{{Field: "metadata.name", Desc: true}}}, func(e json.RawMessage) error {
				streamed = append(streamed, e)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"component:default/gamma", "api:default/delta", "component:default/alpha"}, refsOf(t, streamed)); diff != "" {
				t.Errorf("stream (-want +got):\n%s", diff)
			}
		})

		t.Run("by-refs answers null for the others", func(t *testing.T) {
			items, err := q.EntitiesByRefs(ctx, catalog.ByRefsRequest{Refs: []string{"component:default/alpha", "component:default/beta", "component:default/nope", "api:default/delta"}})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"component:default/alpha", "<null>", "<null>", "api:default/delta"}, refsOf(t, items)); diff != "" {
				t.Errorf("by-refs (-want +got):\n%s", diff)
			}
		})

		t.Run("by-name and by-uid are NotFound for the others", func(t *testing.T) {
			if _, err := q.EntityByRef(ctx, entity.Ref{Kind: "Component", Name: "Alpha"}); err != nil {
				t.Errorf("alpha: %v", err)
			}
			_, err := q.EntityByRef(ctx, entity.Ref{Kind: "component", Namespace: "default", Name: "beta"})
			checkProblem(t, err, problem.NotFoundError, "No entity named 'beta' found, with kind 'component' in namespace 'default'")
			for name, visible := range map[string]bool{"alpha": true, "beta": false} {
				raw, err := base.EntityByRef(ctx, entity.Ref{Kind: "component", Name: name})
				if err != nil {
					t.Fatal(err)
				}
				var e entity.Entity
				if err := json.Unmarshal(raw, &e); err != nil {
					t.Fatal(err)
				}
				_, err = q.EntityByUID(ctx, strings.ToUpper(e.Metadata.UID))
				if visible && err != nil {
					t.Errorf("by-uid of %s: %v", name, err)
				}
				if !visible {
					checkProblem(t, err, problem.NotFoundError, "No entity with uid "+strings.ToUpper(e.Metadata.UID))
				}
			}
		})

		t.Run("facets count the visible entities", func(t *testing.T) {
			f, err := q.Facets(ctx, catalog.FacetsRequest{Facets: []string{"kind"}})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string][]catalog.FacetCount{"kind": {{Value: "API", Count: 1}, {Value: "Component", Count: 2}}}
			if diff := cmp.Diff(want, f); diff != "" {
				t.Errorf("facets (-want +got):\n%s", diff)
			}
			// The unrestricted reader's cached facets are its own.
			f, err = base.Facets(ctx, catalog.FacetsRequest{Facets: []string{"kind"}})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(f["kind"]); n < 5 {
				t.Errorf("unrestricted facets: %v", f)
			}
		})

		t.Run("ancestry stops at entities the reader cannot see", func(t *testing.T) {
			full, err := base.Ancestry(ctx, entity.Ref{Kind: "component", Name: "alpha"})
			if err != nil {
				t.Fatal(err)
			}
			if len(full.Items) < 2 {
				t.Fatalf("unrestricted ancestry has %d items", len(full.Items))
			}
			a, err := q.Ancestry(ctx, entity.Ref{Kind: "component", Name: "alpha"})
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Items) != 1 || len(a.Items[0].ParentEntityRefs) != 0 {
				t.Errorf("restricted ancestry: %+v", a)
			}
			_, err = q.Ancestry(ctx, entity.Ref{Kind: "component", Name: "beta"})
			checkProblem(t, err, problem.NotFoundError, "No such entity component:default/beta")
		})

		t.Run("history only of visible entities", func(t *testing.T) {
			page, err := q.History(ctx, entity.Ref{Kind: "component", Name: "alpha"}, catalog.HistoryRequest{})
			if err != nil || len(page.Items) == 0 {
				t.Errorf("alpha history: %v, %+v", err, page)
			}
			_, err = q.History(ctx, entity.Ref{Kind: "component", Name: "beta"}, catalog.HistoryRequest{})
			checkProblem(t, err, problem.NotFoundError, "No entity named 'beta' found, with kind 'component' in namespace 'default'")
		})

		t.Run("nested restrictions combine", func(t *testing.T) {
			kind, err := catalog.ConditionsPredicate(json.RawMessage(`{"rule":"IS_ENTITY_KIND","resourceType":"catalog-entity","params":{"kinds":["API"]}}`))
			if err != nil {
				t.Fatal(err)
			}
			res, err := q.Restrict(kind).ListEntities(ctx, catalog.ListRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"api:default/delta"}, refsOf(t, res.Items)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})

		t.Run("apply-conditions per entity", func(t *testing.T) {
			for ref, want := range map[string]bool{
				"component:default/alpha": true, "Component:Default/ALPHA": true, "api:default/delta": true,
				"component:default/beta": false, "component:default/missing": false, "not a ref:": false,
			} {
				got, err := base.ApplyConditions(ctx, ref, json.RawMessage(owned))
				if err != nil || got != want {
					t.Errorf("%s: %v, %v; want %v", ref, got, err, want)
				}
			}
			_, err := base.ApplyConditions(ctx, "component:default/alpha", json.RawMessage(`{"rule":"NOPE","resourceType":"catalog-entity"}`))
			if !problem.Is(err, problem.InputError) {
				t.Errorf("bad criteria: %v", err)
			}
		})

		t.Run("views by conditions are kept per criteria", func(t *testing.T) {
			v1, err := base.RestrictConditions(json.RawMessage(owned))
			if err != nil {
				t.Fatal(err)
			}
			v2, err := base.RestrictConditions(json.RawMessage(owned))
			if err != nil || v1 != v2 {
				t.Errorf("the same criteria gave another view (%v)", err)
			}
			// From a view, the criteria narrow that view, not the catalog.
			kinds := `{"rule":"IS_ENTITY_KIND","resourceType":"catalog-entity","params":{"kinds":["Component"]}}`
			if _, err := base.RestrictConditions(json.RawMessage(kinds)); err != nil {
				t.Fatal(err)
			}
			nested, err := v1.RestrictConditions(json.RawMessage(kinds))
			if err != nil {
				t.Fatal(err)
			}
			res, err := nested.ListEntities(ctx, catalog.ListRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"component:default/alpha", "component:default/gamma"}, sorted(refsOf(t, res.Items))); diff != "" {
				t.Errorf("nested (-want +got):\n%s", diff)
			}
			if _, err := base.RestrictConditions(json.RawMessage(`{"rule":"NOPE","resourceType":"catalog-entity"}`)); !problem.Is(err, problem.InputError) {
				t.Errorf("bad criteria: %v", err)
			}
		})

		t.Run("match nothing is an empty catalog", func(t *testing.T) {
			none := base.Restrict(catalog.MatchNothing())
			res, err := none.QueryEntities(ctx, catalog.QueryRequest{})
			if err != nil || len(res.Items) != 0 || res.TotalItems != 0 {
				t.Errorf("by-query: %v %+v", err, res)
			}
			f, err := none.Facets(ctx, catalog.FacetsRequest{Facets: []string{"kind"}})
			if err != nil || len(f["kind"]) != 0 {
				t.Errorf("facets: %v %+v", err, f)
			}
			if !none.Restricted() || base.Restricted() {
				t.Error("Restricted() is wrong")
			}
		})
	})
}

func checkProblem(t *testing.T, err error, name, message string) {
	t.Helper()
	p, ok := problem.As(err)
	if !ok || p.Name != name || p.Message != message {
		t.Errorf("err = %v, want %s: %s", err, name, message)
	}
}

func TestConditionsPredicateErrors(t *testing.T) {
	tests := map[string]string{
		`[]`:             "Invalid permission criteria at conditions: expected an object with allOf, anyOf, not or rule",
		`{}`:             "Invalid permission criteria at conditions: expected exactly one of allOf, anyOf, not or rule",
		`{"anyOf":[]}`:   "Invalid permission criteria at conditions: anyOf must not be empty",
		`{"allOf":[{}]}`: "Invalid permission criteria at conditions.allOf[0]: expected exactly one of allOf, anyOf, not or rule",
		`{"rule":"IS_ENTITY_KIND","resourceType":"scaffolder-task","params":{"kinds":["x"]}}`:  `Invalid permission criteria at conditions: rule IS_ENTITY_KIND is for resource type "catalog-entity", not "scaffolder-task"`,
		`{"not":{"rule":"IS_OWNER","resourceType":"catalog-entity"}}`:                          `Invalid permission criteria at conditions.not: unknown rule "IS_OWNER" for resource type "catalog-entity"`,
		`{"rule":"IS_ENTITY_KIND","resourceType":"catalog-entity","params":{"kinds":"x"}}`:     "Invalid parameters of IS_ENTITY_KIND at conditions: kinds must be an array of strings",
		`{"rule":"IS_ENTITY_OWNER","resourceType":"catalog-entity"}`:                           "Invalid parameters of IS_ENTITY_OWNER at conditions: claims must be an array of strings",
		`{"rule":"HAS_LABEL","resourceType":"catalog-entity","params":{"label":""}}`:           "Invalid parameters of HAS_LABEL at conditions: label must be a non-empty string",
		`{"rule":"HAS_SPEC","resourceType":"catalog-entity","params":{"key":"a","value":1}}`:   "Invalid parameters of HAS_SPEC at conditions: value must be a string",
		`{"rule":"HAS_SPEC","resourceType":"catalog-entity","params":{"key":"a","other":"b"}}`: `Invalid parameters of HAS_SPEC at conditions: unknown parameter "other"`,
		`{"rule":"HAS_SPEC","resourceType":"catalog-entity","extra":1}`:                        "Invalid permission criteria at conditions: expected an object with allOf, anyOf, not or rule",
	}
	for src, want := range tests {
		_, err := catalog.ConditionsPredicate(json.RawMessage(src))
		checkProblem(t, err, problem.InputError, want)
	}
}

func TestConditionsPredicateShape(t *testing.T) {
	p, err := catalog.ConditionsPredicate(json.RawMessage(`{"anyOf":[` +
		`{"rule":"IS_ENTITY_OWNER","resourceType":"catalog-entity","params":{"claims":["Group:default/A"]}},` +
		`{"not":{"rule":"HAS_ANNOTATION","resourceType":"catalog-entity","params":{"annotation":"Backstage.io/Orphan","value":"True"}}},` +
		`{"rule":"HAS_LABEL","resourceType":"catalog-entity","params":{"label":"x","value":null}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"$any":[{"relations.ownedby":"group:default/a"},{"$not":{"metadata.annotations.backstage.io/orphan":"true"}},{"metadata.labels.x":{"$exists":true}}]}`
	if string(b) != want {
		t.Errorf("predicate\n%s\nwant\n%s", b, want)
	}
}

func TestPermissionRules(t *testing.T) {
	var names []string
	for _, r := range catalog.PermissionRules() {
		names = append(names, r.Name)
		var schema map[string]any
		if err := json.Unmarshal(r.ParamsSchema, &schema); err != nil {
			t.Errorf("%s: params schema: %v", r.Name, err)
		}
		if r.ResourceType != catalog.ResourceTypeEntity || r.Description == "" {
			t.Errorf("%+v", r)
		}
	}
	want := []string{"HAS_ANNOTATION", "HAS_LABEL", "HAS_METADATA", "HAS_SPEC", "IS_ENTITY_KIND", "IS_ENTITY_OWNER"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// FuzzConditionsPredicate checks that criteria either fail with an
// InputError or give a predicate that encodes and evaluates.
func FuzzConditionsPredicate(f *testing.F) {
	for _, tc := range conditionCases {
		f.Add(tc.criteria)
	}
	f.Add(`{"not":{"anyOf":[{"rule":"HAS_SPEC","resourceType":"catalog-entity","params":{"key":"a"}}]}}`)
	e := json.RawMessage(`{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"x","uid":"u","labels":{"a":"b"}},"spec":{"owner":"team-a"},"relations":[{"type":"ownedBy","targetRef":"group:default/team-a"}]}`)
	f.Fuzz(func(t *testing.T, src string) {
		p, err := catalog.ConditionsPredicate(json.RawMessage(src))
		if err != nil {
			if _, ok := problem.As(err); !ok {
				t.Fatalf("%s: unclassified error %v", src, err)
			}
			return
		}
		if _, err := json.Marshal(p); err != nil {
			t.Fatalf("%s: encode: %v", src, err)
		}
		if _, err := catalog.MatchEntity(p, e); err != nil {
			t.Fatalf("%s: match: %v", src, err)
		}
	})
}
