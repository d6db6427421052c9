package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog"
)

// searchIndexes returns the definitions of the search and relations
// tables' indexes by name.
func deferrableIndexes(t *testing.T, db *DB) map[string]string {
	t.Helper()
	q := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('search', 'relations') AND sql IS NOT NULL`
	if db.Dialect == Postgres {
		q = `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ('search', 'relations')`
	}
	out := map[string]string{}
	err := queryRows(context.Background(), db, q, nil, func(r *sql.Rows) error {
		var name, def string
		if err := r.Scan(&name, &def); err != nil {
			return err
		}
		out[name] = def
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sqliteThreads reads PRAGMA threads on the pool's one connection.
func sqliteThreads(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`PRAGMA threads`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBulkLoadSetsReaderIndexesAsideOnAnEmptyCatalog(t *testing.T) {
	eachCatalog(t, func(t *testing.T, c *Catalog) {
		ctx := context.Background()
		if c.db.Dialect == SQLite {
			// One connection, so that the build runs on the one the
			// test reads PRAGMA threads from.
			c.db.SetMaxOpenConns(1)
		}
		all := deferrableIndexes(t, c.db)
		for _, name := range deferredIndexes[c.db.Dialect] {
			if name == "search_trigram" {
				continue // only where pg_trgm is installed
			}
			if _, ok := all[name]; !ok {
				t.Fatalf("index %s missing before the bulk load; have %v", name, all)
			}
		}

		bulk, err := c.BeginBulkLoad(ctx)
		if err != nil || !bulk {
			t.Fatalf("BeginBulkLoad on an empty catalog = %v, %v; want true", bulk, err)
		}
		during := deferrableIndexes(t, c.db)
		for _, name := range deferredIndexes[c.db.Dialect] {
			if _, ok := during[name]; ok {
				t.Errorf("index %s still there during the bulk load", name)
			}
		}
		if _, ok := during["search_id_key_value"]; c.db.Dialect == Postgres && !ok {
			t.Error("PostgreSQL's writer's index search_id_key_value was set aside")
		}
		if got := c.db.searchByIDAside.Load(); got != (c.db.Dialect == SQLite) {
			t.Errorf("search index by entity reported aside: %v", got)
		}
		if _, ok := during["relations_originating"]; !ok {
			t.Error("the writer's index relations_originating was set aside")
		}

		// Once processing is through, the index stitching reads is built
		// and the readers' stay aside.
		if err := c.EndBulkProcessing(ctx); err != nil {
			t.Fatal(err)
		}
		stitching := deferrableIndexes(t, c.db)
		for _, name := range deferredIndexes[c.db.Dialect] {
			_, built := stitching[name]
			if want := slices.Contains(stitchingIndexes, name); built != want {
				t.Errorf("index %s built after EndBulkProcessing: %v, want %v", name, built, want)
			}
		}
		if err := c.EndBulkProcessing(ctx); err != nil {
			t.Errorf("EndBulkProcessing a second time: %v", err)
		}

		// Rows written meanwhile; a restart finds the load unfinished and
		// keeps the indexes aside.
		if _, err := c.db.ExecContext(ctx, `INSERT INTO search (id, key, value, original_value) VALUES (1, 'kind', 'component', 'Component')`); err != nil {
			t.Fatal(err)
		}
		if bulk, err := c.BeginBulkLoad(ctx); err != nil || !bulk {
			t.Fatalf("BeginBulkLoad after an unfinished load = %v, %v; want true", bulk, err)
		}

		if err := c.EndBulkLoad(ctx); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(all, deferrableIndexes(t, c.db)); diff != "" {
			t.Errorf("indexes after the bulk load (-before +after):\n%s", diff)
		}
		var n int
		if err := c.db.QueryRowContext(ctx, `SELECT count(*) FROM catalog_deferred_indexes`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d deferred index rows left (%v)", n, err)
		}
		if c.db.searchByIDAside.Load() {
			t.Error("search index by entity still reported aside after the load")
		}
		if c.db.Dialect == SQLite {
			var count int
			if err := c.db.QueryRowContext(ctx, `SELECT count(*) FROM search INDEXED BY search_key_value WHERE key = 'kind' AND value = 'component'`).Scan(&count); err != nil || count != 1 {
				t.Errorf("search_key_value holds %d rows of the one written (%v)", count, err)
			}
			// The build's sorter threads are the build's only: the
			// connection it ran on sorts alone again.
			if threads := sqliteThreads(t, c.db); threads != 0 {
				t.Errorf("a connection sorts with %d threads after the build", threads)
			}
		}

		// With search rows, nothing is set aside and nothing is left to build.
		if bulk, err := c.BeginBulkLoad(ctx); err != nil || bulk {
			t.Fatalf("BeginBulkLoad on a populated catalog = %v, %v; want false", bulk, err)
		}
		if diff := cmp.Diff(all, deferrableIndexes(t, c.db)); diff != "" {
			t.Errorf("indexes after BeginBulkLoad on a populated catalog (-before +after):\n%s", diff)
		}
		if err := c.EndBulkLoad(ctx); err != nil {
			t.Errorf("EndBulkLoad with nothing set aside: %v", err)
		}
	})
}

// stitchFinals writes finals through c.WriteStitching with a current
// ticket each, creating the refresh_state rows they need.
func stitchFinals(t *testing.T, c *Catalog, finals ...catalog.FinalEntity) {
	t.Helper()
	ctx := context.Background()
	b := &catalog.StitchBatch{Now: time.UnixMilli(1), Finals: finals}
	for _, f := range finals {
		ticket := newTicket()
		if _, err := c.db.ExecContext(ctx, `INSERT INTO refresh_state (id, entity_id, entity_ref, unprocessed_entity, unprocessed_hash, last_discovery_at)
			VALUES ($1, $2, $3, '{}', '', 0) ON CONFLICT DO NOTHING`, f.ID, f.UID, f.Ref); err != nil {
			t.Fatal(err)
		}
		if _, err := c.db.ExecContext(ctx, `INSERT INTO stitch_queue (entity_ref, ticket, next_stitch_at) VALUES ($1, $2, 0)`, f.Ref, ticket); err != nil {
			t.Fatal(err)
		}
		b.Tickets = append(b.Tickets, catalog.StitchTicket{Ref: f.Ref, Ticket: ticket})
	}
	if n, err := c.WriteStitching(ctx, b); err != nil || n != len(finals) {
		t.Fatalf("WriteStitching = %d, %v; want %d", n, err, len(finals))
	}
}

func TestBulkLoadBuildsTheSearchIndexByEntityBeforeRemovingRows(t *testing.T) {
	str := func(s string) *string { return &s }
	final := func(id int64, name string, del []catalog.SearchRow) catalog.FinalEntity {
		ref := "component:default/" + name
		if id == 2 {
			ref = "component:default/two"
		}
		return catalog.FinalEntity{ID: id, UID: fmt.Sprint("uid-", id), Ref: ref, JSON: `{}`, Hash: name, Etag: name,
			SearchDelete: del,
			SearchInsert: []catalog.SearchRow{{Key: "metadata.name", Value: str(name)}},
			History:      catalog.HistoryRow{Source: "test", Change: "created", NewEtag: name, Diff: "[]"}}
	}
	for _, tc := range []struct {
		name   string
		remove func(t *testing.T, c *Catalog)
		want   []string
	}{
		{"stitched again", func(t *testing.T, c *Catalog) {
			stitchFinals(t, c, final(2, "renamed", []catalog.SearchRow{{Key: "metadata.name", Value: str("two")}}))
		}, []string{"one", "renamed"}},
		{"deleted", func(t *testing.T, c *Catalog) {
			if err := c.DeleteByUID(context.Background(), "uid-2", time.UnixMilli(2)); err != nil {
				t.Fatal(err)
			}
		}, []string{"one"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachCatalog(t, func(t *testing.T, c *Catalog) {
				ctx := context.Background()
				if bulk, err := c.BeginBulkLoad(ctx); err != nil || !bulk {
					t.Fatalf("BeginBulkLoad = %v, %v", bulk, err)
				}
				byID := "search_id_key"
				if c.db.Dialect == Postgres {
					byID = "search_id_key_value" // never set aside
				}
				aside := func() bool {
					_, built := deferrableIndexes(t, c.db)[byID]
					return !built
				}
				stitchFinals(t, c, final(1, "one", nil), final(2, "two", nil))
				if got, want := aside(), c.db.Dialect == SQLite; got != want {
					t.Fatalf("%s aside after new entities were stitched: %v, want %v", byID, got, want)
				}
				tc.remove(t, c)
				if aside() || c.db.searchByIDAside.Load() {
					t.Errorf("%s still aside after a write removed search rows", byID)
				}
				if diff := cmp.Diff(tc.want, stringColumn(t, c.db, `SELECT value FROM search ORDER BY value`)); diff != "" {
					t.Errorf("search rows (-want +got):\n%s", diff)
				}
				// The readers' indexes wait for the end of the load.
				if _, built := deferrableIndexes(t, c.db)["search_key_value"]; built {
					t.Error("search_key_value built before the load ended")
				}
				if err := c.EndBulkLoad(ctx); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

func TestCreationDiffIsWrittenOutWhenTheEntityChangesOrGoes(t *testing.T) {
	eachCatalog(t, func(t *testing.T, c *Catalog) {
		ctx := context.Background()
		created := func(id int64, ref, body string) catalog.FinalEntity {
			return catalog.FinalEntity{ID: id, UID: fmt.Sprint("uid-", id), Ref: ref, JSON: body, Hash: body, Etag: body,
				History: catalog.HistoryRow{Source: "test", Change: catalog.HistoryCreated, NewEtag: body}}
		}
		stored := func(ref string) []string {
			return stringColumn(t, c.db, `SELECT diff FROM entity_history WHERE entity_ref = '`+ref+`' ORDER BY id`)
		}
		read := func(ref string) []string {
			entries, err := NewCatalogReader(c.db).EntityHistory(ctx, ref, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range entries {
				out = append(out, string(e.Diff))
			}
			slices.Reverse(out)
			return out
		}
		const one, two = "component:default/one", "component:default/two"
		addV1 := `[{"op":"add","path":"","value":{"v":1}}]`

		stitchFinals(t, c, created(1, one, `{"v":1}`), created(2, two, `{"w":1}`))
		if diff := cmp.Diff([]string{""}, stored(one)); diff != "" {
			t.Errorf("a creation is stored without its diff (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{addV1}, read(one)); diff != "" {
			t.Errorf("history read after the creation (-want +got):\n%s", diff)
		}

		// A change writes the creation's diff out before the final entity
		// changes.
		changed := created(1, one, `{"v":2}`)
		changed.History = catalog.HistoryRow{Source: "test", Change: "updated", PrevEtag: `{"v":1}`, NewEtag: `{"v":2}`,
			Diff: `[{"op":"replace","path":"/v","value":2}]`}
		stitchFinals(t, c, changed)
		want := []string{addV1, changed.History.Diff}
		if diff := cmp.Diff(want, stored(one)); diff != "" {
			t.Errorf("stored history after a change (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want, read(one)); diff != "" {
			t.Errorf("history read after a change (-want +got):\n%s", diff)
		}

		// So does a deletion.
		if err := c.DeleteByUID(ctx, "uid-2", time.UnixMilli(2)); err != nil {
			t.Fatal(err)
		}
		want = []string{`[{"op":"add","path":"","value":{"w":1}}]`, deletedDiff}
		if diff := cmp.Diff(want, stored(two)); diff != "" {
			t.Errorf("stored history after a deletion (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want, read(two)); diff != "" {
			t.Errorf("history read after a deletion (-want +got):\n%s", diff)
		}
	})
}

// TestReadersAnswerDuringABulkLoad runs the reader statements that name
// the search index by entity while a first load has it set aside: on
// SQLite, INDEXED BY a missing index fails the statement.
func TestReadersAnswerDuringABulkLoad(t *testing.T) {
	str := func(s string) *string { return &s }
	eachCatalog(t, func(t *testing.T, c *Catalog) {
		ctx := context.Background()
		if bulk, err := c.BeginBulkLoad(ctx); err != nil || !bulk {
			t.Fatalf("BeginBulkLoad = %v, %v", bulk, err)
		}
		var finals []catalog.FinalEntity
		for i, name := range []string{"b", "a", "c"} {
			ref := "component:default/" + name
			finals = append(finals, catalog.FinalEntity{ID: int64(i + 1), UID: "uid-" + name, Ref: ref,
				JSON: `{"metadata":{"name":"` + name + `"}}`, Hash: name, Etag: name,
				SearchInsert: []catalog.SearchRow{
					{Key: "metadata.name", Value: str(name)},
					{Key: "spec.type", Value: str("service")},
				},
				History: catalog.HistoryRow{Source: "test", Change: catalog.HistoryCreated, NewEtag: name}})
		}
		stitchFinals(t, c, finals...)
		// A restart in the middle of the load learns from the table.
		c.db.searchByIDAside.Store(false)
		if err := c.db.readDeferred(ctx); err != nil {
			t.Fatal(err)
		}
		if got, want := c.db.searchByIDAside.Load(), c.db.Dialect == SQLite; got != want {
			t.Errorf("search index by entity read as aside: %v, want %v", got, want)
		}

		r := NewCatalogReader(c.db)
		defer r.Close()
		threeNames := &catalog.Predicate{Op: catalog.OpField, Key: "metadata.name",
			Match: catalog.FieldMatch{Kind: catalog.MatchEq, Values: []string{"a", "b", "x"}}}
		hasType := &catalog.Predicate{Op: catalog.OpField, Key: "spec.type",
			Match: catalog.FieldMatch{Kind: catalog.MatchExists, Exists: true}}

		page, err := r.ListPage(ctx, catalog.ListPage{Filter: threeNames, Order: []catalog.Order{{Field: "metadata.name"}}, Limit: -1})
		if err != nil {
			t.Fatalf("ListPage during the load: %v", err)
		}
		var got []string
		for _, e := range page {
			got = append(got, string(e))
		}
		if diff := cmp.Diff([]string{`{"metadata":{"name":"a"}}`, `{"metadata":{"name":"b"}}`}, got); diff != "" {
			t.Errorf("ListPage (-want +got):\n%s", diff)
		}
		rows, err := r.EntityPage(ctx, catalog.EntityPage{EntitySet: catalog.EntitySet{Filter: hasType, SortKey: "metadata.name"},
			Limit: 10, Matches: -1, SortKeyMatches: -1, SourceRows: -1})
		if err != nil || len(rows) != 3 {
			t.Fatalf("EntityPage during the load = %d rows, %v; want 3", len(rows), err)
		}
		facets, err := r.Facets(ctx, []string{"spec.type"}, threeNames)
		if err != nil {
			t.Fatalf("Facets during the load: %v", err)
		}
		if diff := cmp.Diff(map[string][]catalog.FacetCount{"spec.type": {{Value: "service", Count: 2}}}, facets); diff != "" {
			t.Errorf("Facets (-want +got):\n%s", diff)
		}
		if err := c.EndBulkLoad(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
