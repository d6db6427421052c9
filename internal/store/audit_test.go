package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

func TestAuditStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := store.NewAudit(db)
		base := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
		events := []audit.Event{
			{Time: base, ActorRef: "user:default/jane", ActorKind: "user", Action: "catalog.location.create", Target: "url:https://x/a.yaml",
				Outcome: audit.OutcomeSucceeded, Rule: "(default: signed-in users)", IP: "10.0.0.1", UserAgent: "curl/8",
				After: json.RawMessage(`{"id":"l1","target":"https://x/a.yaml"}`)},
			{Time: base.Add(time.Minute), ActorRef: "user:default/bob", ActorKind: "user", Action: "catalog.entity.delete", Target: "component:default/x",
				Outcome: audit.OutcomeDenied, Rule: "owners", Details: json.RawMessage(`{"uid":"u-1"}`)},
			{Time: base.Add(2 * time.Minute), ActorRef: "user:default/jane", ActorKind: "user", Action: "catalog.location.delete", Target: "l1",
				Outcome: audit.OutcomeSucceeded, Before: json.RawMessage(`{"id":"l1"}`)},
			{Time: base.Add(24 * time.Hour), ActorRef: "callboard", ActorKind: "system", Action: "permission.policy.change", Target: "permission",
				Outcome: audit.OutcomeSucceeded, After: json.RawMessage(`{"enabled":true}`)},
		}
		for i := range events {
			id, err := a.AppendEvent(ctx, events[i])
			if err != nil {
				t.Fatal(err)
			}
			events[i].ID = id
		}
		if events[0].ID <= 0 || events[3].ID <= events[2].ID {
			t.Fatalf("ids %d..%d", events[0].ID, events[3].ID)
		}
		ids := func(es []audit.Event) []int64 {
			out := []int64{}
			for _, e := range es {
				out = append(out, e.ID)
			}
			return out
		}
		id := func(i int) int64 { return events[i].ID }

		all, err := a.Events(ctx, audit.EventQuery{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]audit.Event{events[3], events[2], events[1], events[0]}, all); diff != "" {
			t.Errorf("read back (-want +got):\n%s", diff)
		}
		for _, tc := range []struct {
			name string
			q    audit.EventQuery
			want []int64
		}{
			{"actor", audit.EventQuery{Filter: audit.Filter{Actor: "user:default/jane"}, Limit: 10}, []int64{id(2), id(0)}},
			{"action", audit.EventQuery{Filter: audit.Filter{Action: "catalog.entity.delete"}, Limit: 10}, []int64{id(1)}},
			{"action prefix", audit.EventQuery{Filter: audit.Filter{Action: "catalog.location.*"}, Limit: 10}, []int64{id(2), id(0)}},
			{"bare star", audit.EventQuery{Filter: audit.Filter{Action: "*"}, Limit: 10}, []int64{id(3), id(2), id(1), id(0)}},
			{"target", audit.EventQuery{Filter: audit.Filter{Target: "l1"}, Limit: 10}, []int64{id(2)}},
			{"time range", audit.EventQuery{Filter: audit.Filter{From: base.Add(time.Minute), To: base.Add(2 * time.Minute)}, Limit: 10}, []int64{id(1)}},
			{"keyset", audit.EventQuery{BeforeID: id(2), Limit: 1}, []int64{id(1)}},
			{"limit", audit.EventQuery{Limit: 2}, []int64{id(3), id(2)}},
		} {
			got, err := a.Events(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, ids(got)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.name, diff)
			}
		}

		var scanned []int64
		if err := a.ScanEvents(ctx, base, base.Add(time.Hour), func(e audit.Event) error {
			scanned = append(scanned, e.ID)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]int64{id(0), id(1), id(2)}, scanned); diff != "" {
			t.Errorf("scan (-want +got):\n%s", diff)
		}

		last, err := a.LastEvent(ctx, "permission.policy.change", "permission")
		if err != nil || last == nil || last.ID != id(3) {
			t.Errorf("last event: %v %+v", err, last)
		}
		if none, err := a.LastEvent(ctx, "nothing", ""); err != nil || none != nil {
			t.Errorf("last of nothing: %v %+v", err, none)
		}

		// The table refuses changes whatever the statement.
		for _, stmt := range []string{
			`UPDATE audit_events SET outcome = 'allowed'`,
			`DELETE FROM audit_events`,
		} {
			if _, err := db.ExecContext(ctx, stmt); err == nil {
				t.Errorf("%s succeeded", stmt)
			}
		}
		if db.Dialect == store.Postgres {
			if _, err := db.ExecContext(ctx, `TRUNCATE audit_events`); err == nil {
				t.Error("TRUNCATE succeeded")
			}
		}
		if n := auditRowCount(t, db, `SELECT count(*) FROM audit_events`); n != 4 {
			t.Errorf("%d events after the refused changes, want 4", n)
		}
	})
}

func TestAuditStoreScanBatches(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	a := store.NewAudit(db)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 2500 // more than two batches
	for i := range n {
		if _, err := a.AppendEvent(ctx, audit.Event{Time: at.Add(time.Duration(i) * time.Millisecond), Action: "x", Outcome: audit.OutcomeSucceeded}); err != nil {
			t.Fatal(err)
		}
	}
	count, prev := 0, int64(0)
	if err := a.ScanEvents(ctx, time.Time{}, time.Time{}, func(e audit.Event) error {
		if e.ID <= prev {
			t.Fatalf("id %d after %d", e.ID, prev)
		}
		prev = e.ID
		count++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if count != n {
		t.Errorf("scanned %d events, want %d", count, n)
	}
}

func auditRowCount(t *testing.T, db *store.DB, q string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
