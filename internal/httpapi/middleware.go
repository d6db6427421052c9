package httpapi

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// statusRecorder remembers the status code written through it. It unwraps
// to the underlying writer so http.ResponseController (flushing a stream)
// still reaches it.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (sr *statusRecorder) WriteHeader(code int) {
	if sr.status == 0 {
		sr.status = code
	}
	sr.ResponseWriter.WriteHeader(code)
}

func (sr *statusRecorder) Write(b []byte) (int, error) {
	if sr.status == 0 {
		sr.status = http.StatusOK
	}
	return sr.ResponseWriter.Write(b)
}

// Flush passes flushes on, for streamed responses.
func (sr *statusRecorder) Flush() {
	if f, ok := sr.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap returns the underlying writer for http.ResponseController.
func (sr *statusRecorder) Unwrap() http.ResponseWriter { return sr.ResponseWriter }

// wroteHeader reports whether the response has started.
func (sr *statusRecorder) wroteHeader() bool { return sr.status != 0 }

// logRequests logs one line per request: method, path, status and
// duration. Headers, query strings and bodies are never logged: they may
// hold credentials. Health probes log at debug level, as they arrive every
// few seconds.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec, ok := w.(*statusRecorder)
		if !ok {
			rec = &statusRecorder{ResponseWriter: w}
		}
		defer func() {
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			level := slog.LevelInfo
			if isHealthPath(r.URL.Path) {
				level = slog.LevelDebug
			}
			log.LogAttrs(r.Context(), level, "http request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Duration("duration", time.Since(start)))
		}()
		next.ServeHTTP(rec, r)
	})
}

func isHealthPath(p string) bool {
	return p == "/healthcheck" || strings.HasPrefix(p, "/.backstage/health/")
}

// recoverPanics turns a panic in a handler into a 500 error body, logged
// once. A panic with http.ErrAbortHandler is passed on: it deliberately
// aborts a response that has already started (a failed stream).
func recoverPanics(errs errorWriter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec, ok := w.(*statusRecorder)
		if !ok {
			rec = &statusRecorder{ResponseWriter: w}
		}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			if rec.wroteHeader() {
				// Too late for an error body; cut the response short so the
				// client cannot mistake it for a complete one.
				errs.log.ErrorContext(r.Context(), "handler panicked after the response started",
					slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("panic", v))
				panic(http.ErrAbortHandler)
			}
			errs.write(rec, r, fmt.Errorf("handler panic: %v", v))
		}()
		next.ServeHTTP(rec, r)
	})
}

// limitBody bounds the request body to limit bytes. A declared length over
// the limit is refused at once with 413; an undeclared one fails when a
// handler reads past the limit, with the same answer.
func limitBody(errs errorWriter, limit int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			errs.write(w, r, errTooLarge)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}
