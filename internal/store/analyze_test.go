package store

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestValuesStmtArraySQL(t *testing.T) {
	tests := []struct {
		s    valuesStmt
		want string
	}{
		{
			valuesStmt{head: `INSERT INTO search (id, key, value, original_value)`, cols: make([]string, 4),
				arrays: []string{"bigint", "text", "text", "text"}},
			`INSERT INTO search (id, key, value, original_value) SELECT u.* FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS u(column1, column2, column3, column4)`,
		},
		{
			valuesStmt{head: `INSERT INTO q (ref, ticket, at)`, tail: ` ON CONFLICT (ref) DO NOTHING`, fixed: []any{"t", 1},
				cols: []string{""}, rowExtra: ", $1, $2", arrays: []string{"text"}, arrayExtra: ", $1::text, $2::bigint"},
			`INSERT INTO q (ref, ticket, at) SELECT u.*, $1::text, $2::bigint FROM unnest($3::text[]) AS u(column1) ON CONFLICT (ref) DO NOTHING`,
		},
		{
			valuesStmt{head: `DELETE FROM q WHERE (a, b) IN (`, tail: `) RETURNING a`, cols: []string{"TEXT", "TEXT"}, arrays: []string{"text", "text"}},
			`DELETE FROM q WHERE (a, b) IN ( SELECT u.* FROM unnest($1::text[], $2::text[]) AS u(column1, column2)) RETURNING a`,
		},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.s.arraySQL()); diff != "" {
			t.Errorf("arraySQL (-want +got):\n%s", diff)
		}
	}
}

func TestValuesStmtArraysNeedTypesForEveryColumn(t *testing.T) {
	pg := &DB{Dialect: Postgres}
	for _, s := range []valuesStmt{
		{head: `INSERT INTO t (a, b)`, cols: make([]string, 2), arrays: []string{"text"}},
		{head: `INSERT INTO t (a, b)`, cols: make([]string, 1), rowExtra: ", $1", arrays: []string{"text"}},
	} {
		if _, err := s.run(context.Background(), pg, []any{"x", "y"}, nil); err == nil {
			t.Errorf("%+v ran", s)
		}
	}
}

func TestInsertedInto(t *testing.T) {
	for head, want := range map[string]string{
		`INSERT INTO relations (originating_id, type)`: "relations",
		`INSERT INTO refresh_state`:                    "refresh_state",
		`INSERT OR IGNORE INTO relations (a)`:          "",
		`UPDATE refresh_state AS r SET x = 1 FROM (`:   "",
	} {
		if got := insertedInto(head); got != want {
			t.Errorf("insertedInto(%q) = %q, want %q", head, got, want)
		}
	}
}

// TestGrowthAnalyzesAsTablesDouble checks when a growing table is due for
// analysis: after analyzeMin rows, then each time it has doubled, never
// while an analysis runs, and never for tables writes do not look up.
func TestGrowthAnalyzesAsTablesDouble(t *testing.T) {
	var g growth
	steps := []struct {
		rows map[string]int64
		done []string // analyses finished before the step
		want []string
	}{
		{map[string]int64{"relations": 600, "search": 5000}, nil, nil},
		{map[string]int64{"relations": 600}, nil, []string{"relations"}},                 // 1,200 ≥ 1,000
		{map[string]int64{"relations": 2000}, nil, nil},                                  // still analyzing
		{map[string]int64{"relations": 1}, []string{"relations"}, []string{"relations"}}, // 2,001 since ≥ 1,200
		{map[string]int64{"relations": 3000}, []string{"relations"}, nil},                // 3,000 < 3,201
		{map[string]int64{"relations": 300, "refresh_state": 1000}, nil, []string{"relations", "refresh_state"}},
	}
	for i, st := range steps {
		for _, table := range st.done {
			g.analyzing[table] = false
		}
		got := g.note(st.rows)
		if diff := cmp.Diff(st.want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b }), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("step %d: due (-want +got):\n%s", i, diff)
		}
	}
}

// TestWritesAnalyzeGrowingTables writes relations in the array form on
// PostgreSQL and checks the rows arrived and that the table got
// statistics (reltuples is -1 until a table is first analyzed).
func TestWritesAnalyzeGrowingTables(t *testing.T) {
	if os.Getenv("CALLBOARD_TEST_POSTGRES") == "" {
		t.Skip("CALLBOARD_TEST_POSTGRES not set")
	}
	ctx := context.Background()
	c := NewCatalog(catalogTestDB(t, Postgres))
	var args []any
	for i := range 1500 {
		var target any = fmt.Sprintf("api:default/a%d", i)
		if i == 7 {
			target = []byte("api:default/bytes")
		}
		args = append(args, int64(i%10+1), fmt.Sprintf("component:default/c%d", i), "dependsOn", target)
	}
	err := c.write(ctx, func(tx *wtx) error {
		s := valuesStmt{head: insertInto(tx, `relations (originating_id, source_entity_ref, type, target_entity_ref)`),
			cols: make([]string, 4), arrays: []string{"bigint", "text", "text", "text"}}
		n, err := s.run(ctx, tx, args, nil)
		if err == nil && n != 1500 {
			t.Errorf("inserted %d rows, want 1500", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Close() // waits for the analysis
	var target string
	var tuples float64
	if err := c.db.QueryRowContext(ctx, `SELECT (SELECT target_entity_ref FROM relations WHERE source_entity_ref = 'component:default/c7'),
		(SELECT reltuples FROM pg_class WHERE relname = 'relations')`).Scan(&target, &tuples); err != nil {
		t.Fatal(err)
	}
	if target != "api:default/bytes" || tuples != 1500 {
		t.Errorf("target %q, reltuples %v; want api:default/bytes and 1500", target, tuples)
	}
}
