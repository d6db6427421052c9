package scaffolder

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestCheckpointsParallelSaves: the parallel iterations of a step store
// their checkpoints at once; the state saved last must hold all of them,
// even when an earlier save is slow to reach the database.
func TestCheckpointsParallelSaves(t *testing.T) {
	var (
		mu       sync.Mutex
		saved    []json.RawMessage
		entered  = make(chan struct{})
		release  = make(chan struct{})
		slowOnce sync.Once
	)
	c, err := newCheckpoints(nil, func(_ context.Context, state json.RawMessage) error {
		slow := false
		slowOnce.Do(func() { slow = true })
		if slow { // the first save stalls until the second had its chance
			close(entered)
			<-release
		}
		mu.Lock()
		saved = append(saved, state)
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	run := func(key string) {
		if _, err := c.run(context.Background(), key, func() (any, error) { return key, nil }); err != nil {
			t.Errorf("run %s: %v", key, err)
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() { run("a") })
	<-entered
	secondDone := make(chan struct{})
	wg.Go(func() {
		defer close(secondDone)
		run("b")
	})
	// Without ordered saves the second one lands first; with them it
	// waits for the first. Either way, let the first go on.
	select {
	case <-secondDone:
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	wg.Wait()

	var last taskState
	if err := json.Unmarshal(saved[len(saved)-1], &last); err != nil {
		t.Fatal(err)
	}
	want := map[string]checkpoint{"a": {Status: "success", Value: "a"}, "b": {Status: "success", Value: "b"}}
	if diff := cmp.Diff(want, last.Checkpoints); diff != "" {
		t.Errorf("last saved checkpoints (-want +got):\n%s", diff)
	}
}
