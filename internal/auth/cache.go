package auth

import (
	"sync"
	"time"
)

// Identities resolved per request (proxy sign-in, the guest when the auth
// policy is disabled) are cached briefly, so a page does not cost a walk
// of the group tree for every asset it loads.
const (
	identityCacheTTL  = time.Minute
	identityCacheSize = 4096
)

// identityCache maps a key (provider and what the proxy said) to a
// resolved user for a short while.
type identityCache struct {
	now func() time.Time
	ttl time.Duration
	max int

	mu sync.Mutex
	m  map[string]cacheEntry
}

type cacheEntry struct {
	user    *signedIn
	expires time.Time
}

func newIdentityCache(now func() time.Time, ttl time.Duration, max int) *identityCache {
	return &identityCache{now: now, ttl: ttl, max: max, m: map[string]cacheEntry{}}
}

func (c *identityCache) get(key string) *signedIn {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || !c.now().Before(e.expires) {
		return nil
	}
	return e.user
}

func (c *identityCache) put(key string, u *signedIn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		c.pruneLocked()
		if len(c.m) >= c.max {
			clear(c.m)
		}
	}
	c.m[key] = cacheEntry{user: u, expires: c.now().Add(c.ttl)}
}

func (c *identityCache) prune() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pruneLocked()
}

func (c *identityCache) pruneLocked() {
	now := c.now()
	for k, e := range c.m {
		if !now.Before(e.expires) {
			delete(c.m, k)
		}
	}
}
