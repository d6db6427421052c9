package httpapi

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEntities(t *testing.T) {
	f := newFixture(t)
	api := f.api

	t.Run("whole catalog", func(t *testing.T) {
		res := api.do(t, "GET", "/api/catalog/entities", "")
		if res.status != 200 {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		got := entityNames(t, res.body)
		slices.Sort(got)
		if len(got) != 10 || !slices.Contains(got, "cart-service") || !slices.Contains(got, "callboard-test-org") {
			t.Errorf("entities = %v, want the 10 of testdata/catalog and its config location", got)
		}
	})

	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{name: "filter", query: "filter=kind=component&order=asc:metadata.name", want: []string{"build-tools", "cart-service", "checkout-web"}},
		{name: "filter sets are ORed", query: "filter=kind=api&filter=kind=system&order=asc:metadata.name", want: []string{"cart-api", "checkout"}},
		{name: "repeated key in a set", query: "filter=kind=api,kind=system&order=desc:metadata.name", want: []string{"checkout", "cart-api"}},
		{name: "array item", query: "filter=metadata.tags=go&order=asc:metadata.name", want: []string{"build-tools", "cart-service"}},
		{name: "relation", query: "filter=relations.ownedby=group:default/payments,kind=component&order=asc:metadata.name", want: []string{"cart-service", "checkout-web"}},
		{name: "case-insensitive", query: "filter=KIND=Component,Spec.Type=SERVICE", want: []string{"cart-service"}},
		{name: "no match", query: "filter=kind=nothing", want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := api.do(t, "GET", "/api/catalog/entities?"+tt.query, "")
			if res.status != 200 {
				t.Fatalf("status %d: %s", res.status, res.body)
			}
			if diff := cmp.Diff(tt.want, entityNames(t, res.body)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	t.Run("fields", func(t *testing.T) {
		res := api.do(t, "GET", "/api/catalog/entities?filter=kind=component,metadata.name=cart-service&fields=kind,metadata.name,metadata.annotations.callboard.dev/test-note", "")
		want := `[{"kind":"Component","metadata":{"name":"cart-service","annotations":{"callboard.dev/test-note":"first"}}}]`
		if diff := cmp.Diff(compact(t, []byte(want)), compact(t, res.body)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	t.Run("paged with Link", func(t *testing.T) {
		var names []string
		target := "/api/catalog/entities?filter=kind=component,kind=api,kind=system&limit=2"
		var links []string
		for range 10 {
			res := api.do(t, "GET", target, "")
			if res.status != 200 {
				t.Fatalf("status %d: %s", res.status, res.body)
			}
			names = append(names, entityNames(t, res.body)...)
			link := res.header.Get("Link")
			if link == "" {
				break
			}
			links = append(links, link)
			m := regexp.MustCompile(`^</entities\?([^>]*)>; rel="next"$`).FindStringSubmatch(link)
			if m == nil {
				t.Fatalf("Link %q is not Backstage's form", link)
			}
			target = "/api/catalog/entities?" + m[1]
		}
		// Without order the legacy list sorts by entity ref.
		want := []string{"cart-api", "build-tools", "cart-service", "checkout-web", "checkout"}
		if diff := cmp.Diff(want, names); diff != "" {
			t.Errorf("pages (-want +got):\n%s", diff)
		}
		if len(links) != 2 || !strings.HasPrefix(links[0], "</entities?filter=kind%3Dcomponent%2Ckind%3Dapi%2Ckind%3Dsystem&limit=2&after=") {
			t.Errorf("links = %q", links)
		}
	})

	t.Run("paged with offset and order", func(t *testing.T) {
		res := api.do(t, "GET", "/api/catalog/entities?filter=kind=component&order=desc:metadata.name&offset=1&limit=1", "")
		if diff := cmp.Diff([]string{"cart-service"}, entityNames(t, res.body)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		link := res.header.Get("Link")
		if !strings.HasPrefix(link, "</entities?filter=kind%3Dcomponent&order=desc%3Ametadata.name&limit=1&after=") || strings.Contains(link, "offset") {
			t.Errorf("Link = %q; want offset dropped and after appended", link)
		}
	})

	errorTests := []struct {
		name, query, message string
	}{
		{"limit zero", "limit=0", "Invalid limit, must be greater than zero"},
		{"limit not a number", "limit=ten", "Invalid limit, not an integer on string form"},
		{"negative offset", "offset=-1", "Invalid offset, must be zero or greater"},
		{"empty after", "after=", "Invalid after, must not be empty"},
		{"bad order", "order=up:metadata.name", `Invalid order parameter "up:metadata.name", expected "<asc or desc>:<field name>"`},
		{"bad filter", "filter==x", "Invalid filter, '=x' is not a valid statement (expected a string on the form a=b or a= or a)"},
		{"array field", "fields=metadata.tags[0]", `Invalid field "metadata.tags[0]", array type fields are not supported`},
	}
	for _, tt := range errorTests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, api.do(t, "GET", "/api/catalog/entities?"+tt.query, ""), 400, "InputError", tt.message)
		})
	}
	t.Run("malformed after", func(t *testing.T) {
		res := api.do(t, "GET", "/api/catalog/entities?after=%25%25%25", "")
		wantErrorPrefix(t, res, 400, "InputError", "Malformed after cursor")
	})
}

func TestEntityLookups(t *testing.T) {
	f := newFixture(t)
	api := f.api

	byName := api.do(t, "GET", "/api/catalog/entities/by-name/component/default/cart-service", "")
	if byName.status != 200 {
		t.Fatalf("by-name: %d %s", byName.status, byName.body)
	}
	var cart struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name string `json:"name"`
			UID  string `json:"uid"`
		} `json:"metadata"`
		Relations []struct {
			Type      string `json:"type"`
			TargetRef string `json:"targetRef"`
		} `json:"relations"`
	}
	decode(t, byName, &cart)
	if cart.Metadata.Name != "cart-service" || cart.Metadata.UID == "" {
		t.Fatalf("by-name returned %s", byName.body)
	}
	if !slices.ContainsFunc(cart.Relations, func(r struct {
		Type      string `json:"type"`
		TargetRef string `json:"targetRef"`
	}) bool {
		return r.Type == "ownedBy" && r.TargetRef == "group:default/payments"
	}) {
		t.Errorf("relations = %+v, want ownedBy group:default/payments", cart.Relations)
	}

	t.Run("by-name is case-insensitive", func(t *testing.T) {
		res := api.do(t, "GET", "/api/catalog/entities/by-name/Component/DEFAULT/Cart-Service", "")
		if res.status != 200 || compact(t, res.body) != compact(t, byName.body) {
			t.Errorf("got %d %s", res.status, res.body)
		}
	})
	t.Run("error body", func(t *testing.T) {
		res := api.do(t, "GET", "/api/catalog/entities/by-name/component/default/nope?fields=kind", "")
		want := `{"error":{"name":"NotFoundError","message":"No entity named 'nope' found, with kind 'component' in namespace 'default'"},` +
			`"request":{"method":"GET","url":"/entities/by-name/component/default/nope?fields=kind"},"response":{"statusCode":404}}`
		if res.status != 404 || string(res.body) != want || res.header.Get("Content-Type") != jsonContentType {
			t.Errorf("got %d %s %s", res.status, res.header.Get("Content-Type"), res.body)
		}
	})
	t.Run("by-name missing", func(t *testing.T) {
		wantError(t, api.do(t, "GET", "/api/catalog/entities/by-name/component/default/nope", ""), 404, "NotFoundError",
			"No entity named 'nope' found, with kind 'component' in namespace 'default'")
	})
	t.Run("by-uid", func(t *testing.T) {
		res := api.do(t, "GET", "/api/catalog/entities/by-uid/"+cart.Metadata.UID, "")
		if res.status != 200 || compact(t, res.body) != compact(t, byName.body) {
			t.Errorf("got %d %s", res.status, res.body)
		}
	})
	t.Run("by-uid missing", func(t *testing.T) {
		wantError(t, api.do(t, "GET", "/api/catalog/entities/by-uid/no-such-uid", ""), 404, "NotFoundError", "No entity with uid no-such-uid")
	})

	t.Run("ancestry", func(t *testing.T) {
		res := api.do(t, "GET", "/api/catalog/entities/by-name/component/default/cart-service/ancestry", "")
		if res.status != 200 {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		var a struct {
			RootEntityRef string `json:"rootEntityRef"`
			Items         []struct {
				Entity           json.RawMessage `json:"entity"`
				ParentEntityRefs []string        `json:"parentEntityRefs"`
			} `json:"items"`
		}
		decode(t, res, &a)
		if a.RootEntityRef != "component:default/cart-service" || len(a.Items) != 3 {
			t.Fatalf("ancestry = %s", res.body)
		}
		chain := namesOf(t, []json.RawMessage{a.Items[0].Entity, a.Items[1].Entity})
		if diff := cmp.Diff([]string{"cart-service", "callboard-test-org"}, chain); diff != "" {
			t.Errorf("chain (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"location:default/callboard-test-org"}, a.Items[0].ParentEntityRefs); diff != "" {
			t.Errorf("parents of the root (-want +got):\n%s", diff)
		}
		if len(a.Items[2].ParentEntityRefs) != 0 {
			t.Errorf("the config location has parents %v", a.Items[2].ParentEntityRefs)
		}
	})
	t.Run("ancestry missing", func(t *testing.T) {
		wantError(t, api.do(t, "GET", "/api/catalog/entities/by-name/component/default/nope/ancestry", ""), 404, "NotFoundError",
			"No such entity component:default/nope")
	})
}

func TestEntitiesByRefs(t *testing.T) {
	f := newFixture(t)
	api := f.api
	tests := []struct {
		name  string
		query string
		body  string
		want  string
	}{
		{
			name: "order and nulls",
			body: `{"entityRefs":["api:default/cart-api","component:default/nope","Component:default/cart-service","component:default/cart-service"],"fields":["metadata.name"]}`,
			want: `{"items":[{"metadata":{"name":"cart-api"}},null,null,{"metadata":{"name":"cart-service"}}]}`,
		},
		{
			name:  "query filter and fields merge with the body",
			query: "?filter=kind=component&fields=kind",
			body:  `{"entityRefs":["api:default/cart-api","component:default/cart-service"],"fields":["metadata.name"]}`,
			want:  `{"items":[null,{"kind":"Component","metadata":{"name":"cart-service"}}]}`,
		},
		{
			name:  "query filter and body predicate both apply",
			query: "?filter=kind=component",
			body:  `{"entityRefs":["component:default/cart-service","component:default/build-tools"],"fields":["metadata.name"],"query":{"spec.type":"library"}}`,
			want:  `{"items":[null,{"metadata":{"name":"build-tools"}}]}`,
		},
		{
			name: "empty",
			body: `{"entityRefs":[]}`,
			want: `{"items":[]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := api.do(t, "POST", "/api/catalog/entities/by-refs"+tt.query, tt.body)
			if res.status != 200 {
				t.Fatalf("status %d: %s", res.status, res.body)
			}
			if diff := cmp.Diff(compact(t, []byte(tt.want)), compact(t, res.body)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	errorTests := []struct {
		name, body, contentType, message string
	}{
		{"no content type", `{"entityRefs":[]}`, "", "Content-Type missing"},
		{"wrong content type", `{"entityRefs":[]}`, "text/plain", "Illegal Content-Type"},
		{"missing refs", `{"fields":["kind"]}`, "application/json", `Malformed request: missing required property "entityRefs"`},
		{"refs not strings", `{"entityRefs":[1]}`, "application/json", `Malformed request: property "entityRefs" must be a string, got number`},
		{"bad predicate", `{"entityRefs":[],"query":{"kind":{"$regex":"x"}}}`, "application/json",
			`Invalid filter predicate value for field "kind": expected a primitive value, $exists, $in, $hasPrefix, or $contains operator, but got {"$regex":"x"}`},
	}
	for _, tt := range errorTests {
		t.Run(tt.name, func(t *testing.T) {
			res := api.do(t, "POST", "/api/catalog/entities/by-refs", tt.body, "Content-Type", tt.contentType)
			wantError(t, res, 400, "InputError", tt.message)
		})
	}
}

func TestRefreshAndDelete(t *testing.T) {
	f := newFixture(t)
	api := f.api

	t.Run("refresh", func(t *testing.T) {
		res := api.do(t, "POST", "/api/catalog/refresh", `{"entityRef":"component:default/cart-service"}`)
		if res.status != 200 || len(res.body) != 0 {
			t.Errorf("got %d %q, want 200 and no body", res.status, res.body)
		}
		f.waitIdle(t)
	})
	t.Run("refresh with legacy token", func(t *testing.T) {
		res := api.do(t, "POST", "/api/catalog/refresh", `{"entityRef":"component:default/cart-service","authorizationToken":"t"}`)
		if res.status != 200 {
			t.Errorf("got %d %s", res.status, res.body)
		}
	})
	refreshErrors := []struct {
		name, body string
		status     int
		errName    string
		message    string
	}{
		{"unknown entity", `{"entityRef":"component:default/nope"}`, 404, "NotFoundError", "Entity component:default/nope not found"},
		{"unknown key", `{"entityRef":"component:default/cart-service","force":true}`, 400, "InputError", `Malformed request: unknown field "force"`},
		{"missing ref", `{"authorizationToken":"t"}`, 400, "InputError", `Malformed request: missing required property "entityRef"`},
		{"empty body", `{}`, 400, "InputError", "Empty request body"},
	}
	for _, tt := range refreshErrors {
		t.Run("refresh "+tt.name, func(t *testing.T) {
			wantError(t, api.do(t, "POST", "/api/catalog/refresh", tt.body), tt.status, tt.errName, tt.message)
		})
	}

	t.Run("delete by uid", func(t *testing.T) {
		var e struct {
			Metadata struct{ UID string } `json:"metadata"`
		}
		decode(t, api.do(t, "GET", "/api/catalog/entities/by-name/component/default/build-tools", ""), &e)
		res := api.do(t, "DELETE", "/api/catalog/entities/by-uid/"+e.Metadata.UID, "")
		if res.status != 204 || len(res.body) != 0 {
			t.Errorf("got %d %q, want 204", res.status, res.body)
		}
		wantError(t, api.do(t, "GET", "/api/catalog/entities/by-uid/"+e.Metadata.UID, ""), 404, "NotFoundError", "No entity with uid "+e.Metadata.UID)
	})
	t.Run("delete unknown uid", func(t *testing.T) {
		if res := api.do(t, "DELETE", "/api/catalog/entities/by-uid/no-such-uid", ""); res.status != 204 {
			t.Errorf("got %d %s, want 204", res.status, res.body)
		}
	})
}

// compact re-encodes JSON with sorted keys and no insignificant space, so
// documents that differ only in key order compare equal.
func compact(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, b)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// wantErrorPrefix is wantError for messages that end in detail from a
// decoder.
func wantErrorPrefix(t *testing.T, res response, status int, name, prefix string) {
	t.Helper()
	var body struct {
		Error struct{ Name, Message string } `json:"error"`
	}
	if res.status != status {
		t.Errorf("status = %d, want %d; body %s", res.status, status, res.body)
		return
	}
	decode(t, res, &body)
	if body.Error.Name != name || !strings.HasPrefix(body.Error.Message, prefix) {
		t.Errorf("error = %s %q, want %s %q...", body.Error.Name, body.Error.Message, name, prefix)
	}
}
