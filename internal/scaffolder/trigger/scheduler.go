package trigger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/callboard/callboard/internal/scaffolder"
)

// CreatedBy is who tasks started by triggers are created by.
const CreatedBy = "system:scheduler"

// Engine is what the scheduler needs of the scaffolder; *scaffolder.Engine
// implements it.
type Engine interface {
	// Templates returns the templates the identity in ctx may see.
	Templates(ctx context.Context) ([]*scaffolder.Template, error)
	Create(ctx context.Context, req scaffolder.CreateRequest) (string, error)
}

var _ Engine = (*scaffolder.Engine)(nil)

// Store keeps the fires and the catalog event cursor; *store.ScaffolderTriggers
// implements it.
type Store interface {
	// ClaimFire records that a template fires for key, unless a fire with
	// that template and key exists; true when this call recorded it.
	ClaimFire(ctx context.Context, templateRef, key string, at time.Time) (bool, error)
	// FinishFire records the task a claimed fire created, or why it
	// created none.
	FinishFire(ctx context.Context, templateRef, key, taskID, errText string) error
	// ReleaseFire deletes a claimed fire so that it can be claimed again.
	ReleaseFire(ctx context.Context, templateRef, key string) error
	// LastFires returns, per template, the greatest key with the prefix.
	LastFires(ctx context.Context, prefix string) (map[string]string, error)
	// Cursor returns the id of the last catalog change handled; the first
	// call ever starts it at the newest change, so that the past does not
	// fire.
	Cursor(ctx context.Context) (int64, error)
	// AdvanceCursor moves the cursor forward to pos (never back).
	AdvanceCursor(ctx context.Context, pos int64) error
	// Changes returns up to limit catalog changes after the id, in id
	// order, each with the entity as it is now (nil when it is gone).
	Changes(ctx context.Context, after int64, limit int) ([]Change, error)
}

// Change is one entry of the catalog's entity history.
type Change struct {
	ID  int64
	Ref string
	// Change is "created", "updated" or "deleted".
	Change string
	At     time.Time
	// Entity is the entity now; nil when it no longer exists.
	Entity json.RawMessage
}

// Options configure a Scheduler.
type Options struct {
	Engine Engine
	Store  Store
	Logger *slog.Logger
	// Tick is how often schedules are checked (default a minute) and
	// EventTick how often the catalog's changes are read (default 10 s).
	Tick, EventTick time.Duration
	// Settle is how old a catalog change must be before it is handled
	// (default 5 s): PostgreSQL may commit a change after a newer one,
	// and the cursor must not pass it meanwhile.
	Settle time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Hold, when set and true, skips the checks that fall due meanwhile:
	// the catalog's first load is under way, and listing its templates
	// then would scan a catalog whose indexes are set aside. Nothing is
	// missed: the next check covers the fire times and catalog changes
	// since the last one.
	Hold func() bool
}

// Scheduler starts tasks on templates' schedules and on catalog events.
type Scheduler struct {
	engine          Engine
	store           Store
	log             *slog.Logger
	tick, eventTick time.Duration
	settle          time.Duration
	now             func() time.Time
	hold            func() bool

	mu sync.Mutex
	// since is each template's lower bound for due fire times; last is
	// the previous check's time (zero before the first).
	since map[string]time.Time
	last  time.Time
	// started is when Run started: its first check looks back to a tick
	// before it, however long Hold delayed that check.
	started time.Time
	// broken remembers the last spec error logged per template, so that
	// a broken template is logged when its error changes, not each tick.
	broken map[string]string
}

// Defaults.
const (
	DefaultTick      = time.Minute
	DefaultEventTick = 10 * time.Second
	DefaultSettle    = 5 * time.Second
	changesBatch     = 200
	cronKeyPrefix    = "cron:"
	cronKeyLayout    = "2006-01-02T15:04Z"
	eventKeyPrefix   = "event:"
)

