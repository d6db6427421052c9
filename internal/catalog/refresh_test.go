package catalog_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
	"github.com/callboard/callboard/plugin"
)

func TestRefreshSchedulesEntityAndLocationAncestors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		writeFile(t, dir, "leaf.yaml", twoComponents)
		root := writeFile(t, dir, "root.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: root}\nspec: {targets: [./leaf.yaml]}\n")
		h := newHarness(t, db, withConfigLocations(plugin.Location{Type: "file", Target: root}))
		h.idle()
		// Stop the loops so that what the refresh schedules stays visible.
		h.stop()
		now := time.Now()
		if _, err := db.Exec(`UPDATE refresh_schedule SET next_update_at = $1`, now.Add(time.Hour).UnixMilli()); err != nil {
			t.Fatal(err)
		}
		if err := h.eng.Refresh(context.Background(), "Component:default/ONE"); err != nil {
			t.Fatal(err)
		}
		due := h.strings(`SELECT r.entity_ref FROM refresh_state r JOIN refresh_schedule s ON s.id = r.id WHERE s.next_update_at <= $1 ORDER BY r.entity_ref`, time.Now().UnixMilli())
		configRef := "location:default/generated-" + sha1Hex("file:"+root)
		want := []string{"component:default/one", configRef, "location:default/root"}
		if diff := cmp.Diff(want, due); diff != "" {
			t.Errorf("due after refresh (-want +got):\n%s", diff)
		}
		err := h.eng.Refresh(context.Background(), "component:default/missing")
		wantProblem(t, err, problem.NotFoundError, "Entity component:default/missing not found")
	})
}

func TestDeleteByUIDComesBackWhileStillEmitted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		path := writeFile(t, dir, "catalog.yaml", twoComponents)
		h := newHarness(t, db, withConfigLocations(plugin.Location{Type: "file", Target: path}))
		h.idle()
		var uid string
		if err := db.QueryRow(`SELECT entity_id FROM final_entities WHERE entity_ref = 'component:default/one'`).Scan(&uid); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if err := h.eng.DeleteByUID(ctx, uid); err != nil {
			t.Fatal(err)
		}
		// Unknown uids are fine.
		if err := h.eng.DeleteByUID(ctx, "no-such-uid"); err != nil {
			t.Fatal(err)
		}
		h.idle()
		// The parent was processed again at once and emitted it anew, with
		// a new uid.
		var again string
		if err := db.QueryRow(`SELECT entity_id FROM final_entities WHERE entity_ref = 'component:default/one'`).Scan(&again); err != nil {
			t.Fatalf("deleted entity did not come back: %v", err)
		}
		if again == uid {
			t.Errorf("entity came back with its old uid %s", uid)
		}
		changes := h.strings(`SELECT change FROM entity_history WHERE entity_ref = 'component:default/one' ORDER BY id`)
		if diff := cmp.Diff([]string{"created", "deleted", "created"}, changes); diff != "" {
			t.Errorf("history (-want +got):\n%s", diff)
		}
		if n := h.count(`SELECT count(*) FROM refresh_state_references WHERE target_entity_ref = 'component:default/one'`); n != 1 {
			t.Errorf("%d references to the re-created entity, want 1", n)
		}
	})
}

func TestDeleteByUIDOfAnOrphan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		path := writeFile(t, dir, "catalog.yaml", twoComponents)
		h := newHarness(t, db, withConfigLocations(plugin.Location{Type: "file", Target: path}))
		h.idle()
		writeFile(t, dir, "catalog.yaml", "")
		if err := h.eng.Refresh(context.Background(), "location:default/generated-"+sha1Hex("file:"+path)); err != nil {
			t.Fatal(err)
		}
		h.idle()
		var uid string
		if err := db.QueryRow(`SELECT entity_id FROM final_entities WHERE entity_ref = 'component:default/two'`).Scan(&uid); err != nil {
			t.Fatal(err)
		}
		if err := h.eng.DeleteByUID(context.Background(), uid); err != nil {
			t.Fatal(err)
		}
		h.idle()
		if e := h.final("component:default/two"); e != nil {
			t.Error("orphan still there after DeleteByUID")
		}
		// The peer loses the relation the deleted entity originated.
		if rels := relationsOf(h.final("component:default/one")); len(rels) != 1 {
			t.Errorf("relations of one: %v, want only ownedBy", rels)
		}
	})
}
