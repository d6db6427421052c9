package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/callboard/callboard/internal/problem"
)

// handlerFunc is a page handler: it writes a response or returns an error,
// and handle turns the error into an error page.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts fn to http.Handler.
func (s *site) handle(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// errorPage is the data of the error page.
type errorPage struct {
	Status  int
	Heading string
	Message string
	// Detail is the full error text, shown in development mode only.
	Detail string
}

// errCrossOrigin refuses a form posted from another site.
var errCrossOrigin = problem.NotAllowed("This form was sent from another site, so it was refused. Go back, reload the page and try again.")

// fail renders err as an error page with the status its class maps to.
// Unclassified errors are a 500 whose detail is logged, never shown
// (except in development mode).
func (s *site) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the reader left
	}
	status := problem.Status(err)
	page := errorPage{Status: status, Heading: errorHeading(status)}
	if p, ok := problem.As(err); ok && status < 500 {
		page.Message = p.Message
	} else {
		page.Message = "Something went wrong on our side. Try again in a moment; if it keeps happening, the server log has the details."
		s.log.ErrorContext(r.Context(), "page failed",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
		if s.dev {
			page.Detail = err.Error()
		}
	}
	if rerr := s.render(w, r, status, "error", page.Heading, page); rerr != nil {
		// The error page itself failed (in development, a broken
		// template): say so in plain text.
		s.log.ErrorContext(r.Context(), "error page failed", slog.Any("error", rerr))
		msg := http.StatusText(status)
		if s.dev {
			msg += "\n\n" + err.Error() + "\n\nand rendering the error page failed: " + rerr.Error()
		}
		http.Error(w, msg, status)
	}
}

// errorHeading is the error page's h1 for a status.
func errorHeading(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "That request was not valid"
	case http.StatusUnauthorized:
		return "Sign in required"
	case http.StatusForbidden:
		return "Not allowed"
	case http.StatusNotFound:
		return "Page not found"
	case http.StatusConflict:
		return "That clashes with something that exists"
	case http.StatusServiceUnavailable:
		return "Temporarily unavailable"
	}
	return "Something went wrong"
}

// notFound answers every path no page claims.
func (s *site) notFound(w http.ResponseWriter, r *http.Request) error {
	return problem.NotFound("There is no page at %s. It may have moved, or this part of the portal is not built yet.", r.URL.Path)
}

// securityHeaders sets the headers every UI response carries. The policy
// allows only this site's own stylesheets, scripts and images: no inline
// script or style, which the pages never need.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}
