package catalog_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog"

	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
	"github.com/callboard/callboard/plugin"
)

const bulkYAML = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: one
spec:
  type: service
  lifecycle: production
  owner: team-a
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: two
spec:
  type: website
  lifecycle: production
  owner: team-a
`

// The first load into an empty catalog runs with the readers' search
// indexes set aside; the engine is idle only once they are built, and a
// restart on the loaded catalog sets nothing aside.
func TestEngineBuildsDeferredIndexesBeforeIdle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		path := writeFile(t, t.TempDir(), "catalog-info.yaml", bulkYAML)
		loc := withConfigLocations(plugin.Location{Type: "file", Target: path})
		h := newHarness(t, db, loc)
		h.idle()
		if n := h.count(`SELECT count(*) FROM catalog_deferred_indexes`); n != 0 {
			t.Fatalf("idle with %d indexes still set aside", n)
		}
		if h.eng.FirstLoad() {
			t.Error("FirstLoad reports a load under way once the engine is idle")
		}
		if db.Dialect == store.SQLite {
			n := h.count(`SELECT count(*) FROM search INDEXED BY search_key_value WHERE key = 'spec.lifecycle' AND value = 'production'`)
			if n != 2 {
				t.Errorf("search_key_value finds %d production entities, want 2", n)
			}
		} else {
			n := h.count(`SELECT count(*) FROM pg_indexes WHERE tablename = 'search' AND indexname IN ('search_key_value', 'search_original')`)
			if n != 2 {
				t.Errorf("%d of the 2 readers' indexes built", n)
			}
		}
		h.stop()

		again := newHarness(t, db, loc)
		again.idle()
		if n := again.count(`SELECT count(*) FROM catalog_deferred_indexes`); n != 0 {
			t.Errorf("restart left %d indexes set aside", n)
		}
	})
}

// A load that stopped before its end (the process died) leaves search
// rows and an index set aside; the next start builds it once quiet.
func TestEngineBuildsIndexesOfAnUnfinishedLoad(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		path := writeFile(t, t.TempDir(), "catalog-info.yaml", bulkYAML)
		loc := withConfigLocations(plugin.Location{Type: "file", Target: path})
		h := newHarness(t, db, loc)
		h.idle()
		h.stop()

		index := `FROM sqlite_master WHERE name = 'search_key_value'`
		def := "sql"
		if db.Dialect == store.Postgres {
			index = `FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'search_key_value'`
			def = "indexdef"
		}
		var definition string
		if err := db.QueryRow(`SELECT ` + def + ` ` + index).Scan(&definition); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`DROP INDEX search_key_value`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO catalog_deferred_indexes (name, definition) VALUES ('search_key_value', $1)`, definition); err != nil {
			t.Fatal(err)
		}

		again := newHarness(t, db, loc)
		again.idle()
		if n := again.count(`SELECT count(*) FROM catalog_deferred_indexes`); n != 0 {
			t.Errorf("idle with %d indexes still set aside", n)
		}
		if n := again.count(`SELECT count(*) ` + index); n != 1 {
			t.Errorf("search_key_value exists %d times after the restart, want once", n)
		}
	})
}

// A first load stitches nothing until processing is idle, unless the load
// is older than the bulk stitch lag: then stitching runs beside
// processing, and processing queues again the entities its relations
// change. Here the lag is a nanosecond, and two hundred users in batches
// of two join a group processed first: the group is claimed for stitching
// while its members are processed, and a write of it that missed a member
// is voided by the mark that member's batch left.
func TestEngineBulkLoadPastTheLagQueuesRelationSources(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var b strings.Builder
		b.WriteString("apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n")
		var want []string
		for i := range 200 {
			fmt.Fprintf(&b, "---\napiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: u%03d\nspec:\n  memberOf: [team-a]\n", i)
			want = append(want, fmt.Sprintf("hasMember user:default/u%03d", i))
		}
		path := writeFile(t, t.TempDir(), "org.yaml", b.String())
		h := newHarness(t, db, withConfigLocations(plugin.Location{Type: "file", Target: path}),
			func(o *catalog.EngineOptions) { o.BatchSize, o.BulkStitchLag = 2, time.Nanosecond })
		h.idle()

		if diff := cmp.Diff(want, relationsOf(h.final("group:default/team-a"))); diff != "" {
			t.Errorf("group relations (-want +got):\n%s", diff)
		}
	})
}
