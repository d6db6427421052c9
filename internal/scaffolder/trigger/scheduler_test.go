package trigger_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/callboard/callboard/internal/scaffolder"
	"github.com/callboard/callboard/internal/scaffolder/trigger"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

// fakeEngine lists fixed templates and records the tasks asked for.
type fakeEngine struct {
	mu        sync.Mutex
	templates []*scaffolder.Template
	created   []scaffolder.CreateRequest
	// refuse makes Create fail with it, once per entry.
	refuse []error
}

func (f *fakeEngine) Templates(context.Context) ([]*scaffolder.Template, error) {
	return f.templates, nil
}

func (f *fakeEngine) Create(_ context.Context, req scaffolder.CreateRequest) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.refuse) > 0 {
		err := f.refuse[0]
		f.refuse = f.refuse[1:]
		return "", err
	}
	f.created = append(f.created, req)
	return fmt.Sprintf("task-%d", len(f.created)), nil
}

// describeTasks replaces each "task-N" word in s with the values
// that task was created with.
func (f *fakeEngine) describeTasks(s string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	words := strings.Split(s, " ")
	for i, w := range words {
		var n int
		if _, err := fmt.Sscanf(w, "task-%d", &n); err == nil && n >= 1 && n <= len(f.created) {
			words[i] = fmt.Sprint("{", f.created[n-1].Values, "}")
		}
	}
	return strings.Join(words, " ")
}

func (f *fakeEngine) requests() []scaffolder.CreateRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]scaffolder.CreateRequest(nil), f.created...)
}

