package audit

import (
	"context"
	"encoding/json"
	"time"
)

// Outcome is how an audited action ended.
type Outcome string

// Outcomes.
const (
	// OutcomeAllowed: a permission check let the action through (recorded
	// where the check itself is the event).
	OutcomeAllowed Outcome = "allowed"
	// OutcomeDenied: a permission check refused the action.
	OutcomeDenied Outcome = "denied"
	// OutcomeSucceeded: the write was done.
	OutcomeSucceeded Outcome = "succeeded"
	// OutcomeFailed: the write was attempted and failed.
	OutcomeFailed Outcome = "failed"
)

// Valid reports whether o is one of the outcomes.
func (o Outcome) Valid() bool {
	switch o {
	case OutcomeAllowed, OutcomeDenied, OutcomeSucceeded, OutcomeFailed:
		return true
	}
	return false
}

// Actor kinds beyond the identity kinds (user, guest, service).
const (
	ActorAnonymous = "anonymous"
	// ActorSystem is Callboard itself: start-up, background work.
	ActorSystem = "system"
)

// Event is one audit record.
type Event struct {
	ID        int64     `json:"id"`
	Time      time.Time `json:"time"`
	ActorRef  string    `json:"actorRef"`
	ActorKind string    `json:"actorKind"`
	// Action names what was done, by permission name where one applies
	// (catalog.location.create), else a dotted name of its own
	// (permission.policy.change, http.post).
	Action string `json:"action"`
	// Target is what it was done to: an entity ref, a location id, a
	// path.
	Target  string  `json:"target"`
	Outcome Outcome `json:"outcome"`
	// Rule is the permission rule that decided, when a decision was made.
	Rule      string          `json:"rule,omitempty"`
	IP        string          `json:"ip,omitempty"`
	UserAgent string          `json:"userAgent,omitempty"`
	Before    json.RawMessage `json:"before,omitempty"`
	After     json.RawMessage `json:"after,omitempty"`
	Details   json.RawMessage `json:"details,omitempty"`
}

// Actor is who acts in a request.
type Actor struct {
	Ref  string // user entity ref or service subject; "" for nobody
	Kind string // user, guest, service, anonymous, system
}

// Filter selects events. Empty fields select everything.
type Filter struct {
	// Actor is an exact actor ref.
	Actor string
	// Action and Target match exactly, or by prefix when they end in "*".
	Action string
	Target string
	// From is inclusive, To exclusive; zero means unbounded.
	From, To time.Time
}

// EventQuery is one page of a filtered, newest-first listing.
type EventQuery struct {
	Filter
	// BeforeID continues below this id; 0 starts at the newest event.
	BeforeID int64
	Limit    int
}

// Store keeps the events; *store.Audit implements it. There is no way to
// change or delete an event.
type Store interface {
	// AppendEvent stores e and returns its id.
	AppendEvent(ctx context.Context, e Event) (int64, error)
	// Events returns up to q.Limit events matching q, newest (highest
	// id) first, with ids below q.BeforeID when it is set.
	Events(ctx context.Context, q EventQuery) ([]Event, error)
	// ScanEvents calls fn for each event in [from, to) in id order,
	// oldest first, reading in batches; an error from fn stops the scan.
	ScanEvents(ctx context.Context, from, to time.Time, fn func(Event) error) error
	// LastEvent returns the newest event with action and target, nil if
	// there is none.
	LastEvent(ctx context.Context, action, target string) (*Event, error)
}
