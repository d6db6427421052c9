package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/callboard/callboard/internal/problem"
)

// Paging bounds of Events.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Options configure a Log.
type Options struct {
	Store Store
	// Actor tells who acts in a request context; nil records every event
	// as anonymous unless the event names its actor.
	Actor func(ctx context.Context) Actor
	// Sinks receive every recorded event as well; see NewSinks.
	Sinks []Sink
	// ClientIPHeader, when set, names the header a trusted proxy puts
	// the client's address in (X-Forwarded-For).
	ClientIPHeader string
	Logger         *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Log records and reads audit events. It is safe for concurrent use.
type Log struct {
	store    Store
	actor    func(ctx context.Context) Actor
	sinks    []Sink
	ipHeader string
	log      *slog.Logger
	now      func() time.Time
}

// New returns a Log.
func New(o Options) (*Log, error) {
	if o.Store == nil {
		return nil, errors.New("audit: no store")
	}
	l := &Log{store: o.Store, actor: o.Actor, sinks: o.Sinks, ipHeader: o.ClientIPHeader, log: o.Logger, now: o.Now}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	if l.now == nil {
		l.now = time.Now
	}
	return l, nil
}

// Record stores e: the time, actor and request origin are filled in from
// the clock and ctx where e leaves them empty. The event is stored before
// Record returns; sinks get it afterwards, without waiting.
func (l *Log) Record(ctx context.Context, e Event) error {
	if e.Action == "" || !e.Outcome.Valid() {
		return fmt.Errorf("audit: event needs an action and a valid outcome, got %q %q", e.Action, e.Outcome)
	}
	if e.Time.IsZero() {
		e.Time = l.now()
	}
	e.Time = e.Time.UTC().Truncate(time.Millisecond)
	if e.ActorKind == "" {
		a := Actor{Kind: ActorAnonymous}
		if l.actor != nil {
			a = l.actor(ctx)
		}
		e.ActorRef, e.ActorKind = a.Ref, a.Kind
	}
	if r, ok := RequestFrom(ctx); ok {
		if e.IP == "" {
			e.IP = r.IP
		}
		if e.UserAgent == "" {
			e.UserAgent = r.UserAgent
		}
	}
	for _, raw := range []*json.RawMessage{&e.Before, &e.After, &e.Details} {
		if len(*raw) > 0 && !json.Valid(*raw) {
			return fmt.Errorf("audit: event %s carries invalid JSON", e.Action)
		}
	}
	id, err := l.store.AppendEvent(ctx, e)
	if err != nil {
		return err
	}
	e.ID = id
	for _, s := range l.sinks {
		s.Send(e)
	}
	return nil
}

// Page is one page of events, newest first.
type Page struct {
	Items      []Event `json:"items"`
	NextCursor string  `json:"nextCursor,omitempty"`
}

// Events lists events matching f, newest first. Limit 0 means
// DefaultLimit; cursor continues a previous page.
func (l *Log) Events(ctx context.Context, f Filter, cursor string, limit int) (*Page, error) {
	switch {
	case limit == 0:
		limit = DefaultLimit
	case limit < 0 || limit > MaxLimit:
		return nil, problem.Input("Invalid limit, must be between 1 and %d", MaxLimit)
	}
	q := EventQuery{Filter: f, Limit: limit + 1}
	if cursor != "" {
		id, err := decodeCursor(cursor)
		if err != nil {
			return nil, err
		}
		q.BeforeID = id
	}
	events, err := l.store.Events(ctx, q)
	if err != nil {
		return nil, err
	}
	page := &Page{Items: events}
	if page.Items == nil {
		page.Items = []Event{}
	}
	if len(events) > limit {
		page.Items = events[:limit]
		page.NextCursor = encodeCursor(events[limit-1].ID)
	}
	return page, nil
}

func encodeCursor(beforeID int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("before:" + strconv.FormatInt(beforeID, 10)))
}

func decodeCursor(s string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		if rest, ok := strings.CutPrefix(string(b), "before:"); ok {
			if id, err := strconv.ParseInt(rest, 10, 64); err == nil && id > 0 {
				return id, nil
			}
		}
	}
	return 0, problem.Input("Malformed cursor")
}

// Export writes the events in [from, to) to w as JSON Lines, oldest first,
// one event per line, reading them in batches.
func (l *Log) Export(ctx context.Context, from, to time.Time, w io.Writer) error {
	bw := bufio.NewWriter(w)
	err := l.store.ScanEvents(ctx, from, to, func(e Event) error {
		line, err := json.Marshal(e)
		if err != nil {
			return err
		}
		bw.Write(line)
		return bw.WriteByte('\n')
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

// RecordChange records an event with action and target when after
// differs from the After of the last such event, with that as Before: the
// way configuration changes (the permission policy) enter the log, once
// per change however often Callboard restarts. It reports whether it
// recorded.
func (l *Log) RecordChange(ctx context.Context, action, target string, after any) (bool, error) {
	b, err := json.Marshal(after)
	if err != nil {
		return false, fmt.Errorf("audit: encode %s: %w", action, err)
	}
	last, err := l.store.LastEvent(ctx, action, target)
	if err != nil {
		return false, err
	}
	e := Event{Action: action, Target: target, Outcome: OutcomeSucceeded, After: b, ActorRef: "callboard", ActorKind: ActorSystem}
	if last != nil {
		if bytes.Equal(compact(last.After), compact(b)) {
			return false, nil
		}
		e.Before = last.After
	}
	return true, l.Record(ctx, e)
}

func compact(b []byte) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return b
	}
	return buf.Bytes()
}

// Middleware puts each request's origin in its context for Record, and
// records the writes nobody else did: a request with an unsafe method
// (POST, PUT, PATCH, DELETE) whose handler did not call Handled becomes an
// event "http.<method>" on the path, succeeded below status 400, denied
// for 401 and 403, failed otherwise. Wrap it inside authentication, so the
// actor is known and unauthenticated noise stays out of the log.
func (l *Log) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := WithRequest(r.Context(), clientRequest(r, l.ipHeader))
		rec := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(ctx))
		if handled(ctx) || !unsafeMethod(r.Method) {
			return
		}
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		outcome := OutcomeSucceeded
		switch {
		case status == http.StatusUnauthorized || status == http.StatusForbidden:
			outcome = OutcomeDenied
		case status >= 400:
			outcome = OutcomeFailed
		}
		details, _ := json.Marshal(map[string]int{"status": status})
		e := Event{Action: "http." + strings.ToLower(r.Method), Target: r.URL.Path, Outcome: outcome, Details: details}
		// The request is over; its context may be cancelled already.
		if err := l.Record(context.WithoutCancel(ctx), e); err != nil {
			l.log.ErrorContext(ctx, "record audit event", slog.String("action", e.Action), slog.Any("error", err))
		}
	})
}

func unsafeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false
	}
	return true
}

// statusWriter remembers the status; it unwraps for http.ResponseController.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Flush passes flushes on, for streamed responses.
func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Close delivers what the sinks still hold, giving up when ctx ends.
func (l *Log) Close(ctx context.Context) error {
	var errs []error
	for _, s := range l.sinks {
		errs = append(errs, s.Close(ctx))
	}
	return errors.Join(errs...)
}

// ParseTime reads a from or to bound: an RFC 3339 time, or a date
// (YYYY-MM-DD, UTC) meaning its start, or with end set the start of the
// next day, so that a date as an exclusive upper bound includes itself.
// "" is the zero time (unbounded).
func ParseTime(s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time nor a date (YYYY-MM-DD)", s)
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}
