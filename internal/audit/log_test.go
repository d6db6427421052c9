package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

// clock is a settable time source.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newLog(t *testing.T, db *store.DB, c *clock, sinks ...audit.Sink) *audit.Log {
	t.Helper()
	l, err := audit.New(audit.Options{
		Store: store.NewAudit(db),
		Actor: func(ctx context.Context) audit.Actor {
			if ref, ok := ctx.Value(actorKey{}).(string); ok {
				return audit.Actor{Ref: ref, Kind: "user"}
			}
			return audit.Actor{Kind: audit.ActorAnonymous}
		},
		Sinks: sinks,
		Now:   c.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

type actorKey struct{}

func asUser(ctx context.Context, ref string) context.Context {
	return context.WithValue(ctx, actorKey{}, ref)
}

func TestRecordAndPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := &clock{t: time.Date(2026, 11, 20, 9, 30, 0, 123456789, time.FixedZone("x", 3600))}
		l := newLog(t, db, c)
		ctx := audit.WithRequest(asUser(context.Background(), "user:default/jane"), audit.Request{IP: "192.0.2.7", UserAgent: "curl/8.5"})
		for i := range 5 {
			c.t = c.t.Add(time.Second)
			if err := l.Record(ctx, audit.Event{Action: "catalog.location.create", Target: strings.Repeat("x", i+1), Outcome: audit.OutcomeSucceeded,
				After: json.RawMessage(`{"n":` + string(rune('0'+i)) + `}`)}); err != nil {
				t.Fatal(err)
			}
		}
		var targets []string
		cursor := ""
		for range 5 {
			page, err := l.Events(context.Background(), audit.Filter{Actor: "user:default/jane"}, cursor, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Items {
				targets = append(targets, e.Target)
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if diff := cmp.Diff([]string{"xxxxx", "xxxx", "xxx", "xx", "x"}, targets); diff != "" {
			t.Errorf("pages (-want +got):\n%s", diff)
		}
		page, err := l.Events(context.Background(), audit.Filter{}, "", 1)
		if err != nil {
			t.Fatal(err)
		}
		want := audit.Event{
			Time: time.Date(2026, 11, 20, 8, 30, 5, 123000000, time.UTC), ActorRef: "user:default/jane", ActorKind: "user",
			Action: "catalog.location.create", Target: "xxxxx", Outcome: audit.OutcomeSucceeded, IP: "192.0.2.7", UserAgent: "curl/8.5",
			After: json.RawMessage(`{"n":4}`),
		}
		if diff := cmp.Diff(want, page.Items[0], cmpopts.IgnoreFields(audit.Event{}, "ID")); diff != "" {
			t.Errorf("event (-want +got):\n%s", diff)
		}

		// Bad input.
		if _, err := l.Events(context.Background(), audit.Filter{}, "nonsense", 0); !problem.Is(err, problem.InputError) {
			t.Errorf("bad cursor: %v", err)
		}
		if _, err := l.Events(context.Background(), audit.Filter{}, "", audit.MaxLimit+1); !problem.Is(err, problem.InputError) {
			t.Errorf("big limit: %v", err)
		}
		if err := l.Record(ctx, audit.Event{Action: "x", Outcome: "maybe"}); err == nil {
			t.Error("an invalid outcome was recorded")
		}
		if err := l.Record(ctx, audit.Event{Action: "x", Outcome: audit.OutcomeFailed, Details: json.RawMessage(`{`)}); err == nil {
			t.Error("invalid JSON was recorded")
		}
	})
}

func TestExport(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	c := &clock{t: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	l := newLog(t, db, c)
	for i := range 3 {
		c.t = c.t.Add(24 * time.Hour)
		if err := l.Record(context.Background(), audit.Event{Action: "a", Target: string(rune('a' + i)), Outcome: audit.OutcomeSucceeded}); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := l.Export(context.Background(), time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC), time.Time{}, &buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("export:\n%s", buf.String())
	}
	for i, want := range []string{"b", "c"} {
		var e audit.Event
		if err := json.Unmarshal([]byte(lines[i]), &e); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if e.Target != want || e.ActorKind != audit.ActorAnonymous {
			t.Errorf("line %d: %+v", i, e)
		}
	}
}

func TestRecordChange(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	l := newLog(t, db, &clock{t: time.Now()})
	ctx := context.Background()
	steps := []struct {
		value any
		want  bool
	}{
		{map[string]any{"enabled": true}, true},
		{map[string]any{"enabled": true}, false},
		{map[string]any{"enabled": false}, true},
	}
	for i, s := range steps {
		got, err := l.RecordChange(ctx, "permission.policy.change", "permission", s.value)
		if err != nil || got != s.want {
			t.Fatalf("step %d: %v, %v", i, got, err)
		}
	}
	page, err := l.Events(ctx, audit.Filter{Action: "permission.policy.change"}, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 2 || string(page.Items[0].Before) != `{"enabled":true}` || string(page.Items[0].After) != `{"enabled":false}` ||
		page.Items[0].ActorKind != audit.ActorSystem {
		t.Errorf("changes: %+v", page.Items)
	}
}

func TestMiddleware(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	l := newLog(t, db, &clock{t: time.Now()})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /tokens", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })
	mux.HandleFunc("DELETE /tokens/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) })
	mux.HandleFunc("POST /broken", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadRequest) })
	mux.HandleFunc("POST /self", func(w http.ResponseWriter, r *http.Request) {
		audit.Handled(r.Context())
		if err := l.Record(r.Context(), audit.Event{Action: "self.write", Outcome: audit.OutcomeSucceeded}); err != nil {
			t.Error(err)
		}
	})
	mux.HandleFunc("GET /read", func(w http.ResponseWriter, r *http.Request) {})
	h := l.Middleware(mux)
	for _, rq := range []struct{ method, path string }{
		{"POST", "/tokens"}, {"DELETE", "/tokens/7"}, {"POST", "/broken"}, {"POST", "/self"}, {"GET", "/read"},
	} {
		req := httptest.NewRequest(rq.method, rq.path, nil)
		req.RemoteAddr = "198.51.100.4:5555"
		req.Header.Set("User-Agent", "test-agent")
		h.ServeHTTP(httptest.NewRecorder(), req.WithContext(asUser(req.Context(), "user:default/jane")))
	}
	page, err := l.Events(context.Background(), audit.Filter{}, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ Action, Target, Outcome, Details, IP, UA, Actor string }
	var got []row
	for _, e := range page.Items {
		got = append(got, row{e.Action, e.Target, string(e.Outcome), string(e.Details), e.IP, e.UserAgent, e.ActorRef})
	}
	want := []row{
		{"self.write", "", "succeeded", "", "198.51.100.4", "test-agent", "user:default/jane"},
		{"http.post", "/broken", "failed", `{"status":400}`, "198.51.100.4", "test-agent", "user:default/jane"},
		{"http.delete", "/tokens/7", "denied", `{"status":403}`, "198.51.100.4", "test-agent", "user:default/jane"},
		{"http.post", "/tokens", "succeeded", `{"status":201}`, "198.51.100.4", "test-agent", "user:default/jane"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestClientIPHeader(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	l, err := audit.New(audit.Options{Store: store.NewAudit(db), ClientIPHeader: "X-Forwarded-For"})
	if err != nil {
		t.Fatal(err)
	}
	var seen audit.Request
	h := l.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen, _ = audit.RequestFrom(r.Context()) }))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Forwarded-For", " 203.0.113.9 , 10.0.0.1")
	h.ServeHTTP(httptest.NewRecorder(), req)
	if seen.IP != "203.0.113.9" {
		t.Errorf("ip = %q", seen.IP)
	}
}