func template(t *testing.T, name string, spec string) *scaffolder.Template {
	t.Helper()
	raw := fmt.Sprintf(`{"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template","metadata":{"name":%q},"spec":%s}`, name, spec)
	tpl, err := scaffolder.ParseTemplate(json.RawMessage(raw))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// clock is a fake clock shared by schedulers.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

var t0 = time.Date(2026, 3, 2, 5, 59, 30, 0, time.UTC) // a Monday

func fireKeys(t *testing.T, db *store.DB) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT template_ref, fire_key, task_id, error FROM scaffolder_trigger_fires ORDER BY template_ref, fire_key`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var ref, key, task, errText string
		if err := rows.Scan(&ref, &key, &task, &errText); err != nil {
			t.Fatal(err)
		}
		out = append(out, ref+" "+key+" "+task+" "+errText)
	}
	return out
}

func TestTriggerScheduleFiresOnceAcrossReplicas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		eng := &fakeEngine{templates: []*scaffolder.Template{
			template(t, "nightly", `{"steps":[],"schedule":{"cron":"0 6 * * 1-5","timezone":"UTC","values":{"name":"x"}}}`),
			template(t, "plain", `{"steps":[]}`),
		}}
		clk := &clock{t: t0}
		st := store.NewScaffolderTriggers(db)
		a := trigger.New(trigger.Options{Engine: eng, Store: st, Now: clk.now})
		b := trigger.New(trigger.Options{Engine: eng, Store: st, Now: clk.now})
		check := func() {
			t.Helper()
			var wg sync.WaitGroup
			for _, s := range []*trigger.Scheduler{a, b} {
				wg.Go(func() {
					if err := s.CheckSchedules(ctx); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
		}
		check() // 05:59:30: nothing due
		if got := eng.requests(); len(got) != 0 {
			t.Fatalf("fired before the schedule: %v", got)
		}
		for _, at := range []time.Duration{time.Minute, 2 * time.Minute, 3 * time.Minute} {
			clk.set(t0.Add(at))
			check()
		}
		want := []scaffolder.CreateRequest{{TemplateRef: "template:default/nightly", Values: map[string]any{"name": "x"}, CreatedBy: trigger.CreatedBy}}
		if diff := cmp.Diff(want, eng.requests()); diff != "" {
			t.Errorf("tasks (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"template:default/nightly cron:2026-03-02T06:00Z task-1 "}, fireKeys(t, db)); diff != "" {
			t.Errorf("fires (-want +got):\n%s", diff)
		}

		// Down from Monday 06:03 to Thursday 12:00: Tuesday, Wednesday and
		// Thursday were missed; a new scheduler fires the latest once.
		clk.set(time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC))
		c := trigger.New(trigger.Options{Engine: eng, Store: st, Now: clk.now})
		d := trigger.New(trigger.Options{Engine: eng, Store: st, Now: clk.now})
		a, b = c, d
		check()
		check()
		got := eng.requests()
		if len(got) != 2 {
			t.Fatalf("after the downtime, %d tasks, want 2: %v", len(got), got)
		}
		keys := fireKeys(t, db)
		if diff := cmp.Diff("template:default/nightly cron:2026-03-05T06:00Z task-2 ", keys[len(keys)-1]); diff != "" {
			t.Errorf("catch-up fire (-want +got):\n%s", diff)
		}
	})
}

func TestTriggerScheduleRefusals(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	eng := &fakeEngine{
		templates: []*scaffolder.Template{template(t, "hourly", `{"steps":[],"schedule":{"cron":"@hourly"}}`)},
		refuse:    []error{&scaffolder.RateLimitError{Limit: 1, RetryAfter: time.Minute}, fmt.Errorf("values: name is required")},
	}
	clk := &clock{t: time.Date(2026, 3, 2, 9, 59, 30, 0, time.UTC)}
	s := trigger.New(trigger.Options{Engine: eng, Store: store.NewScaffolderTriggers(db), Now: clk.now})
	for _, at := range []string{"10:00:30", "10:01:30", "11:00:30"} {
		hms, _ := time.Parse("15:04:05", at)
		clk.set(time.Date(2026, 3, 2, hms.Hour(), hms.Minute(), hms.Second(), 0, time.UTC))
		if err := s.CheckSchedules(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// 10:00 was deferred by the rate limit and fired at the next check,
	// where the engine refused the values; 11:00 fired.
	want := []string{
		"template:default/hourly cron:2026-03-02T10:00Z  values: name is required",
		"template:default/hourly cron:2026-03-02T11:00Z task-1 ",
	}
	if diff := cmp.Diff(want, fireKeys(t, db)); diff != "" {
		t.Errorf("fires (-want +got):\n%s", diff)
	}
}

func TestTriggerBrokenTemplateDoesNotFire(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	eng := &fakeEngine{templates: []*scaffolder.Template{
		template(t, "bad", `{"steps":[],"schedule":{"cron":"61 * * * *"}}`),
	}}
	clk := &clock{t: t0}
	s := trigger.New(trigger.Options{Engine: eng, Store: store.NewScaffolderTriggers(db), Now: clk.now})
	for range 3 {
		clk.set(clk.now().Add(time.Hour))
		if err := s.CheckSchedules(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got := eng.requests(); len(got) != 0 {
		t.Errorf("broken template fired: %v", got)
	}
}

func TestTriggerEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		history := func(ref, change string, at time.Time) {
			exec(`INSERT INTO entity_history (entity_ref, entity_uid, changed_at, source, change, diff) VALUES ($1, 'u', $2, 's', $3, '[]')`, ref, at.UnixMilli(), change)
		}
		final := func(id int, ref, body string) {
			exec(`INSERT INTO final_entities (id, entity_id, entity_ref, final_entity, hash, last_updated_at) VALUES ($1, $2, $3, $4, 'h', 0)`, id, ref, ref, body)
		}
		history("component:default/before", "created", t0) // before the cursor starts: never fires
		eng := &fakeEngine{templates: []*scaffolder.Template{
			template(t, "onboard", `{"steps":[],"triggers":[
				{"on":["added"],"entityFilter":{"kind":"component","spec.type":["service","website"]},"values":{"name":"${{ entity.metadata.name }}","fixed":3}},
				{"on":["added","changed"],"entityFilter":[{"metadata.annotations.example.com/team":"blue"}],"values":{"second":true}}
			]}`),
			template(t, "offboard", `{"steps":[],"triggers":[{"on":["removed"],"entityFilter":{"kind":"Component"},"values":{"gone":"${{ entity.metadata.name }}"}}]}`),
		}}
		clk := &clock{t: t0.Add(time.Minute)}
		st := store.NewScaffolderTriggers(db)
		a := trigger.New(trigger.Options{Engine: eng, Store: st, Now: clk.now})
		b := trigger.New(trigger.Options{Engine: eng, Store: st, Now: clk.now})
		check := func() {
			t.Helper()
			var wg sync.WaitGroup
			for _, s := range []*trigger.Scheduler{a, b} {
				wg.Go(func() {
					if err := s.CheckEvents(ctx); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
		}
		check() // starts the cursor after "before"
		final(1, "component:default/api", `{"kind":"Component","metadata":{"name":"api","annotations":{"example.com/team":"blue"}},"spec":{"type":"service"}}`)
		final(2, "component:default/lib", `{"kind":"Component","metadata":{"name":"lib"},"spec":{"type":"library"}}`)
		history("component:default/api", "created", t0.Add(time.Minute))               // 2: onboard (first trigger; the second matches too)
		history("component:default/lib", "created", t0.Add(time.Minute))               // 3: nothing
		history("component:default/api", "updated", t0.Add(time.Minute))               // 4: onboard (second trigger)
		history("component:default/old", "deleted", t0.Add(time.Minute))               // 5: offboard
		history("component:default/api", "updated", t0.Add(time.Minute+4*time.Second)) // 6: too recent yet
		clk.set(t0.Add(time.Minute + 5*time.Second))
		check()
		check()
		want := []scaffolder.CreateRequest{
			{TemplateRef: "template:default/onboard", Values: map[string]any{"name": "api", "fixed": float64(3)}, CreatedBy: trigger.CreatedBy, EntityRef: "component:default/api"},
			{TemplateRef: "template:default/onboard", Values: map[string]any{"second": true}, CreatedBy: trigger.CreatedBy, EntityRef: "component:default/api"},
			{TemplateRef: "template:default/offboard", Values: map[string]any{"gone": "old"}, CreatedBy: trigger.CreatedBy},
		}
		// Two schedulers share the events, so the order the tasks are
		// created in is not fixed; each is created once.
		got := eng.requests()
		byFire := cmpopts.SortSlices(func(x, y scaffolder.CreateRequest) bool {
			return fmt.Sprint(x.TemplateRef, x.Values) < fmt.Sprint(y.TemplateRef, y.Values)
		})
		if diff := cmp.Diff(want, got, byFire); diff != "" {
			t.Errorf("tasks (-want +got):\n%s", diff)
		}
		pos, err := st.Cursor(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if pos != 5 {
			t.Errorf("cursor = %d, want 5 (6 is not settled)", pos)
		}
		clk.set(t0.Add(2 * time.Minute))
		check()
		if got := eng.requests(); len(got) != 4 {
			t.Errorf("after 6 settled: %d tasks, want 4", len(got))
		}
		// Which task number an event got depends on which scheduler
		// won it, so each fire is checked by the values of its task.
		var fires []string
		for _, f := range fireKeys(t, db) {
			fires = append(fires, eng.describeTasks(f))
		}
		if diff := cmp.Diff([]string{
			"template:default/offboard event:5 {map[gone:old]} ",
			"template:default/onboard event:2 {map[fixed:3 name:api]} ",
			"template:default/onboard event:4 {map[second:true]} ",
			"template:default/onboard event:6 {map[second:true]} ",
		}, fires); diff != "" {
			t.Errorf("fires (-want +got):\n%s", diff)
		}
	})
}

func TestTriggerEventsRateLimitRetries(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	st := store.NewScaffolderTriggers(db)
	if _, err := st.Cursor(ctx); err != nil {
		t.Fatal(err)
	}
	for i, ref := range []string{"component:default/a", "component:default/b"} {
		if _, err := db.ExecContext(ctx, `INSERT INTO final_entities (id, entity_id, entity_ref, final_entity, hash, last_updated_at) VALUES ($1, $2, $3, $4, 'h', 0)`,
			i+1, ref, ref, `{"kind":"Component","metadata":{"name":"x"}}`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO entity_history (entity_ref, entity_uid, changed_at, source, change, diff) VALUES ($1, 'u', $2, 's', 'created', '[]')`, ref, t0.UnixMilli()); err != nil {
			t.Fatal(err)
		}
	}
	eng := &fakeEngine{
		templates: []*scaffolder.Template{template(t, "t", `{"steps":[],"triggers":[{"entityFilter":{"kind":"Component"}}]}`)},
		refuse:    []error{&scaffolder.RateLimitError{Limit: 1, RetryAfter: time.Minute}},
	}
	clk := &clock{t: t0.Add(time.Minute)}
	s := trigger.New(trigger.Options{Engine: eng, Store: st, Now: clk.now})
	if err := s.CheckEvents(ctx); err != nil {
		t.Fatal(err)
	}
	if pos, _ := st.Cursor(ctx); pos != 0 || len(eng.requests()) != 0 {
		t.Fatalf("rate limited: cursor %d, %d tasks; want 0, 0", pos, len(eng.requests()))
	}
	if err := s.CheckEvents(ctx); err != nil {
		t.Fatal(err)
	}
	if pos, _ := st.Cursor(ctx); pos != 2 || len(eng.requests()) != 2 {
		t.Fatalf("retried: cursor %d, %d tasks; want 2, 2", pos, len(eng.requests()))
	}
}

