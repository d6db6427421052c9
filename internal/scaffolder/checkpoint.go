package scaffolder

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
)

// checkpoint is one stored checkpoint result (d.7).
type checkpoint struct {
	Status string `json:"status"`
	Value  any    `json:"value,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// taskState is what a task keeps between attempts (the state column).
type taskState struct {
	Checkpoints map[string]checkpoint `json:"checkpoints,omitempty"`
}

// checkpoints runs checkpointed functions once per task: a stored
// success is replayed, anything else runs again and is stored.
type checkpoints struct {
	mu    sync.Mutex
	state taskState
	// saveMu orders saves: each writes the state with every checkpoint
	// stored before it, so parallel iterations do not overwrite each
	// other's with an older copy.
	saveMu sync.Mutex
	// save persists the state; nil keeps it in memory (dry runs).
	save func(ctx context.Context, state json.RawMessage) error
}

func newCheckpoints(raw json.RawMessage, save func(context.Context, json.RawMessage) error) (*checkpoints, error) {
	c := &checkpoints{save: save}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &c.state); err != nil {
			return nil, fmt.Errorf("decode task state: %w", err)
		}
	}
	if c.state.Checkpoints == nil {
		c.state.Checkpoints = map[string]checkpoint{}
	}
	return c, nil
}

func (c *checkpoints) run(ctx context.Context, key string, fn func() (any, error)) (any, error) {
	c.mu.Lock()
	prev, ok := c.state.Checkpoints[key]
	c.mu.Unlock()
	if ok && prev.Status == "success" {
		return prev.Value, nil
	}
	v, err := fn()
	cp := checkpoint{Status: "success", Value: v}
	if err != nil {
		cp = checkpoint{Status: "failed", Reason: err.Error()}
	}
	if serr := c.store(ctx, key, cp); serr != nil && err == nil {
		return nil, serr
	}
	return v, err
}

func (c *checkpoints) store(ctx context.Context, key string, cp checkpoint) error {
	c.saveMu.Lock()
	defer c.saveMu.Unlock()
	c.mu.Lock()
	c.state.Checkpoints[key] = cp
	b, err := json.Marshal(c.state)
	c.mu.Unlock()
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", key, err)
	}
	if c.save == nil {
		return nil
	}
	return c.save(context.WithoutCancel(ctx), b)
}
