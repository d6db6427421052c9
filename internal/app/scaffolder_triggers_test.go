package app

import (
	"context"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/callboard/callboard/internal/auth"
	"github.com/callboard/callboard/internal/config"
	"github.com/callboard/callboard/internal/scaffolder"
	"github.com/callboard/callboard/internal/scaffolder/trigger"
	"github.com/callboard/callboard/internal/store"
)

// scheduledEngine is the app's engine with a schedule added to the
// "service" template as it is listed.
type scheduledEngine struct{ *scaffolder.Engine }

func (e scheduledEngine) Templates(ctx context.Context) ([]*scaffolder.Template, error) {
	ts, err := e.Engine.Templates(ctx)
	if err != nil {
		return nil, err
	}
	for i, t := range ts {
		if t.Name != "service" {
			continue
		}
		c := *t
		c.Entity = maps.Clone(t.Entity)
		spec := maps.Clone(t.Entity["spec"].(map[string]any))
		spec["schedule"] = map[string]any{
			"cron":     "0 6 * * *",
			"timezone": "Europe/Berlin",
			"values":   map[string]any{"name": "nightly", "remote": "file:///nonexistent", "catalogUrl": "http://127.0.0.1:1/catalog-info.yaml"},
		}
		c.Entity["spec"] = spec
		ts[i] = &c
	}
	return ts, nil
}

func TestScaffolderTriggersCreateTasksAsTheScheduler(t *testing.T) {
	_, a, _, _ := startScaffolder(t, "")
	// 06:00 in Berlin in winter is 05:00 UTC.
	clock := time.Date(2026, 1, 5, 4, 59, 30, 0, time.UTC)
	s := trigger.New(trigger.Options{Engine: scheduledEngine{a.scaffolder}, Store: store.NewScaffolderTriggers(a.db), Now: func() time.Time { return clock }})
	ctx := auth.WithIdentity(context.Background(), schedulerIdentity)
	for _, d := range []time.Duration{0, time.Minute} {
		clock = clock.Add(d)
		if err := s.CheckSchedules(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var id, by string
	if err := a.db.QueryRowContext(ctx, `SELECT f.task_id, t.created_by FROM scaffolder_trigger_fires f JOIN scaffolder_tasks t ON t.id = f.task_id
		WHERE f.template_ref = 'template:default/service' AND f.fire_key = 'cron:2026-01-05T05:00Z'`).Scan(&id, &by); err != nil {
		t.Fatalf("the scheduled task: %v", err)
	}
	if by != trigger.CreatedBy {
		t.Errorf("task %s created by %q, want %q", id, by, trigger.CreatedBy)
	}
}

func TestScaffolderTriggersSettings(t *testing.T) {
	for _, tt := range []struct {
		yaml string
		on   bool
	}{
		{"scaffolder: {}\n", true},
		{"scaffolder:\n  triggers: {enabled: true, tick: 30s, eventTick: 5s}\n", true},
		{"scaffolder:\n  triggers: {enabled: false}\n", false},
	} {
		p := filepath.Join(t.TempDir(), "app-config.yaml")
		if err := os.WriteFile(p, []byte(tt.yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, warnings, err := config.LoadEnviron([]string{p}, nil)
		if err != nil || len(warnings) > 0 {
			t.Fatalf("%q: %v %v", tt.yaml, err, warnings)
		}
		s, err := newTriggerScheduler(cfg, slog.New(slog.DiscardHandler), nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if (s != nil) != tt.on {
			t.Errorf("%q: scheduler %v, want running %v", tt.yaml, s != nil, tt.on)
		}
	}
}

func TestScaffolderTriggersStartAndStop(t *testing.T) {
	_, a, _, _ := startScaffolder(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	wait := a.startTriggers(ctx)
	cancel()
	wait()
}
