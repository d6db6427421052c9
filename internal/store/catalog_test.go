package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog"
)

var _ catalog.EngineStore = (*Catalog)(nil)

// eachCatalog runs fn on a fresh migrated database per dialect: SQLite,
// and PostgreSQL when CALLBOARD_TEST_POSTGRES is set. (Tests inside the
// store package cannot use storetest, which imports it.)
func eachCatalog(t *testing.T, fn func(t *testing.T, c *Catalog)) {
	t.Helper()
	dialects := []Dialect{SQLite}
	if os.Getenv("CALLBOARD_TEST_POSTGRES") != "" {
		dialects = append(dialects, Postgres)
	}
	for _, d := range dialects {
		t.Run(string(d), func(t *testing.T) {
			db := catalogTestDB(t, d)
			c := NewCatalog(db)
			t.Cleanup(func() { c.Close() })
			fn(t, c)
		})
	}
}

func catalogTestDB(t *testing.T, d Dialect) *DB {
	t.Helper()
	ctx := context.Background()
	o := Options{Dialect: d, DSN: filepath.Join(t.TempDir(), "catalog.db")}
	if d == Postgres {
		base := os.Getenv("CALLBOARD_TEST_POSTGRES")
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		name := fmt.Sprintf("cbcatalog_%d", rand.Uint64())
		if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if a, err := sql.Open("pgx", base); err == nil {
				a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
				a.Close()
			}
		})
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + name
		o.DSN = u.String()
	}
	db, err := Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestBindRewritesParametersForSQLite(t *testing.T) {
	sqlite := &DB{Dialect: SQLite}
	tests := []struct {
		query, want string
		args, out   []any
	}{
		{`SELECT $1, $2`, `SELECT ?, ?`, []any{1, 2}, []any{1, 2}},
		{`VALUES ($2, $1, $1), ($3, $1, $1)`, `VALUES (?, ?, ?), (?, ?, ?)`, []any{"n", "a", "b"}, []any{"a", "n", "n", "b", "n", "n"}},
		{`SELECT '$1', $10`, `SELECT '$1', ?`, []any{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, []any{10}},
		{`SELECT 'it''s $1', $1`, `SELECT 'it''s $1', ?`, []any{"x"}, []any{"x"}},
		{`SELECT $`, `SELECT $`, nil, []any{}},
	}
	for _, tt := range tests {
		q, args := bind(sqlite, tt.query, tt.args)
		if q != tt.want {
			t.Errorf("bind(%q) = %q, want %q", tt.query, q, tt.want)
		}
		if diff := cmp.Diff(tt.out, args); diff != "" {
			t.Errorf("bind(%q) arguments (-want +got):\n%s", tt.query, diff)
		}
	}
	pg := &DB{Dialect: Postgres}
	if q, args := bind(pg, `SELECT $2, $1`, []any{1, 2}); q != `SELECT $2, $1` || len(args) != 2 {
		t.Errorf("bind changed a PostgreSQL statement: %q %v", q, args)
	}
}

// FuzzBind checks that every "$N" outside quotes becomes one "?" with one
// argument, whatever the text.
func FuzzBind(f *testing.F) {
	f.Add(`SELECT $1, '$2', $3 FROM t WHERE x = 'a''b'`)
	f.Add(`$$$1$`)
	f.Add(``)
	f.Fuzz(func(t *testing.T, q string) {
		if strings.ContainsRune(q, '?') || !strings.ContainsRune(q, '$') {
			return
		}
		out, got := bind(&DB{Dialect: SQLite}, q, []any{1, 2, 3})
		n, quoted := 0, false
		for i := 0; i < len(out); i++ {
			switch {
			case out[i] == '\'':
				quoted = !quoted
			case out[i] == '?' && !quoted:
				n++
			}
		}
		if n != len(got) {
			t.Errorf("bind(%q) = %q with %d arguments for %d placeholders", q, out, len(got), n)
		}
	})
}

func entityJSON(name string) catalog.UnprocessedEntity {
	js := `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"` + name + `"}}`
	return catalog.UnprocessedEntity{Ref: "component:default/" + name, JSON: js, Hash: "h-" + name, LocationKey: "k"}
}

func TestClaimsAreExclusiveAndLeased(t *testing.T) {
	eachCatalog(t, func(t *testing.T, c *Catalog) {
		ctx := context.Background()
		now := time.UnixMilli(1_800_000_000_000)
		var ups []catalog.UnprocessedEntity
		for _, n := range []string{"a", "b", "c", "d", "e"} {
			ups = append(ups, entityJSON(n))
		}
		if _, err := c.ApplyMutation(ctx, catalog.StoreMutation{SourceKey: "p", Full: true, Upserts: ups, Now: now}); err != nil {
			t.Fatal(err)
		}
		claim := func(limit int) []catalog.ProcessingItem {
			items, err := c.ClaimProcessing(ctx, catalog.ProcessingClaim{
				Now: now, Limit: limit, NextUpdateAt: now.Add(time.Hour), LeaseUntil: now.Add(time.Minute)})
			if err != nil {
				t.Fatal(err)
			}
			return items
		}
		first, second := claim(3), claim(3)
		if len(first) != 3 || len(second) != 2 {
			t.Fatalf("claimed %d then %d, want 3 then 2", len(first), len(second))
		}
		seen := map[string]bool{}
		for _, it := range append(first, second...) {
			if seen[it.Ref] {
				t.Errorf("%s claimed twice", it.Ref)
			}
			seen[it.Ref] = true
			if it.Unprocessed == nil || it.UID == "" {
				t.Errorf("claimed item %+v lacks its data", it)
			}
		}
		if got := claim(10); len(got) != 0 {
			t.Errorf("claimed %d entities that are not due", len(got))
		}
		// A refresh during processing makes an entity due, but its lease
		// keeps it from being claimed until its result is written.
		if found, err := c.ScheduleRefresh(ctx, first[0].Ref, now); err != nil || !found {
			t.Fatalf("ScheduleRefresh = %v, %v", found, err)
		}
		if got := claim(10); len(got) != 0 {
			t.Errorf("claimed %v while it was leased", got)
		}
		if pending, err := c.PendingWork(ctx, now, true); err != nil || !pending {
			t.Errorf("PendingWork = %v, %v; want pending", pending, err)
		}
		ids := []int64{first[0].ID, first[1].ID, first[2].ID}
		if _, err := c.WriteProcessing(ctx, &catalog.ProcessingBatch{Now: now, StitchAt: now, Unchanged: ids}); err != nil {
			t.Fatal(err)
		}
		got := claim(10)
		if len(got) != 1 || got[0].Ref != first[0].Ref {
			t.Errorf("after release claimed %v, want only the refreshed %s", got, first[0].Ref)
		}
	})
}

func TestStitchTicketVoidsStaleWrites(t *testing.T) {
	eachCatalog(t, func(t *testing.T, c *Catalog) {
		ctx := context.Background()
		now := time.UnixMilli(1_800_000_000_000)
		if _, err := c.ApplyMutation(ctx, catalog.StoreMutation{SourceKey: "p", Full: true,
			Upserts: []catalog.UnprocessedEntity{entityJSON("a"), entityJSON("b")}, Now: now}); err != nil {
			t.Fatal(err)
		}
		items, err := c.ClaimProcessing(ctx, catalog.ProcessingClaim{Now: now, Limit: 10, NextUpdateAt: now.Add(time.Hour), LeaseUntil: now.Add(time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		batch := &catalog.ProcessingBatch{Now: now, StitchAt: now}
		for _, it := range items {
			batch.Rows = append(batch.Rows, catalog.ProcessedRow{ID: it.ID, Ref: it.Ref, Changed: true, OK: true,
				ResultHash: "r", Processed: string(it.Unprocessed)})
		}
		if _, err := c.WriteProcessing(ctx, batch); err != nil {
			t.Fatal(err)
		}
		tickets, err := c.ClaimStitching(ctx, catalog.StitchClaim{Now: now, Limit: 10, LeaseUntil: now.Add(time.Minute)})
		if err != nil || len(tickets) != 2 {
			t.Fatalf("ClaimStitching = %v, %v", tickets, err)
		}
		// b is marked again while the stitch is in progress.
		if err := c.write(ctx, func(tx *wtx) error {
			return markForStitching(ctx, tx, []string{"component:default/b"}, now)
		}); err != nil {
			t.Fatal(err)
		}
		sources, err := c.StitchSources(ctx, []string{"component:default/a", "component:default/b"})
		if err != nil {
			t.Fatal(err)
		}
		var finals []catalog.FinalEntity
		var search []catalog.SearchInsert
		for _, s := range sources {
			if s.ID == 0 || s.Processed == nil || !s.Referenced {
				t.Fatalf("stitch source %+v", s)
			}
			name := strings.TrimPrefix(s.Ref, "component:default/")
			row := catalog.SearchRow{Key: "metadata.name", Value: &name}
			finals = append(finals, catalog.FinalEntity{ID: s.ID, UID: s.UID, Ref: s.Ref, JSON: string(s.Processed), Hash: "h", Etag: "h",
				SearchInsert: []catalog.SearchRow{row},
				History:      catalog.HistoryRow{Source: "k", Change: "created", NewEtag: "h", Diff: "[]"}})
			search = append(search, catalog.SearchInsert{ID: s.ID, Row: row})
		}
		catalog.SortSearchInserts(search)
		n, err := c.WriteStitching(ctx, &catalog.StitchBatch{Now: now, Tickets: tickets, Finals: finals, Search: search})
		if err != nil || n != 1 {
			t.Fatalf("WriteStitching = %d, %v; want 1 (b's ticket is stale)", n, err)
		}
		// The batch's sorted search rows are written only for a.
		if diff := cmp.Diff([]string{"a"}, stringColumn(t, c.db, `SELECT value FROM search ORDER BY value`)); diff != "" {
			t.Errorf("search rows (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"component:default/a"}, stringColumn(t, c.db, `SELECT entity_ref FROM final_entities ORDER BY entity_ref`)); diff != "" {
			t.Errorf("final entities (-want +got):\n%s", diff)
		}
		again, err := c.ClaimStitching(ctx, catalog.StitchClaim{Now: now, Limit: 10, LeaseUntil: now.Add(time.Minute)})
		if err != nil || len(again) != 1 || again[0].Ref != "component:default/b" {
			t.Errorf("re-marked entry not claimable again: %v, %v", again, err)
		}
	})
}

func TestMutationConflictsAndUnchangedInput(t *testing.T) {
	eachCatalog(t, func(t *testing.T, c *Catalog) {
		ctx := context.Background()
		now := time.UnixMilli(1_800_000_000_000)
		a := entityJSON("a")
		out, err := c.ApplyMutation(ctx, catalog.StoreMutation{SourceKey: "p1", Full: true, Upserts: []catalog.UnprocessedEntity{a}, Now: now})
		if err != nil || out.Inserted != 1 {
			t.Fatalf("first mutation: %+v, %v", out, err)
		}
		out, err = c.ApplyMutation(ctx, catalog.StoreMutation{SourceKey: "p1", Full: true, Upserts: []catalog.UnprocessedEntity{a}, Now: now})
		if err != nil || out.Inserted+out.Updated+out.Deleted != 0 || len(out.Conflicts) != 0 {
			t.Errorf("unchanged mutation: %+v, %v", out, err)
		}
		other := a
		other.LocationKey, other.Hash = "k2", "h2"
		out, err = c.ApplyMutation(ctx, catalog.StoreMutation{SourceKey: "p2", Upserts: []catalog.UnprocessedEntity{other}, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		want := []catalog.Conflict{{Ref: a.Ref, ExistingKey: "k", NewKey: "k2"}}
		if diff := cmp.Diff(want, out.Conflicts); diff != "" {
			t.Errorf("conflicts (-want +got):\n%s", diff)
		}
		var hash string
		if err := c.db.QueryRowContext(ctx, `SELECT unprocessed_hash FROM refresh_state WHERE entity_ref = $1`, a.Ref).Scan(&hash); err != nil || hash != a.Hash {
			t.Errorf("stored hash %q, %v; the conflicting write must not land", hash, err)
		}
	})
}

// stringColumn returns the one text column query selects.
func stringColumn(t *testing.T, db queryer, query string) []string {
	t.Helper()
	var out []string
	if err := queryRows(context.Background(), db, query, nil, func(r *sql.Rows) error {
		var s string
		if err := r.Scan(&s); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// While the engine has stitched nothing (ProcessingBatch.OwnMarks), a
// SQLite processing write queues only its own entities: the source of a
// relation it adds, processed before, waits in the queue already. Once an
// entity has been stitched, or on PostgreSQL, the source is queued again.
func TestProcessingOwnMarks(t *testing.T) {
	eachCatalog(t, func(t *testing.T, c *Catalog) {
		ctx := context.Background()
		now := time.UnixMilli(1_800_000_000_000)
		if _, err := c.ApplyMutation(ctx, catalog.StoreMutation{SourceKey: "p", Full: true,
			Upserts: []catalog.UnprocessedEntity{entityJSON("a"), entityJSON("b"), entityJSON("c")}, Now: now}); err != nil {
			t.Fatal(err)
		}
		items, err := c.ClaimProcessing(ctx, catalog.ProcessingClaim{Now: now, Limit: 10, NextUpdateAt: now.Add(time.Hour), LeaseUntil: now.Add(time.Minute)})
		if err != nil || len(items) != 3 {
			t.Fatalf("ClaimProcessing = %v, %v", items, err)
		}
		byRef := map[string]catalog.ProcessingItem{}
		for _, it := range items {
			byRef[strings.TrimPrefix(it.Ref, "component:default/")] = it
		}
		own := func() bool { return true }
		process := func(name string, rels ...catalog.RelationRow) {
			t.Helper()
			it := byRef[name]
			row := catalog.ProcessedRow{ID: it.ID, Ref: it.Ref, Changed: true, OK: true, ResultHash: "r", Processed: string(it.Unprocessed), Relations: rels}
			if _, err := c.WriteProcessing(ctx, &catalog.ProcessingBatch{Now: now, StitchAt: now, OwnMarks: own, Rows: []catalog.ProcessedRow{row}}); err != nil {
				t.Fatal(err)
			}
		}
		ticket := func(name string) string {
			t.Helper()
			var tk string
			if err := c.db.QueryRowContext(ctx, `SELECT ticket FROM stitch_queue WHERE entity_ref = $1`, "component:default/"+name).Scan(&tk); err != nil {
				t.Fatalf("%s not queued: %v", name, err)
			}
			return tk
		}
		process("a")
		before := ticket("a")
		process("b", catalog.RelationRow{Source: "component:default/b", Type: "dependsOn", Target: "component:default/a"},
			catalog.RelationRow{Source: "component:default/a", Type: "dependencyOf", Target: "component:default/b"})
		ticket("b")
		if requeued := ticket("a") != before; requeued != (c.db.Dialect == Postgres) {
			t.Errorf("a queued again by b's relation: %v on %s", requeued, c.db.Dialect)
		}

		// Once an entity was stitched, every source is queued again.
		if _, err := c.db.ExecContext(ctx, `INSERT INTO final_entities (id, entity_id, entity_ref, final_entity, hash, last_updated_at)
			VALUES (999, 'uid-999', 'component:default/x', '{}', 'h', 0)`); err != nil {
			t.Fatal(err)
		}
		before = ticket("a")
		process("c", catalog.RelationRow{Source: "component:default/a", Type: "dependencyOf", Target: "component:default/c"})
		if ticket("a") == before {
			t.Error("a not queued again by c's relation after an entity was stitched")
		}
	})
}

// TestShortStatementsArePreparedOnceTheyRepeat checks the admission of
// statements shorter than a full chunk: the first run of a text goes
// unprepared, the second prepares it, and no more than maxPartialStmts
// are kept, while full chunks are always prepared.
func TestShortStatementsArePreparedOnceTheyRepeat(t *testing.T) {
	eachCatalog(t, func(t *testing.T, c *Catalog) {
		ctx := context.Background()
		prepared := func(query string, full bool) bool {
			t.Helper()
			var got *sql.Stmt
			err := c.write(ctx, func(tx *wtx) error {
				var err error
				got, err = chunkStmt(ctx, tx, query, full)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return got != nil
		}
		if prepared("SELECT 1", false) {
			t.Error("a short statement met for the first time was prepared")
		}
		for range 2 {
			if !prepared("SELECT 1", false) {
				t.Error("a short statement met again was not prepared")
			}
		}
		if !prepared("SELECT 2", true) {
			t.Error("a full chunk was not prepared")
		}
		for i := range maxPartialStmts + 5 {
			q := fmt.Sprintf("SELECT %d", 100+i)
			prepared(q, false)
			prepared(q, false)
		}
		if c.partials != maxPartialStmts {
			t.Errorf("%d short statements kept prepared, want the bound %d", c.partials, maxPartialStmts)
		}
		var outside *sql.Stmt
		var err error
		if outside, err = chunkStmt(ctx, c.db, "SELECT 1", true); err != nil || outside != nil {
			t.Errorf("outside a write transaction: %v, %v; want no statement", outside, err)
		}
	})
}

// TestChunkTextsMatchBind checks that the cached texts of chunked
// statements, and their argument order on SQLite, are what bind gives
// for the statement built afresh, on the first use and the cached one.
func TestChunkTextsMatchBind(t *testing.T) {
	sqliteTx := &wtx{Tx: &Tx{Dialect: SQLite}}
	postgresTx := &wtx{Tx: &Tx{Dialect: Postgres}}
	v := valuesStmt{head: `INSERT INTO t (a, b, c, at)`, tail: ` ON CONFLICT (a) DO UPDATE SET at = $1`,
		fixed: []any{int64(7)}, cols: []string{"", "TEXT", ""}, rowExtra: ", $1"}
	in := inList{head: `SELECT x FROM t WHERE y = $1 AND z IN`, fixed: []any{"y"}}
	for _, q := range []queryer{sqliteTx, postgresTx} {
		for _, rows := range []int{1, 3, 3} {
			args := []any{int64(7)}
			for r := range rows {
				args = append(args, r, fmt.Sprint("b", r), r*10)
			}
			wantQuery, wantArgs := bind(q, v.sql(rows), args)
			text := v.text(isSQLite(q), rows)
			if diff := cmp.Diff(wantQuery, text.query); diff != "" {
				t.Errorf("%s values text, %d rows (-bind +cached):\n%s", dialectOf(q), rows, diff)
			}
			if diff := cmp.Diff(wantArgs, text.args(args)); diff != "" {
				t.Errorf("%s values arguments, %d rows (-bind +cached):\n%s", dialectOf(q), rows, diff)
			}

			keys := []any{"y"}
			for r := range rows {
				keys = append(keys, fmt.Sprint("k", r))
			}
			wantQuery, wantArgs = bind(q, in.sql(rows), keys)
			text = in.text(isSQLite(q), rows)
			if diff := cmp.Diff(wantQuery, text.query); diff != "" {
				t.Errorf("%s IN text, %d keys (-bind +cached):\n%s", dialectOf(q), rows, diff)
			}
			if diff := cmp.Diff(wantArgs, text.args(keys)); diff != "" {
				t.Errorf("%s IN arguments, %d keys (-bind +cached):\n%s", dialectOf(q), rows, diff)
			}
		}
	}
}
