package httpapi

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/entity"
)

func TestValidateEntity(t *testing.T) {
	f := newFixture(t)
	api := f.api
	const component = `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"fresh"},"spec":{"type":"service","lifecycle":"production","owner":"payments"}}`

	t.Run("valid", func(t *testing.T) {
		res := api.do(t, "POST", "/api/catalog/validate-entity", `{"entity":`+component+`,"location":"url:https://example.com/catalog-info.yaml"}`)
		if res.status != 200 || len(res.body) != 0 {
			t.Errorf("got %d %q, want 200 and no body", res.status, res.body)
		}
	})

	tests := []struct {
		name, body, contentType string
		want                    []entity.SerializedError
		// prefix, when set, is what the single error's message starts with.
		prefix string
	}{
		{
			name: "not a url location",
			body: `{"entity":` + component + `,"location":"file:/tmp/catalog-info.yaml"}`,
			want: []entity.SerializedError{{Name: "TypeError", Message: "Invalid location ref file:/tmp/catalog-info.yaml, only 'url:<target>' is supported, e.g. url:https://host/path"}},
		},
		{
			name:   "invalid entity",
			body:   `{"entity":{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"Not Valid!"},"spec":{"type":"service","lifecycle":"production","owner":"x"}},"location":"url:https://example.com/a.yaml"}`,
			prefix: "Policy check failed for component:default/",
		},
		{
			name: "bad envelope",
			body: `{"entity":{"kind":"Component","metadata":{"name":"a"}},"location":"url:https://example.com/a.yaml"}`,
			want: []entity.SerializedError{{Name: "TypeError", Message: "<root> must have required property 'apiVersion' - missingProperty: apiVersion"}},
		},
		{
			name: "missing location",
			body: `{"entity":` + component + `}`,
			want: []entity.SerializedError{{Name: "InputError", Message: `Malformed request: missing required property "location"`}},
		},
		{
			name: "entity not an object",
			body: `{"entity":"component:default/a","location":"url:https://example.com/a.yaml"}`,
			want: []entity.SerializedError{{Name: "InputError", Message: `Malformed request: property "entity" must be an object`}},
		},
		{
			name:        "no content type",
			body:        `{"entity":` + component + `,"location":"url:https://example.com/a.yaml"}`,
			contentType: "-",
			want:        []entity.SerializedError{{Name: "InputError", Message: "Content-Type missing"}},
		},
		{
			name: "empty body",
			body: `{}`,
			want: []entity.SerializedError{{Name: "InputError", Message: "Empty request body"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.contentType == "-" {
				hdr = []string{"Content-Type", ""}
			}
			res := api.do(t, "POST", "/api/catalog/validate-entity", tt.body, hdr...)
			if res.status != 400 {
				t.Fatalf("status %d: %s", res.status, res.body)
			}
			var got struct {
				Errors []entity.SerializedError `json:"errors"`
			}
			if err := json.Unmarshal(res.body, &got); err != nil || len(got.Errors) == 0 {
				t.Fatalf("want {\"errors\": [...]}, got %s", res.body)
			}
			if tt.want != nil {
				if diff := cmp.Diff(tt.want, got.Errors); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
				return
			}
			if !strings.HasPrefix(got.Errors[0].Message, tt.prefix) || got.Errors[0].Name == "" {
				t.Errorf("errors = %+v, want a message starting %q", got.Errors, tt.prefix)
			}
		})
	}
}

func TestAnalyzeLocation(t *testing.T) {
	f := newFixture(t)
	api := f.api

	t.Run("repository", func(t *testing.T) {
		res := api.do(t, "POST", "/api/catalog/analyze-location", `{"location":{"type":"url","target":"https://github.com/acme/shop-backend"}}`)
		want := `{"existingEntityFiles":[],"generateEntities":[{"entity":{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"shop-backend","annotations":{"github.com/project-slug":"acme/shop-backend"}},"spec":{"type":"other","lifecycle":"unknown"}},"fields":[]}]}`
		if res.status != 200 {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		if diff := cmp.Diff(compact(t, []byte(want)), compact(t, res.body)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	target := f.files + "/remote/catalog-info.yaml"
	existing := func(t *testing.T, body string) (names []string, registered []bool) {
		t.Helper()
		res := api.do(t, "POST", "/api/catalog/analyze-location", body)
		if res.status != 200 {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		var got struct {
			ExistingEntityFiles []struct {
				Location     map[string]string `json:"location"`
				IsRegistered bool              `json:"isRegistered"`
				Entity       json.RawMessage   `json:"entity"`
			} `json:"existingEntityFiles"`
		}
		decode(t, res, &got)
		for _, e := range got.ExistingEntityFiles {
			names = append(names, namesOf(t, []json.RawMessage{e.Entity})...)
			registered = append(registered, e.IsRegistered)
		}
		return names, registered
	}
	body := `{"location":{"type":"url","target":"` + target + `"},"catalogFilename":"catalog-info.yaml"}`
	t.Run("catalog file", func(t *testing.T) {
		names, registered := existing(t, body)
		if diff := cmp.Diff([]string{"remote-service"}, names); diff != "" || registered[0] {
			t.Errorf("got %v registered %v", names, registered)
		}
	})
	t.Run("catalog file once registered", func(t *testing.T) {
		if res := api.do(t, "POST", "/api/catalog/locations", `{"type":"url","target":"`+target+`"}`); res.status != 201 {
			t.Fatalf("register: %d %s", res.status, res.body)
		}
		// Backstage's spec spells the file key catalogFileName.
		_, registered := existing(t, `{"location":{"type":"url","target":"`+target+`"},"catalogFileName":"catalog-info.yaml"}`)
		if len(registered) != 1 || !registered[0] {
			t.Errorf("isRegistered = %v, want true", registered)
		}
	})

	errorTests := []struct {
		name, body, message string
	}{
		{"not a URL", `{"location":{"type":"url","target":"just words"}}`, "The given location.target is not a URL"},
		{"missing location", `{"catalogFilename":"x.yaml"}`, `Malformed request: missing required property "location"`},
		{"location not an object", `{"location":"url:https://github.com/a/b"}`, `Malformed request: property "location" must be an object`},
		{"location missing target", `{"location":{"type":"url"}}`, `Malformed request: missing required property "target"`},
		{"location unknown key", `{"location":{"type":"url","target":"https://github.com/a/b","ref":"main"}}`, `Malformed request: unknown field "ref"`},
	}
	for _, tt := range errorTests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, api.do(t, "POST", "/api/catalog/analyze-location", tt.body), 400, "InputError", tt.message)
		})
	}
}

func TestHistory(t *testing.T) {
	f := newFixture(t)
	api := f.api
	const path = "/api/catalog/entities/by-name/component/default/cart-service/history"

	type entry struct {
		ID        int64           `json:"id"`
		EntityRef string          `json:"entityRef"`
		Change    string          `json:"change"`
		Source    string          `json:"source"`
		NewEtag   string          `json:"newEtag"`
		Diff      json.RawMessage `json:"diff"`
	}
	type page struct {
		Items      []entry `json:"items"`
		NextCursor string  `json:"nextCursor"`
	}

	// A second version: the entity is deleted and comes back when its
	// parent is processed again.
	var e struct {
		Metadata struct{ UID string } `json:"metadata"`
	}
	decode(t, api.do(t, "GET", "/api/catalog/entities/by-name/component/default/cart-service", ""), &e)
	if res := api.do(t, "DELETE", "/api/catalog/entities/by-uid/"+e.Metadata.UID, ""); res.status != 204 {
		t.Fatalf("delete: %d %s", res.status, res.body)
	}
	f.waitIdle(t)

	res := api.do(t, "GET", path, "")
	if res.status != 200 {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	var all page
	decode(t, res, &all)
	if len(all.Items) < 2 || all.NextCursor != "" {
		t.Fatalf("history = %s", res.body)
	}
	for i, it := range all.Items {
		if it.EntityRef != "component:default/cart-service" || it.Change == "" || it.Source == "" {
			t.Errorf("item %d = %+v", i, it)
		}
		if i > 0 && it.ID >= all.Items[i-1].ID {
			t.Errorf("history not newest first: ids %d then %d", all.Items[i-1].ID, it.ID)
		}
	}
	if last := all.Items[len(all.Items)-1]; last.Change != "created" {
		t.Errorf("oldest change = %q, want created", last.Change)
	}

	t.Run("paged", func(t *testing.T) {
		var ids []int64
		target := path + "?limit=1"
		for range len(all.Items) + 1 {
			var p page
			decode(t, api.do(t, "GET", target, ""), &p)
			for _, it := range p.Items {
				ids = append(ids, it.ID)
			}
			if p.NextCursor == "" {
				break
			}
			target = path + "?limit=1&cursor=" + p.NextCursor
		}
		var want []int64
		for _, it := range all.Items {
			want = append(want, it.ID)
		}
		if diff := cmp.Diff(want, ids); diff != "" {
			t.Errorf("ids across pages (-want +got):\n%s", diff)
		}
	})

	t.Run("case-insensitive", func(t *testing.T) {
		var p page
		decode(t, api.do(t, "GET", "/api/catalog/entities/by-name/Component/Default/Cart-Service/history", ""), &p)
		if len(p.Items) != len(all.Items) {
			t.Errorf("got %d items, want %d", len(p.Items), len(all.Items))
		}
	})

	errorTests := []struct {
		name, target string
		status       int
		errName      string
		message      string
	}{
		{"zero limit", path + "?limit=0", 400, "InputError", "Invalid limit, must be greater than zero"},
		{"limit not a number", path + "?limit=x", 400, "InputError", "Invalid limit, not an integer on string form"},
		{"limit too large", path + "?limit=100000", 400, "InputError", "Invalid limit, must be between 1 and 1000"},
		{"empty cursor", path + "?cursor=", 400, "InputError", "Cursor cannot be empty"},
		{"unknown entity", "/api/catalog/entities/by-name/component/default/nope/history", 404, "NotFoundError",
			"No entity named 'nope' found, with kind 'component' in namespace 'default'"},
	}
	for _, tt := range errorTests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, api.do(t, "GET", tt.target, ""), tt.status, tt.errName, tt.message)
		})
	}
	t.Run("malformed cursor", func(t *testing.T) {
		wantErrorPrefix(t, api.do(t, "GET", path+"?cursor=%21%21", ""), 400, "InputError", "Malformed cursor")
	})
}

func TestBodyLimits(t *testing.T) {
	f := newFixture(t)
	api := f.api
	big := `{"entityRefs":["` + strings.Repeat("x", DefaultMaxBodyBytes) + `"]}`
	wantError(t, api.do(t, "POST", "/api/catalog/entities/by-refs", big), 413, "PayloadTooLargeError", "request entity too large")

	// Just under the limit is read and answered normally.
	fits := `{"entityRefs":["` + strings.Repeat("x", DefaultMaxBodyBytes-len(`{"entityRefs":[""]}`)) + `"]}`
	if res := api.do(t, "POST", "/api/catalog/entities/by-refs", fits); res.status != 200 || string(res.body) != `{"items":[null]}` {
		t.Errorf("body at the limit: got %d %.200s", res.status, res.body)
	}
}
