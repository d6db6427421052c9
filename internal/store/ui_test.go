package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

// uiExec runs statements with $n placeholders on either database.
func uiExec(t *testing.T, db *store.DB, query string, args ...any) {
	t.Helper()
	if db.Dialect == store.SQLite {
		// The fixtures use each placeholder once, in order.
		for i := len(args); i >= 1; i-- {
			query = strings.ReplaceAll(query, fmt.Sprintf("$%d", i), "?")
		}
	}
	if _, err := db.ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func TestUIStars(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := store.NewUI(db)
		t0 := time.UnixMilli(1_700_000_000_000)
		for i, ref := range []string{"component:default/a", "API:default/B", "component:default/c"} {
			if err := u.SetStar(ctx, "user:default/Jane", ref, true, t0.Add(time.Duration(i)*time.Second)); err != nil {
				t.Fatal(err)
			}
		}
		// Starring again keeps the first time, so the order holds.
		if err := u.SetStar(ctx, "user:default/jane", "component:default/a", true, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := u.SetStar(ctx, "user:default/jane", "component:default/c", false, t0); err != nil {
			t.Fatal(err)
		}
		if err := u.SetStar(ctx, "user:default/jane", "component:default/never", false, t0); err != nil {
			t.Fatal(err)
		}
		if err := u.SetStar(ctx, "user:default/other", "component:default/z", true, t0); err != nil {
			t.Fatal(err)
		}
		got, err := u.Stars(ctx, "user:default/jane", 10)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"api:default/b", "component:default/a"}, got); diff != "" {
			t.Errorf("stars (-want +got):\n%s", diff)
		}
		if got, _ := u.Stars(ctx, "user:default/jane", 1); len(got) != 1 {
			t.Errorf("limit 1 gave %v", got)
		}
		for ref, want := range map[string]bool{"component:default/A": true, "component:default/c": false, "component:default/z": false} {
			on, err := u.IsStarred(ctx, "user:default/jane", ref)
			if err != nil || on != want {
				t.Errorf("IsStarred(%s) = %v, %v; want %v", ref, on, err, want)
			}
		}
	})
}

func TestUIRecentChangesAndFailedCount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for i, ref := range []string{"component:default/a", "component:default/b", "component:default/a"} {
			change := "created"
			if i == 2 {
				change = "updated"
			}
			uiExec(t, db, `INSERT INTO entity_history (entity_ref, entity_uid, changed_at, source, change, diff) VALUES ($1, $2, $3, $4, $5, $6)`,
				ref, "uid-"+ref, int64(1_700_000_000_000+i), "file:/x.yaml", change, "[]")
		}
		for i, errs := range []string{"", "[]", `[{"name":"InputError","message":"bad"}]`, `[{"name":"Error","message":"worse"}]`} {
			uiExec(t, db, `INSERT INTO refresh_state (entity_id, entity_ref, unprocessed_entity, unprocessed_hash, errors, last_discovery_at)
				VALUES ($1, $2, $3, $4, $5, $6)`, fmt.Sprintf("id-%d", i), fmt.Sprintf("component:default/e%d", i), "{}", "h", errs, 0)
		}
		u := store.NewUI(db)
		got, err := u.RecentChanges(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		var summary []string
		for _, h := range got {
			summary = append(summary, h.EntityRef+" "+h.Change+" "+h.ChangedAt.Format(time.RFC3339Nano))
		}
		want := []string{"component:default/a updated 2023-11-14T22:13:20.002Z", "component:default/b created 2023-11-14T22:13:20.001Z"}
		if diff := cmp.Diff(want, summary); diff != "" {
			t.Errorf("recent changes (-want +got):\n%s", diff)
		}
		n, err := u.FailedCount(ctx)
		if err != nil || n != 2 {
			t.Errorf("FailedCount = %d, %v; want 2", n, err)
		}
	})
}

func TestUIUnresolvedOwners(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		final := func(id int, ref string) {
			uiExec(t, db, `INSERT INTO final_entities (id, entity_id, entity_ref, final_entity, hash, last_updated_at) VALUES ($1, $2, $3, $4, $5, $6)`,
				id, fmt.Sprintf("uid-%d", id), ref, "{}", "h", 0)
		}
		rel := func(source, typ, target string) {
			uiExec(t, db, `INSERT INTO relations (originating_id, source_entity_ref, type, target_entity_ref) VALUES ($1, $2, $3, $4)`,
				1, source, typ, target)
		}
		final(1, "group:default/team-a")
		final(2, "component:default/c1")
		rel("component:default/c1", "ownedBy", "group:default/team-a")
		rel("component:default/c2", "ownedBy", "group:default/ghosts")
		rel("component:default/c3", "ownedBy", "group:default/ghosts")
		rel("component:default/c4", "ownedBy", "user:default/nobody")
		// Other relation types to missing entities do not count.
		rel("component:default/c1", "dependsOn", "component:default/missing")
		rel("group:default/team-a", "ownerOf", "component:default/zzz")

		u := store.NewUI(db)
		got, err := u.UnresolvedOwners(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"group:default/ghosts", "user:default/nobody"}, got); diff != "" {
			t.Errorf("unresolved owners (-want +got):\n%s", diff)
		}
		// The answer is cached until the generation moves.
		final(3, "group:default/ghosts")
		if got, _ := u.UnresolvedOwners(ctx, 10); len(got) != 2 {
			t.Errorf("cached answer changed without a new generation: %v", got)
		}
		uiExec(t, db, `UPDATE catalog_state SET generation = generation + 1 WHERE id = 1`)
		got, err = u.UnresolvedOwners(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"user:default/nobody"}, got); diff != "" {
			t.Errorf("after the owner appeared (-want +got):\n%s", diff)
		}
		rel("component:default/c5", "ownedBy", "group:default/also-missing")
		uiExec(t, db, `UPDATE catalog_state SET generation = generation + 1 WHERE id = 1`)
		if got, _ := u.UnresolvedOwners(ctx, 1); len(got) != 1 || got[0] != "group:default/also-missing" {
			t.Errorf("limit 1 gave %v", got)
		}
	})
}

// TestUIQueriesUseTheirIndexes checks SQLite's plans: the health counts
// must not scan the tables they read.
func TestUIQueriesUseTheirIndexes(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	for _, tt := range []struct{ query, want string }{
		{`SELECT count(*) FROM refresh_state WHERE errors NOT IN ('', '[]')`, "refresh_state_failed"},
		{`SELECT min(target_entity_ref) FROM relations WHERE type = 'ownedBy' AND target_entity_ref > 'x'`, "relations_type_target"},
		{`SELECT entity_ref FROM stars WHERE user_ref = 'u' ORDER BY created_at DESC, entity_ref LIMIT 5`, "sqlite_autoindex_stars_1"},
	} {
		rows, err := db.Query("EXPLAIN QUERY PLAN " + tt.query)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		text := strings.Join(plan, "; ")
		fullScan := false
		for _, step := range plan {
			fullScan = fullScan || strings.HasPrefix(step, "SCAN ") && !strings.Contains(step, "INDEX")
		}
		if !strings.Contains(text, tt.want) || fullScan {
			t.Errorf("%s\nplan: %s\nwant it to use %s", tt.query, text, tt.want)
		}
	}
}
