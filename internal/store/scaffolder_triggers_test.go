package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/scaffolder/trigger"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

func TestTriggerFires(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewScaffolderTriggers(db)
		claim := func(ref, key string) bool {
			t.Helper()
			ok, err := s.ClaimFire(ctx, ref, key, st0)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !claim("template:default/a", "cron:2026-11-21T10:00Z") {
			t.Fatal("first claim refused")
		}
		if claim("template:default/a", "cron:2026-11-21T10:00Z") {
			t.Fatal("second claim of the same fire taken")
		}
		if !claim("template:default/b", "cron:2026-11-21T10:00Z") {
			t.Fatal("another template's fire refused")
		}
		if !claim("template:default/a", "cron:2026-11-21T11:00Z") || !claim("template:default/a", "event:7") {
			t.Fatal("later fire refused")
		}
		if err := s.FinishFire(ctx, "template:default/a", "cron:2026-11-21T10:00Z", "task-1", ""); err != nil {
			t.Fatal(err)
		}
		var task, errText string
		var at int64
		if err := db.QueryRowContext(ctx, `SELECT task_id, error, fired_at FROM scaffolder_trigger_fires WHERE template_ref = $1 AND fire_key = $2`,
			"template:default/a", "cron:2026-11-21T10:00Z").Scan(&task, &errText, &at); err != nil {
			t.Fatal(err)
		}
		if task != "task-1" || errText != "" || at != st0.UnixMilli() {
			t.Errorf("fire = %q %q %d", task, errText, at)
		}
		if err := s.ReleaseFire(ctx, "template:default/b", "cron:2026-11-21T10:00Z"); err != nil {
			t.Fatal(err)
		}
		if !claim("template:default/b", "cron:2026-11-21T10:00Z") {
			t.Fatal("released fire not claimable")
		}
		last, err := s.LastFires(ctx, "cron:")
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"template:default/a": "cron:2026-11-21T11:00Z", "template:default/b": "cron:2026-11-21T10:00Z"}
		if diff := cmp.Diff(want, last); diff != "" {
			t.Errorf("LastFires (-want +got):\n%s", diff)
		}
	})
}

func TestTriggerCursorAndChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewScaffolderTriggers(db)
		history := func(ref, change string, at time.Time) {
			t.Helper()
			if _, err := db.ExecContext(ctx, `INSERT INTO entity_history (entity_ref, entity_uid, changed_at, source, change, diff) VALUES ($1, 'u', $2, 's', $3, '[]')`,
				ref, at.UnixMilli(), change); err != nil {
				t.Fatal(err)
			}
		}
		history("component:default/old", "created", st0)
		history("component:default/old", "updated", st0)
		pos, err := s.Cursor(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if pos != 2 {
			t.Fatalf("first cursor = %d, want the newest history id 2", pos)
		}
		history("component:default/web", "created", st0.Add(time.Second))
		history("component:default/old", "deleted", st0.Add(2*time.Second))
		if _, err := db.ExecContext(ctx, `INSERT INTO final_entities (id, entity_id, entity_ref, final_entity, hash, last_updated_at) VALUES (1, 'uid-web', 'component:default/web', $1, 'h', 0)`,
			`{"kind":"Component","metadata":{"name":"web"}}`); err != nil {
			t.Fatal(err)
		}
		got, err := s.Changes(ctx, pos, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []trigger.Change{
			{ID: 3, Ref: "component:default/web", Change: "created", At: st0.Add(time.Second), Entity: []byte(`{"kind":"Component","metadata":{"name":"web"}}`)},
			{ID: 4, Ref: "component:default/old", Change: "deleted", At: st0.Add(2 * time.Second)},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Changes (-want +got):\n%s", diff)
		}
		if got, err := s.Changes(ctx, 3, 1); err != nil || len(got) != 1 || got[0].ID != 4 {
			t.Errorf("Changes after 3, limit 1 = %v, %v", got, err)
		}
		if err := s.AdvanceCursor(ctx, 4); err != nil {
			t.Fatal(err)
		}
		if err := s.AdvanceCursor(ctx, 3); err != nil {
			t.Fatal(err)
		}
		if pos, err := s.Cursor(ctx); err != nil || pos != 4 {
			t.Errorf("cursor = %d, %v; want 4 (never moved back)", pos, err)
		}
	})
}
