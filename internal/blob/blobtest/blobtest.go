// Package blobtest is the conformance suite every blob.Bucket passes: the
// same keys, contents, listings and errors whatever stores the objects.
package blobtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callboard/callboard/internal/blob"
	"github.com/google/go-cmp/cmp"
)

// Run runs the suite. open returns a new, empty bucket for each subtest.
func Run(t *testing.T, open func(t *testing.T) blob.Bucket) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b blob.Bucket)
	}{
		{"GetMissing", testGetMissing},
		{"PutGet", testPutGet},
		{"Overwrite", testOverwrite},
		{"List", testList},
		{"ListEmpty", testListEmpty},
		{"Delete", testDelete},
		{"InvalidKeys", testInvalidKeys},
		{"PrefixIsNotAnObject", testPrefixIsNotAnObject},
		{"Large", testLarge},
		{"Concurrent", testConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

func put(t *testing.T, b blob.Bucket, key, body string) {
	t.Helper()
	if err := b.Put(context.Background(), key, strings.NewReader(body), int64(len(body))); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

func get(t *testing.T, b blob.Bucket, key string) (string, blob.Info) {
	t.Helper()
	rc, info, err := b.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	body, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return string(body), info
}

func keys(t *testing.T, b blob.Bucket, prefix string) []string {
	t.Helper()
	infos, err := b.List(context.Background(), prefix)
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	out := []string{}
	for _, i := range infos {
		out = append(out, i.Key)
	}
	return out
}

func testGetMissing(t *testing.T, b blob.Bucket) {
	for _, key := range []string{"missing.html", "a/b/missing.html"} {
		_, _, err := b.Get(context.Background(), key)
		if !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Get(%q) = %v, want ErrNotFound", key, err)
		}
	}
	put(t, b, "file", "x")
	if _, _, err := b.Get(context.Background(), "file/below"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Get below a file = %v, want ErrNotFound", err)
	}
}

func testPutGet(t *testing.T, b blob.Bucket) {
	before := time.Now().Add(-time.Minute)
	key := "default/component/Ünïcode name/index.html"
	put(t, b, key, "<h1>hello</h1>")
	body, info := get(t, b, key)
	if body != "<h1>hello</h1>" {
		t.Errorf("body = %q", body)
	}
	if info.Key != key || info.Size != int64(len(body)) {
		t.Errorf("info = %+v", info)
	}
	if info.ETag == "" {
		t.Error("no ETag")
	}
	if info.ModTime.Before(before) || info.ModTime.After(time.Now().Add(time.Minute)) {
		t.Errorf("ModTime = %v, not about now", info.ModTime)
	}
	// Empty objects exist (a site's .nojekyll).
	put(t, b, "empty/.nojekyll", "")
	if body, info := get(t, b, "empty/.nojekyll"); body != "" || info.Size != 0 {
		t.Errorf("empty object = %q, %+v", body, info)
	}
	// An unknown size is allowed.
	if err := b.Put(context.Background(), "unsized.txt", strings.NewReader("abc"), -1); err != nil {
		t.Fatalf("Put with size -1: %v", err)
	}
	if body, _ := get(t, b, "unsized.txt"); body != "abc" {
		t.Errorf("unsized body = %q", body)
	}
}

func testOverwrite(t *testing.T, b blob.Bucket) {
	put(t, b, "a/page.html", "one")
	_, first := get(t, b, "a/page.html")
	put(t, b, "a/page.html", "second version")
	body, second := get(t, b, "a/page.html")
	if body != "second version" || second.Size != int64(len("second version")) {
		t.Errorf("after overwrite: %q %+v", body, second)
	}
	if first.ETag == second.ETag {
		t.Errorf("ETag %s did not change with the content", first.ETag)
	}
	if got := keys(t, b, "a/"); !cmp.Equal(got, []string{"a/page.html"}) {
		t.Errorf("an overwrite left %v", got)
	}
}

func testList(t *testing.T, b blob.Bucket) {
	all := []string{
		"a.txt",
		"a/b",
		"a/b/c.html",
		"a/bc/d.html",
		"a/x/y/z.css",
		"b/only.json",
	}
	for _, k := range all {
		if k == "a/b" {
			continue // a key cannot be both an object and a folder in a directory
		}
		put(t, b, k, "content of "+k)
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"", []string{"a.txt", "a/b/c.html", "a/bc/d.html", "a/x/y/z.css", "b/only.json"}},
		{"a", []string{"a.txt", "a/b/c.html", "a/bc/d.html", "a/x/y/z.css"}},
		{"a/", []string{"a/b/c.html", "a/bc/d.html", "a/x/y/z.css"}},
		{"a/b", []string{"a/b/c.html", "a/bc/d.html"}},
		{"a/b/", []string{"a/b/c.html"}},
		{"a/x/y/z.css", []string{"a/x/y/z.css"}},
		{"c/", []string{}},
		{"a/b/c.htmlx", []string{}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, keys(t, b, tt.prefix)); diff != "" {
			t.Errorf("List(%q) (-want +got):\n%s", tt.prefix, diff)
		}
	}
	infos, err := b.List(context.Background(), "b/")
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 || infos[0].Size != int64(len("content of b/only.json")) || infos[0].ETag == "" {
		t.Errorf("List info = %+v", infos)
	}
}

func testListEmpty(t *testing.T, b blob.Bucket) {
	if got := keys(t, b, ""); len(got) != 0 {
		t.Errorf("empty bucket lists %v", got)
	}
	if got := keys(t, b, "no/such/prefix/"); len(got) != 0 {
		t.Errorf("missing prefix lists %v", got)
	}
}

func testDelete(t *testing.T, b blob.Bucket) {
	ctx := context.Background()
	put(t, b, "site/a/index.html", "a")
	put(t, b, "site/b/index.html", "b")
	if err := b.Delete(ctx, "site/a/index.html"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, _, err := b.Get(ctx, "site/a/index.html"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Get after Delete = %v", err)
	}
	if got := keys(t, b, "site/"); !cmp.Equal(got, []string{"site/b/index.html"}) {
		t.Errorf("after Delete: %v", got)
	}
	if err := b.Delete(ctx, "site/a/index.html"); err != nil {
		t.Errorf("Delete of a missing object: %v", err)
	}
	if err := b.Delete(ctx, "never/was.txt"); err != nil {
		t.Errorf("Delete of a never-written key: %v", err)
	}
	// The folder emptied by the delete can be written again.
	put(t, b, "site/a/index.html", "again")
	if body, _ := get(t, b, "site/a/index.html"); body != "again" {
		t.Errorf("rewrite = %q", body)
	}
}

func testInvalidKeys(t *testing.T, b blob.Bucket) {
	ctx := context.Background()
	for _, key := range []string{"", "/abs", "../escape", "a/../../b", "a//b", "a/./b", "dir/", `a\b`, "nul\x00"} {
		var ke *blob.KeyError
		if err := b.Put(ctx, key, strings.NewReader("x"), 1); !errors.As(err, &ke) {
			t.Errorf("Put(%q) = %v, want a KeyError", key, err)
		}
		if _, _, err := b.Get(ctx, key); !errors.As(err, &ke) {
			t.Errorf("Get(%q) = %v, want a KeyError", key, err)
		}
		if err := b.Delete(ctx, key); !errors.As(err, &ke) {
			t.Errorf("Delete(%q) = %v, want a KeyError", key, err)
		}
	}
	for _, prefix := range []string{"../", "/a", "a/../"} {
		var ke *blob.KeyError
		if _, err := b.List(ctx, prefix); !errors.As(err, &ke) {
			t.Errorf("List(%q) = %v, want a KeyError", prefix, err)
		}
	}
}

func testPrefixIsNotAnObject(t *testing.T, b blob.Bucket) {
	put(t, b, "dir/file.txt", "x")
	if _, _, err := b.Get(context.Background(), "dir"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Get of a folder = %v, want ErrNotFound", err)
	}
}

func testLarge(t *testing.T, b blob.Bucket) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16+3) // a little over 1 MiB
	if err := b.Put(context.Background(), "big/blob.bin", bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	body, info := get(t, b, "big/blob.bin")
	if !bytes.Equal([]byte(body), data) || info.Size != int64(len(data)) {
		t.Errorf("large object: got %d bytes (info %d), want %d", len(body), info.Size, len(data))
	}
}

func testConcurrent(t *testing.T, b blob.Bucket) {
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 16 {
		wg.Go(func() {
			key := fmt.Sprintf("ns/kind/name-%d/page/index.html", i)
			body := strings.Repeat("x", i+1)
			if err := b.Put(context.Background(), key, strings.NewReader(body), int64(len(body))); err != nil {
				errs <- err
				return
			}
			rc, _, err := b.Get(context.Background(), key)
			if err != nil {
				errs <- err
				return
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if string(got) != body {
				errs <- fmt.Errorf("%s: read %q", key, got)
			}
			if i%2 == 0 {
				if err := b.Delete(context.Background(), key); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := keys(t, b, "ns/"); len(got) != 8 {
		t.Errorf("after concurrent writes and deletes: %d objects, want 8: %v", len(got), got)
	}
}
