package techdocs

import (
	"context"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callboard/callboard/entity"
)

func TestTreeHashesReuseRecentWalks(t *testing.T) {
	dir := writeSite(t, map[string]string{"mkdocs.yml": "site_name: X", "docs/index.md": "one"})
	var clock atomic.Int64
	th := newTreeHashes(5*time.Second, func() time.Time { return time.Unix(0, clock.Load()) })
	first, err := th.get(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "docs", "index.md"), "two, longer")
	clock.Add(int64(4 * time.Second))
	if got, _ := th.get(dir, false); got != first {
		t.Errorf("within the window: %s, want the reused %s", got, first)
	}
	fresh, err := th.get(dir, true)
	if err != nil || fresh == first {
		t.Errorf("fresh = %s, %v; want a new etag", fresh, err)
	}
	// A fresh walk serves the next gets.
	writeFile(t, filepath.Join(dir, "docs", "index.md"), "three, longer still")
	if got, _ := th.get(dir, false); got != fresh {
		t.Errorf("after a fresh walk: %s, want %s", got, fresh)
	}
	clock.Add(int64(5 * time.Second))
	if got, _ := th.get(dir, false); got == fresh || got == first {
		t.Errorf("after the window: %s, want a new etag", got)
	}
	if _, err := th.get(filepath.Join(dir, "missing"), false); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing folder = %v", err)
	}
	clock.Add(int64(time.Minute))
	_, _ = th.get(dir, false)
	if n := len(th.m); n != 1 {
		t.Errorf("%d walks kept after the window, want 1", n)
	}
}

// sharedDocs writes one folder with docs and returns entities whose
// dir:. docs all resolve to it (a monorepo).
func sharedDocs(t *testing.T, names ...string) ([]*entity.Entity, string) {
	t.Helper()
	dir := writeSite(t, map[string]string{"docs/index.md": "first edition"})
	var es []*entity.Entity
	for _, n := range names {
		writeFile(t, filepath.Join(dir, n+".yaml"), "kind: Component")
		es = append(es, &entity.Entity{
			APIVersion: "backstage.io/v1alpha1", Kind: "Component",
			Metadata: entity.Metadata{Name: n, Namespace: "default", Etag: "v1", Annotations: map[string]string{
				entity.AnnotationTechDocsRef:       "dir:.",
				entity.AnnotationManagedByLocation: "file:" + filepath.Join(dir, n+".yaml"),
			}},
		})
	}
	return es, dir
}

// sharedFixture builds a and b from a shared folder in the background,
// then, a minute later, c: the background walk of the folder for c is
// recent when the test goes on.
func sharedFixture(t *testing.T) (f *builderFixture, a, b *entity.Entity, dir string) {
	t.Helper()
	f = newBuilderFixture(t, BuilderOptions{PollInterval: time.Hour, RecheckInterval: time.Hour})
	es, dir := sharedDocs(t, "harbour-tides", "ferry-booking", "lighthouse")
	f.cat.set(es[0], es[1])
	f.run(t)
	built := func(e *entity.Entity) func() bool {
		return func() bool { st := f.b.Status(e.Ref()); return !st.LastBuild.IsZero() && !st.Building }
	}
	eventually(t, "a is built", built(es[0]))
	eventually(t, "b is built", built(es[1]))
	f.advance(61 * time.Second)
	f.cat.set(es...)
	if err := f.b.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "c is built", built(es[2]))
	return f, es[0], es[1], dir
}

// TestSyncSeesEditInSharedFolder: a background check has just hashed the
// shared folder; a file in it is edited; the sync endpoint for another
// entity of that folder hashes it anew and rebuilds.
func TestSyncSeesEditInSharedFolder(t *testing.T) {
	f, a, _, dir := sharedFixture(t)
	writeFile(t, filepath.Join(dir, "docs", "index.md"), "second edition")
	updated, err := f.b.Sync(context.Background(), a, func(string) {})
	if err != nil || !updated {
		t.Fatalf("Sync after an edit = %v, %v", updated, err)
	}
	if got := f.page(t, a, ""); !strings.Contains(got, "second edition") {
		t.Errorf("page = %q", got)
	}
}

// TestRequestSeesEditInSharedFolder: the same for a reader's request.
func TestRequestSeesEditInSharedFolder(t *testing.T) {
	f, _, b, dir := sharedFixture(t)
	writeFile(t, filepath.Join(dir, "docs", "index.md"), "second edition")
	f.b.Request(b)
	eventually(t, "the rebuild", func() bool { return strings.Contains(f.page(t, b, ""), "second edition") })
}

// TestBuilderWalksSharedFolderOnce: a poll round over entities sharing a
// folder reuses one walk, so an edit made during the round waits for the
// next check rather than being half seen.
func TestBuilderWalksSharedFolderOnce(t *testing.T) {
	f, a, b, dir := sharedFixture(t)
	writeFile(t, filepath.Join(dir, "docs", "index.md"), "second edition")
	// Entity changes queue checks of a and b within the window.
	a2, b2 := a.Clone(), b.Clone()
	a2.Metadata.Etag, b2.Metadata.Etag = "v2", "v2"
	f.cat.set(a2, b2)
	runs, checkedA, checkedB := f.gen.runs.Load(), f.b.Status(a.Ref()).LastCheck, f.b.Status(b.Ref()).LastCheck
	if err := f.b.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "both are checked", func() bool {
		return f.b.idle(2) && f.b.Status(a.Ref()).LastCheck.After(checkedA) && f.b.Status(b.Ref()).LastCheck.After(checkedB)
	})
	if n := f.gen.runs.Load() - runs; n != 0 {
		t.Errorf("%d builds within the window of a walk", n)
	}
	// Once the window has passed, the edit is seen.
	f.advance(time.Hour)
	if err := f.b.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the rebuild", func() bool {
		return strings.Contains(f.page(t, a, ""), "second edition") && strings.Contains(f.page(t, b, ""), "second edition")
	})
}
