package httpapi

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/internal/permission"
	"github.com/callboard/callboard/internal/problem"
)

// auditMount is where Callboard's audit API lives.
const auditMount = "/api/audit"

// auditRange reads the from and to query parameters into a filter.
func auditRange(r *http.Request) (audit.Filter, error) {
	q := r.URL.Query()
	var (
		f   audit.Filter
		err error
	)
	if f.From, err = audit.ParseTime(q.Get("from"), false); err != nil {
		return f, problem.Input("Invalid from, %v", err)
	}
	if f.To, err = audit.ParseTime(q.Get("to"), true); err != nil {
		return f, problem.Input("Invalid to, %v", err)
	}
	return f, nil
}

// requireAudit checks callboard.audit.read; the audit API answers 404 when
// the app has no audit log.
func (s *server) requireAudit(r *http.Request) error {
	if s.audit == nil {
		return problem.NotFound("The audit log is not configured")
	}
	return s.require(r, permission.CallboardAuditRead, r.URL.Path)
}

// auditEvents is GET /api/audit/events?actor=&action=&target=&from=&to=&cursor=&limit=:
// one page of events, newest first.
func (s *server) auditEvents(w http.ResponseWriter, r *http.Request) error {
	if err := s.requireAudit(r); err != nil {
		return err
	}
	f, err := auditRange(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f.Actor, f.Action, f.Target = q.Get("actor"), q.Get("action"), q.Get("target")
	limit, err := intParam(q, "limit")
	if err != nil {
		return err
	}
	n := 0
	if limit != nil {
		if *limit <= 0 {
			return problem.Input("Invalid limit, must be greater than zero")
		}
		n = *limit
	}
	page, err := s.audit.Events(r.Context(), f, q.Get("cursor"), n)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page)
}

// auditExport is GET /api/audit/events/export?from=&to=: the events of
// the range as JSON Lines, oldest first, streamed.
func (s *server) auditExport(w http.ResponseWriter, r *http.Request) error {
	if err := s.requireAudit(r); err != nil {
		return err
	}
	f, err := auditRange(r)
	if err != nil {
		return err
	}
	lw := &lazyWriter{w: w, start: func() {
		w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="callboard-audit-%s.jsonl"`, rangeName(f)))
		w.WriteHeader(http.StatusOK)
	}}
	if err := s.audit.Export(r.Context(), f.From, f.To, lw); err != nil {
		if !lw.started {
			return err
		}
		if r.Context().Err() == nil {
			s.log.ErrorContext(r.Context(), "export audit events", slog.Any("error", err))
		}
		panic(http.ErrAbortHandler) // cut short: the client must not take it for complete
	}
	lw.begin() // an empty export is still a 200
	return nil
}

// rangeName names an export's file after its range.
func rangeName(f audit.Filter) string {
	name := func(t time.Time) string {
		if t.IsZero() {
			return "all"
		}
		return t.UTC().Format("20060102T150405Z")
	}
	return name(f.From) + "-" + name(f.To)
}

// lazyWriter writes the status line with the first byte, so a failure
// before any output can still become an error response.
type lazyWriter struct {
	w       http.ResponseWriter
	start   func()
	started bool
}

func (l *lazyWriter) begin() {
	if !l.started {
		l.started = true
		l.start()
	}
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	l.begin()
	return l.w.Write(p)
}
