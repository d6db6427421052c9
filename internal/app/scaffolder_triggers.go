package app

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/callboard/callboard/internal/auth"
	"github.com/callboard/callboard/internal/config"
	"github.com/callboard/callboard/internal/scaffolder/trigger"
	"github.com/callboard/callboard/internal/store"
)

// triggerSettings is scaffolder.triggers: Callboard's scheduler of
// templates' spec.schedule and spec.triggers.
type triggerSettings struct {
	Triggers struct {
		// Enabled runs the scheduler; nil means enabled.
		Enabled *bool `config:"enabled"`
		// Tick is how often schedules are checked (default 1 min);
		// EventTick how often the catalog's changes are read (10 s).
		Tick      time.Duration `config:"tick"`
		EventTick time.Duration `config:"eventTick"`
	} `config:"triggers"`
}

// schedulerIdentity is who the scheduler reads the catalog as: a service
// without access restrictions.
var schedulerIdentity = &auth.Identity{Kind: auth.KindService, Subject: trigger.CreatedBy, Via: auth.CredentialNone}

// newTriggerScheduler builds the scheduler over the app's database and a
// scaffolder engine, held back while hold reports true (the catalog's
// first load); nil when scaffolder.triggers.enabled is false.
func newTriggerScheduler(cfg *config.Config, log *slog.Logger, db *store.DB, engine trigger.Engine, hold func() bool) (*trigger.Scheduler, error) {
	var s triggerSettings
	if err := cfg.Decode("scaffolder", &s); err != nil {
		return nil, err
	}
	if s.Triggers.Enabled != nil && !*s.Triggers.Enabled {
		return nil, nil
	}
	return trigger.New(trigger.Options{
		Engine:    engine,
		Store:     store.NewScaffolderTriggers(db),
		Logger:    log.With("component", "scaffolder-triggers"),
		Tick:      s.Triggers.Tick,
		EventTick: s.Triggers.EventTick,
		Hold:      hold,
	}), nil
}

// startTriggers runs the scheduler of templates' schedules and catalog
// triggers, as the scheduler's service identity, until ctx ends; the
// returned func waits for it to stop.
func (a *App) startTriggers(ctx context.Context) func() {
	s, err := newTriggerScheduler(a.cfg, a.log, a.db, a.scaffolder, a.firstLoad)
	if err != nil {
		a.log.ErrorContext(ctx, "scaffolder triggers not started", "error", err)
		return func() {}
	}
	if s == nil {
		return func() {}
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := s.Run(auth.WithIdentity(ctx, schedulerIdentity)); err != nil {
			a.log.ErrorContext(ctx, "scaffolder triggers stopped", "error", err)
		}
	})
	return wg.Wait
}
