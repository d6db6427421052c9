package catalog_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
	"github.com/callboard/callboard/plugin"
)

func withProviders(ps ...plugin.EntityProvider) harnessOption {
	return func(o *catalog.EngineOptions) { o.Providers = ps }
}

func deferred(e *entity.Entity, key string) plugin.DeferredEntity {
	return plugin.DeferredEntity{Entity: e, LocationKey: key}
}

func TestProviderFullAndDeltaMutations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newTestProvider("test-provider")
		h := newHarness(t, db, withProviders(p))
		conn := p.connection(t)
		ctx := context.Background()

		full := plugin.Mutation{Type: plugin.Full, Entities: []plugin.DeferredEntity{
			deferred(providedComponent("a", "team"), "k"),
			deferred(providedComponent("b", "team"), "k"),
		}}
		if err := conn.ApplyMutation(ctx, full); err != nil {
			t.Fatal(err)
		}
		h.idle()
		if diff := cmp.Diff([]string{"component:default/a", "component:default/b"}, h.refs()); diff != "" {
			t.Fatalf("after full mutation (-want +got):\n%s", diff)
		}

		// The same mutation again changes nothing: no entity becomes due.
		before := h.strings(`SELECT r.entity_ref || ' ' || s.next_update_at || ' ' || r.last_discovery_at FROM refresh_state r JOIN refresh_schedule s ON s.id = r.id ORDER BY r.entity_ref`)
		if err := conn.ApplyMutation(ctx, full); err != nil {
			t.Fatal(err)
		}
		h.idle()
		after := h.strings(`SELECT r.entity_ref || ' ' || s.next_update_at || ' ' || r.last_discovery_at FROM refresh_state r JOIN refresh_schedule s ON s.id = r.id ORDER BY r.entity_ref`)
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("an unchanged mutation wrote (-before +after):\n%s", diff)
		}

		// A full mutation without b deletes it.
		full.Entities = full.Entities[:1]
		if err := conn.ApplyMutation(ctx, full); err != nil {
			t.Fatal(err)
		}
		h.idle()
		if diff := cmp.Diff([]string{"component:default/a"}, h.refs()); diff != "" {
			t.Errorf("after shrinking full mutation (-want +got):\n%s", diff)
		}
		if n := h.count(`SELECT count(*) FROM search s WHERE NOT EXISTS (SELECT 1 FROM final_entities f WHERE f.id = s.id)`); n != 0 {
			t.Errorf("%d search rows left behind by the deleted entity", n)
		}

		// Delta: add c, change a, remove a later.
		changed := providedComponent("a", "other-team")
		delta := plugin.Mutation{Type: plugin.Delta, Added: []plugin.DeferredEntity{
			deferred(changed, "k"), deferred(providedComponent("c", "team"), "k"),
		}}
		if err := conn.ApplyMutation(ctx, delta); err != nil {
			t.Fatal(err)
		}
		h.idle()
		if diff := cmp.Diff([]string{"component:default/a", "component:default/c"}, h.refs()); diff != "" {
			t.Errorf("after delta (-want +got):\n%s", diff)
		}
		if got := relationsOf(h.final("component:default/a")); !slices.Contains(got, "ownedBy group:default/other-team") {
			t.Errorf("changed entity not reprocessed: relations %v", got)
		}
		remove := plugin.Mutation{Type: plugin.Delta, Removed: []plugin.RemovedEntity{{Ref: entity.MustParseRef("component:default/a"), LocationKey: "k"}}}
		if err := conn.ApplyMutation(ctx, remove); err != nil {
			t.Fatal(err)
		}
		h.idle()
		if diff := cmp.Diff([]string{"component:default/c"}, h.refs()); diff != "" {
			t.Errorf("after delta removal (-want +got):\n%s", diff)
		}
		changes := h.strings(`SELECT change FROM entity_history WHERE entity_ref = 'component:default/a' ORDER BY id`)
		if diff := cmp.Diff([]string{"created", "updated", "deleted"}, changes); diff != "" {
			t.Errorf("history of a (-want +got):\n%s", diff)
		}
	})
}

func TestProviderLocationKeyConflict(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		logs := &logRecorder{}
		p1, p2 := newTestProvider("first"), newTestProvider("second")
		h := newHarness(t, db, withProviders(p1, p2), func(o *catalog.EngineOptions) { o.Logger = slogFor(logs) })
		ctx := context.Background()
		if err := p1.connection(t).ApplyMutation(ctx, plugin.Mutation{Type: plugin.Full, Entities: []plugin.DeferredEntity{
			deferred(providedComponent("x", "team-1"), "key-1"),
		}}); err != nil {
			t.Fatal(err)
		}
		if err := p2.connection(t).ApplyMutation(ctx, plugin.Mutation{Type: plugin.Full, Entities: []plugin.DeferredEntity{
			deferred(providedComponent("x", "team-2"), "key-2"),
		}}); err != nil {
			t.Fatal(err)
		}
		h.idle()
		if got := relationsOf(h.final("component:default/x")); !slices.Contains(got, "ownedBy group:default/team-1") {
			t.Errorf("relations %v: the first key's entity should win", got)
		}
		var warned bool
		for _, m := range logs.messages() {
			if strings.Contains(m, "conflicting entityRef") && strings.Contains(m, "source=second") &&
				strings.Contains(m, "existingLocationKey=key-1") && strings.Contains(m, "locationKey=key-2") {
				warned = true
			}
		}
		if !warned {
			t.Errorf("no conflict warning naming both keys in %q", logs.messages())
		}
		if n := h.count(`SELECT count(*) FROM refresh_state_references WHERE source_key = 'second'`); n != 0 {
			t.Errorf("the conflicting provider holds %d references", n)
		}
	})
}

