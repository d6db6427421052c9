package httpapi

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRecoverPanics(t *testing.T) {
	var logs bytes.Buffer
	errs := errorWriter{log: slog.New(slog.NewTextHandler(&logs, nil))}
	h := recoverPanics(errs, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("boom")
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/catalog/entities", nil))
	want := `{"error":{"name":"Error","message":"Internal server error"},"request":{"method":"GET","url":"/entities"},"response":{"statusCode":500}}`
	if w.Code != 500 || w.Body.String() != want {
		t.Errorf("got %d %s", w.Code, w.Body.String())
	}
	if !strings.Contains(logs.String(), "boom") {
		t.Errorf("panic not logged: %q", logs.String())
	}
}

func TestRecoverPanicsAfterResponseStarted(t *testing.T) {
	errs := errorWriter{log: slog.New(slog.DiscardHandler)}
	h := recoverPanics(errs, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		_, _ = io.WriteString(w, "[{")
		panic("boom")
	}))
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler so the connection is cut", v)
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/catalog/entities", nil))
}

func TestLimitBody(t *testing.T) {
	errs := errorWriter{log: slog.New(slog.DiscardHandler)}
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := readBody(r); err != nil {
			errs.write(w, r, err)
			return
		}
		w.WriteHeader(204)
	})
	h := limitBody(errs, 16, echo)
	const tooLarge = `{"error":{"name":"PayloadTooLargeError","message":"request entity too large"},"request":{"method":"POST","url":"/locations"},"response":{"statusCode":413}}`
	tests := []struct {
		name       string
		body       string
		chunked    bool
		wantStatus int
		wantBody   string
	}{
		{name: "within limit", body: strings.Repeat("x", 16), wantStatus: 204},
		{name: "declared too large", body: strings.Repeat("x", 17), wantStatus: 413, wantBody: tooLarge},
		{name: "undeclared too large", body: strings.Repeat("x", 100), chunked: true, wantStatus: 413, wantBody: tooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/api/catalog/locations", strings.NewReader(tt.body))
			if tt.chunked {
				r.ContentLength = -1
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.wantStatus || w.Body.String() != tt.wantBody {
				t.Errorf("got %d %s, want %d %s", w.Code, w.Body.String(), tt.wantStatus, tt.wantBody)
			}
		})
	}
}

func TestLogRequests(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	h := logRequests(log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthcheck" {
			return
		}
		w.WriteHeader(http.StatusTeapot)
	}))
	r := httptest.NewRequest("POST", "/api/catalog/refresh?token=secret-query", strings.NewReader(`{"authorizationToken":"secret-body"}`))
	r.Header.Set("Authorization", "Bearer secret-header")
	h.ServeHTTP(httptest.NewRecorder(), r)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/healthcheck", nil))

	got := logs.String()
	for _, want := range []string{`msg="http request"`, "method=POST", "path=/api/catalog/refresh", "status=418", "duration="} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %q: %s", want, got)
		}
	}
	if strings.Contains(got, "secret") {
		t.Errorf("log holds request secrets: %s", got)
	}
	if strings.Contains(got, "/healthcheck") {
		t.Errorf("health probe logged at info level: %s", got)
	}
}

func TestStatusRecorderFlushes(t *testing.T) {
	w := httptest.NewRecorder()
	rec := &statusRecorder{ResponseWriter: w}
	if err := http.NewResponseController(rec).Flush(); err != nil {
		t.Fatalf("flush through recorder: %v", err)
	}
	if !w.Flushed {
		t.Error("underlying writer not flushed")
	}
}
