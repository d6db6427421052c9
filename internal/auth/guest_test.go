package auth

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func guestRefresh(t *testing.T, h *harness) (int, string, *ClientAuthResponse) {
	t.Helper()
	resp, body := do(t, browser(t), http.MethodGet, h.base+"/api/auth/guest/refresh", nil, "X-Requested-With", "XMLHttpRequest")
	var car ClientAuthResponse
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal([]byte(body), &car); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, body, &car
}

func TestGuestProviderRules(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want int
	}{
		{"development", guestYAML, http.StatusOK},
		// An environment that is not written down is not development.
		{"environment unset", "auth: {providers: {guest: {}}}", http.StatusNotImplemented},
		{"production", "auth: {environment: production, providers: {guest: {}}}", http.StatusNotImplemented},
		{"production allowed", "auth: {environment: production, providers: {guest: {dangerouslyAllowOutsideDevelopment: true}}}", http.StatusOK},
		{"not configured", "auth: {environment: development}", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.yaml, nil)
			code, body, car := guestRefresh(t, h)
			if code != tt.want {
				t.Fatalf("status %d, want %d: %s", code, tt.want, body)
			}
			if code == http.StatusNotImplemented && !strings.Contains(body, `{"name":"NotImplementedError","message":"The guest provider cannot be used outside of a development environment"}`) {
				t.Errorf("body: %s", body)
			}
			if code == http.StatusOK {
				want := IdentityClaims{Type: "user", UserEntityRef: "user:development/guest", OwnershipEntityRefs: []string{"user:development/guest"}}
				if diff := cmp.Diff(want, car.BackstageIdentity.Identity); diff != "" {
					t.Errorf("identity (-want +got):\n%s", diff)
				}
			}
			listed := false
			for _, p := range h.svc.Providers() {
				listed = listed || p.ID == "guest"
			}
			if listed != (tt.want == http.StatusOK) {
				t.Errorf("guest listed on the sign-in page = %v", listed)
			}
			// The sign-in form follows the same rule.
			resp, _ := do(t, browser(t), http.MethodPost, h.base+GuestSignInPath, strings.NewReader(""), "Content-Type", "application/x-www-form-urlencoded")
			if (resp.StatusCode == http.StatusSeeOther) != (tt.want == http.StatusOK) {
				t.Errorf("guest form: %d", resp.StatusCode)
			}
		})
	}
}

func TestGuestIdentityFromCatalogAndConfig(t *testing.T) {
	visitors := group("visitors")
	visitors.Metadata.Namespace = "development"
	users := newFakeUsers(user("guest", "", "group:development/visitors"), visitors)
	h := newHarness(t, `
auth:
  environment: development
  providers:
    guest:
      userEntityRef: user:default/guest
`, users)
	_, _, car := guestRefresh(t, h)
	want := []string{"user:default/guest", "group:development/visitors"}
	if diff := cmp.Diff(want, car.BackstageIdentity.Identity.OwnershipEntityRefs); diff != "" {
		t.Errorf("catalog guest (-want +got):\n%s", diff)
	}

	h = newHarness(t, `
auth:
  environment: development
  providers:
    guest:
      userEntityRef: dev
      ownershipEntityRefs: [group:default/admins]
`, newFakeUsers())
	_, _, car = guestRefresh(t, h)
	if car.BackstageIdentity.Identity.UserEntityRef != "user:default/dev" ||
		!cmp.Equal(car.BackstageIdentity.Identity.OwnershipEntityRefs, []string{"group:default/admins"}) {
		t.Errorf("configured guest: %+v", car.BackstageIdentity.Identity)
	}
}

func TestGuestFormRefusesCrossSite(t *testing.T) {
	h := newHarness(t, guestYAML, nil)
	for _, hdr := range [][]string{{"Origin", "https://evil.example"}, {"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Site", "same-site"}} {
		resp, _ := do(t, browser(t), http.MethodPost, h.base+GuestSignInPath, strings.NewReader(""),
			"Content-Type", "application/x-www-form-urlencoded", hdr[0], hdr[1])
		if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
			t.Errorf("%v: %d, cookies %v", hdr, resp.StatusCode, resp.Cookies())
		}
	}
	resp, _ := do(t, browser(t), http.MethodPost, h.base+GuestSignInPath, strings.NewReader(""),
		"Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "same-origin", "Origin", h.base)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin form: %d", resp.StatusCode)
	}
	// GET start is for OAuth providers.
	if resp, _ := do(t, browser(t), http.MethodGet, h.base+"/api/auth/guest/start", nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("GET guest start: %d", resp.StatusCode)
	}
}
