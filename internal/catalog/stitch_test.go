package catalog_test

import (
	"context"
	"encoding/json"
	"os"
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

const twoComponents = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: one}
spec: {type: service, lifecycle: production, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: two}
spec: {type: service, lifecycle: production, owner: team-a, dependsOn: ["component:one"]}
`

func statusItems(e map[string]any) []string {
	var out []string
	st, _ := e["status"].(map[string]any)
	items, _ := st["items"].([]any)
	for _, it := range items {
		m := it.(map[string]any)
		out = append(out, m["type"].(string)+" "+m["level"].(string)+" "+m["message"].(string))
	}
	return out
}

func TestProcessingFailureKeepsLastGoodOutput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		path := writeFile(t, dir, "catalog.yaml", twoComponents)
		h := newHarness(t, db, withConfigLocations(plugin.Location{Type: "file", Target: path}))
		h.idle()
		locRef := "location:default/generated-" + sha1Hex("file:"+path)
		if diff := cmp.Diff([]string{"component:default/one", "component:default/two", locRef}, h.refs()); diff != "" {
			t.Fatalf("entities (-want +got):\n%s", diff)
		}
		// A failed read (the file is gone) must not delete the children.
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		if err := h.eng.Refresh(context.Background(), locRef); err != nil {
			t.Fatal(err)
		}
		h.idle()
		if diff := cmp.Diff([]string{"component:default/one", "component:default/two", locRef}, h.refs()); diff != "" {
			t.Errorf("entities after a failed read (-want +got):\n%s", diff)
		}
		loc := h.final(locRef)
		items := statusItems(loc)
		if len(items) != 1 || !strings.HasPrefix(items[0], entity.StatusTypeProcessing+" error NotFoundError: ") {
			t.Errorf("status items %q, want one NotFoundError", items)
		}
		if got := annotation(h.final("component:default/one"), entity.AnnotationOrphan); got != "" {
			t.Errorf("child became an orphan (%q) on a failed read", got)
		}
		// The file comes back with one component: the other is an orphan
		// (strategy keep) and the location's status is clear again.
		writeFile(t, dir, "catalog.yaml", strings.SplitN(twoComponents, "---\n", 2)[0])
		if err := h.eng.Refresh(context.Background(), locRef); err != nil {
			t.Fatal(err)
		}
		h.idle()
		if got := statusItems(h.final(locRef)); got != nil {
			t.Errorf("status items %q after a good read", got)
		}
		if got := annotation(h.final("component:default/two"), entity.AnnotationOrphan); got != "true" {
			t.Errorf("orphan annotation %q on the dropped component", got)
		}
		if got := annotation(h.final("component:default/one"), entity.AnnotationOrphan); got != "" {
			t.Errorf("orphan annotation %q on a kept component", got)
		}
	})
}

func TestStatusItemsOnlyAfterAGoodProcessing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		path := writeFile(t, dir, "catalog.yaml", twoComponents+`---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: broken}
spec: {type: service, owner: team-a}
`)
		h := newHarness(t, db, withConfigLocations(plugin.Location{Type: "file", Target: path}))
		h.idle()
		// Never processed successfully: never stitched.
		if e := h.final("component:default/broken"); e != nil {
			t.Errorf("an entity whose first processing failed was stitched: %v", e)
		}
		var errs string
		if err := db.QueryRow(`SELECT errors FROM refresh_state WHERE entity_ref = 'component:default/broken'`).Scan(&errs); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(errs, "lifecycle") {
			t.Errorf("stored errors %s do not name the missing field", errs)
		}
		// A processed entity that starts failing keeps its final form and
		// shows the errors.
		writeFile(t, dir, "catalog.yaml", strings.Replace(twoComponents, "{type: service, lifecycle: production, owner: team-a}", "{type: service, owner: team-a}", 1))
		if err := h.eng.Refresh(context.Background(), "component:default/one"); err != nil {
			t.Fatal(err)
		}
		h.idle()
		one := h.final("component:default/one")
		items := statusItems(one)
		if len(items) != 1 || !strings.Contains(items[0], "InputError: ") {
			t.Errorf("status items %q, want the policy error", items)
		}
		st := one["status"].(map[string]any)["items"].([]any)[0].(map[string]any)
		if e, _ := st["error"].(map[string]any); e["name"] != "InputError" {
			t.Errorf("status item error %v", st["error"])
		}
		if spec := one["spec"].(map[string]any); spec["lifecycle"] != "production" {
			t.Errorf("kept entity lost its last good spec: %v", spec)
		}
	})
}

func TestStitchRejectsKeysDifferingInCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		path := writeFile(t, dir, "catalog.yaml", `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: cased}
spec: {type: service, lifecycle: production, owner: team-a, foo: 1, Foo: 2}
`)
		logs := &logRecorder{}
		h := newHarness(t, db, withConfigLocations(plugin.Location{Type: "file", Target: path}),
			func(o *catalog.EngineOptions) { o.Logger = slogFor(logs) })
		h.idle()
		if e := h.final("component:default/cased"); e != nil {
			t.Errorf("stitched an entity with keys differing in case")
		}
		found := false
		for _, m := range logs.messages() {
			if strings.Contains(m, "Entity has duplicate keys that vary only in casing, 'spec.foo'") {
				found = true
			}
		}
		if !found {
			t.Errorf("no warning about the duplicate keys in %q", logs.messages())
		}
	})
}

func TestStitchDefusesScriptURLs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		path := writeFile(t, dir, "catalog.yaml", `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: sneaky
  annotations:
    backstage.io/view-url: " JavaScript:alert(1)"
    backstage.io/edit-url: "https://example.com/edit"
