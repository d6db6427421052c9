package actions

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDebugLog(t *testing.T) {
	files := map[string]string{"b.txt": "bee", "a/x.txt": "ex", "empty/": ""}
	tests := []struct {
		name    string
		input   map[string]any
		want    []string
		wantErr string
	}{
		{name: "message", input: map[string]any{"message": "Hello, Ada!"}, want: []string{"Hello, Ada!"}},
		{name: "nothing", input: map[string]any{}, want: nil},
		{name: "list", input: map[string]any{"listWorkspace": true}, want: []string{"Workspace:\n  - a/x.txt\n  - b.txt"}},
		{name: "list false", input: map[string]any{"message": "m", "listWorkspace": false}, want: []string{"m"}},
		{name: "with filenames", input: map[string]any{"listWorkspace": "with-filenames"}, want: []string{"Workspace:\n  - a/x.txt\n  - b.txt"}},
		{name: "with contents", input: map[string]any{"message": "m", "listWorkspace": "with-contents"}, want: []string{"m", "Workspace:\n  - a/x.txt:\n\nex\n  - b.txt:\n\nbee"}},
		{name: "bad mode", input: map[string]any{"listWorkspace": "everything"}, wantErr: `InputError: input listWorkspace must be true, false, "with-filenames" or "with-contents", not "everything"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRun(t, tt.input)
			writeFiles(t, r.ac.Workspace, files)
			err := debugLog().Run(context.Background(), r.ac)
			if diff := cmp.Diff(tt.wantErr, errText(err)); diff != "" {
				t.Fatalf("error (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, r.log.messages()); diff != "" {
				t.Errorf("log (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDebugWait(t *testing.T) {
	r := newRun(t, map[string]any{"milliseconds": 30})
	start := time.Now()
	if err := debugWait().Run(context.Background(), r.ac); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("waited %v, want at least 30ms", d)
	}

	r = newRun(t, map[string]any{"minutes": 10, "seconds": 1})
	err := debugWait().Run(context.Background(), r.ac)
	if diff := cmp.Diff("InputError: Waiting duration is longer than the maximum threshold of 10 minutes", errText(err)); diff != "" {
		t.Error(diff)
	}
	r = newRun(t, map[string]any{"seconds": -1})
	if err := debugWait().Run(context.Background(), r.ac); err == nil {
		t.Error("a negative wait was accepted")
	}
}

func TestDebugWaitStopsWhenCancelled(t *testing.T) {
	r := newRun(t, map[string]any{"minutes": 5})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- debugWait().Run(ctx, r.ac) }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("debug:wait did not return after its context was cancelled")
	}
}
