package catalog_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
	"github.com/callboard/callboard/plugin"
)

// wantProblem checks that err is a problem of the given class and text.
func wantProblem(t *testing.T, err error, name, message string) {
	t.Helper()
	p, ok := problem.As(err)
	if !ok {
		t.Fatalf("error %v, want %s %q", err, name, message)
	}
	if p.Name != name || p.Message != message {
		t.Errorf("error %s %q, want %s %q", p.Name, p.Message, name, message)
	}
}

func allowFiles(o *catalog.EngineOptions) { o.AllowedLocationTypes = []string{"url", "file"} }

func TestCreateLocation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		path := writeFile(t, dir, "catalog.yaml", twoComponents)
		h := newHarness(t, db, allowFiles)
		ctx := context.Background()

		res, err := h.eng.CreateLocation(ctx, catalog.LocationInput{Type: "file", Target: path}, catalog.CreateLocationOptions{})
		if err != nil {
			t.Fatal(err)
		}
		wantRef := "location:default/generated-" + sha1Hex("file:"+path)
		if res.Location.Type != "file" || res.Location.Target != path || res.Location.EntityRef != wantRef || len(res.Location.ID) != 36 {
			t.Errorf("location %+v", res.Location)
		}
		if res.Entities == nil || len(res.Entities) != 0 || res.Exists != nil {
			t.Errorf("entities %v exists %v, want [] and no exists", res.Entities, res.Exists)
		}
		h.idle()
		if diff := cmp.Diff([]string{"component:default/one", "component:default/two", wantRef}, h.refs()); diff != "" {
			t.Errorf("entities (-want +got):\n%s", diff)
		}
		loc := h.final(wantRef)
		if got := annotation(loc, entity.AnnotationManagedByOriginLocation); got != "file:"+path {
			t.Errorf("origin annotation %q", got)
		}

		_, err = h.eng.CreateLocation(ctx, catalog.LocationInput{Type: "file", Target: path}, catalog.CreateLocationOptions{})
		wantProblem(t, err, problem.ConflictError, "Location file:"+path+" already exists")

		// A refresh on conflict processes the location again: its next
		// processing moves later.
		nextUpdate := func() int64 {
			var at int64
			if err := db.QueryRow(`SELECT s.next_update_at FROM refresh_schedule s JOIN refresh_state r ON r.id = s.id
				WHERE r.entity_ref = $1`, wantRef).Scan(&at); err != nil {
				t.Fatal(err)
			}
			return at
		}
		before := nextUpdate()
		time.Sleep(5 * time.Millisecond)
		again, err := h.eng.CreateLocation(ctx, catalog.LocationInput{Type: "file", Target: path}, catalog.CreateLocationOptions{OnConflict: "refresh"})
		if err != nil {
			t.Fatal(err)
		}
		if again.Location != res.Location {
			t.Errorf("refresh on conflict returned %+v, want the existing %+v", again.Location, res.Location)
		}
		h.idle()
		if after := nextUpdate(); after <= before {
			t.Errorf("location not processed again: next update %d, before %d", after, before)
		}

		_, err = h.eng.CreateLocation(ctx, catalog.LocationInput{Type: "github", Target: "x"}, catalog.CreateLocationOptions{})
		wantProblem(t, err, problem.InputError, `Registered locations must be of an allowed type ["url","file"]`)
	})
}

func TestCreateLocationDefaults(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db, func(o *catalog.EngineOptions) { o.DefaultConflictStrategy = catalog.ConflictRefresh })
		ctx := context.Background()
		_, err := h.eng.CreateLocation(ctx, catalog.LocationInput{Type: "file", Target: "/x.yaml"}, catalog.CreateLocationOptions{})
		wantProblem(t, err, problem.InputError, `Registered locations must be of an allowed type ["url"]`)

		in := catalog.LocationInput{Type: "url", Target: "https://example.com/catalog-info.yaml"}
		first, err := h.eng.CreateLocation(ctx, in, catalog.CreateLocationOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// The configured default strategy refreshes instead of rejecting;
		// an explicit reject still rejects.
		second, err := h.eng.CreateLocation(ctx, in, catalog.CreateLocationOptions{})
		if err != nil || second.Location.ID != first.Location.ID {
			t.Errorf("second registration: %+v, %v", second, err)
		}
		_, err = h.eng.CreateLocation(ctx, in, catalog.CreateLocationOptions{OnConflict: "reject"})
		wantProblem(t, err, problem.ConflictError, "Location url:https://example.com/catalog-info.yaml already exists")
	})
}

func TestCreateLocationDryRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		path := writeFile(t, dir, "catalog.yaml", twoComponents)
		h := newHarness(t, db, allowFiles, func(o *catalog.EngineOptions) { o.Readonly = true })
		ctx := context.Background()
		res, err := h.eng.CreateLocation(ctx, catalog.LocationInput{Type: "file", Target: path}, catalog.CreateLocationOptions{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Exists == nil || *res.Exists {
			t.Errorf("exists %v, want false", res.Exists)
		}
		if res.Location.ID != "file:"+path || res.Location.EntityRef != "location:default/generated-"+sha1Hex("file:"+path) {
			t.Errorf("location %+v", res.Location)
		}
		var refs []string
		for _, raw := range res.Entities {
			var e entity.Entity
			if err := json.Unmarshal(raw, &e); err != nil {
				t.Fatal(err)
			}
			refs = append(refs, e.Ref().String())
		}
		want := []string{res.Location.EntityRef, "component:default/one", "component:default/two"}
		if diff := cmp.Diff(want, refs); diff != "" {
			t.Errorf("dry run entities (-want +got):\n%s", diff)
		}
		h.idle()
		if n := h.count(`SELECT count(*) FROM locations`) + len(h.refs()); n != 0 {
			t.Errorf("a dry run stored something: %d rows", n)
		}

		// Processing errors are a 400 with the errors joined.
		bad := writeFile(t, dir, "bad.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x}\nspec: {type: service}\n")
		_, err = h.eng.CreateLocation(ctx, catalog.LocationInput{Type: "file", Target: bad}, catalog.CreateLocationOptions{DryRun: true})
		if p, ok := problem.As(err); !ok || p.Name != problem.InputError || !strings.HasPrefix(p.Message, "InputError: Processor BuiltinKindsEntityProcessor threw an error while validating the entity component:default/x") {
			t.Errorf("dry run of an invalid entity: %v", err)
		}
		dup := writeFile(t, dir, "dup.yaml", twoComponents+"---\n"+strings.SplitN(twoComponents, "---\n", 2)[0])
		_, err = h.eng.CreateLocation(ctx, catalog.LocationInput{Type: "file", Target: dup}, catalog.CreateLocationOptions{DryRun: true})
		wantProblem(t, err, problem.InputError, "Duplicate nested entity: component:default/one")

		// Outside a dry run, readonly refuses.
		_, err = h.eng.CreateLocation(ctx, catalog.LocationInput{Type: "file", Target: path}, catalog.CreateLocationOptions{})
		wantProblem(t, err, problem.NotAllowedError, "This operation not allowed in readonly mode")
	})
}

func TestReadonlyRefusesLocationWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db, func(o *catalog.EngineOptions) { o.Readonly = true })
		ctx := context.Background()
		_, err := h.eng.UpdateLocation(ctx, "id", catalog.LocationInput{Type: "url", Target: "https://x"})
		wantProblem(t, err, problem.NotAllowedError, "This operation not allowed in readonly mode")
		err = h.eng.DeleteLocation(ctx, "id")
		wantProblem(t, err, problem.NotAllowedError, "This operation not allowed in readonly mode")
	})
}

func TestLocationReadUpdateDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		first := writeFile(t, dir, "first.yaml", twoComponents)
		second := writeFile(t, dir, "second.yaml", orgYAML)
		h := newHarness(t, db, allowFiles)
		ctx := context.Background()
		created, err := h.eng.CreateLocation(ctx, catalog.LocationInput{Type: "file", Target: first}, catalog.CreateLocationOptions{})
		if err != nil {
			t.Fatal(err)
		}
		id := created.Location.ID
		got, err := h.eng.Location(ctx, id)
		if err != nil || *got != created.Location {
			t.Errorf("Location(%s) = %+v, %v", id, got, err)
		}
		_, err = h.eng.Location(ctx, "nope")
		wantProblem(t, err, problem.NotFoundError, "Found no location with ID nope")
		all, err := h.eng.Locations(ctx)
		if err != nil || len(all) != 1 || all[0] != created.Location {
			t.Errorf("Locations = %+v, %v", all, err)
		}
		h.idle()

		updated, err := h.eng.UpdateLocation(ctx, id, catalog.LocationInput{Type: "file", Target: second})
		if err != nil {
			t.Fatal(err)
		}
		if updated.ID != id || updated.Target != second {
			t.Errorf("updated %+v", updated)
		}
		h.idle()
		want := []string{"api:default/svc-api", "component:default/svc", "group:default/team-a", "location:default/generated-" + sha1Hex("file:"+second)}
		if diff := cmp.Diff(want, h.refs()); diff != "" {
			t.Errorf("entities after update (-want +got):\n%s", diff)
		}
		_, err = h.eng.UpdateLocation(ctx, "nope", catalog.LocationInput{Type: "file", Target: first})
		wantProblem(t, err, problem.NotFoundError, "Found no location with ID nope")
		other, err := h.eng.CreateLocation(ctx, catalog.LocationInput{Type: "file", Target: first}, catalog.CreateLocationOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = h.eng.UpdateLocation(ctx, other.Location.ID, catalog.LocationInput{Type: "file", Target: second})
		wantProblem(t, err, problem.ConflictError, "Location file:"+second+" already exists")

		if err := h.eng.DeleteLocation(ctx, other.Location.ID); err != nil {
			t.Fatal(err)
		}
		if err := h.eng.DeleteLocation(ctx, id); err != nil {
			t.Fatal(err)
		}
		err = h.eng.DeleteLocation(ctx, id)
		wantProblem(t, err, problem.NotFoundError, "Found no location with ID "+id)
		h.idle()
		if got := h.refs(); len(got) != 0 {
			t.Errorf("entities left after deleting every location: %v", got)
		}
		if got := h.count(`SELECT count(*) FROM search`); got != 0 {
			t.Errorf("%d search rows left", got)
		}
	})
}

