package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callboard/callboard/internal/blob/blobtest"
)

// TestTechdocsPublishS3 publishes to an S3-compatible store (gofakes3 in
// process) with credentials from the AWS environment variables.
func TestTechdocsPublishS3(t *testing.T) {
	fake := blobtest.NewFakeS3(t, "docs-bucket")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	t.Setenv("AWS_REGION", "us-east-1")
	site := t.TempDir()
	for p, body := range map[string]string{
		"index.html":               "<h1>Tides</h1>",
		"techdocs_metadata.json":   `{"site_name":"Tides"}`,
		"search/search_index.json": `{"docs":[]}`,
	} {
		full := filepath.Join(site, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"techdocs", "publish",
		"--publisher-type", "awsS3", "--storage-name", "docs-bucket", "--entity", "default/Component/Tides",
		"--directory", site, "--awsEndpoint", fake.URL, "--awsS3ForcePathStyle", "--awsBucketRootPath", "/portal/docs/"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if want := "published 3 files for default/Component/Tides to s3://docs-bucket/portal/docs/default/component/tides/\n"; stdout.String() != want {
		t.Errorf("stdout = %q, want %q", stdout.String(), want)
	}
	b := fake.Open(t, "")
	infos, err := b.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, i := range infos {
		keys = append(keys, i.Key)
	}
	if got := strings.Join(keys, " "); got != "portal/docs/default/component/tides/index.html portal/docs/default/component/tides/search/search_index.json portal/docs/default/component/tides/techdocs_metadata.json" {
		t.Errorf("keys = %s", got)
	}
	rc, _, err := b.Get(context.Background(), "portal/docs/default/component/tides/index.html")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if body, _ := io.ReadAll(rc); string(body) != "<h1>Tides</h1>" {
		t.Errorf("index.html = %q", body)
	}

	// Wrong credentials are the service's error, exit 1.
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	stdout.Reset()
	stderr.Reset()
	code = run(context.Background(), []string{"techdocs", "publish",
		"--publisher-type", "awsS3", "--storage-name", "no-such-bucket", "--entity", "default/component/tides",
		"--directory", site, "--awsEndpoint", fake.URL, "--awsS3ForcePathStyle"}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "no-such-bucket") {
		t.Errorf("missing bucket: exit %d: %s", code, stderr.String())
	}
}
