package actions

import (
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/callboard/callboard/plugin"
)

// logRecorder keeps the messages an action logs.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, r.Message)
	return nil
}
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }

func (l *logRecorder) messages() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.msgs...)
}

// run is one action run in a test: its context and what it produced.
type run struct {
	ac      *plugin.ActionContext
	log     *logRecorder
	outputs map[string]any
}

// newRun makes an ActionContext over a fresh workspace.
func newRun(t *testing.T, input map[string]any) *run {
	t.Helper()
	r := &run{log: &logRecorder{}, outputs: map[string]any{}}
	r.ac = &plugin.ActionContext{
		Input:     input,
		Workspace: filepath.Join(t.TempDir(), "workspace"),
		Logger:    slog.New(r.log),
		Output:    func(name string, v any) { r.outputs[name] = v },
		Template:  plugin.TemplateInfo{EntityRef: "template:default/sample"},
		TaskID:    "task-1",
		StepID:    "step-1",
	}
	if err := os.MkdirAll(r.ac.Workspace, 0o755); err != nil {
		t.Fatal(err)
	}
	return r
}

// writeFiles creates files under dir: name → content; a content starting
// with "-> " makes a symbolic link; a name ending in "/" a directory.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(content, "-> "); ok {
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readFiles reads a directory back in writeFiles' notation; empty
// directories appear with a trailing "/".
func readFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, dir+string(filepath.Separator)))
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			out[rel] = "-> " + target
		case d.IsDir():
			entries, err := os.ReadDir(p)
			if err != nil {
				return err
			}
			if len(entries) == 0 {
				out[rel+"/"] = ""
			}
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// errText is an error's text, "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
