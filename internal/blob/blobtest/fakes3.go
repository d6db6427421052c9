package blobtest

import (
	"net/http/httptest"
	"testing"

	"github.com/callboard/callboard/internal/blob"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// FakeS3 is an in-process S3 service (gofakes3) holding one empty bucket.
type FakeS3 struct {
	URL    string
	Bucket string
}

// NewFakeS3 starts a fake S3 service with an empty bucket, stopped when
// the test ends.
func NewFakeS3(t testing.TB, bucket string) *FakeS3 {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	return &FakeS3{URL: srv.URL, Bucket: bucket}
}

// Options are the S3 options that reach the fake's bucket under root.
func (f *FakeS3) Options(root string) blob.S3Options {
	return blob.S3Options{
		Bucket:          f.Bucket,
		RootPath:        root,
		Region:          "us-east-1",
		Endpoint:        f.URL,
		ForcePathStyle:  true,
		AccessKeyID:     "test",
		SecretAccessKey: "test-secret",
	}
}

// Open returns the fake's bucket under root.
func (f *FakeS3) Open(t testing.TB, root string) *blob.S3 {
	t.Helper()
	b, err := blob.NewS3(f.Options(root))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
