package actions

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeReader serves remote trees and files from memory and records what
// was asked.
type fakeReader struct {
	files map[string]string // URL → content
	trees map[string][]File // URL → files
	asked []string
}

var _ Reader = (*fakeReader)(nil)

func (f *fakeReader) Read(_ context.Context, u string) ([]byte, error) {
	f.asked = append(f.asked, "read "+u)
	c, ok := f.files[u]
	if !ok {
		return nil, errors.New("NotFoundError: " + u + " not found")
	}
	return []byte(c), nil
}

func (f *fakeReader) ReadTree(_ context.Context, u string) ([]File, error) {
	f.asked = append(f.asked, "tree "+u)
	t, ok := f.trees[u]
	if !ok {
		return nil, errors.New("NotFoundError: " + u + " not found")
	}
	return t, nil
}

// templateDir makes a template directory holding files and returns its
// file:// base URL.
func templateDir(t *testing.T, files map[string]string) (dir, base string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "templates", "sample")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, files)
	return dir, (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String()
}

func TestFetchPlain(t *testing.T) {
	outside := t.TempDir()
	writeFiles(t, outside, map[string]string{"secret.txt": "s3cret"})
	tmpl := map[string]string{
		"template.yaml":          "kind: Template",
		"static/a.txt":           "A ${{ values.x }}",
		"static/sub/b.bin":       "\x00\x01",
		"static/link":            "-> a.txt",
		"static/empty/":          "",
		"outlink":                "-> " + outside,
		"static/file-in-static/": "",
	}
	dir, base := templateDir(t, tmpl)
	remote := &fakeReader{trees: map[string][]File{
		"https://github.com/acme/templates/tree/main/svc/static": {
			{Path: "r.txt", Data: []byte("remote")},
			{Path: "deep/er/x.sh", Data: []byte("#!/bin/sh"), Mode: 0o755},
		},
	}}
	tests := []struct {
		name    string
		base    string
		input   map[string]any
		want    map[string]string
		wantErr string
	}{
		{
			name:  "local directory into the workspace root",
			base:  base,
			input: map[string]any{"url": "./static"},
			want: map[string]string{
				"a.txt": "A ${{ values.x }}", "sub/b.bin": "\x00\x01", "link": "-> a.txt",
				"empty/": "", "file-in-static/": "", "existing.txt": "old",
			},
		},
		{
			name:  "local directory into a target path",
			base:  base,
			input: map[string]any{"url": "static/sub", "targetPath": "out/here"},
			want:  map[string]string{"out/here/b.bin": "\x00\x01", "existing.txt": "old"},
		},
		{
			name:  "remote directory resolved against the base URL",
			base:  "https://github.com/acme/templates/tree/main/svc",
			input: map[string]any{"url": "./static", "targetPath": "r"},
			want:  map[string]string{"r/r.txt": "remote", "r/deep/er/x.sh": "#!/bin/sh", "existing.txt": "old"},
		},
		{
			name:  "absolute URL",
			base:  base,
			input: map[string]any{"url": "https://github.com/acme/templates/tree/main/svc/static"},
			want:  map[string]string{"r.txt": "remote", "deep/er/x.sh": "#!/bin/sh", "existing.txt": "old"},
		},
		{
			name:    "parent escape",
			base:    base,
			input:   map[string]any{"url": "../../etc"},
			wantErr: `InputError: Relative path is not allowed to refer to a directory outside its parent (input "url" is "../../etc")`,
		},
		{
			name:    "absolute path",
			base:    base,
			input:   map[string]any{"url": outside},
			wantErr: `InputError: Relative path is not allowed to refer to a directory outside its parent (input "url" is "` + outside + `")`,
		},
		{
			name:    "symbolic link out of the template directory",
			base:    base,
			input:   map[string]any{"url": "./outlink"},
			wantErr: `InputError: Relative path is not allowed to refer to a directory outside its parent (input "url" is "./outlink")`,
		},
		{
			name:    "file URL",
			base:    base,
			input:   map[string]any{"url": "file:///etc"},
			wantErr: `InputError: input "url" "file:///etc" must be a path relative to the template or an http(s) URL`,
		},
		{
			name:    "missing",
			base:    base,
			input:   map[string]any{"url": "./nope"},
			wantErr: `InputError: input "url" "./nope" does not exist in the template's directory`,
		},
		{
			name:    "a file",
			base:    base,
			input:   map[string]any{"url": "./template.yaml"},
			wantErr: `InputError: input "url" "./template.yaml" is a file, not a directory`,
		},
		{
			name:    "target escape",
			base:    base,
			input:   map[string]any{"url": "./static", "targetPath": "../x"},
			wantErr: `InputError: Relative path is not allowed to refer to a directory outside its parent (input "targetPath" is "../x")`,
		},
		{
			name:    "no base",
			input:   map[string]any{"url": "./static"},
			wantErr: "InputError: Failed to fetch, template location could not be determined and the fetch URL is relative, ./static",
		},
		{
			name:    "reader error",
			base:    "https://github.com/acme/templates/tree/main/svc",
			input:   map[string]any{"url": "./other"},
			wantErr: "NotFoundError: https://github.com/acme/templates/tree/main/svc/other not found",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRun(t, tt.input)
			r.ac.Template.BaseURL = tt.base
			writeFiles(t, r.ac.Workspace, map[string]string{"existing.txt": "old"})
			err := fetchPlain(remote).Run(context.Background(), r.ac)
			if diff := cmp.Diff(tt.wantErr, errText(err)); diff != "" {
				t.Fatalf("error (-want +got):\n%s", diff)
			}
			if tt.want == nil {
				tt.want = map[string]string{"existing.txt": "old"}
			}
			if diff := cmp.Diff(tt.want, readFiles(t, r.ac.Workspace)); diff != "" {
				t.Errorf("workspace (-want +got):\n%s", diff)
			}
		})
	}
	if got := readFiles(t, dir)["static/a.txt"]; got != tmpl["static/a.txt"] {
		t.Errorf("the template changed: %q", got)
	}
}

