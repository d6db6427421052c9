package techdocs

import (
	"bytes"
	"container/list"
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/callboard/callboard/internal/blob"
)

// Cache is a read cache in front of a bucket: whole objects up to a size,
// least recently used evicted first, within a total byte budget. Entries
// older than the TTL are read again, so a site published by another
// replica shows within the TTL; Put and Delete through the cache drop the
// key at once, so a publish from this process shows immediately.
type Cache struct {
	next     blob.Bucket
	maxBytes int64
	maxEntry int64
	ttl      time.Duration
	now      func() time.Time

	mu    sync.Mutex
	used  int64
	order *list.List // front = most recently used
	byKey map[string]*list.Element
	// gen moves on every invalidation, so a read that started before one
	// does not store what it read.
	gen uint64

	hits, misses uint64
}

type cacheEntry struct {
	key  string
	body []byte
	info blob.Info
	at   time.Time
}

var _ blob.Bucket = (*Cache)(nil)

// Cache defaults.
const (
	DefaultCacheBytes = 64 << 20
	DefaultCacheTTL   = 10 * time.Minute
)

// NewCache puts a cache of maxBytes (DefaultCacheBytes when 0) with
// entries living ttl (DefaultCacheTTL when 0) in front of next. Objects
// larger than an eighth of the budget pass through uncached.
func NewCache(next blob.Bucket, maxBytes int64, ttl time.Duration) *Cache {
	if maxBytes <= 0 {
		maxBytes = DefaultCacheBytes
	}
	if ttl <= 0 {
		ttl = DefaultCacheTTL
	}
	return &Cache{
		next: next, maxBytes: maxBytes, maxEntry: maxBytes / 8, ttl: ttl, now: time.Now,
		order: list.New(), byKey: map[string]*list.Element{},
	}
}

// Get serves a fresh cached copy or reads through and keeps the object.
func (c *Cache) Get(ctx context.Context, key string) (io.ReadCloser, blob.Info, error) {
	c.mu.Lock()
	if el, ok := c.byKey[key]; ok {
		e := el.Value.(*cacheEntry)
		if c.now().Sub(e.at) < c.ttl {
			c.order.MoveToFront(el)
			c.hits++
			c.mu.Unlock()
			return io.NopCloser(bytes.NewReader(e.body)), e.info, nil
		}
		c.remove(el)
	}
	c.misses++
	gen := c.gen
	c.mu.Unlock()

	rc, info, err := c.next.Get(ctx, key)
	if err != nil || info.Size > c.maxEntry {
		return rc, info, err
	}
	defer rc.Close()
	body, err := io.ReadAll(io.LimitReader(rc, c.maxEntry+1))
	if err != nil {
		return nil, blob.Info{}, fmt.Errorf("read %s: %w", key, err)
	}
	if int64(len(body)) <= c.maxEntry {
		c.store(gen, &cacheEntry{key: key, body: body, info: info, at: c.now()})
	}
	return io.NopCloser(bytes.NewReader(body)), info, nil
}

func (c *Cache) store(gen uint64, e *cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if el, ok := c.byKey[e.key]; ok {
		c.remove(el)
	}
	c.byKey[e.key] = c.order.PushFront(e)
	c.used += int64(len(e.body))
	for c.used > c.maxBytes {
		c.remove(c.order.Back())
	}
}

func (c *Cache) remove(el *list.Element) {
	e := c.order.Remove(el).(*cacheEntry)
	delete(c.byKey, e.key)
	c.used -= int64(len(e.body))
}

// Invalidate drops key.
func (c *Cache) Invalidate(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if el, ok := c.byKey[key]; ok {
		c.remove(el)
	}
}

// Put writes through and drops the cached copy.
func (c *Cache) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	err := c.next.Put(ctx, key, r, size)
	c.Invalidate(key)
	return err
}

// Delete deletes through and drops the cached copy.
func (c *Cache) Delete(ctx context.Context, key string) error {
	err := c.next.Delete(ctx, key)
	c.Invalidate(key)
	return err
}

// List is not cached: publishing is its only caller.
func (c *Cache) List(ctx context.Context, prefix string) ([]blob.Info, error) {
	return c.next.List(ctx, prefix)
}

// CacheStats are a cache's counters.
type CacheStats struct {
	Hits, Misses uint64
	Bytes        int64
	Entries      int
}

// Stats returns the counters, for tests and the operator page.
func (c *Cache) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return CacheStats{Hits: c.hits, Misses: c.misses, Bytes: c.used, Entries: len(c.byKey)}
}