// listingEngine counts the template listings of the engine it wraps.
type listingEngine struct {
	*fakeEngine
	listings atomic.Int64
}

func (l *listingEngine) Templates(ctx context.Context) ([]*scaffolder.Template, error) {
	l.listings.Add(1)
	return l.fakeEngine.Templates(ctx)
}

// TestTriggerRunHoldsChecksDuringAFirstLoad checks that Run lists no
// templates while Hold reports the catalog's first load, and that the
// schedule due meanwhile fires once the hold ends.
func TestTriggerRunHoldsChecksDuringAFirstLoad(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		eng := &listingEngine{fakeEngine: &fakeEngine{templates: []*scaffolder.Template{
			template(t, "nightly", `{"steps":[],"schedule":{"cron":"0 6 * * 1-5","timezone":"UTC","values":{"name":"x"}}}`),
		}}}
		clk := &clock{t: t0} // 05:59:30
		var held atomic.Bool
		held.Store(true)
		s := trigger.New(trigger.Options{
			Engine: eng, Store: store.NewScaffolderTriggers(db), Now: clk.now,
			Tick: 5 * time.Millisecond, EventTick: 5 * time.Millisecond,
			Hold: held.Load,
		})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		defer func() {
			cancel()
			if err := <-done; err != nil {
				t.Error(err)
			}
		}()

		time.Sleep(100 * time.Millisecond) // twenty ticks of each kind
		if n := eng.listings.Load(); n != 0 {
			t.Fatalf("templates listed %d times while held", n)
		}
		// The load took past 06:00: the first check must still see the
		// fire that fell due during the hold.
		clk.set(t0.Add(2 * time.Minute))
		held.Store(false)
		deadline := time.Now().Add(10 * time.Second)
		for len(eng.requests()) == 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		want := []scaffolder.CreateRequest{{TemplateRef: "template:default/nightly", Values: map[string]any{"name": "x"}, CreatedBy: trigger.CreatedBy}}
		if diff := cmp.Diff(want, eng.requests()); diff != "" {
			t.Errorf("tasks after the hold (-want +got):\n%s", diff)
		}
	})
}