// New returns a scheduler; Run starts it.
func New(o Options) *Scheduler {
	s := &Scheduler{
		engine: o.Engine, store: o.Store, log: o.Logger,
		tick: o.Tick, eventTick: o.EventTick, settle: o.Settle, now: o.Now, hold: o.Hold,
		since: map[string]time.Time{}, broken: map[string]string{},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.tick <= 0 {
		s.tick = DefaultTick
	}
	if s.eventTick <= 0 {
		s.eventTick = DefaultEventTick
	}
	if s.settle <= 0 {
		s.settle = DefaultSettle
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Run checks schedules every Tick and catalog events every EventTick
// until ctx ends. ctx carries the identity templates are read with.
func (s *Scheduler) Run(ctx context.Context) error {
	s.mu.Lock()
	s.started = s.now()
	s.mu.Unlock()
	ticks := time.NewTicker(s.tick)
	defer ticks.Stop()
	events := time.NewTicker(s.eventTick)
	defer events.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticks.C:
			if s.held() {
				continue
			}
			if err := s.CheckSchedules(ctx); err != nil && ctx.Err() == nil {
				s.log.ErrorContext(ctx, "check template schedules", "error", err)
			}
		case <-events.C:
			if s.held() {
				continue
			}
			if err := s.CheckEvents(ctx); err != nil && ctx.Err() == nil {
				s.log.ErrorContext(ctx, "check catalog events for triggers", "error", err)
			}
		}
	}
}

// held reports whether Options.Hold holds the checks back.
func (s *Scheduler) held() bool { return s.hold != nil && s.hold() }

// triggered is a template with its triggers.
type triggered struct {
	t  *scaffolder.Template
	tr *Triggers
}

// templates lists the templates with schedules or event triggers; broken
// ones are logged and left out.
func (s *Scheduler) templates(ctx context.Context) ([]triggered, error) {
	ts, err := s.engine.Templates(ctx)
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	var out []triggered
	for _, t := range ts {
		spec, _ := t.Entity["spec"].(map[string]any)
		tr, err := ParseTriggers(spec)
		s.mu.Lock()
		if err != nil {
			if s.broken[t.Ref] != err.Error() {
				s.broken[t.Ref] = err.Error()
				s.log.WarnContext(ctx, "template triggers are invalid; it does not fire", "template", t.Ref, "error", err)
			}
		} else {
			delete(s.broken, t.Ref)
		}
		s.mu.Unlock()
		if err != nil || tr.Schedule == nil && len(tr.Events) == 0 {
			continue
		}
		out = append(out, triggered{t, tr})
	}
	return out, nil
}

// CheckSchedules fires every schedule due since the last check: for each
// template, the latest fire time after its previous check (after a
// restart, after its last recorded fire), so fires missed while no
// replica ran collapse into one.
func (s *Scheduler) CheckSchedules(ctx context.Context) error {
	now := s.now()
	ts, err := s.templates(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	first := s.last.IsZero()
	last := s.last
	firstLower := now.Add(-s.tick)
	if !s.started.IsZero() && s.started.Add(-s.tick).Before(firstLower) {
		firstLower = s.started.Add(-s.tick)
	}
	s.mu.Unlock()
	var recorded map[string]string
	if first {
		if recorded, err = s.store.LastFires(ctx, cronKeyPrefix); err != nil {
			return err
		}
	}
	for _, x := range ts {
		if x.tr.Schedule == nil {
			continue
		}
		s.mu.Lock()
		lower, ok := s.since[x.t.Ref]
		s.mu.Unlock()
		if !ok {
			lower = last
			if first {
				lower = firstLower
				if at, err := time.Parse(cronKeyLayout, strings.TrimPrefix(recorded[x.t.Ref], cronKeyPrefix)); err == nil {
					lower = at
				}
			}
		}
		due := latestFire(x.tr.Schedule.Cron, lower, now)
		if !due.IsZero() {
			req := scaffolder.CreateRequest{TemplateRef: x.t.Ref, Values: x.tr.Schedule.Values, CreatedBy: CreatedBy}
			key := cronKeyPrefix + due.UTC().Format(cronKeyLayout)
			deferred, err := s.fire(ctx, key, req, now)
			if err != nil {
				return err
			}
			if deferred {
				// Keep the window open so that the next check fires it.
				s.mu.Lock()
				s.since[x.t.Ref] = lower
				s.mu.Unlock()
				continue
			}
		}
		s.mu.Lock()
		s.since[x.t.Ref] = now
		s.mu.Unlock()
	}
	s.mu.Lock()
	s.last = now
	s.mu.Unlock()
	return nil
}

// latestFire returns the last fire time in (lower, now]; zero when none.
func latestFire(c *Schedule, lower, now time.Time) time.Time {
	var due time.Time
	for at := c.Next(lower); !at.IsZero() && !at.After(now); at = c.Next(at) {
		due = at
	}
	return due
}

// fire starts one task once across replicas. The fire is claimed before
// the task is created: a crash between the two loses the fire, and never
// starts it twice. deferred reports a task the rate limit refused: its
// claim is released for a later check to fire again. Other refusals
// (invalid values, a template gone) are recorded with the fire and
// logged.
func (s *Scheduler) fire(ctx context.Context, key string, req scaffolder.CreateRequest, now time.Time) (deferred bool, err error) {
	claimed, err := s.store.ClaimFire(ctx, req.TemplateRef, key, now)
	if err != nil || !claimed {
		return false, err
	}
	id, cerr := s.engine.Create(ctx, req)
	var limited *scaffolder.RateLimitError
	if errors.As(cerr, &limited) {
		s.log.WarnContext(ctx, "triggered task deferred by the rate limit", "template", req.TemplateRef, "fire", key)
		return true, s.store.ReleaseFire(context.WithoutCancel(ctx), req.TemplateRef, key)
	}
	errText := ""
	if cerr != nil {
		errText = cerr.Error()
		s.log.ErrorContext(ctx, "triggered task not created", "template", req.TemplateRef, "fire", key, "error", cerr)
	} else {
		s.log.InfoContext(ctx, "triggered task created", "template", req.TemplateRef, "fire", key, "task", id)
	}
	return false, s.store.FinishFire(context.WithoutCancel(ctx), req.TemplateRef, key, id, errText)
}
