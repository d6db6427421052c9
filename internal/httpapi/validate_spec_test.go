package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// specValidator checks responses against the OpenAPI document that
// describes their route: Backstage's catalog spec for Backstage's catalog
// endpoints, api/*.yaml for Callboard's own.
type specValidator struct {
	backstage *openapi3.T // nil when the reference data is absent
	ours      []*openapi3.T
	patterns  *http.ServeMux
}

func newSpecValidator(t testing.TB) *specValidator {
	t.Helper()
	v := &specValidator{backstage: backstageSpec(t), ours: ourSpecs(t), patterns: http.NewServeMux()}
	for _, rt := range (&server{}).routes() {
		v.patterns.Handle(rt.pattern, http.NotFoundHandler())
	}
	return v
}

// operation finds the spec operation for a request, or nil when no
// available document describes it.
func (v *specValidator) operation(req *http.Request) *routers.Route {
	_, pattern := v.patterns.Handler(req)
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		return nil
	}
	if v.backstage != nil {
		if rel, ok := strings.CutPrefix(path, catalogMount); ok {
			if route := findRoute(v.backstage, rel, method); route != nil {
				return route
			}
		}
	}
	for _, doc := range v.ours {
		if route := findRoute(doc, path, method); route != nil {
			return route
		}
	}
	return nil
}

func findRoute(doc *openapi3.T, path, method string) *routers.Route {
	item := doc.Paths.Value(path)
	if item == nil {
		return nil
	}
	op := item.GetOperation(method)
	if op == nil {
		return nil
	}
	return &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}
}

// check validates one response. It reports whether a spec covered it.
// projected says the request selected fields: Backstage's spec describes
// whole entities only, so the items of a projected answer are partial by
// design and its body is not checked against the Entity schema.
func (v *specValidator) check(t testing.TB, req *http.Request, status int, header http.Header, body []byte, projected bool) bool {
	t.Helper()
	route := v.operation(req)
	if route == nil {
		return false
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, ExcludeResponseBody: projected}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route, Options: opts},
		Status:                 status,
		Header:                 header,
		Options:                opts,
	}
	input.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		t.Errorf("%s %s → %d does not match %s: %v\nbody: %s", req.Method, req.URL, status, route.Spec.Info.Title, err, truncate(body))
	}
	return true
}

func truncate(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

// response is what a test request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

// apiClient sends requests to a server and validates every response
// against the specs.
type apiClient struct {
	handler   http.Handler
	validator *specValidator
	// checked counts responses a spec covered, so a suite can show it
	// really validated.
	checked int
}

// do sends a request (see serve) and validates the response.
func (c *apiClient) do(t testing.TB, method, target, body string, hdr ...string) response {
	t.Helper()
	res := serve(t, c.handler, method, target, body, hdr...)
	c.validate(t, method, target, body, res)
	return res
}

// validate checks a response against the specs, counting it when one
// covers its route.
func (c *apiClient) validate(t testing.TB, method, target, body string, res response) {
	t.Helper()
	checkReq, _ := http.NewRequest(method, "http://callboard.test"+target, nil)
	if c.validator.check(t, checkReq, res.status, res.header, res.body, projects(checkReq, body)) {
		c.checked++
	}
}

// serve sends a request to h; a non-empty body is sent as JSON unless a
// Content-Type header is given in hdr, name and value pairs ("" to send
// none).
func serve(t testing.TB, h http.Handler, method, target, body string, hdr ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://callboard.test"+target, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return response{status: rec.status, header: rec.header, body: rec.body.Bytes()}
}

// projects reports whether a request asks for selected fields of entities,
// in its query string or as a "fields" member of its JSON body.
func projects(req *http.Request, body string) bool {
	if req.URL.Query().Has("fields") {
		return true
	}
	var members map[string]json.RawMessage
	if json.Unmarshal([]byte(body), &members) != nil {
		return false
	}
	_, ok := members["fields"]
	return ok
}

// recorder is a minimal http.ResponseWriter; unlike httptest's it does
// not fill in a Content-Type, so the validator sees exactly what the
// handler set.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
