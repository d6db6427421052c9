package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnresolvedOwnersPlan checks that SQLite seeks through the (type,
// target) index from owner to owner and probes final_entities by its
// unique ref, rather than scanning either table.
func TestUnresolvedOwnersPlan(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Options{Dialect: SQLite, DSN: filepath.Join(t.TempDir(), "plan.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	q, args := bind(db, unresolvedOwnersSQL, []any{"ownedBy", 10})
	rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	text := strings.Join(plan, "\n")
	t.Log(text)
	for _, want := range []string{"relations_type_target", "sqlite_autoindex_final_entities_2"} {
		if !strings.Contains(text, want) {
			t.Errorf("plan does not use %s:\n%s", want, text)
		}
	}
	for _, step := range plan {
		if strings.HasPrefix(step, "SCAN relations") || strings.HasPrefix(step, "SCAN final_entities") {
			t.Errorf("plan scans a table (%s):\n%s", step, text)
		}
	}
}