spec: {type: service, lifecycle: production, owner: team-a}
`)
		h := newHarness(t, db, withConfigLocations(plugin.Location{Type: "file", Target: path}))
		h.idle()
		e := h.final("component:default/sneaky")
		if got := annotation(e, entity.AnnotationViewURL); got != "https://backstage.io/annotation-rejected-for-security-reasons" {
			t.Errorf("view-url %q", got)
		}
		if got := annotation(e, entity.AnnotationEditURL); got != "https://example.com/edit" {
			t.Errorf("edit-url %q", got)
		}
	})
}

func TestHistoryRecordsChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		path := writeFile(t, dir, "catalog.yaml", twoComponents)
		h := newHarness(t, db, withConfigLocations(plugin.Location{Type: "file", Target: path}),
			func(o *catalog.EngineOptions) { o.OrphanStrategy = catalog.OrphanDelete })
		h.idle()
		writeFile(t, dir, "catalog.yaml", strings.Replace(twoComponents, "name: one}", "name: one, description: The first}", 1))
		if err := h.eng.Refresh(context.Background(), "component:default/one"); err != nil {
			t.Fatal(err)
		}
		h.idle()
		type entry struct {
			Source, Change, Prev, New string
			Diff                      json.RawMessage
		}
		rows, err := db.Query(`SELECT source, change, previous_etag, new_etag, diff FROM entity_history WHERE entity_ref = 'component:default/one' ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		var got []entry
		for rows.Next() {
			var e entry
			var diff string
			if err := rows.Scan(&e.Source, &e.Change, &e.Prev, &e.New, &diff); err != nil {
				t.Fatal(err)
			}
			e.Diff = json.RawMessage(diff)
			got = append(got, e)
		}
		rows.Close()
		if len(got) != 2 {
			t.Fatalf("%d history entries, want 2: %+v", len(got), got)
		}
		if got[0].Change != "created" || got[0].Prev != "" || got[0].New == "" || got[0].Source != "file:"+path {
			t.Errorf("created entry %+v", got[0])
		}
		// The creation's diff adds the entity as it was created, without
		// the description the change added.
		var created []struct {
			Op, Path string
			Value    entity.Entity
		}
		if err := json.Unmarshal(got[0].Diff, &created); err != nil || len(created) != 1 || created[0].Op != "add" || created[0].Path != "" ||
			created[0].Value.Metadata.Name != "one" || created[0].Value.Metadata.Description != "" || created[0].Value.Metadata.Etag != got[0].New {
			t.Errorf("created diff %s", got[0].Diff)
		}
		if got[1].Change != "updated" || got[1].Prev != got[0].New || got[1].New == got[1].Prev {
			t.Errorf("updated entry %+v after %+v", got[1], got[0])
		}
		var ops []map[string]any
		if err := json.Unmarshal(got[1].Diff, &ops); err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, op := range ops {
			paths = append(paths, op["op"].(string)+" "+op["path"].(string))
		}
		if diff := cmp.Diff([]string{"add /metadata/description", "replace /metadata/etag"}, paths); diff != "" {
			t.Errorf("update diff (-want +got):\n%s", diff)
		}
		var etag string
		if err := db.QueryRow(`SELECT etag FROM final_entities WHERE entity_ref = 'component:default/one'`).Scan(&etag); err != nil {
			t.Fatal(err)
		}
		if etag != got[1].New {
			t.Errorf("final etag %s, history says %s", etag, got[1].New)
		}

		// Dropping the component from the file orphans it; the orphan
		// pass deletes it and records that.
		writeFile(t, dir, "catalog.yaml", strings.SplitN(twoComponents, "---\n", 2)[1])
		if err := h.eng.Refresh(context.Background(), "component:default/two"); err != nil {
			t.Fatal(err)
		}
		h.idle()
		if got := annotation(h.final("component:default/one"), entity.AnnotationOrphan); got != "true" {
			t.Errorf("dropped component has orphan annotation %q", got)
		}
		if err := db.QueryRow(`SELECT etag FROM final_entities WHERE entity_ref = 'component:default/one'`).Scan(&etag); err != nil {
			t.Fatal(err)
		}
		n, err := h.eng.DeleteOrphans(context.Background())
		if err != nil || n != 1 {
			t.Fatalf("DeleteOrphans = %d, %v; want 1", n, err)
		}
		h.idle()
		last := h.strings(`SELECT change || ' ' || source || ' ' || previous_etag || ' ' || diff FROM entity_history WHERE entity_ref = 'component:default/one' ORDER BY id DESC LIMIT 1`)
		want := "deleted orphan-cleanup " + etag + ` [{"op":"remove","path":""}]`
		if len(last) != 1 || last[0] != want {
			t.Errorf("last history entry %q, want %q", last, want)
		}
		if e := h.final("component:default/one"); e != nil {
			t.Error("orphan not deleted")
		}
		// The peer that had a relation from the deleted entity lost it.
		if rels := relationsOf(h.final("component:default/two")); slices.Contains(rels, "dependencyOf component:default/one") {
			t.Errorf("relations of two still name the deleted one: %v", rels)
		}
	})
}