func TestLocationsByQuery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db, func(o *catalog.EngineOptions) { o.ProcessingInterval = 0 })
		ctx := context.Background()
		var ids []string
		for _, target := range []string{"https://a.example/1.yaml", "https://a.example/2.yaml", "https://B.example/3.yaml", "https://c.example/4.yaml"} {
			res, err := h.eng.CreateLocation(ctx, catalog.LocationInput{Type: "url", Target: target}, catalog.CreateLocationOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, res.Location.ID)
		}
		targets := func(p *catalog.LocationPage) []string {
			var out []string
			for _, l := range p.Items {
				out = append(out, l.Target)
			}
			return out
		}
		prefix := &catalog.Predicate{Op: catalog.OpAny, Children: []catalog.Predicate{
			{Op: catalog.OpField, Key: "target", Match: catalog.FieldMatch{Kind: catalog.MatchPrefix, Values: []string{"https://a.example/"}}},
			{Op: catalog.OpField, Key: "target", Match: catalog.FieldMatch{Kind: catalog.MatchEq, Values: []string{"https://b.example/3.yaml"}}},
		}}
		page, err := h.eng.LocationsByQuery(ctx, catalog.LocationQuery{Filter: prefix, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if page.TotalItems != 3 || len(page.Items) != 2 || page.NextCursor == "" {
			t.Fatalf("first page %+v", page)
		}
		next, err := h.eng.LocationsByQuery(ctx, catalog.LocationQuery{Cursor: page.NextCursor, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if next.TotalItems != 3 || len(next.Items) != 1 || next.NextCursor != "" {
			t.Errorf("second page %+v", next)
		}
		got := append(targets(page), targets(next)...)
		for i := 1; i < len(got); i++ {
			if page := append(page.Items, next.Items...); page[i-1].ID >= page[i].ID {
				t.Errorf("pages not ordered by id: %v", page)
			}
		}
		if len(got) != 3 || strings.Contains(strings.Join(got, " "), "c.example") {
			t.Errorf("matched %v", got)
		}
		none, err := h.eng.LocationsByQuery(ctx, catalog.LocationQuery{Filter: &catalog.Predicate{Op: catalog.OpNot, Children: []catalog.Predicate{
			{Op: catalog.OpField, Key: "type", Match: catalog.FieldMatch{Kind: catalog.MatchEq, Values: []string{"url"}}},
		}}})
		if err != nil || none.TotalItems != 0 || len(none.Items) != 0 {
			t.Errorf("not type=url: %+v, %v", none, err)
		}
		all, err := h.eng.LocationsByQuery(ctx, catalog.LocationQuery{})
		if err != nil || all.TotalItems != 4 || len(all.Items) != 4 {
			t.Errorf("everything: %+v, %v", all, err)
		}
		_, err = h.eng.LocationsByQuery(ctx, catalog.LocationQuery{Cursor: "%%%"})
		if p, ok := problem.As(err); !ok || p.Name != problem.InputError || !strings.HasPrefix(p.Message, "Malformed cursor: ") {
			t.Errorf("bad cursor: %v", err)
		}
		_ = ids
	})
}

func TestLocationByEntity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		registered := writeFile(t, dir, "Registered.yaml", twoComponents)
		configured := writeFile(t, dir, "configured.yaml", orgYAML)
		h := newHarness(t, db, allowFiles, withConfigLocations(plugin.Location{Type: "file", Target: configured}))
		ctx := context.Background()
		res, err := h.eng.CreateLocation(ctx, catalog.LocationInput{Type: "file", Target: registered}, catalog.CreateLocationOptions{})
		if err != nil {
			t.Fatal(err)
		}
		h.idle()
		got, err := h.eng.LocationByEntity(ctx, entity.Ref{Kind: "Component", Namespace: "default", Name: "ONE"})
		if err != nil || *got != res.Location {
			t.Errorf("LocationByEntity = %+v, %v; want %+v", got, err, res.Location)
		}
		_, err = h.eng.LocationByEntity(ctx, entity.MustParseRef("component:default/svc"))
		wantProblem(t, err, problem.NotFoundError, "Found no location with type file and target "+configured)
		_, err = h.eng.LocationByEntity(ctx, entity.MustParseRef("component:default/missing"))
		wantProblem(t, err, problem.NotFoundError, "found no entity for ref component:default/missing")
	})
}

func TestValidateEntity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		ctx := context.Background()
		valid := func() map[string]any {
			return map[string]any{
				"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
				"metadata": map[string]any{"name": "x"},
				"spec":     map[string]any{"type": "service", "lifecycle": "production", "owner": "team"},
			}
		}
		errs, err := h.eng.ValidateEntity(ctx, valid(), "url:https://example.com/catalog-info.yaml")
		if err != nil || errs != nil {
			t.Errorf("valid entity: %v, %v", errs, err)
		}
		errs, err = h.eng.ValidateEntity(ctx, valid(), "file:/x.yaml")
		want := []entity.SerializedError{{Name: "TypeError", Message: "Invalid location ref file:/x.yaml, only 'url:<target>' is supported, e.g. url:https://host/path"}}
		if err != nil || !cmp.Equal(want, errs) {
			t.Errorf("file location: %v, %v", errs, err)
		}
		errs, _ = h.eng.ValidateEntity(ctx, valid(), "nonsense")
		if len(errs) != 1 || errs[0].Name != "TypeError" || !strings.HasPrefix(errs[0].Message, "Unable to parse location ref 'nonsense'") {
			t.Errorf("unparsable location: %v", errs)
		}
		noKind := valid()
		delete(noKind, "kind")
		errs, _ = h.eng.ValidateEntity(ctx, noKind, "url:https://example.com/x.yaml")
		if len(errs) != 1 || errs[0].Name != "TypeError" {
			t.Errorf("entity without kind: %v", errs)
		}
		bad := valid()
		delete(bad["spec"].(map[string]any), "owner")
		errs, _ = h.eng.ValidateEntity(ctx, bad, "url:https://example.com/x.yaml")
		if len(errs) != 1 || errs[0].Name != "InputError" || !strings.Contains(errs[0].Message, "owner") {
			t.Errorf("entity without owner: %v", errs)
		}
		h.idle()
		if got := h.refs(); len(got) != 0 {
			t.Errorf("validation stored %v", got)
		}
	})
}
