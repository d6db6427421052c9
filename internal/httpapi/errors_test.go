package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
)

func TestErrorBody(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantBody   string
	}{
		{
			name:       "input",
			err:        problem.Input("Invalid limit, not an integer on string form"),
			wantStatus: 400,
			wantBody:   `{"error":{"name":"InputError","message":"Invalid limit, not an integer on string form"},"request":{"method":"GET","url":"/entities?limit=x"},"response":{"statusCode":400}}`,
		},
		{
			name:       "not found wrapped",
			err:        fmt.Errorf("lookup: %w", problem.NotFound("No entity with uid abc")),
			wantStatus: 404,
			wantBody:   `{"error":{"name":"NotFoundError","message":"No entity with uid abc"},"request":{"method":"GET","url":"/entities?limit=x"},"response":{"statusCode":404}}`,
		},
		{name: "authentication", err: problem.Unauthenticated("no token"), wantStatus: 401},
		{name: "not allowed", err: problem.NotAllowed("This operation not allowed in readonly mode"), wantStatus: 403},
		{name: "conflict", err: problem.Conflict("Location url:x already exists"), wantStatus: 409},
		{name: "not implemented", err: problem.New(problem.NotImplementedError, "later"), wantStatus: 501},
		{name: "unavailable", err: problem.New(problem.ServiceUnavailableError, "busy"), wantStatus: 503},
		{name: "unknown class", err: problem.New("WeirdError", "odd"), wantStatus: 500},
		{
			name:       "classified cause kept",
			err:        problem.Input("Policy check failed for component:default/a").WithCause(problem.Input("bad name")),
			wantStatus: 400,
			wantBody:   `{"error":{"name":"InputError","message":"Policy check failed for component:default/a","cause":{"name":"InputError","message":"bad name"}},"request":{"method":"GET","url":"/entities?limit=x"},"response":{"statusCode":400}}`,
		},
		{
			name:       "serialized cause kept",
			err:        problem.Input("outer").WithCause(&entity.SerializedError{Name: "TypeError", Message: "inner"}),
			wantStatus: 400,
			wantBody:   `{"error":{"name":"InputError","message":"outer","cause":{"name":"TypeError","message":"inner"}},"request":{"method":"GET","url":"/entities?limit=x"},"response":{"statusCode":400}}`,
		},
		{
			name:       "plain cause hidden",
			err:        problem.NotFound("gone").WithCause(errors.New("sql: no rows in /var/db")),
			wantStatus: 404,
			wantBody:   `{"error":{"name":"NotFoundError","message":"gone"},"request":{"method":"GET","url":"/entities?limit=x"},"response":{"statusCode":404}}`,
		},
		{
			name:       "unclassified is generic",
			err:        errors.New("dial tcp 10.0.0.1:5432: secret detail"),
			wantStatus: 500,
			wantBody:   `{"error":{"name":"Error","message":"Internal server error"},"request":{"method":"GET","url":"/entities?limit=x"},"response":{"statusCode":500}}`,
		},
		{
			name:       "too large",
			err:        fmt.Errorf("read: %w", &http.MaxBytesError{Limit: 10}),
			wantStatus: 413,
			wantBody:   `{"error":{"name":"PayloadTooLargeError","message":"request entity too large"},"request":{"method":"GET","url":"/entities?limit=x"},"response":{"statusCode":413}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			ew := errorWriter{log: slog.New(slog.NewTextHandler(&logs, nil))}
			w := httptest.NewRecorder()
			r := httptest.NewRequest("GET", "/api/catalog/entities?limit=x", nil)
			ew.write(w, r, tt.err)
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			if ct := w.Header().Get("Content-Type"); ct != jsonContentType {
				t.Errorf("Content-Type = %q", ct)
			}
			if tt.wantBody != "" {
				if diff := cmp.Diff(tt.wantBody, w.Body.String()); diff != "" {
					t.Errorf("body (-want +got):\n%s", diff)
				}
			}
			var body struct {
				Response struct{ StatusCode int } `json:"response"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Response.StatusCode != tt.wantStatus {
				t.Errorf("response.statusCode = %d (%v), want %d", body.Response.StatusCode, err, tt.wantStatus)
			}
			logged := logs.String()
			if tt.wantStatus == 500 {
				if !strings.Contains(logged, tt.err.Error()) || strings.Count(logged, "\n") != 1 {
					t.Errorf("want the detail logged once, got %q", logged)
				}
			} else if logged != "" {
				t.Errorf("classified error logged: %q", logged)
			}
		})
	}
}

func TestErrorNotModifiedHasNoBody(t *testing.T) {
	w := httptest.NewRecorder()
	errorWriter{log: slog.New(slog.DiscardHandler)}.write(w, httptest.NewRequest("GET", "/api/catalog/entities", nil),
		problem.New(problem.NotModifiedError, "same"))
	if w.Code != 304 || w.Body.Len() != 0 {
		t.Errorf("got %d %q, want 304 and no body", w.Code, w.Body.String())
	}
}

func TestErrorClientGone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w := httptest.NewRecorder()
	r := httptest.NewRequestWithContext(ctx, "GET", "/api/catalog/entities", nil)
	errorWriter{log: slog.New(slog.DiscardHandler)}.write(w, r, fmt.Errorf("query: %w", context.Canceled))
	if w.Body.Len() != 0 {
		t.Errorf("wrote %q to a client that left", w.Body.String())
	}
}

func TestPluginURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/api/catalog/entities?filter=kind%3Dcomponent", "/entities?filter=kind%3Dcomponent"},
		{"/api/catalog/entities/by-name/component/default/a", "/entities/by-name/component/default/a"},
		{"/api/catalog", "/"},
		{"/api/catalog?x=1", "/?x=1"},
		{"/api/scaffolder/v2/tasks", "/v2/tasks"},
		{"/healthcheck", "/healthcheck"},
		{"/.backstage/health/v1/readiness", "/.backstage/health/v1/readiness"},
	}
	for _, tt := range tests {
		if got := pluginURL(httptest.NewRequest("GET", tt.in, nil)); got != tt.want {
			t.Errorf("pluginURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
