package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
)

// handlerFunc is an HTTP handler that reports failure by returning an error;
// errorWriter.handle turns it into a response.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// statusError is an error that carries its own status code, for the few
// failures found by the HTTP layer itself that have no Backstage class (a
// body over the size limit).
type statusError struct {
	status  int
	name    string
	message string
}

func (e *statusError) Error() string { return e.name + ": " + e.message }

// errTooLarge is what Backstage's body parser answers for an oversized body.
var errTooLarge = &statusError{
	status:  http.StatusRequestEntityTooLarge,
	name:    "PayloadTooLargeError",
	message: "request entity too large",
}

// errorBody is Backstage's error response.
type errorBody struct {
	Error    entity.SerializedError `json:"error"`
	Request  errorRequest           `json:"request"`
	Response errorResponse          `json:"response"`
}

type errorRequest struct {
	Method string `json:"method"`
	URL    string `json:"url"`
}

type errorResponse struct {
	StatusCode int `json:"statusCode"`
}

// errorWriter writes every error response.
type errorWriter struct {
	log *slog.Logger
}

// handle adapts fn to http.Handler, writing any error it returns.
func (ew errorWriter) handle(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			ew.write(w, r, err)
		}
	})
}

// write sends err as Backstage's error body with the status its class maps
// to. Unclassified errors become a 500 with a generic message; their detail
// is never sent to the caller. Every 500 is logged here, once.
func (ew errorWriter) write(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The client went away; nobody is left to read an answer.
		return
	}
	status, serialized := classify(err)
	if status == http.StatusInternalServerError {
		ew.log.ErrorContext(r.Context(), "request failed",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
	}
	if status == http.StatusNotModified {
		w.WriteHeader(status)
		return
	}
	body := errorBody{
		Error:    serialized,
		Request:  errorRequest{Method: r.Method, URL: pluginURL(r)},
		Response: errorResponse{StatusCode: status},
	}
	if err := writeJSON(w, status, body); err != nil {
		ew.log.ErrorContext(r.Context(), "encode error response", slog.Any("error", err))
	}
}

// internalError is what callers see of an unclassified error.
var internalError = entity.SerializedError{Name: "Error", Message: "Internal server error"}

// classify returns the status code and serialized form of err.
func classify(err error) (int, entity.SerializedError) {
	if p, ok := problem.As(err); ok {
		return problem.StatusOf(p.Name), serializeProblem(p)
	}
	var se *statusError
	if errors.As(err, &se) {
		return se.status, entity.SerializedError{Name: se.name, Message: se.message}
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errTooLarge.status, entity.SerializedError{Name: errTooLarge.name, Message: errTooLarge.message}
	}
	return http.StatusInternalServerError, internalError
}

// serializeProblem converts p and its classified causes. Causes that are
// plain Go errors are left out: they may carry internal detail (SQL, paths)
// that callers must not see.
func serializeProblem(p *problem.Error) entity.SerializedError {
	s := entity.SerializedError{Name: p.Name, Message: p.Message}
	if c := serializeCause(p.Cause); c != nil {
		s.Cause = c
	}
	return s
}

func serializeCause(err error) *entity.SerializedError {
	if err == nil {
		return nil
	}
	var p *problem.Error
	if errors.As(err, &p) {
		s := serializeProblem(p)
		return &s
	}
	var se *entity.SerializedError
	if errors.As(err, &se) {
		return se
	}
	return nil
}

// pluginURL is the request URL as Backstage reports it: relative to the
// plugin mount (/api/<plugin>), with the query string.
func pluginURL(r *http.Request) string {
	u := r.URL.RequestURI()
	rest, ok := strings.CutPrefix(u, "/api/")
	if !ok {
		return u
	}
	i := strings.IndexAny(rest, "/?")
	if i < 0 {
		return "/"
	}
	if rest[i] == '?' {
		return "/" + rest[i:]
	}
	return rest[i:]
}

// writeJSON encodes v as the whole response body. It encodes before
// writing anything, so a failure can still become an error response.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	w.Header().Set("Content-Type", jsonContentType)
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return nil
}

// jsonContentType is the Content-Type of every JSON response.
const jsonContentType = "application/json; charset=utf-8"
