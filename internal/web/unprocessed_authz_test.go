package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
)

// The operator page and its delete action check their permissions.
func TestUnprocessedNeedsPermissions(t *testing.T) {
	for _, denied := range []string{catalog.PermissionUnprocessedRead, catalog.PermissionUnprocessedDelete} {
		t.Run(denied, func(t *testing.T) {
			un := &fakeUnprocessed{}
			h := testSite(t, sampleCatalog(), un, func(o *Options) {
				o.Authorize = func(_ context.Context, permission, _ string) error {
					if permission == denied {
						return problem.NotAllowed("not allowed")
					}
					return nil
				}
			})
			var req *http.Request
			if denied == catalog.PermissionUnprocessedRead {
				req = httptest.NewRequest("GET", "/catalog-unprocessed", nil)
			} else {
				form := url.Values{"tab": {"failed"}}
				req = httptest.NewRequest("POST", "/catalog-unprocessed/some-id/delete", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusForbidden {
				t.Errorf("status %d, want 403", rec.Code)
			}
			if len(un.deleted) != 0 {
				t.Errorf("deleted %v despite the denial", un.deleted)
			}
		})
	}
}
