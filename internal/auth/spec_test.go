package auth

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/google/go-cmp/cmp"
)

// specPath is the OpenAPI document of the auth surface.
var specPath = filepath.Join("..", "..", "api", "auth.openapi.yaml")

func loadAuthSpec(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("%s: %v", specPath, err)
	}
	return doc
}

// TestRoutesMatchSpec ties the route table to api/auth.openapi.yaml, both
// ways.
func TestRoutesMatchSpec(t *testing.T) {
	doc := loadAuthSpec(t)
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(documented)
	h := newHarness(t, guestYAML, nil)
	routed := h.svc.Routes()
	sort.Strings(routed)
	if diff := cmp.Diff(documented, routed); diff != "" {
		t.Errorf("api/auth.openapi.yaml (-) and routes (+) differ:\n%s", diff)
	}
}

// TestResponsesMatchSpec sends requests through the whole surface and
// checks each answer against the document.
func TestResponsesMatchSpec(t *testing.T) {
	doc := loadAuthSpec(t)
	h := newHarness(t, guestYAML, nil)
	c, csrf := signedInGuest(t, h)
	_, tok, _ := createPAT(t, h, c, csrf, `{"name":"spec","scopes":["read"]}`)

	tests := []struct {
		method, path, pattern, body string
		header                      []string
		client                      *http.Client
	}{
		{"GET", "/api/auth/guest/refresh", "/api/auth/{provider}/refresh", "", []string{"X-Requested-With", "XMLHttpRequest"}, c},
		{"GET", "/api/auth/guest/refresh", "/api/auth/{provider}/refresh", "", nil, c},
		{"GET", "/api/auth/nope/refresh", "/api/auth/{provider}/refresh", "", []string{"X-Requested-With", "XMLHttpRequest"}, c},
		{"GET", "/api/auth/v1/userinfo", "/api/auth/v1/userinfo", "", nil, c},
		{"GET", "/api/auth/v1/userinfo", "/api/auth/v1/userinfo", "", nil, http.DefaultClient},
		{"GET", "/api/auth/.well-known/jwks.json", "/api/auth/.well-known/jwks.json", "", nil, http.DefaultClient},
		{"GET", "/api/auth/.well-known/openid-configuration", "/api/auth/.well-known/openid-configuration", "", nil, http.DefaultClient},
		{"GET", "/api/auth/v1/tokens", "/api/auth/v1/tokens", "", nil, c},
		{"POST", "/api/auth/v1/tokens", "/api/auth/v1/tokens", `{"name":"ci","scopes":["read","write"],"expiresInDays":3}`, []string{"Content-Type", "application/json", CSRFHeader, csrf}, c},
		{"POST", "/api/auth/v1/tokens", "/api/auth/v1/tokens", `{"name":"","scopes":["read"]}`, []string{"Content-Type", "application/json", CSRFHeader, csrf}, c},
		{"POST", "/api/auth/v1/tokens", "/api/auth/v1/tokens", `{"name":"x","scopes":["read"]}`, []string{"Content-Type", "application/json", "Authorization", "Bearer " + tok.Token}, http.DefaultClient},
		{"DELETE", "/api/auth/v1/tokens/" + tok.ID, "/api/auth/v1/tokens/{id}", "", []string{CSRFHeader, csrf}, c},
		{"DELETE", "/api/auth/v1/tokens/" + tok.ID, "/api/auth/v1/tokens/{id}", "", []string{CSRFHeader, csrf}, c},
		{"GET", "/api/auth/v1/tokens", "/api/auth/v1/tokens", "", nil, http.DefaultClient},
		{"POST", "/api/auth/guest/logout", "/api/auth/{provider}/logout", "", []string{"X-Requested-With", "XMLHttpRequest"}, c},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(tt.method, h.base+tt.path, strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(tt.header); i += 2 {
			req.Header.Set(tt.header[i], tt.header[i+1])
		}
		resp, err := tt.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()

		item := doc.Paths.Value(tt.pattern)
		if item == nil || item.GetOperation(tt.method) == nil {
			t.Fatalf("%s %s is not in the document", tt.method, tt.pattern)
		}
		route := &routers.Route{Spec: doc, Path: tt.pattern, PathItem: item, Method: tt.method, Operation: item.GetOperation(tt.method)}
		input := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route,
				Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}},
			Status: resp.StatusCode,
			Header: resp.Header,
			Body:   io.NopCloser(bytes.NewReader(body)),
		}
		if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
			t.Errorf("%s %s → %d %s:\n%v", tt.method, tt.path, resp.StatusCode, body, err)
		}
	}
}
