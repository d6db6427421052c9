package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
)

var sameSite = []string{"Sec-Fetch-Site", "same-origin"}

func TestRegisterFlow(t *testing.T) {
	locs := &fakeLocations{dryRun: []json.RawMessage{
		json.RawMessage(`{"kind":"Location","metadata":{"name":"generated-1"}}`),
		json.RawMessage(`{"kind":"Component","metadata":{"name":"tide-clock"},"spec":{"type":"service"}}`),
		json.RawMessage(`{"kind":"API","metadata":{"name":"booking-api"},"spec":{"type":"openapi"}}`),
	}}
	var asked []string
	h := testSite(t, sampleCatalog(), &fakeUnprocessed{}, func(o *Options) {
		o.Locations = locs
		o.Authorize = func(_ context.Context, perm, ref string) error {
			asked = append(asked, perm+" "+ref)
			return nil
		}
	})
	target := "https://git.example.com/tide/catalog-info.yaml"

	// Analyze: a preview, nothing registered.
	rec := send(t, h, http.MethodPost, "/catalog-import", url.Values{"url": {target}, "action": {"analyze"}}, sameSite...)
	body := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(body, "2 entities would be added") {
		t.Fatalf("preview: %d\n%s", rec.Code, body)
	}
	if !strings.Contains(body, `<a href="/catalog/default/api/booking-api">Already there</a>`) || strings.Contains(body, "generated-1") {
		t.Errorf("preview rows wrong")
	}
	if len(locs.created) != 0 {
		t.Errorf("analyze registered %v", locs.created)
	}

	// Register: the location is created and the result page lists its
	// entities, linking those in the catalog.
	rec = send(t, h, http.MethodPost, "/catalog-import", url.Values{
		"url": {target}, "action": {"register"}, "entity": {"component:default/tide-clock", "api:default/booking-api"},
	}, sameSite...)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("register: %d\n%s", rec.Code, rec.Body.String())
	}
	if diff := cmp.Diff([]catalog.LocationInput{{Type: "url", Target: target}}, locs.created); diff != "" {
		t.Errorf("created (-want +got):\n%s", diff)
	}
	body = send(t, h, http.MethodGet, rec.Header().Get("Location"), nil).Body.String()
	if !strings.Contains(body, "Registered <code>"+target+"</code>") ||
		!strings.Contains(body, `<code>component:default/tide-clock</code> <span class="badge badge--warn">Processing</span>`) ||
		!strings.Contains(body, `<a href="/catalog/default/api/booking-api">Booking API</a>`) {
		t.Errorf("result page:\n%s", body)
	}

	// Registering again is a conflict, shown on the form.
	rec = send(t, h, http.MethodPost, "/catalog-import", url.Values{"url": {target}, "action": {"register"}}, sameSite...)
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "already exists") || !strings.Contains(rec.Body.String(), `value="`+target+`"`) {
		t.Errorf("second registration: %d", rec.Code)
	}
	// And the preview says it is registered, with nothing to confirm.
	body = send(t, h, http.MethodPost, "/catalog-import", url.Values{"url": {target}}, sameSite...).Body.String()
	if !strings.Contains(body, "registered already") || strings.Contains(body, `value="register"`) {
		t.Errorf("preview of a registered location:\n%s", body)
	}
	want := []string{"catalog.location.analyze ", "catalog.location.create ", "catalog.location.create ", "catalog.location.analyze "}
	if diff := cmp.Diff(want, asked); diff != "" {
		t.Errorf("permissions asked (-want +got):\n%s", diff)
	}
}

func TestRegisterRefusals(t *testing.T) {
	deny := func(_ context.Context, perm, _ string) error { return problem.NotAllowed("You may not %s", perm) }
	locs := &fakeLocations{}
	h := testSite(t, sampleCatalog(), &fakeUnprocessed{}, func(o *Options) { o.Locations = locs; o.Authorize = deny })
	for _, action := range []string{"analyze", "register"} {
		rec := send(t, h, http.MethodPost, "/catalog-import", url.Values{"url": {"https://x.example/a.yaml"}, "action": {action}}, sameSite...)
		if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "You may not catalog.location.") {
			t.Errorf("%s refused: %d", action, rec.Code)
		}
	}
	if len(locs.created) != 0 {
		t.Errorf("a refused registration was made")
	}
	h = testSite(t, sampleCatalog(), &fakeUnprocessed{})
	if rec := send(t, h, http.MethodPost, "/catalog-import", url.Values{"url": {"https://x.example/a.yaml"}}, "Sec-Fetch-Site", "cross-site"); rec.Code != http.StatusForbidden {
		t.Errorf("cross-site form: %d", rec.Code)
	}
	if rec := send(t, h, http.MethodPost, "/catalog-import", url.Values{"url": {"file:/etc/passwd"}}, sameSite...); rec.Code != http.StatusBadRequest {
		t.Errorf("file URL: %d", rec.Code)
	}
}

func TestUnregisterFlow(t *testing.T) {
	loc := catalog.Location{ID: "loc-7", Type: "url", Target: "https://git.example.com/harbour/blob/main/catalog-info.yaml"}
	locs := &fakeLocations{origin: map[string]catalog.Location{"component:default/booking-service": loc}}
	var asked []string
	h := testSite(t, sampleCatalog(), &fakeUnprocessed{}, func(o *Options) {
		o.Locations = locs
		o.Authorize = func(_ context.Context, perm, ref string) error {
			asked = append(asked, perm+" "+ref)
			return nil
		}
	})
	body := send(t, h, http.MethodGet, "/catalog-unregister?entity=component:default/booking-service", nil).Body.String()
	// Every entity from the same origin is listed before anything goes.
	for _, want := range []string{"2 entities go with it", "component:booking-service · Booking service", "component:fares-engine · fares-engine", `name="location" value="loc-7"`} {
		if !strings.Contains(body, want) {
			t.Errorf("unregister page lacks %q", want)
		}
	}
	if len(locs.deleted) != 0 {
		t.Fatalf("showing the page deleted %v", locs.deleted)
	}
	rec := send(t, h, http.MethodPost, "/catalog-unregister", url.Values{"location": {"loc-7"}, "target": {"url:" + loc.Target}, "entity": {"component:default/booking-service"}}, sameSite...)
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/catalog-unregister?removed=url%3Ahttps") {
		t.Fatalf("unregister: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	if diff := cmp.Diff([]string{"loc-7"}, locs.deleted); diff != "" {
		t.Errorf("deleted (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"catalog.location.delete component:default/booking-service"}, asked); diff != "" {
		t.Errorf("permissions asked (-want +got):\n%s", diff)
	}

	for target, status := range map[string]int{
		"/catalog-unregister?entity=nonsense":                  400,
		"/catalog-unregister?entity=component:default/missing": 404,
		"/catalog-unregister?entity=component:default/website": 200, // not from a registered location
	} {
		if rec := send(t, h, http.MethodGet, target, nil); rec.Code != status {
			t.Errorf("%s: %d, want %d", target, rec.Code, status)
		}
	}
	if rec := send(t, h, http.MethodPost, "/catalog-unregister", url.Values{}, sameSite...); rec.Code != 400 {
		t.Errorf("no location: %d", rec.Code)
	}
}
