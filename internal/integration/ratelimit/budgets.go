package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"time"
)

// Clock tells the time and waits; tests replace it to run without delay.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx ends, returning ctx's error then.
	Sleep(ctx context.Context, d time.Duration) error
}

// System is the real clock.
var System Clock = systemClock{}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Budgets holds the budget of every credential in use, so that all readers
// of one credential share one budget. It is safe for concurrent use.
type Budgets struct {
	clock Clock
	mu    sync.Mutex
	m     map[string]*Budget
}

// NewBudgets returns an empty set of budgets; a nil clock is System.
func NewBudgets(clock Clock) *Budgets {
	if clock == nil {
		clock = System
	}
	return &Budgets{clock: clock, m: map[string]*Budget{}}
}

// Clock returns the clock the budgets use.
func (bs *Budgets) Clock() Clock { return bs.clock }

// Get returns the budget for key, creating it with name and limit on first
// use; later calls get the same budget whatever limit they pass.
func (bs *Budgets) Get(key, name string, limit Limit) *Budget {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if b, ok := bs.m[key]; ok {
		return b
	}
	b := &Budget{name: name, limit: limit, clock: bs.clock}
	bs.m[key] = b
	return b
}

// Key returns a budget key for a credential: the parts that say whose it
// is (forge, host, kind) and a digest of the secret, so that the secret
// itself is never kept in a key. An empty secret is anonymous access.
func Key(secret string, parts ...string) string {
	k := strings.Join(parts, " ")
	if secret == "" {
		return k + " anonymous"
	}
	sum := sha256.Sum256([]byte(secret))
	return k + " " + hex.EncodeToString(sum[:8])
}
