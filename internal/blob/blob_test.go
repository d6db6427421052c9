package blob_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callboard/callboard/internal/blob"
	"github.com/callboard/callboard/internal/blob/blobtest"
)

func TestDir(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Bucket {
		d, err := blob.NewDir(filepath.Join(t.TempDir(), "bucket"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	})
}

func TestS3(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Bucket { return blobtest.NewFakeS3(t, "docs").Open(t, "") })
}

func TestS3RootPath(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Bucket { return blobtest.NewFakeS3(t, "docs").Open(t, "/techdocs/root/") })
}

// TestDirSymlinkEscape: a link inside the directory cannot reach a file
// outside it.
func TestDirSymlinkEscape(t *testing.T) {
	tmp := t.TempDir()
	outside := filepath.Join(tmp, "secret.txt")
	if err := os.WriteFile(outside, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := blob.NewDir(filepath.Join(tmp, "bucket"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := os.Symlink(outside, filepath.Join(tmp, "bucket", "link.txt")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if rc, _, err := d.Get(context.Background(), "link.txt"); err == nil {
		rc.Close()
		t.Fatal("Get followed a link out of the bucket")
	}
}

func TestS3RootPathIsolation(t *testing.T) {
	fake := blobtest.NewFakeS3(t, "docs")
	ctx := context.Background()
	inner, whole := fake.Open(t, "inner"), fake.Open(t, "")
	if err := inner.Put(ctx, "a/index.html", strings.NewReader(""), 0); err != nil {
		t.Fatal(err)
	}
	got, err := whole.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Key != "inner/a/index.html" {
		t.Errorf("root path not applied: %+v", got)
	}
}

func TestNewS3Options(t *testing.T) {
	tests := []struct {
		name string
		o    blob.S3Options
		ok   bool
	}{
		{"no bucket", blob.S3Options{}, false},
		{"aws default", blob.S3Options{Bucket: "b"}, true},
		{"bare host", blob.S3Options{Bucket: "b", Endpoint: "minio.example.com:9000"}, true},
		{"url", blob.S3Options{Bucket: "b", Endpoint: "http://localhost:9000"}, true},
		{"url with path", blob.S3Options{Bucket: "b", Endpoint: "http://localhost:9000/x"}, false},
		{"ftp", blob.S3Options{Bucket: "b", Endpoint: "ftp://localhost"}, false},
		{"bad root", blob.S3Options{Bucket: "b", RootPath: "a/../b"}, false},
		{"sse", blob.S3Options{Bucket: "b", SSE: "AES256"}, true},
		{"sse kms", blob.S3Options{Bucket: "b", SSE: "aws:kms"}, false},
	}
	for _, tt := range tests {
		_, err := blob.NewS3(tt.o)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}
