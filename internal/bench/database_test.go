package bench

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const probeSchema = `
CREATE TABLE stitch_queue (entity_ref TEXT PRIMARY KEY);
CREATE TABLE final_entities (id INTEGER PRIMARY KEY, last_updated_at INTEGER NOT NULL);
CREATE TABLE search (id INTEGER NOT NULL);
CREATE TABLE relations (originating_id INTEGER NOT NULL);
CREATE TABLE entity_history (id INTEGER PRIMARY KEY);
CREATE TABLE catalog_state (id INTEGER PRIMARY KEY, generation INTEGER NOT NULL);
INSERT INTO catalog_state VALUES (1, 7);
INSERT INTO final_entities VALUES (1, 100), (2, 200);
INSERT INTO search VALUES (1), (1), (2);
INSERT INTO stitch_queue VALUES ('component:default/a');
`

func TestProbes(t *testing.T) {
	for _, layout := range []struct{ table, ddl string }{
		{"refresh_schedule", "CREATE TABLE refresh_state (id INTEGER PRIMARY KEY); CREATE TABLE refresh_schedule (id INTEGER PRIMARY KEY, next_update_at INTEGER NOT NULL);"},
		{"refresh_state", "CREATE TABLE refresh_state (id INTEGER PRIMARY KEY, next_update_at INTEGER NOT NULL);"},
	} {
		t.Run(layout.table, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "callboard.db")
			d := sqliteDatabase(path)
			if _, err := d.open(ctx); err == nil {
				t.Fatal("open created a missing database; the server must create it")
			}
			setup, err := sqliteDatabaseCreate(path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := setup.Exec(probeSchema + layout.ddl + "INSERT INTO " + layout.table + " (id, next_update_at) VALUES (1, 50), (2, 500);"); err != nil {
				t.Fatal(err)
			}
			setup.Close()

			db, err := d.open(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			table, err := scheduleTable(ctx, db)
			if err != nil || table != layout.table {
				t.Fatalf("scheduleTable = %q, %v", table, err)
			}
			due, stitch, err := pending(ctx, db, table, 100)
			if err != nil || due != 1 || stitch != 1 {
				t.Errorf("pending = %d, %d, %v; want 1, 1", due, stitch, err)
			}
			before, err := takeSnapshot(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			want := snapshot{Generation: 7, FinalEntities: 2, LastUpdatedAt: 200, Search: 3}
			if diff := cmp.Diff(want, before); diff != "" {
				t.Errorf("snapshot (-want +got):\n%s", diff)
			}
			if n, err := makeAllDue(ctx, db, table, 1000); err != nil || n != 2 {
				t.Errorf("makeAllDue = %d, %v", n, err)
			}
			if due, _, _ := pending(ctx, db, table, 1000); due != 2 {
				t.Errorf("%d due after makeAllDue, want 2", due)
			}
			db.Exec("UPDATE catalog_state SET generation = 8")
			db.Exec("INSERT INTO entity_history VALUES (1)")
			after, _ := takeSnapshot(ctx, db)
			got := strings.Join(before.diff(after), "; ")
			if got != "catalog_state.generation 7 → 8; entity_history rows 0 → 1; max entity_history.id 0 → 1" {
				t.Errorf("diff = %s", got)
			}
			if size, err := d.size(ctx, db); err != nil || size == 0 {
				t.Errorf("size = %d, %v", size, err)
			}
		})
	}
}

func TestScheduleTableMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.db")
	db, err := sqliteDatabaseCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := scheduleTable(context.Background(), db); err == nil || !strings.Contains(err.Error(), "no table with next_update_at") {
		t.Errorf("err = %v", err)
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://postgres@localhost:5432/db?sslmode=disable", "postgres://postgres@localhost:5432/db?sslmode=disable"},
		{"postgres://u:s3cret@h/db", "postgres://u:<redacted>@h/db"},
		{"not a url %", "not a url %"},
	}
	for _, tt := range tests {
		if got := redactURL(tt.in); got != tt.want {
			t.Errorf("redactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// sqliteDatabaseCreate opens (creating) an SQLite file for test setup.
func sqliteDatabaseCreate(path string) (*sql.DB, error) {
	return sql.Open("sqlite", "file:"+path)
}

// TestPostgresDatabase needs a server: CALLBOARD_TEST_POSTGRES.
func TestPostgresDatabase(t *testing.T) {
	admin := os.Getenv("CALLBOARD_TEST_POSTGRES")
	if admin == "" {
		t.Skip("CALLBOARD_TEST_POSTGRES not set")
	}
	ctx := context.Background()
	d, err := postgresDatabase(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer d.drop(ctx)
	if !strings.HasPrefix(d.describe(), "PostgreSQL (database callboard_bench_") {
		t.Errorf("describe = %s", d.describe())
	}
	db, err := d.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := analyzed(ctx, db); !strings.HasPrefix(got, "unknown") {
		t.Errorf("analyzed without a search table = %q", got)
	}
	if _, err := db.Exec("CREATE TABLE search (id BIGINT)"); err != nil {
		t.Fatal(err)
	}
	if got := analyzed(ctx, db); got != "the search table was never analysed" {
		t.Errorf("analyzed = %q", got)
	}
	db.Exec("ANALYZE search")
	if got := analyzed(ctx, db); !strings.HasPrefix(got, "the search table was analysed ") {
		t.Errorf("analyzed after ANALYZE = %q", got)
	}
	if size, err := d.size(ctx, db); err != nil || size == 0 {
		t.Errorf("size = %d, %v", size, err)
	}
	db.Close()
	if err := d.drop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := d.open(ctx); err == nil {
		t.Error("the database is still there after drop")
	}
}