func TestOrphanDeletionIsTransitive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		writeFile(t, dir, "leaf.yaml", twoComponents)
		mid := writeFile(t, dir, "mid.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: mid}\nspec: {targets: [./leaf.yaml]}\n")
		root := writeFile(t, dir, "root.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: root}\nspec: {targets: [./mid.yaml]}\n")
		h := newHarness(t, db, withConfigLocations(plugin.Location{Type: "file", Target: root}),
			func(o *catalog.EngineOptions) { o.OrphanStrategy = catalog.OrphanDelete })
		h.idle()
		if n := len(h.refs()); n != 5 {
			t.Fatalf("entities %v", h.refs())
		}
		writeFile(t, dir, "root.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: root}\nspec: {targets: []}\n")
		_ = mid
		if err := h.eng.Refresh(context.Background(), "location:default/root"); err != nil {
			t.Fatal(err)
		}
		h.idle()
		if got := annotation(h.final("location:default/mid"), entity.AnnotationOrphan); got != "true" {
			t.Errorf("mid location orphan annotation %q", got)
		}
		n, err := h.eng.DeleteOrphans(context.Background())
		if err != nil || n != 3 {
			t.Errorf("DeleteOrphans = %d, %v; want 3 (mid and its two children)", n, err)
		}
		h.idle()
		want := []string{"location:default/generated-" + sha1Hex("file:"+root), "location:default/root"}
		if diff := cmp.Diff(want, h.refs()); diff != "" {
			t.Errorf("after orphan deletion (-want +got):\n%s", diff)
		}
	})
}

