package httpapi

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
)

func TestHealthEndpoints(t *testing.T) {
	ready := errors.New("Backend has not started yet")
	tests := []struct {
		name       string
		readiness  func(context.Context) error
		path       string
		wantStatus int
		wantBody   string
	}{
		{name: "healthcheck", path: "/healthcheck", wantStatus: 200, wantBody: `{"status":"ok"}`},
		{name: "liveness", path: "/.backstage/health/v1/liveness", wantStatus: 200, wantBody: `{"status":"ok"}`},
		{name: "liveness while not ready", readiness: func(context.Context) error { return ready },
			path: "/.backstage/health/v1/liveness", wantStatus: 200, wantBody: `{"status":"ok"}`},
		{name: "readiness without check", path: "/.backstage/health/v1/readiness", wantStatus: 200, wantBody: `{"status":"ok"}`},
		{name: "ready", readiness: func(context.Context) error { return nil },
			path: "/.backstage/health/v1/readiness", wantStatus: 200, wantBody: `{"status":"ok"}`},
		{name: "not ready", readiness: func(context.Context) error { return ready },
			path: "/.backstage/health/v1/readiness", wantStatus: 503, wantBody: `{"message":"Backend has not started yet","status":"error"}`},
	}
	validator := newSpecValidator(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &apiClient{handler: New(Options{Readiness: tt.readiness}), validator: validator}
			res := api.do(t, "GET", tt.path, "")
			if res.status != tt.wantStatus || string(res.body) != tt.wantBody {
				t.Errorf("got %d %s, want %d %s", res.status, res.body, tt.wantStatus, tt.wantBody)
			}
			if ct := res.header.Get("Content-Type"); ct != jsonContentType {
				t.Errorf("Content-Type = %q", ct)
			}
			if api.checked != 1 {
				t.Error("response not validated against api/catalog.openapi.yaml")
			}
		})
	}
}

func TestUnknownRoutesArePlain404(t *testing.T) {
	h := New(Options{})
	for _, tt := range []struct{ method, path string }{
		{"GET", "/api/catalog/nope"},
		{"GET", "/api/unknown-plugin/x"},
		{"GET", "/api/catalog/entities/"},
		{"PATCH", "/api/catalog/entities"},
		{"POST", "/api/catalog/entities/by-uid/abc"},
		{"DELETE", "/api/catalog/entity-facets"},
		{"POST", "/healthcheck"},
		{"GET", "/nowhere"},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
		if w.Code != 404 || w.Body.Len() != 0 {
			t.Errorf("%s %s: got %d %q, want 404 with an empty body", tt.method, tt.path, w.Code, w.Body.String())
		}
	}
}
