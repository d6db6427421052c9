package actions

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/problem"
)

func TestFSDelete(t *testing.T) {
	start := map[string]string{
		"a.txt":           "a",
		"b.log":           "b",
		"dir/c.log":       "c",
		"dir/sub/d.txt":   "d",
		".hidden/e.log":   "e",
		"keep/f.txt":      "f",
		"README.md":       "r",
		"docs/index.md":   "i",
		"docs/img/x.png":  "x",
		"other/ignore.md": "o",
	}
	tests := []struct {
		name    string
		files   []any
		want    []string // paths deleted
		wantErr string
	}{
		{name: "one file", files: []any{"a.txt"}, want: []string{"a.txt"}},
		{name: "glob with dot files", files: []any{"**/*.log"}, want: []string{"b.log", "dir/c.log", ".hidden/e.log"}},
		{name: "directory with contents", files: []any{"docs"}, want: []string{"docs/index.md", "docs/img/x.png"}},
		{name: "directory and a file inside it", files: []any{"dir", "dir/sub/d.txt"}, want: []string{"dir/c.log", "dir/sub/d.txt"}},
		{name: "nothing matches", files: []any{"nope/*"}},
		{name: "leading dot slash", files: []any{"./README.md"}, want: []string{"README.md"}},
		{name: "parent escape", files: []any{"../outside.txt"}, wantErr: `InputError: Relative path is not allowed to refer to a directory outside its parent (input files[0] is "../outside.txt")`},
		{name: "escape after a valid pattern deletes nothing", files: []any{"a.txt", "dir/../../x"}, wantErr: `InputError: Relative path is not allowed to refer to a directory outside its parent (input files[1] is "dir/../../x")`},
		{name: "absolute path outside", files: []any{"/etc/passwd"}, wantErr: `InputError: Relative path is not allowed to refer to a directory outside its parent (input files[0] is "/etc/passwd")`},
		{name: "whole workspace", files: []any{"."}, wantErr: `InputError: input files[0] is ".", which names the whole workspace`},
		{name: "bad pattern", files: []any{"[a"}, wantErr: `InputError: input files[0] is "[a", which is not a valid glob pattern`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRun(t, map[string]any{"files": tt.files})
			writeFiles(t, r.ac.Workspace, start)
			err := fsDelete().Run(context.Background(), r.ac)
			if diff := cmp.Diff(tt.wantErr, errText(err)); diff != "" {
				t.Fatalf("error (-want +got):\n%s", diff)
			}
			want := map[string]string{}
			for k, v := range start {
				want[k] = v
			}
			for _, d := range tt.want {
				delete(want, d)
			}
			got := readFiles(t, r.ac.Workspace)
			for k := range got {
				if strings.HasSuffix(k, "/") {
					delete(got, k) // directories emptied by a file pattern stay
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("workspace (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFSDeleteDoesNotFollowLinksOut(t *testing.T) {
	outside := t.TempDir()
	writeFiles(t, outside, map[string]string{"precious.txt": "keep me"})
	r := newRun(t, map[string]any{"files": []any{"link/*", "link/precious.txt", "**/*.txt"}})
	writeFiles(t, r.ac.Workspace, map[string]string{"link": "-> " + outside, "mine.txt": "x"})
	if err := fsDelete().Run(context.Background(), r.ac); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"precious.txt": "keep me"}, readFiles(t, outside)); diff != "" {
		t.Errorf("outside directory changed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"link": "-> " + outside}, readFiles(t, r.ac.Workspace)); diff != "" {
		t.Errorf("workspace (-want +got):\n%s", diff)
	}
}

func TestFSRename(t *testing.T) {
	start := map[string]string{"a.txt": "a", "b.txt": "b", "dir/c.txt": "c"}
	tests := []struct {
		name     string
		files    []any
		want     map[string]string
		wantErr  string
		wantKind string
	}{
		{
			name:  "rename a file",
			files: []any{map[string]any{"from": "a.txt", "to": "renamed.txt"}},
			want:  map[string]string{"renamed.txt": "a", "b.txt": "b", "dir/c.txt": "c"},
		},
		{
			name:  "move into new directories",
			files: []any{map[string]any{"from": "dir", "to": "x/y/moved"}},
			want:  map[string]string{"a.txt": "a", "b.txt": "b", "x/y/moved/c.txt": "c"},
		},
		{
			name:     "refuses to overwrite",
			files:    []any{map[string]any{"from": "a.txt", "to": "b.txt"}},
			want:     start,
			wantErr:  "ConflictError: input files[0].to: b.txt already exists; set overwrite: true to replace it",
			wantKind: problem.ConflictError,
		},
		{
			name:  "overwrites when asked",
			files: []any{map[string]any{"from": "a.txt", "to": "b.txt", "overwrite": true}},
			want:  map[string]string{"b.txt": "a", "dir/c.txt": "c"},
		},
		{
			name:  "overwrites a directory when asked",
			files: []any{map[string]any{"from": "a.txt", "to": "dir", "overwrite": true}},
			want:  map[string]string{"dir": "a", "b.txt": "b"},
		},
		{
			name: "in order",
			files: []any{
				map[string]any{"from": "a.txt", "to": "tmp.txt"},
				map[string]any{"from": "b.txt", "to": "a.txt"},
				map[string]any{"from": "tmp.txt", "to": "b.txt"},
			},
			want: map[string]string{"a.txt": "b", "b.txt": "a", "dir/c.txt": "c"},
		},
		{
			name:     "missing source",
			files:    []any{map[string]any{"from": "nope.txt", "to": "x.txt"}},
			want:     start,
			wantErr:  "InputError: input files[0].from: nope.txt does not exist in the workspace",
			wantKind: problem.InputError,
		},
		{
			name:     "escaping target",
			files:    []any{map[string]any{"from": "a.txt", "to": "../a.txt"}},
			want:     start,
			wantErr:  `InputError: Relative path is not allowed to refer to a directory outside its parent (input files[0].to is "../a.txt")`,
			wantKind: problem.InputError,
		},
		{
			name:     "escaping source",
			files:    []any{map[string]any{"from": "/etc/hostname", "to": "h"}},
			want:     start,
			wantErr:  `InputError: Relative path is not allowed to refer to a directory outside its parent (input files[0].from is "/etc/hostname")`,
			wantKind: problem.InputError,
		},
		{
			name: "a bad later entry renames nothing",
			files: []any{
				map[string]any{"from": "a.txt", "to": "z.txt"},
				map[string]any{"from": "b.txt", "to": "../../b.txt"},
			},
			want:     start,
			wantErr:  `InputError: Relative path is not allowed to refer to a directory outside its parent (input files[1].to is "../../b.txt")`,
			wantKind: problem.InputError,
		},
		{
			name:     "into itself",
			files:    []any{map[string]any{"from": "dir", "to": "dir/inner"}},
			want:     start,
			wantErr:  `InputError: input files[0] moves "dir" into itself ("dir/inner")`,
			wantKind: problem.InputError,
		},
		{
			name:     "missing to",
			files:    []any{map[string]any{"from": "a.txt"}},
			want:     start,
			wantErr:  "InputError: each file must have a from and to property (input files[0])",
			wantKind: problem.InputError,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRun(t, map[string]any{"files": tt.files})
			writeFiles(t, r.ac.Workspace, start)
			err := fsRename().Run(context.Background(), r.ac)
			if diff := cmp.Diff(tt.wantErr, errText(err)); diff != "" {
				t.Fatalf("error (-want +got):\n%s", diff)
			}
			if tt.wantKind != "" && !problem.Is(err, tt.wantKind) {
				t.Errorf("error class: got %v, want %s", err, tt.wantKind)
			}
			if diff := cmp.Diff(tt.want, readFiles(t, r.ac.Workspace)); diff != "" {
				t.Errorf("workspace (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFSRenameDoesNotFollowLinksOut(t *testing.T) {
	outside := t.TempDir()
	r := newRun(t, map[string]any{"files": []any{map[string]any{"from": "a.txt", "to": "link/a.txt"}}})
	writeFiles(t, r.ac.Workspace, map[string]string{"a.txt": "a", "link": "-> " + outside})
	if err := fsRename().Run(context.Background(), r.ac); err == nil {
		t.Fatal("renaming through a link leading outside the workspace succeeded")
	}
	if got := readFiles(t, outside); len(got) != 0 {
		t.Errorf("files appeared outside the workspace: %v", got)
	}
}

func TestFSReaddir(t *testing.T) {
	files := map[string]string{"a.txt": "a", "src/b.go": "b", "src/pkg/c.go": "c", "empty/": ""}
	item := func(r *run, name, p string) any {
		return map[string]any{"name": name, "path": p, "fullPath": filepath.Join(r.ac.Workspace, filepath.FromSlash(p))}
	}
	tests := []struct {
		name                  string
		input                 map[string]any
		wantFiles, wantFolder func(r *run) []any
		wantErr               string
	}{
		{
			name:  "top level",
			input: map[string]any{"paths": []any{"."}},
			wantFiles: func(r *run) []any {
				return []any{item(r, "a.txt", "a.txt")}
			},
			wantFolder: func(r *run) []any {
				return []any{item(r, "empty", "empty"), item(r, "src", "src")}
			},
		},
		{
			name:  "recursive from a subdirectory",
			input: map[string]any{"paths": []any{"./src"}, "recursive": true},
			wantFiles: func(r *run) []any {
				return []any{item(r, "b.go", "src/b.go"), item(r, "c.go", "src/pkg/c.go")}
			},
			wantFolder: func(r *run) []any {
				return []any{item(r, "pkg", "src/pkg")}
			},
		},
		{name: "missing", input: map[string]any{"paths": []any{"nope"}}, wantErr: "InputError: input paths[0]: nope does not exist in the workspace"},
		{name: "a file", input: map[string]any{"paths": []any{"a.txt"}}, wantErr: "InputError: input paths[0]: a.txt is not a directory"},
		{name: "escape", input: map[string]any{"paths": []any{".."}}, wantErr: `InputError: Relative path is not allowed to refer to a directory outside its parent (input paths[0] is "..")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRun(t, tt.input)
			writeFiles(t, r.ac.Workspace, files)
			err := fsReaddir().Run(context.Background(), r.ac)
			if diff := cmp.Diff(tt.wantErr, errText(err)); diff != "" {
				t.Fatalf("error (-want +got):\n%s", diff)
			}
			if err != nil {
				return
			}
			want := map[string]any{"files": tt.wantFiles(r), "folders": tt.wantFolder(r)}
			if diff := cmp.Diff(want, r.outputs); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestChildPath(t *testing.T) {
	root := "/ws"
	tests := []struct {
		in, want, wantErr string
	}{
		{in: "a/b", want: "a/b"},
		{in: "./a/../b", want: "b"},
		{in: "", want: "."},
		{in: ".", want: "."},
		{in: "./", want: "."},
		{in: "/ws/inside", want: "inside"},
		{in: "..", wantErr: "escape"},
		{in: "a/../../b", wantErr: "escape"},
		{in: "/wsx/b", wantErr: "escape"},
		{in: "/etc", wantErr: "escape"},
		{in: "a\x00b", wantErr: "InputError: x contains a NUL character"},
	}
	for _, tt := range tests {
		got, err := childPath(root, tt.in, "x")
		switch {
		case tt.wantErr == "escape":
			if err == nil || !strings.Contains(err.Error(), escapeText) {
				t.Errorf("childPath(%q) = %q, %v; want an escape error", tt.in, got, err)
			}
		case tt.wantErr != "":
			if errText(err) != tt.wantErr {
				t.Errorf("childPath(%q) error = %v, want %s", tt.in, err, tt.wantErr)
			}
		case err != nil || got != tt.want:
			t.Errorf("childPath(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestOpenWorkspaceCreatesIt(t *testing.T) {
	ws := filepath.Join(t.TempDir(), "new", "ws")
	root, err := openWorkspace(ws)
	if err != nil {
		t.Fatal(err)
	}
	root.Close()
	if _, err := os.Stat(ws); err != nil {
		t.Fatal(err)
	}
	if _, err := openWorkspace("relative"); err == nil {
		t.Error("a relative workspace was accepted")
	}
}
