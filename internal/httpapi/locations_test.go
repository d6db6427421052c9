package httpapi

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog"
)

// locationEntityRef is the ref of the Location entity Backstage makes for
// a registered location: generated-<sha1 of "<type>:<target>">.
func locationEntityRef(typ, target string) string {
	sum := sha1.Sum([]byte(typ + ":" + target))
	return "location:default/generated-" + hex.EncodeToString(sum[:])
}

func TestLocations(t *testing.T) {
	f := newFixture(t)
	api := f.api
	target := f.files + "/remote/catalog-info.yaml"
	body := `{"type":"url","target":"` + target + `"}`

	t.Run("none registered", func(t *testing.T) {
		res := api.do(t, "GET", "/api/catalog/locations", "")
		if res.status != 200 || string(res.body) != "[]" {
			t.Errorf("got %d %s, want 200 []", res.status, res.body)
		}
	})

	t.Run("dry run", func(t *testing.T) {
		res := api.do(t, "POST", "/api/catalog/locations?dryRun=yes", body)
		if res.status != 201 {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		var got struct {
			Exists   *bool             `json:"exists"`
			Location catalog.Location  `json:"location"`
			Entities []json.RawMessage `json:"entities"`
		}
		decode(t, res, &got)
		wantLoc := catalog.Location{ID: "url:" + target, Type: "url", Target: target, EntityRef: locationEntityRef("url", target)}
		if diff := cmp.Diff(wantLoc, got.Location); diff != "" {
			t.Errorf("location (-want +got):\n%s", diff)
		}
		if got.Exists == nil || *got.Exists {
			t.Errorf("exists = %v, want false", got.Exists)
		}
		names := namesOf(t, got.Entities)
		slices.Sort(names)
		if len(names) != 2 || names[1] != "remote-service" {
			t.Errorf("entities = %v, want the Location entity and remote-service", names)
		}
		if res := api.do(t, "GET", "/api/catalog/locations", ""); string(res.body) != "[]" {
			t.Errorf("a dry run stored a location: %s", res.body)
		}
	})

	t.Run("dry run of an unreadable target", func(t *testing.T) {
		res := api.do(t, "POST", "/api/catalog/locations?dryRun=true", `{"type":"url","target":"`+f.files+`/remote/missing.yaml"}`)
		wantErrorPrefix(t, res, 400, "InputError", "NotFoundError: ")
	})

	var created catalog.Location
	t.Run("create", func(t *testing.T) {
		res := api.do(t, "POST", "/api/catalog/locations", body)
		if res.status != 201 {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		var got struct {
			Location catalog.Location  `json:"location"`
			Entities []json.RawMessage `json:"entities"`
			Exists   *bool             `json:"exists"`
		}
		decode(t, res, &got)
		created = got.Location
		if created.ID == "" || created.Type != "url" || created.Target != target || created.EntityRef != locationEntityRef("url", target) {
			t.Errorf("location = %+v", created)
		}
		if got.Entities == nil || len(got.Entities) != 0 || got.Exists != nil {
			t.Errorf("body = %s, want no entities and no exists", res.body)
		}
		f.waitIdle(t)
		if res := api.do(t, "GET", "/api/catalog/entities/by-name/component/default/remote-service", ""); res.status != 200 {
			t.Errorf("registered entity not in the catalog: %d %s", res.status, res.body)
		}
	})
	if created.ID == "" {
		t.Fatal("no location created")
	}

	t.Run("create again", func(t *testing.T) {
		wantError(t, api.do(t, "POST", "/api/catalog/locations", body), 409, "ConflictError", "Location url:"+target+" already exists")
		wantError(t, api.do(t, "POST", "/api/catalog/locations?onConflict=reject", body), 409, "ConflictError", "Location url:"+target+" already exists")
	})
	t.Run("create again with refresh", func(t *testing.T) {
		res := api.do(t, "POST", "/api/catalog/locations?onConflict=refresh", body)
		var got struct {
			Location catalog.Location `json:"location"`
		}
		decode(t, res, &got)
		if res.status != 201 || got.Location != created {
			t.Errorf("got %d %s, want 201 and the existing location", res.status, res.body)
		}
	})
	t.Run("dry run sees it exists", func(t *testing.T) {
		var got struct {
			Exists *bool `json:"exists"`
		}
		decode(t, api.do(t, "POST", "/api/catalog/locations?dryRun=1", body), &got)
		if got.Exists == nil || !*got.Exists {
			t.Errorf("exists = %v, want true", got.Exists)
		}
	})

	t.Run("list", func(t *testing.T) {
		res := api.do(t, "GET", "/api/catalog/locations", "")
		var got []struct {
			Data catalog.Location `json:"data"`
		}
		decode(t, res, &got)
		if len(got) != 1 || got[0].Data != created {
			t.Errorf("got %s", res.body)
		}
	})
	t.Run("get", func(t *testing.T) {
		res := api.do(t, "GET", "/api/catalog/locations/"+created.ID, "")
		var got catalog.Location
		decode(t, res, &got)
		if res.status != 200 || got != created {
			t.Errorf("got %d %s", res.status, res.body)
		}
	})
	t.Run("get missing", func(t *testing.T) {
		wantError(t, api.do(t, "GET", "/api/catalog/locations/no-such-id", ""), 404, "NotFoundError", "Found no location with ID no-such-id")
	})

	byQuery := []struct {
		name, body string
		want       int
		total      int
	}{
		{"everything", "", 1, 1},
		{"empty object", `{}`, 1, 1},
		{"matching predicate", `{"query":{"type":"url"},"limit":10}`, 1, 1},
		{"prefix predicate", `{"query":{"target":{"$hasPrefix":"` + f.files + `"}}}`, 1, 1},
		{"no match", `{"query":{"type":"file"}}`, 0, 0},
	}
	for _, tt := range byQuery {
		t.Run("by-query "+tt.name, func(t *testing.T) {
			var hdr []string
			if tt.body == "" {
				hdr = []string{"Content-Type", ""}
			}
			res := api.do(t, "POST", "/api/catalog/locations/by-query", tt.body, hdr...)
			var got struct {
				Items      []catalog.Location `json:"items"`
				TotalItems int                `json:"totalItems"`
				PageInfo   map[string]string  `json:"pageInfo"`
			}
			decode(t, res, &got)
			if res.status != 200 || len(got.Items) != tt.want || got.TotalItems != tt.total || got.PageInfo == nil {
				t.Errorf("got %d %s", res.status, res.body)
			}
		})
	}
	t.Run("by-query limit zero", func(t *testing.T) {
		wantError(t, api.do(t, "POST", "/api/catalog/locations/by-query", `{"limit":0}`), 400, "InputError", `Malformed request: property "limit" must be >= 1`)
	})

	t.Run("by entity", func(t *testing.T) {
		res := api.do(t, "GET", "/api/catalog/locations/by-entity/component/default/remote-service", "")
		var got catalog.Location
		decode(t, res, &got)
		if res.status != 200 || got != created {
			t.Errorf("got %d %s", res.status, res.body)
		}
	})
	t.Run("by entity from config", func(t *testing.T) {
		res := api.do(t, "GET", "/api/catalog/locations/by-entity/component/default/cart-service", "")
		wantErrorPrefix(t, res, 404, "NotFoundError", "Found no location with type file and target ")
	})

	other := f.files + "/remote/other-info.yaml"
	t.Run("update", func(t *testing.T) {
		res := api.do(t, "PUT", "/api/catalog/locations/"+created.ID, `{"type":"url","target":"`+other+`"}`)
		var got catalog.Location
		decode(t, res, &got)
		want := catalog.Location{ID: created.ID, Type: "url", Target: other, EntityRef: locationEntityRef("url", other)}
		if res.status != 200 || got != want {
			t.Errorf("got %d %s", res.status, res.body)
		}
		f.waitIdle(t)
		if res := api.do(t, "GET", "/api/catalog/entities/by-name/component/default/other-service", ""); res.status != 200 {
			t.Errorf("entity of the new target missing: %d %s", res.status, res.body)
		}
	})
	t.Run("update missing", func(t *testing.T) {
		wantError(t, api.do(t, "PUT", "/api/catalog/locations/no-such-id", body), 404, "NotFoundError", "Found no location with ID no-such-id")
	})

	t.Run("delete", func(t *testing.T) {
		res := api.do(t, "DELETE", "/api/catalog/locations/"+created.ID, "")
		if res.status != 204 || len(res.body) != 0 {
			t.Errorf("got %d %s, want 204", res.status, res.body)
		}
		wantError(t, api.do(t, "GET", "/api/catalog/locations/"+created.ID, ""), 404, "NotFoundError", "Found no location with ID "+created.ID)
	})
	t.Run("delete missing", func(t *testing.T) {
		wantError(t, api.do(t, "DELETE", "/api/catalog/locations/"+created.ID, ""), 404, "NotFoundError", "Found no location with ID "+created.ID)
	})

	inputErrors := []struct {
		name, method, target, body, contentType, message string
	}{
		{"type not allowed", "POST", "", `{"type":"file","target":"/etc/catalog.yaml"}`, "", `Registered locations must be of an allowed type ["url"]`},
		{"unknown key", "POST", "", `{"type":"url","target":"https://example.com/a.yaml","owner":"me"}`, "", `Malformed request: unknown field "owner"`},
		{"missing target", "POST", "", `{"type":"url"}`, "", `Malformed request: missing required property "target"`},
		{"target not a string", "POST", "", `{"type":"url","target":7}`, "", `Malformed request: property "target" must be a string, got number`},
		{"bad presence", "POST", "", `{"type":"url","target":"https://example.com/a.yaml","presence":"sometimes"}`, "", `Malformed request: property "presence" must be "required" or "optional"`},
		{"bad onConflict", "POST", "?onConflict=merge", `{"type":"url","target":"https://example.com/a.yaml"}`, "", `Invalid onConflict, must be "refresh" or "reject"`},
		{"empty body", "POST", "", `{}`, "", "Empty request body"},
		{"no content type", "POST", "", `{"type":"url","target":"https://example.com/a.yaml"}`, "-", "Content-Type missing"},
		{"form content type", "POST", "", `type=url`, "application/x-www-form-urlencoded", "Illegal Content-Type"},
		{"update unknown key", "PUT", "/" + created.ID, `{"type":"url","target":"x","id":"y"}`, "", `Malformed request: unknown field "id"`},
		{"update not an object", "PUT", "/" + created.ID, `["url"]`, "", "Expected body to be a JSON object"},
	}
	for _, tt := range inputErrors {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			switch tt.contentType {
			case "":
			case "-":
				hdr = []string{"Content-Type", ""}
			default:
				hdr = []string{"Content-Type", tt.contentType}
			}
			res := api.do(t, tt.method, "/api/catalog/locations"+tt.target, tt.body, hdr...)
			wantError(t, res, 400, "InputError", tt.message)
		})
	}
}

func TestLocationsReadonly(t *testing.T) {
	f := newFixture(t, func(o *catalog.EngineOptions) { o.Readonly = true })
	api := f.api
	const denied = "This operation not allowed in readonly mode"
	body := `{"type":"url","target":"` + f.files + `/remote/catalog-info.yaml"}`
	wantError(t, api.do(t, "POST", "/api/catalog/locations", body), 403, "NotAllowedError", denied)
	wantError(t, api.do(t, "PUT", "/api/catalog/locations/some-id", body), 403, "NotAllowedError", denied)
	wantError(t, api.do(t, "DELETE", "/api/catalog/locations/some-id", ""), 403, "NotAllowedError", denied)
	if res := api.do(t, "POST", "/api/catalog/locations?dryRun=true", body); res.status != 201 {
		t.Errorf("a dry run is allowed in readonly mode; got %d %s", res.status, res.body)
	}
}