// TestStitchKeepsTrigramTableCurrent checks SQLite's search_trigram, which
// stitching writes itself (migration 0012), against the search rows it
// mirrors after creating, changing and deleting entities, and has FTS5
// check its index against its content.
func TestStitchKeepsTrigramTableCurrent(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	p := newTestProvider("test-provider")
	h := newHarness(t, db, withProviders(p))
	conn := p.connection(t)
	ctx := context.Background()
	titled := func(name, title string) *entity.Entity {
		e := providedComponent(name, "team")
		e.Metadata.Title = title
		return e
	}
	user := func(name, display string) *entity.Entity {
		e := providedComponent(name, "team")
		e.Kind, e.Spec = "User", map[string]any{"memberOf": []any{}}
		if display != "" {
			e.Spec["profile"] = map[string]any{"displayName": display}
		}
		return e
	}
	check := func(step string, wantRows int, term string, want []string) {
		t.Helper()
		h.idle()
		mirror := h.strings(`SELECT (id * 4 + CASE key WHEN 'metadata.name' THEN 1 WHEN 'metadata.title' THEN 2 ELSE 3 END) || ' ' || value
			FROM search WHERE value IS NOT NULL AND key IN ('metadata.name', 'metadata.title', 'spec.profile.displayname') ORDER BY 1`)
		content := h.strings(`SELECT id || ' ' || c0 FROM search_trigram_content ORDER BY 1`)
		if diff := cmp.Diff(mirror, content); diff != "" {
			t.Errorf("%s: trigram rows differ from search rows (-search +trigram):\n%s", step, diff)
		}
		if len(content) != wantRows {
			t.Errorf("%s: %d trigram rows, want %d", step, len(content), wantRows)
		}
		if _, err := db.Exec(`INSERT INTO search_trigram (search_trigram, rank) VALUES ('integrity-check', 1)`); err != nil {
			t.Errorf("%s: FTS5 integrity check: %v", step, err)
		}
		got := h.strings(`SELECT f.entity_ref FROM search_trigram t JOIN final_entities f ON f.id = t.rowid / 4
			WHERE search_trigram MATCH $1 ORDER BY 1`, `"`+term+`"`)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: entities matching %q (-want +got):\n%s", step, term, diff)
		}
	}

	full := plugin.Mutation{Type: plugin.Full, Entities: []plugin.DeferredEntity{
		deferred(titled("alpha", "Alpha Service"), "k"),
		deferred(titled("beta", ""), "k"),
		deferred(user("jo", "Jo Smith"), "k"),
	}}
	if err := conn.ApplyMutation(ctx, full); err != nil {
		t.Fatal(err)
	}
	check("created", 5, "smith", []string{"user:default/jo"})

	full.Entities = []plugin.DeferredEntity{
		deferred(titled("alpha", "Renamed Service"), "k"),
		deferred(titled("beta", "Beta Smithy"), "k"),
		deferred(user("jo", ""), "k"),
	}
	if err := conn.ApplyMutation(ctx, full); err != nil {
		t.Fatal(err)
	}
	check("changed", 5, "smith", []string{"component:default/beta"})

	full.Entities = full.Entities[1:]
	if err := conn.ApplyMutation(ctx, full); err != nil {
		t.Fatal(err)
	}
	check("deleted", 3, "service", nil)
}
