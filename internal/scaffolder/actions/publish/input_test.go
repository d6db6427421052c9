package publish

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/plugin"
)

// storingCheckpoint keeps results as JSON, as the task runner stores them,
// and replays them.
func storingCheckpoint(store map[string]string) func(string, func() (any, error)) (any, error) {
	return func(key string, fn func() (any, error)) (any, error) {
		if s, ok := store[key]; ok {
			var v any
			err := json.Unmarshal([]byte(s), &v)
			return v, err
		}
		v, err := fn()
		if err != nil {
			return nil, err
		}
		b, _ := json.Marshal(v)
		store[key] = string(b)
		return v, nil
	}
}

func TestCheckpointReplay(t *testing.T) {
	store := map[string]string{}
	ac := &plugin.ActionContext{Checkpoint: storingCheckpoint(store)}
	calls := 0
	fn := func() (createdRepo, error) {
		calls++
		return createdRepo{CloneURL: "https://git.example.com/a.git", HTMLURL: "https://git.example.com/a"}, nil
	}
	first, err := checkpoint(ac, "k", fn)
	if err != nil {
		t.Fatal(err)
	}
	again, err := checkpoint(ac, "k", fn)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("fn ran %d times, want once", calls)
	}
	if d := cmp.Diff(first, again); d != "" {
		t.Errorf("replayed value (-first +replayed):\n%s", d)
	}

	boom := errors.New("boom")
	if _, err := checkpoint(ac, "failing", func() (string, error) { return "", boom }); !errors.Is(err, boom) {
		t.Errorf("error = %v, want boom", err)
	}
	if _, err := checkpoint(&plugin.ActionContext{}, "no checkpoints", fn); err != nil || calls != 2 {
		t.Errorf("without Checkpoint: err = %v, calls = %d", err, calls)
	}
}

func TestDecodeInputError(t *testing.T) {
	err := actionByID(t, Deps{}, "publish:git").Run(context.Background(), &plugin.ActionContext{Input: map[string]any{"remoteUrl": 5}})
	if err == nil || err.Error() != "InputError: publish:git: input: json: cannot unmarshal number into Go struct field publishGitInput.remoteUrl of type string" {
		t.Errorf("error = %v", err)
	}
}
