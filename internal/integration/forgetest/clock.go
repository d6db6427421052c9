// Package forgetest holds test doubles for the forge readers: a clock that
// sleeps without waiting, and an HTTP server that answers scripted routes
// and records every request so tests can assert exactly what was sent.
package forgetest

import (
	"context"
	"sync"
	"time"
)

// Clock is a fake ratelimit.Clock: Sleep returns at once and moves the
// time forward to when the sleep would have ended.
type Clock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

// NewClock returns a clock set to start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep records d and moves the time to at least now+d.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	end := c.now.Add(d)
	if end.After(c.now) {
		c.now = end
	}
	c.slept = append(c.slept, d)
	c.mu.Unlock()
	return nil
}

// Advance moves the time forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Slept returns the durations slept so far.
func (c *Clock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}
