package techdocs

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/blob"
	"github.com/callboard/callboard/internal/blob/blobtest"
	"github.com/callboard/callboard/internal/problem"
	"github.com/google/go-cmp/cmp"
)

// buckets runs a test against the local directory, fake S3, and fake S3
// behind the read cache.
func buckets(t *testing.T, fn func(t *testing.T, b blob.Bucket)) {
	t.Run("dir", func(t *testing.T) {
		d, err := blob.NewDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		fn(t, d)
	})
	t.Run("s3", func(t *testing.T) { fn(t, blobtest.NewFakeS3(t, "techdocs").Open(t, "root/path")) })
	t.Run("s3-cached", func(t *testing.T) {
		fn(t, NewCache(blobtest.NewFakeS3(t, "techdocs").Open(t, ""), 1<<20, 0))
	})
}

// writeSite writes files (path → content) into a new folder.
func writeSite(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, body := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func listKeys(t *testing.T, b blob.Bucket, prefix string) []string {
	t.Helper()
	infos, err := b.List(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, i := range infos {
		out = append(out, i.Key)
	}
	return out
}

var mixedRef = entity.Ref{Kind: "Component", Namespace: "Tidewater", Name: "Harbour-Tides"}

func TestPublishLayout(t *testing.T) {
	buckets(t, func(t *testing.T, b blob.Bucket) {
		ctx := context.Background()
		pub := NewPublisher(b, PublisherOptions{})
		site := writeSite(t, map[string]string{
			"index.html":               "<h1>home</h1>",
			"guides/setup/index.html":  "<h1>setup</h1>",
			"search/search_index.json": `{"docs":[]}`,
			MetadataFile:               `{"site_name":"Harbour Tides","site_description":"None","etag":"e1","build_timestamp":1}`,
			"assets/x.css":             "body{}",
		})
		res, err := pub.Publish(ctx, mixedRef, site)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"tidewater/component/harbour-tides/assets/x.css",
			"tidewater/component/harbour-tides/guides/setup/index.html",
			"tidewater/component/harbour-tides/index.html",
			"tidewater/component/harbour-tides/search/search_index.json",
			"tidewater/component/harbour-tides/techdocs_metadata.json",
		}
		if diff := cmp.Diff(want, listKeys(t, b, "")); diff != "" {
			t.Errorf("layout (-want +got):\n%s", diff)
		}
		if len(res.Uploaded) != 5 || len(res.Deleted) != 0 {
			t.Errorf("result = %+v", res)
		}
		// Reads use the triplet whatever its spelling.
		body, _, err := pub.ReadFile(ctx, entity.Ref{Kind: "component", Namespace: "tidewater", Name: "harbour-tides"}, "guides/setup/")
		if err != nil || string(body) != "<h1>setup</h1>" {
			t.Errorf("ReadFile = %q, %v", body, err)
		}
		md, err := pub.Metadata(ctx, mixedRef)
		if err != nil {
			t.Fatal(err)
		}
		if md.SiteName != "Harbour Tides" || md.Etag != "e1" || md.BuildTimestamp != 1 {
			t.Errorf("Metadata = %+v", md)
		}
	})
}

func TestPublishDeletesStale(t *testing.T) {
	buckets(t, func(t *testing.T, b blob.Bucket) {
		ctx := context.Background()
		pub := NewPublisher(b, PublisherOptions{Workers: 2})
		other := entity.Ref{Kind: "component", Namespace: "default", Name: "harbour"} // a name that is a prefix
		if _, err := pub.Publish(ctx, other, writeSite(t, map[string]string{"index.html": "other"})); err != nil {
			t.Fatal(err)
		}
		first := writeSite(t, map[string]string{"index.html": "v1", "old/index.html": "old", "keep.txt": "k"})
		ref := entity.Ref{Kind: "component", Namespace: "default", Name: "harbour-tides"}
		if _, err := pub.Publish(ctx, ref, first); err != nil {
			t.Fatal(err)
		}
		second := writeSite(t, map[string]string{"index.html": "v2", "keep.txt": "k", "new.txt": "n"})
		res, err := pub.Publish(ctx, ref, second)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"old/index.html"}, res.Deleted); diff != "" {
			t.Errorf("deleted (-want +got):\n%s", diff)
		}
		want := []string{
			"default/component/harbour-tides/index.html",
			"default/component/harbour-tides/keep.txt",
			"default/component/harbour-tides/new.txt",
			"default/component/harbour/index.html",
		}
		if diff := cmp.Diff(want, listKeys(t, b, "default/")); diff != "" {
			t.Errorf("after republish (-want +got):\n%s", diff)
		}
		body, _, err := pub.ReadFile(ctx, ref, "")
		if err != nil || string(body) != "v2" {
			t.Errorf("index after republish = %q, %v", body, err)
		}
	})
}

func TestPublishLegacyCase(t *testing.T) {
	d, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	pub := NewPublisher(d, PublisherOptions{LegacyCase: true})
	if _, err := pub.Publish(context.Background(), mixedRef, writeSite(t, map[string]string{"index.html": "x"})); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Tidewater/Component/Harbour-Tides/index.html"}, listKeys(t, d, "")); diff != "" {
		t.Errorf("legacy layout (-want +got):\n%s", diff)
	}
}

func TestPublishErrors(t *testing.T) {
	d, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	pub := NewPublisher(d, PublisherOptions{})
	ctx := context.Background()
	ref := entity.Ref{Kind: "component", Namespace: "default", Name: "x"}
	if _, err := pub.Publish(ctx, ref, t.TempDir()); err == nil {
		t.Error("an empty site was published")
	}
	if _, err := pub.Publish(ctx, ref, filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing folder was published")
	}
	site := writeSite(t, map[string]string{"index.html": "x"})
	if err := os.Symlink("/etc/passwd", filepath.Join(site, "passwd")); err == nil {
		if _, err := pub.Publish(ctx, ref, site); err == nil {
			t.Error("a site with a symbolic link was published")
		}
	}
}

func TestOpenEscapes(t *testing.T) {
	d, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	pub := NewPublisher(d, PublisherOptions{})
	ctx := context.Background()
	a := entity.Ref{Kind: "component", Namespace: "default", Name: "a"}
	b := entity.Ref{Kind: "component", Namespace: "default", Name: "b"}
	for _, r := range []entity.Ref{a, b} {
		if _, err := pub.Publish(ctx, r, writeSite(t, map[string]string{"index.html": r.Name})); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"../b/index.html", "x/../../b/index.html", "/etc/passwd", "a//b", `..\b\index.html`, "missing.html"} {
		_, _, err := pub.Open(ctx, a, p)
		if !problem.Is(err, problem.NotFoundError) {
			t.Errorf("Open(%q) = %v, want NotFound", p, err)
		}
	}
	if _, err := pub.Metadata(ctx, a); !problem.Is(err, problem.NotFoundError) {
		t.Errorf("Metadata of a site without one = %v", err)
	}
}
