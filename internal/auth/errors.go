package auth

import (
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
)

// errorBody is Backstage's error response.
type errorBody struct {
	Error   entity.SerializedError `json:"error"`
	Request struct {
		Method string `json:"method"`
		URL    string `json:"url"`
	} `json:"request"`
	Response struct {
		StatusCode int `json:"statusCode"`
	} `json:"response"`
}

// classify returns an error's status and what the caller may see of it:
// a classified error's name and message, never a cause's detail.
func classify(err error) (int, entity.SerializedError) {
	if p, ok := problem.As(err); ok {
		if status := problem.StatusOf(p.Name); status != http.StatusInternalServerError {
			return status, entity.SerializedError{Name: p.Name, Message: p.Message}
		}
	}
	return http.StatusInternalServerError, entity.SerializedError{Name: "Error", Message: "Internal server error"}
}

// writeError sends err as Backstage's error body. Unclassified errors are
// logged here, once, and become a generic 500.
func (s *Service) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return
	}
	status, serialized := classify(err)
	switch {
	case status == http.StatusInternalServerError:
		s.log.ErrorContext(r.Context(), "auth request failed", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
	case status == http.StatusUnauthorized && errors.Unwrap(err) != nil:
		s.log.DebugContext(r.Context(), "credentials refused", slog.String("path", r.URL.Path), slog.Any("reason", errors.Unwrap(err)))
	}
	var body errorBody
	body.Error = serialized
	body.Request.Method = r.Method
	body.Request.URL = pluginURL(r)
	body.Response.StatusCode = status
	writeJSON(w, status, body)
}

// pluginURL is the request URL relative to its plugin mount
// (/api/<plugin>), with the query string, as Backstage reports it.
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

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// problemPage is a minimal page for failures a browser lands on outside
// the web UI's layout (a sign-in callback with a bad state, a refused form).
var problemPage = template.Must(template.New("problem").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} · Callboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
<h1>{{.Title}}</h1><p>{{.Message}}</p><p><a href="/signin">Back to sign-in</a></p>
</body></html>
`))

// writePage answers a browser with a short HTML page.
func writePage(w http.ResponseWriter, status int, title, message string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	_ = problemPage.Execute(w, struct{ Title, Message string }{title, message})
}
