package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

// refreshRow is one refresh_state row to insert, with whether it has a
// final entity.
type refreshRow struct {
	id        int64
	ref       string
	owner     string // spec.owner as raw JSON; "" leaves it out
	processed bool
	errors    string
	final     bool
}

func insertRefreshRows(t *testing.T, db *store.DB, rows []refreshRow) {
	t.Helper()
	ctx := context.Background()
	for _, r := range rows {
		spec := `{}`
		if r.owner != "" {
			spec = `{"owner":` + r.owner + `}`
		}
		unprocessed := fmt.Sprintf(`{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":%q},"spec":%s}`, r.ref, spec)
		var processed any
		if r.processed {
			processed = unprocessed
		}
		_, err := db.ExecContext(ctx, `INSERT INTO refresh_state (id, entity_id, entity_ref, unprocessed_entity, unprocessed_hash,
			processed_entity, result_hash, errors, location_key, last_discovery_at)
			VALUES ($1, $2, $3, $4, 'h', $5, 'rh', $6, $7, $8)`,
			r.id, "uid-"+r.ref, r.ref, unprocessed, processed, r.errors, "file:/catalog/"+r.ref+".yaml",
			int64(1600000000000)+r.id)
		if err != nil {
			t.Fatalf("insert %s: %v", r.ref, err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO refresh_schedule (id, next_update_at) VALUES ($1, $2)`,
			r.id, int64(1700000000000)+r.id); err != nil {
			t.Fatalf("schedule %s: %v", r.ref, err)
		}
		if r.final {
			_, err := db.ExecContext(ctx, `INSERT INTO final_entities (id, entity_id, entity_ref, final_entity, hash, last_updated_at)
				VALUES ($1, $2, $3, '{}', 'fh', 0)`, r.id, "uid-"+r.ref, r.ref)
			if err != nil {
				t.Fatalf("insert final %s: %v", r.ref, err)
			}
		}
	}
}

const someErrors = `[{"name":"InputError","message":"bad"}]`

func unprocessedFixture() []refreshRow {
	return []refreshRow{
		{id: 1, ref: "component:default/ok", processed: true, final: true, owner: `"team-a"`},
		{id: 2, ref: "component:default/new", owner: `"team-a"`},
		{id: 3, ref: "component:default/broken", errors: someErrors, owner: `"team-a"`},
		{id: 4, ref: "component:default/regressed", processed: true, final: true, errors: someErrors, owner: `"team-b"`},
		{id: 5, ref: "component:default/unstitched", processed: true},
		{id: 6, ref: "component:default/clean", processed: true, final: true, errors: `[]`},
		{id: 7, ref: "component:default/numeric-owner", errors: someErrors, owner: `5`},
		{id: 8, ref: "component:default/ref-owner", errors: someErrors, owner: `"group:default/team-a"`},
	}
}

func TestUnprocessedEntities(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		insertRefreshRows(t, db, unprocessedFixture())
		c := store.NewCatalog(db)
		tests := []struct {
			name string
			q    catalog.UnprocessedQuery
			want []string
		}{
			{"pending", catalog.UnprocessedQuery{Reason: catalog.UnprocessedPending, Limit: 100},
				[]string{"component:default/broken", "component:default/new", "component:default/numeric-owner", "component:default/ref-owner", "component:default/unstitched"}},
			{"failed", catalog.UnprocessedQuery{Reason: catalog.UnprocessedFailed, Limit: 100},
				[]string{"component:default/broken", "component:default/numeric-owner", "component:default/ref-owner", "component:default/regressed"}},
			{"failed by owner", catalog.UnprocessedQuery{Reason: catalog.UnprocessedFailed, Owner: "team-a", Limit: 100},
				[]string{"component:default/broken"}},
			{"owner compared as written", catalog.UnprocessedQuery{Reason: catalog.UnprocessedFailed, Owner: "group:default/team-a", Limit: 100},
				[]string{"component:default/ref-owner"}},
			{"numbers are not strings", catalog.UnprocessedQuery{Reason: catalog.UnprocessedFailed, Owner: "5", Limit: 100},
				nil},
			{"pending by owner", catalog.UnprocessedQuery{Reason: catalog.UnprocessedPending, Owner: "team-a", Limit: 100},
				[]string{"component:default/broken", "component:default/new"}},
			{"limit", catalog.UnprocessedQuery{Reason: catalog.UnprocessedPending, Limit: 2},
				[]string{"component:default/broken", "component:default/new"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rows, err := c.UnprocessedEntities(context.Background(), tt.q)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, r := range rows {
					got = append(got, r.EntityRef)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("refs (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestUnprocessedEntitiesColumns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		insertRefreshRows(t, db, unprocessedFixture())
		c := store.NewCatalog(db)
		rows, err := c.UnprocessedEntities(context.Background(), catalog.UnprocessedQuery{Reason: catalog.UnprocessedFailed, Owner: "team-b", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		body := `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"component:default/regressed"},"spec":{"owner":"team-b"}}`
		want := []catalog.UnprocessedRow{{
			EntityID:          "uid-component:default/regressed",
			EntityRef:         "component:default/regressed",
			UnprocessedEntity: body,
			UnprocessedHash:   "h",
			ProcessedEntity:   body,
			ResultHash:        "rh",
			Errors:            someErrors,
			LocationKey:       "file:/catalog/component:default/regressed.yaml",
			NextUpdateAt:      time.UnixMilli(1700000000004).UTC(),
			LastDiscoveryAt:   time.UnixMilli(1600000000004).UTC(),
		}}
		if diff := cmp.Diff(want, rows); diff != "" {
			t.Errorf("rows (-want +got):\n%s", diff)
		}

		// A never processed entity has no processed form.
		rows, err = c.UnprocessedEntities(context.Background(), catalog.UnprocessedQuery{Reason: catalog.UnprocessedPending, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].ProcessedEntity != "" || rows[0].EntityRef != "component:default/broken" {
			t.Errorf("pending rows = %+v", rows)
		}
	})
}

func TestUnprocessedEntitiesRefusesBadQueries(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	c := store.NewCatalog(db)
	for _, q := range []catalog.UnprocessedQuery{
		{Reason: "stuck", Limit: 10},
		{Reason: catalog.UnprocessedFailed},
	} {
		if _, err := c.UnprocessedEntities(context.Background(), q); err == nil {
			t.Errorf("%+v: no error", q)
		}
	}
}

// TestDeleteUnprocessed checks that deleting a failed entity by uid removes
// it from the lists along with what hangs off it.
func TestDeleteUnprocessed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		insertRefreshRows(t, db, unprocessedFixture())
		if _, err := db.ExecContext(ctx, `INSERT INTO relations (originating_id, source_entity_ref, type, target_entity_ref)
			VALUES (4, 'component:default/regressed', 'ownedBy', 'group:default/team-b')`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO search (id, key, value) VALUES (4, 'kind', 'component')`); err != nil {
			t.Fatal(err)
		}
		c := store.NewCatalog(db)
		if err := c.DeleteByUID(ctx, "uid-component:default/regressed", time.Now()); err != nil {
			t.Fatal(err)
		}
		rows, err := c.UnprocessedEntities(ctx, catalog.UnprocessedQuery{Reason: catalog.UnprocessedFailed, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.EntityRef == "component:default/regressed" {
				t.Errorf("deleted entity still listed")
			}
		}
		for _, q := range []string{
			`SELECT COUNT(*) FROM refresh_state WHERE id = 4`,
			`SELECT COUNT(*) FROM final_entities WHERE id = 4`,
			`SELECT COUNT(*) FROM relations WHERE originating_id = 4`,
			`SELECT COUNT(*) FROM search WHERE id = 4`,
		} {
			var n int
			if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("%s = %d, want 0", q, n)
			}
		}
	})
}
