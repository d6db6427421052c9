package techdocs

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/entity"
)

// TestBuilderDoesNotRetrySameFailedInput: a build that failed is not run
// again for entity changes that leave its input alone, until the recheck
// interval has passed; a changed input, a changed source and the sync
// endpoint build again.
func TestBuilderDoesNotRetrySameFailedInput(t *testing.T) {
	f := newBuilderFixture(t, BuilderOptions{PollInterval: time.Hour, RecheckInterval: time.Hour})
	e, dir := docsSource(t, "harbour-tides", map[string]string{"index.md": "BROKEN"})
	f.cat.set(e)
	f.run(t)
	ctx := context.Background()
	// poll lists the catalog holding e with etag and waits for its check.
	poll := func(e *entity.Entity, etag string) {
		t.Helper()
		e = e.Clone()
		e.Metadata.Etag = etag
		f.cat.set(e)
		before := f.b.Status(e.Ref()).LastCheck
		if err := f.b.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the check", func() bool { return f.b.idle(1) && f.b.Status(e.Ref()).LastCheck.After(before) })
	}
	eventually(t, "the first failure", func() bool { return f.b.idle(1) && f.b.Status(e.Ref()).Error != "" })
	first := f.b.Status(e.Ref())
	if !strings.Contains(first.Error, "broken page") || !slices.ContainsFunc(first.Log, func(l string) bool { return strings.Contains(l, "cannot render page") }) {
		t.Fatalf("status = %+v", first)
	}

	f.advance(10 * time.Second) // past the window in which a walk is reused
	poll(e, "v2")
	if n := f.gen.runs.Load(); n != 1 {
		t.Errorf("%d builds after an entity change that leaves the docs input alone, want 1", n)
	}
	st := f.b.Status(e.Ref())
	if diff := cmp.Diff([]any{first.Error, first.ErrorAt, first.Log}, []any{st.Error, st.ErrorAt, st.Log}); diff != "" {
		t.Errorf("the status of the skipped check (-first +now):\n%s", diff)
	}

	titled := e.Clone()
	titled.Metadata.Title = "Harbour Tides"
	poll(titled, "v3")
	if n := f.gen.runs.Load(); n != 2 {
		t.Errorf("%d builds after the site name changed, want 2", n)
	}

	f.advance(61 * time.Second)
	if _, err := f.b.Sync(ctx, titled, func(string) {}); err == nil || !strings.Contains(err.Error(), "broken page") {
		t.Errorf("Sync = %v", err)
	}
	if n := f.gen.runs.Load(); n != 3 {
		t.Errorf("%d builds after a sync, want 3", n)
	}

	f.advance(time.Hour)
	poll(titled, "v3")
	if n := f.gen.runs.Load(); n != 4 {
		t.Errorf("%d builds after the recheck interval, want 4", n)
	}

	f.advance(10 * time.Second)
	writeFile(t, filepath.Join(dir, "docs", "index.md"), "mended")
	poll(titled, "v4")
	if st := f.b.Status(e.Ref()); st.Error != "" || !strings.Contains(f.page(t, e, ""), "mended") {
		t.Errorf("after the source was mended: %+v", st)
	}
}