func TestFetchPlainKeepsModes(t *testing.T) {
	_, base := templateDir(t, map[string]string{"s/run.sh": "#!/bin/sh", "s/ro.txt": "r"})
	dir := strings.TrimPrefix(base, "file://")
	if err := os.Chmod(filepath.Join(dir, "s", "run.sh"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "s", "ro.txt"), 0o444); err != nil {
		t.Fatal(err)
	}
	r := newRun(t, map[string]any{"url": "./s"})
	r.ac.Template.BaseURL = base
	if err := fetchPlain(nil).Run(context.Background(), r.ac); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{"run.sh": 0o750, "ro.txt": 0o444} {
		info, err := os.Stat(filepath.Join(r.ac.Workspace, name))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s mode = %v, want %v", name, info.Mode().Perm(), want)
		}
	}
}

func TestFetchPlainFile(t *testing.T) {
	_, base := templateDir(t, map[string]string{"files/LICENSE": "MIT", "files/dir/": ""})
	remote := &fakeReader{files: map[string]string{"https://github.com/acme/t/blob/main/svc/x.txt": "remote x"}}
	tests := []struct {
		name    string
		base    string
		input   map[string]any
		want    map[string]string
		wantErr string
	}{
		{
			name:  "local",
			base:  base,
			input: map[string]any{"url": "./files/LICENSE", "targetPath": "legal/LICENSE"},
			want:  map[string]string{"legal/LICENSE": "MIT", "old.txt": "old"},
		},
		{
			name:  "replaces",
			base:  base,
			input: map[string]any{"url": "./files/LICENSE", "targetPath": "old.txt"},
			want:  map[string]string{"old.txt": "MIT"},
		},
		{
			name:  "remote",
			base:  "https://github.com/acme/t/blob/main/svc/",
			input: map[string]any{"url": "x.txt", "targetPath": "x.txt"},
			want:  map[string]string{"x.txt": "remote x", "old.txt": "old"},
		},
		{
			name:    "a directory",
			base:    base,
			input:   map[string]any{"url": "./files/dir", "targetPath": "d"},
			wantErr: `InputError: input "url" "./files/dir" is a directory, not a file`,
		},
		{
			name:    "escape",
			base:    base,
			input:   map[string]any{"url": "../../../../etc/passwd", "targetPath": "p"},
			wantErr: `InputError: Relative path is not allowed to refer to a directory outside its parent (input "url" is "../../../../etc/passwd")`,
		},
		{
			name:    "target escape",
			base:    base,
			input:   map[string]any{"url": "./files/LICENSE", "targetPath": "/tmp/LICENSE"},
			wantErr: `InputError: Relative path is not allowed to refer to a directory outside its parent (input "targetPath" is "/tmp/LICENSE")`,
		},
		{
			name:    "target is the workspace",
			base:    base,
			input:   map[string]any{"url": "./files/LICENSE", "targetPath": "."},
			wantErr: `InputError: input "targetPath" must name a file in the workspace, not "."`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRun(t, tt.input)
			r.ac.Template.BaseURL = tt.base
			writeFiles(t, r.ac.Workspace, map[string]string{"old.txt": "old"})
			err := fetchPlainFile(remote).Run(context.Background(), r.ac)
			if diff := cmp.Diff(tt.wantErr, errText(err)); diff != "" {
				t.Fatalf("error (-want +got):\n%s", diff)
			}
			if tt.want == nil {
				tt.want = map[string]string{"old.txt": "old"}
			}
			if diff := cmp.Diff(tt.want, readFiles(t, r.ac.Workspace)); diff != "" {
				t.Errorf("workspace (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResolveRemote(t *testing.T) {
	tests := []struct{ base, rel, want string }{
		{"https://github.com/o/r/tree/main/t", "./skeleton", "https://github.com/o/r/tree/main/t/skeleton"},
		{"https://github.com/o/r/tree/main/t/", "skeleton/a.txt", "https://github.com/o/r/tree/main/t/skeleton/a.txt"},
		{"https://github.com/o/r/tree/main/t/x", "../shared", "https://github.com/o/r/tree/main/t/shared"},
		{"https://github.com/o/r/tree/feat%2Fx/t", "./s k", "https://github.com/o/r/tree/feat%2Fx/t/s%20k"},
		{"https://dev.azure.com/o/p/_git/r?path=%2Ftemplates%2Fsvc&version=GBmain", "./skeleton", "https://dev.azure.com/o/p/_git/r?path=%2Ftemplates%2Fsvc%2Fskeleton&version=GBmain"},
	}
	for _, tt := range tests {
		u, _ := url.Parse(tt.base)
		if got := resolveRemote(u, tt.rel); got != tt.want {
			t.Errorf("resolveRemote(%q, %q) = %q, want %q", tt.base, tt.rel, got, tt.want)
		}
	}
}

func TestResolveSourceNeedsAReaderForRemote(t *testing.T) {
	r := newRun(t, map[string]any{"url": "https://github.com/o/r/tree/main/s"})
	err := fetchPlain(nil).Run(context.Background(), r.ac)
	if diff := cmp.Diff("InputError: cannot read https://github.com/o/r/tree/main/s: no reader for remote templates is configured", errText(err)); diff != "" {
		t.Error(diff)
	}
}

func TestFetchPlainEmptyRemoteTree(t *testing.T) {
	remote := &fakeReader{trees: map[string][]File{"https://github.com/o/r/tree/main/none": {}}}
	r := newRun(t, map[string]any{"url": "https://github.com/o/r/tree/main/none"})
	err := fetchPlain(remote).Run(context.Background(), r.ac)
	if diff := cmp.Diff(`NotFoundError: No files found under https://github.com/o/r/tree/main/none (input "url" "https://github.com/o/r/tree/main/none")`, errText(err)); diff != "" {
		t.Error(diff)
	}
}
