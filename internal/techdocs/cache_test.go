package techdocs

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callboard/callboard/internal/blob"
)

// countingBucket counts the reads that reach it.
type countingBucket struct {
	blob.Bucket
	gets atomic.Int64
}

func (c *countingBucket) Get(ctx context.Context, key string) (io.ReadCloser, blob.Info, error) {
	c.gets.Add(1)
	return c.Bucket.Get(ctx, key)
}

func newCounting(t *testing.T) *countingBucket {
	d, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return &countingBucket{Bucket: d}
}

func read(t *testing.T, b blob.Bucket, key string) string {
	t.Helper()
	rc, _, err := b.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%s): %v", key, err)
	}
	defer rc.Close()
	body, _ := io.ReadAll(rc)
	return string(body)
}

func TestCacheHitsAndInvalidation(t *testing.T) {
	next := newCounting(t)
	c := NewCache(next, 1<<20, time.Hour)
	ctx := context.Background()
	if err := c.Put(ctx, "a/index.html", strings.NewReader("one"), 3); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if got := read(t, c, "a/index.html"); got != "one" {
			t.Fatalf("read %q", got)
		}
	}
	if n := next.gets.Load(); n != 1 {
		t.Errorf("%d reads reached the bucket, want 1", n)
	}
	if err := c.Put(ctx, "a/index.html", strings.NewReader("two"), 3); err != nil {
		t.Fatal(err)
	}
	if got := read(t, c, "a/index.html"); got != "two" {
		t.Errorf("after Put: %q", got)
	}
	if err := c.Delete(ctx, "a/index.html"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Get(ctx, "a/index.html"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("after Delete: %v", err)
	}
	st := c.Stats()
	if st.Hits != 2 || st.Entries != 0 {
		t.Errorf("stats = %+v", st)
	}
}

func TestCacheTTL(t *testing.T) {
	next := newCounting(t)
	c := NewCache(next, 1<<20, time.Minute)
	now := time.Unix(1000, 0)
	c.now = func() time.Time { return now }
	ctx := context.Background()
	// Written behind the cache's back, as another replica would.
	if err := next.Put(ctx, "k", strings.NewReader("old"), 3); err != nil {
		t.Fatal(err)
	}
	read(t, c, "k")
	if err := next.Put(ctx, "k", strings.NewReader("new"), 3); err != nil {
		t.Fatal(err)
	}
	if got := read(t, c, "k"); got != "old" {
		t.Errorf("within the TTL: %q", got)
	}
	now = now.Add(2 * time.Minute)
	if got := read(t, c, "k"); got != "new" {
		t.Errorf("after the TTL: %q", got)
	}
}

func TestCacheBounds(t *testing.T) {
	next := newCounting(t)
	c := NewCache(next, 800, time.Hour) // entries up to 100 bytes
	ctx := context.Background()
	for i := range 20 {
		key := string(rune('a'+i)) + ".html"
		if err := next.Put(ctx, key, strings.NewReader(strings.Repeat("x", 90)), 90); err != nil {
			t.Fatal(err)
		}
		read(t, c, key)
	}
	if st := c.Stats(); st.Bytes > 800 || st.Entries != 8 {
		t.Errorf("over budget: %+v", st)
	}
	// The most recent entries stay.
	before := next.gets.Load()
	read(t, c, "t.html")
	if next.gets.Load() != before {
		t.Error("the most recent entry was evicted")
	}
	// Large objects pass through without being kept.
	big := strings.Repeat("y", 500)
	if err := next.Put(ctx, "big.bin", strings.NewReader(big), int64(len(big))); err != nil {
		t.Fatal(err)
	}
	if got := read(t, c, "big.bin"); got != big {
		t.Error("large object corrupted")
	}
	if st := c.Stats(); st.Entries != 8 {
		t.Errorf("large object cached: %+v", st)
	}
}

// slowBucket blocks reads until released, to race them with writes.
type slowBucket struct {
	blob.Bucket
	release chan struct{}
}

func (s *slowBucket) Get(ctx context.Context, key string) (io.ReadCloser, blob.Info, error) {
	rc, info, err := s.Bucket.Get(ctx, key)
	<-s.release
	return rc, info, err
}

// TestCacheStaleRead: a read that began before a Put does not store the
// old content after it.
func TestCacheStaleRead(t *testing.T) {
	d := newCounting(t)
	slow := &slowBucket{Bucket: d, release: make(chan struct{})}
	c := NewCache(slow, 1<<20, time.Hour)
	ctx := context.Background()
	if err := d.Put(ctx, "k", strings.NewReader("old"), 3); err != nil {
		t.Fatal(err)
	}
	done := make(chan string)
	go func() {
		rc, _, err := c.Get(ctx, "k")
		if err != nil {
			done <- err.Error()
			return
		}
		b, _ := io.ReadAll(rc)
		done <- string(b)
	}()
	time.Sleep(10 * time.Millisecond)
	if err := d.Put(ctx, "k", strings.NewReader("new"), 3); err != nil {
		t.Fatal(err)
	}
	c.Invalidate("k")
	close(slow.release)
	<-done
	if got := read(t, c, "k"); got != "new" {
		t.Errorf("stale content kept: %q", got)
	}
}
