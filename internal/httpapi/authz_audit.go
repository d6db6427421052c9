package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/internal/problem"
)

// auditNote is what a request's handler tells the audit log about the
// write it does: the action (a permission name), its target, the rule that
// let it through, the state before and after.
type auditNote struct {
	action, target string
	rule           string
	before, after  json.RawMessage
	details        map[string]any
	// denied: the request was refused and the denial is recorded.
	denied bool
}

type noteKey struct{}

// note returns the request's audit note; a detached one outside audited
// handlers.
func note(r *http.Request) *auditNote {
	if n, ok := r.Context().Value(noteKey{}).(*auditNote); ok {
		return n
	}
	return &auditNote{}
}

// write marks the request as a write to record when the handler ends.
func (n *auditNote) write(action, target string) *auditNote {
	n.action, n.target = action, target
	return n
}

// setJSON encodes v into dst, leaving it empty if v does not encode.
func setJSON(dst *json.RawMessage, v any) {
	if b, err := json.Marshal(v); err == nil {
		*dst = b
	}
}

// audited wraps a handler: it tells audit's middleware that this API
// records its own events, gives the handler a note, and records the write
// the note describes with the handler's outcome.
func (s *server) audited(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		audit.Handled(r.Context())
		n := &auditNote{}
		r = r.WithContext(context.WithValue(r.Context(), noteKey{}, n))
		err := h(w, r)
		if n.action == "" || n.denied || s.audit == nil {
			return err
		}
		e := audit.Event{Action: n.action, Target: n.target, Outcome: audit.OutcomeSucceeded, Rule: n.rule, Before: n.before, After: n.after}
		details := n.details
		if err != nil {
			e.Outcome = audit.OutcomeFailed
			if details == nil {
				details = map[string]any{}
			}
			_, serialized := classify(err)
			details["error"] = serialized
			if _, ok := problem.As(err); !ok {
				details["error"] = internalError
			}
		}
		if details != nil {
			setJSON(&e.Details, details)
		}
		s.record(r, e)
		return err
	}
}

// recordDenial records a refused permission.
func (s *server) recordDenial(r *http.Request, perm, target, rule string) {
	note(r).denied = true
	s.record(r, audit.Event{Action: perm, Target: target, Outcome: audit.OutcomeDenied, Rule: rule})
}

// record writes an event; a failure is logged, not shown to the caller,
// whose request has been decided already.
func (s *server) record(r *http.Request, e audit.Event) {
	if s.audit == nil {
		return
	}
	if err := s.audit.Record(context.WithoutCancel(r.Context()), e); err != nil {
		s.log.ErrorContext(r.Context(), "record audit event", slog.String("action", e.Action), slog.Any("error", err))
	}
}