func TestProviderRemovalPrunesDescendants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		writeFile(t, dir, "org.yaml", orgYAML)
		shared := writeFile(t, dir, "shared.yaml", `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: shared}
spec: {type: library, lifecycle: production, owner: team-a}
`)
		root := writeFile(t, dir, "root.yaml", `apiVersion: backstage.io/v1alpha1
kind: Location
metadata: {name: root}
spec:
  targets: [./org.yaml, ./shared.yaml]
`)
		p := newTestProvider("files")
		h := newHarness(t, db, withProviders(p))
		conn := p.connection(t)
		loc := func(path string) plugin.DeferredEntity {
			e := &entity.Entity{
				APIVersion: "backstage.io/v1alpha1", Kind: "Location",
				Metadata: entity.Metadata{Name: "loc-" + strings.TrimSuffix(strings.TrimPrefix(path, dir+"/"), ".yaml"), Annotations: map[string]string{
					entity.AnnotationManagedByLocation: "file:" + path, entity.AnnotationManagedByOriginLocation: "file:" + path,
				}},
				Spec: map[string]any{"type": "file", "target": path},
			}
			return deferred(e, "file:"+path)
		}
		ctx := context.Background()
		// The provider holds the root location and, directly, the shared
		// file, which the root also emits.
		if err := conn.ApplyMutation(ctx, plugin.Mutation{Type: plugin.Full, Entities: []plugin.DeferredEntity{loc(root), loc(shared)}}); err != nil {
			t.Fatal(err)
		}
		h.idle()
		if n := len(h.refs()); n != 7 {
			t.Fatalf("%d entities %v, want 7", n, h.refs())
		}
		// Removing the root deletes what only it kept alive; the shared
		// component stays because the provider's other location emits it.
		if err := conn.ApplyMutation(ctx, plugin.Mutation{Type: plugin.Full, Entities: []plugin.DeferredEntity{loc(shared)}}); err != nil {
			t.Fatal(err)
		}
		h.idle()
		want := []string{"component:default/shared", "location:default/loc-shared"}
		if diff := cmp.Diff(want, h.refs()); diff != "" {
			t.Errorf("after removing the root (-want +got):\n%s", diff)
		}
		if got := annotation(h.final("component:default/shared"), entity.AnnotationOrphan); got != "" {
			t.Errorf("shared component marked orphan %q", got)
		}
		if n := h.count(`SELECT count(*) FROM refresh_state`); n != 2 {
			t.Errorf("%d refresh_state rows, want 2", n)
		}
		if n := h.count(`SELECT count(*) FROM relations WHERE originating_id NOT IN (SELECT id FROM refresh_state)`); n != 0 {
			t.Errorf("%d relations of deleted entities left", n)
		}
	})
}

func TestProviderRejectsEntitiesWithoutName(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newTestProvider("bad")
		newHarness(t, db, withProviders(p))
		err := p.connection(t).ApplyMutation(context.Background(), plugin.Mutation{Type: plugin.Full, Entities: []plugin.DeferredEntity{
			deferred(&entity.Entity{Kind: "Component"}, ""),
		}})
		if err == nil {
			t.Fatal("accepted an entity without a name")
		}
	})
}

func TestProvidersNoLongerConfiguredAreEvicted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newTestProvider("retired")
		h := newHarness(t, db, withProviders(p))
		if err := p.connection(t).ApplyMutation(context.Background(), plugin.Mutation{Type: plugin.Full,
			Entities: []plugin.DeferredEntity{deferred(providedComponent("legacy", "team"), "k")}}); err != nil {
			t.Fatal(err)
		}
		h.idle()
		h.stop()

		kept := newHarness(t, db, func(o *catalog.EngineOptions) { o.OrphanProviderStrategy = catalog.OrphanKeep })
		kept.idle()
		if diff := cmp.Diff([]string{"component:default/legacy"}, kept.refs()); diff != "" {
			t.Errorf("with strategy keep (-want +got):\n%s", diff)
		}
		kept.stop()

		evicted := newHarness(t, db)
		evicted.idle()
		if got := evicted.refs(); len(got) != 0 {
			t.Errorf("entities of a removed provider kept: %v", got)
		}
	})
}

func TestProviderRefreshSchedulesByKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		path := writeFile(t, dir, "catalog.yaml", twoComponents)
		p := newTestProvider("signals")
		h := newHarness(t, db, withProviders(p), withConfigLocations(plugin.Location{Type: "file", Target: path}))
		h.idle()
		conn := p.connection(t)
		h.stop()
		keys := h.strings(`SELECT key FROM refresh_keys`)
		if !slices.Contains(keys, "file:"+path) {
			t.Fatalf("refresh keys %v lack the file", keys)
		}
		if _, err := db.Exec(`UPDATE refresh_schedule SET next_update_at = $1`, int64(1)<<50); err != nil {
			t.Fatal(err)
		}
		if err := conn.Refresh(context.Background(), []string{"file:" + path, "file:/elsewhere"}); err != nil {
			t.Fatal(err)
		}
		due := h.strings(`SELECT r.entity_ref FROM refresh_state r JOIN refresh_schedule s ON s.id = r.id
			WHERE s.next_update_at < $1`, int64(1)<<50)
		if diff := cmp.Diff([]string{"location:default/generated-" + sha1Hex("file:"+path)}, due); diff != "" {
			t.Errorf("due after the signal (-want +got):\n%s", diff)
		}
	})
}
