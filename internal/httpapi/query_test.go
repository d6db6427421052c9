package httpapi

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// queryPage is the answer of /entities/by-query.
type queryPage struct {
	Items      []json.RawMessage `json:"items"`
	TotalItems int               `json:"totalItems"`
	PageInfo   struct {
		NextCursor string `json:"nextCursor"`
		PrevCursor string `json:"prevCursor"`
	} `json:"pageInfo"`
}

func TestQueryEntities(t *testing.T) {
	f := newFixture(t)
	api := f.api

	page := func(t *testing.T, method, target, body string) (queryPage, response) {
		t.Helper()
		res := api.do(t, method, target, body)
		if res.status != 200 {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		var p queryPage
		decode(t, res, &p)
		return p, res
	}
	get := func(t *testing.T, query string) (queryPage, response) {
		t.Helper()
		return page(t, "GET", "/api/catalog/entities/by-query?"+query, "")
	}
	post := func(t *testing.T, body string) (queryPage, response) {
		t.Helper()
		return page(t, "POST", "/api/catalog/entities/by-query", body)
	}

	tests := []struct {
		name      string
		get, post string
		want      []string
		total     int
	}{
		{
			name:  "filter and order",
			get:   "filter=kind=component&orderField=metadata.name,desc",
			post:  `{"query":{"kind":"component"},"orderBy":[{"field":"metadata.name","order":"desc"}]}`,
			want:  []string{"checkout-web", "cart-service", "build-tools"},
			total: 3,
		},
		{
			name:  "order only by the first field",
			get:   "filter=kind=component&orderField=metadata.name&orderField=spec.type,desc",
			post:  `{"query":{"kind":"component"},"orderBy":[{"field":"metadata.name","order":"asc"},{"field":"spec.type","order":"desc"}]}`,
			want:  []string{"build-tools", "cart-service", "checkout-web"},
			total: 3,
		},
		{
			name:  "full text on given fields",
			get:   "fullTextFilterTerm=%20CART%20&fullTextFilterFields=metadata.name,metadata.title&orderField=metadata.name,asc",
			post:  `{"fullTextFilter":{"term":" CART ","fields":["metadata.name","metadata.title"]},"orderBy":[{"field":"metadata.name","order":"asc"}]}`,
			want:  []string{"cart-api", "cart-service"},
			total: 2,
		},
		{
			name:  "offset and limit",
			get:   "filter=kind=component&orderField=metadata.name,asc&offset=1&limit=1",
			post:  `{"query":{"kind":"component"},"orderBy":[{"field":"metadata.name","order":"asc"}],"offset":1,"limit":1}`,
			want:  []string{"cart-service"},
			total: 3,
		},
		{
			name:  "limit zero still counts",
			get:   "filter=kind=component&limit=0",
			post:  `{"query":{"kind":"component"},"limit":0}`,
			want:  []string{},
			total: 3,
		},
		{
			name:  "total excluded",
			get:   "filter=kind=component&orderField=metadata.name,asc&totalItems=exclude",
			post:  `{"query":{"kind":"component"},"orderBy":[{"field":"metadata.name","order":"asc"}],"totalItems":"exclude"}`,
			want:  []string{"build-tools", "cart-service", "checkout-web"},
			total: 0,
		},
		{
			name:  "predicate operators",
			post:  `{"query":{"$all":[{"kind":{"$in":["component","api"]}},{"$not":{"spec.lifecycle":"experimental"}},{"metadata.name":{"$hasPrefix":"CART"}}]},"orderBy":[{"field":"metadata.name","order":"asc"}]}`,
			want:  []string{"cart-api", "cart-service"},
			total: 2,
		},
		{
			name:  "relations contains",
			post:  `{"query":{"relations":{"$contains":{"type":"ownedBy","targetRef":"group:default/platform"}}},"orderBy":[{"field":"metadata.name","order":"asc"}]}`,
			want:  []string{"build-tools"},
			total: 1,
		},
		{
			name:  "empty body is everything",
			post:  `{"orderBy":[{"field":"kind","order":"asc"}],"limit":1}`,
			want:  []string{"cart-api"},
			total: 10,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check := func(method string, p queryPage) {
				t.Helper()
				if diff := cmp.Diff(tt.want, namesOf(t, p.Items)); diff != "" {
					t.Errorf("%s items (-want +got):\n%s", method, diff)
				}
				if p.TotalItems != tt.total {
					t.Errorf("%s totalItems = %d, want %d", method, p.TotalItems, tt.total)
				}
			}
			if tt.get != "" {
				p, _ := get(t, tt.get)
				check("GET", p)
			}
			if tt.post != "" {
				p, _ := post(t, tt.post)
				check("POST", p)
			}
		})
	}

	t.Run("no body at all", func(t *testing.T) {
		res := api.do(t, "POST", "/api/catalog/entities/by-query", "", "Content-Type", "")
		var p queryPage
		decode(t, res, &p)
		if res.status != 200 || p.TotalItems != 10 {
			t.Errorf("got %d %s", res.status, res.body)
		}
	})

	t.Run("fields", func(t *testing.T) {
		_, res := get(t, "filter=metadata.name=cart-api&fields=kind,metadata.name")
		want := `{"items":[{"kind":"API","metadata":{"name":"cart-api"}}],"totalItems":1,"pageInfo":{}}`
		if diff := cmp.Diff(compact(t, []byte(want)), compact(t, res.body)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	t.Run("cursor paging", func(t *testing.T) {
		p1, _ := get(t, "filter=kind=component,kind=api,kind=system&orderField=metadata.name,asc&limit=2&fields=metadata.name")
		if p1.PageInfo.NextCursor == "" || p1.PageInfo.PrevCursor != "" || p1.TotalItems != 5 {
			t.Fatalf("first page = %+v", p1)
		}
		// The cursor carries the query: filters given with it are ignored.
		p2, _ := get(t, "cursor="+url.QueryEscape(p1.PageInfo.NextCursor)+"&limit=2&filter=kind=user")
		p3, _ := get(t, "cursor="+url.QueryEscape(p2.PageInfo.NextCursor)+"&limit=2")
		got := [][]string{namesOf(t, p1.Items), namesOf(t, p2.Items), namesOf(t, p3.Items)}
		want := [][]string{{"build-tools", "cart-api"}, {"cart-service", "checkout"}, {"checkout-web"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("pages (-want +got):\n%s", diff)
		}
		if p3.PageInfo.NextCursor != "" || p3.PageInfo.PrevCursor == "" || p2.TotalItems != 5 || p3.TotalItems != 5 {
			t.Errorf("last page info = %+v total %d", p3.PageInfo, p3.TotalItems)
		}
		back, _ := post(t, `{"cursor":"`+p3.PageInfo.PrevCursor+`","limit":2}`)
		if diff := cmp.Diff([]string{"cart-service", "checkout"}, namesOf(t, back.Items)); diff != "" {
			t.Errorf("previous page through POST (-want +got):\n%s", diff)
		}
	})

	errorTests := []struct {
		name, method, target, body, message string
	}{
		{"negative limit", "GET", "limit=-1", "", "Invalid limit, must be zero or greater"},
		{"limit not a number", "GET", "limit=many", "", "Invalid limit, not an integer on string form"},
		{"negative offset", "GET", "offset=-5", "", "Invalid offset, must be zero or greater"},
		{"bad order", "GET", "orderField=metadata.name,up", "", "Invalid order field order, must be asc or desc"},
		{"empty cursor", "GET", "cursor=", "", "Cursor cannot be empty"},
		{"bad totalItems", "GET", "totalItems=some", "", `Invalid totalItems, must be "include" or "exclude"`},
		{"bad filter", "GET", "filter=,=,", "", "Invalid filter, '=' is not a valid statement (expected a string on the form a=b or a= or a)"},
		{"POST empty cursor", "POST", "", `{"cursor":""}`, "Cursor cannot be empty"},
		{"POST bad order", "POST", "", `{"orderBy":[{"field":"kind","order":"up"}]}`, "Invalid order field order, must be asc or desc"},
		{"POST negative limit", "POST", "", `{"limit":-1}`, `Malformed request: property "limit" must be >= 0`},
		{"POST fractional offset", "POST", "", `{"offset":1.5}`, `Malformed request: property "offset" must be an integer`},
		{"POST top-level array predicate", "POST", "", `{"query":["kind"]}`, `Invalid filter predicate: top-level primitive values are not supported. Wrap the value in a field expression, e.g. { "kind": ["kind"] }`},
		{"POST wrong content type", "POST", "", `{"limit":1}`, "Illegal Content-Type"},
	}
	for _, tt := range errorTests {
		t.Run(tt.name, func(t *testing.T) {
			var res response
			if tt.method == "GET" {
				res = api.do(t, "GET", "/api/catalog/entities/by-query?"+tt.target, "")
			} else {
				var hdr []string
				if tt.name == "POST wrong content type" {
					hdr = []string{"Content-Type", "application/x-www-form-urlencoded"}
				}
				res = api.do(t, "POST", "/api/catalog/entities/by-query", tt.body, hdr...)
			}
			wantError(t, res, 400, "InputError", tt.message)
		})
	}
	t.Run("malformed cursor", func(t *testing.T) {
		wantErrorPrefix(t, api.do(t, "GET", "/api/catalog/entities/by-query?cursor=not-a-cursor", ""), 400, "InputError", "Malformed cursor: ")
	})
}

func TestEntityFacets(t *testing.T) {
	f := newFixture(t)
	api := f.api
	tests := []struct {
		name, method, target, body, want string
	}{
		{
			name: "kind", method: "GET", target: "facet=kind",
			want: `{"facets":{"kind":[{"value":"API","count":1},{"value":"Component","count":3},{"value":"Group","count":2},{"value":"Location","count":2},{"value":"System","count":1},{"value":"User","count":1}]}}`,
		},
		{
			name: "filtered, key kept as requested", method: "GET", target: "facet=Spec.Type&facet=metadata.tags&filter=kind=component",
			want: `{"facets":{"Spec.Type":[{"value":"library","count":1},{"value":"service","count":1},{"value":"website","count":1}],"metadata.tags":[{"value":"backend","count":1},{"value":"frontend","count":1},{"value":"go","count":2},{"value":"typescript","count":1}]}}`,
		},
		{
			name: "unknown facet is empty", method: "GET", target: "facet=spec.nothing",
			want: `{"facets":{"spec.nothing":[]}}`,
		},
		{
			name: "predicate", method: "POST", body: `{"facets":["spec.lifecycle"],"query":{"kind":{"$in":["component","api"]}}}`,
			want: `{"facets":{"spec.lifecycle":[{"value":"experimental","count":1},{"value":"production","count":3}]}}`,
		},
	}
	// facets asks by GET with the query string target, or by POST with
	// body.
	facets := func(t *testing.T, method, target, body string) response {
		t.Helper()
		if method == "GET" {
			return api.do(t, "GET", "/api/catalog/entity-facets?"+target, "")
		}
		return api.do(t, "POST", "/api/catalog/entity-facets", body)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := facets(t, tt.method, tt.target, tt.body)
			if res.status != 200 {
				t.Fatalf("status %d: %s", res.status, res.body)
			}
			if diff := cmp.Diff(tt.want, string(res.body)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	errorTests := []struct {
		name, method, target, body, message string
	}{
		{"GET without facet", "GET", "filter=kind=component", "", "Missing facet parameter"},
		{"POST without facets", "POST", "", `{"query":{"kind":"component"}}`, `Malformed request: missing required property "facets"`},
		{"POST null facets", "POST", "", `{"facets":null}`, "Missing facet parameter"},
		{"POST no facets", "POST", "", `{"facets":[]}`, "Missing facet parameter"},
		{"POST empty body", "POST", "", `{}`, "Empty request body"},
		{"bad filter", "GET", "facet=kind&filter=kind=a,=b", "", "Invalid filter, '=b' is not a valid statement (expected a string on the form a=b or a= or a)"},
	}
	for _, tt := range errorTests {
		t.Run(tt.name, func(t *testing.T) {
			res := facets(t, tt.method, tt.target, tt.body)
			wantError(t, res, 400, "InputError", tt.message)
		})
	}
}
