package actions

import (
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder/nunjucks"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// testTemplate copies testdata/template into a temporary template
// directory with known modes (0644, or 0755 for executables), adds what
// git cannot hold (a symbolic link, an unusual mode), and returns its
// file:// base URL.
func testTemplate(t *testing.T) (dir, base string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "template")
	err := filepath.WalkDir("testdata/template", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("testdata/template", p)
		out := filepath.Join(dir, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if info.Mode()&0o100 != 0 {
			mode = 0o755
		}
		if err := os.WriteFile(out, data, mode); err != nil {
			return err
		}
		return os.Chmod(out, mode)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("README.md", filepath.Join(dir, "skeleton", "link-to-readme")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "skeleton", "${{ values.name }}", "main.go"), 0o640); err != nil {
		t.Fatal(err)
	}
	return dir, (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String()
}

// archive writes a directory tree as a txtar archive: each file with its
// mode, binary files in base64, symbolic links with their target.
func archive(t *testing.T, dir string) []byte {
	t.Helper()
	var a txtar.Archive
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.Type()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			a.Files = append(a.Files, txtar.File{Name: rel + " symlink", Data: []byte(target + "\n")})
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		name := fmt.Sprintf("%s %#o", rel, info.Mode().Perm())
		if isBinary(data) {
			name += " base64"
			data = []byte(base64.StdEncoding.EncodeToString(data) + "\n")
		}
		a.Files = append(a.Files, txtar.File{Name: name, Data: data})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return txtar.Format(&a)
}

// golden compares got with testdata/golden/<name>.txtar, or rewrites it
// with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", "golden", name+".txtar")
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", file, diff)
	}
}

func testTemplater() *templater {
	kinds := map[string]string{"github.com": "github"}
	return &templater{filters: nunjucks.BackstageFilters(func(host string) (string, bool) {
		k, ok := kinds[host]
		return k, ok
	})}
}

var skeletonValues = map[string]any{
	"name":     "billing",
	"owner":    "team-a",
	"withDocs": false,
	"empty":    "",
	"tags":     []any{"go", "payments"},
	"repoUrl":  "github.com?owner=acme&repo=billing",
}

func withValues(overrides map[string]any) map[string]any {
	v := map[string]any{}
	for k, x := range skeletonValues {
		v[k] = x
	}
	for k, x := range overrides {
		v[k] = x
	}
	return v
}

func TestFetchTemplateGolden(t *testing.T) {
	tests := []struct {
		name  string
		input map[string]any
	}{
		{
			name: "skeleton",
			input: map[string]any{
				"url": "./skeleton", "targetPath": "out", "values": skeletonValues,
				"copyWithoutTemplating": []any{".github/workflows/*", "./static"},
			},
		},
		{
			name: "skeleton-docs-trimmed",
			input: map[string]any{
				"url": "./skeleton", "values": withValues(map[string]any{"withDocs": true, "empty": "kept"}),
				"trimBlocks": true, "lstripBlocks": true,
			},
		},
		{
			name:  "partial",
			input: map[string]any{"url": "./partial", "values": withValues(map[string]any{"withDocs": true}), "templateFileExtension": true},
		},
		{
			name:  "partial-named-extension",
			input: map[string]any{"url": "./partial", "values": skeletonValues, "templateFileExtension": "njk", "targetPath": "p"},
		},
		{
			name:  "cookiecutter",
			input: map[string]any{"url": "./cookiecutter", "values": map[string]any{"name": "billing"}, "cookiecutterCompat": true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, base := testTemplate(t)
			r := newRun(t, tt.input)
			r.ac.Template.BaseURL = base
			if err := fetchTemplate(testTemplater()).Run(context.Background(), r.ac); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, archive(t, r.ac.Workspace))
		})
	}
}

func TestFetchTemplateErrors(t *testing.T) {
	tests := []struct {
		name     string
		input    map[string]any
		wantErr  string
		wantKind string
	}{
		{
			name:    "rendered name escaping the target",
			input:   map[string]any{"url": "./escape", "values": map[string]any{"dir": "../../../etc"}},
			wantErr: `InputError: Relative path is not allowed to refer to a directory outside its parent (the path of skeleton file "escape/z/${{ values.dir }}" is "z/../../../etc")`,
		},
		{
			name:    "rendered name escaping from a target path",
			input:   map[string]any{"url": "./escape", "targetPath": "deep/er", "values": map[string]any{"dir": "../.."}},
			wantErr: `InputError: Relative path is not allowed to refer to a directory outside its parent (the path of skeleton file "escape/z/${{ values.dir }}" is "z/../..")`,
		},
		{
			name:    "render error names the file and line",
			input:   map[string]any{"url": "./bad", "values": map[string]any{"name": "x"}},
			wantErr: `InputError: rendering bad/broken.txt:3:`,
		},
		{
			name:    "extension with copyWithoutTemplating",
			input:   map[string]any{"url": "./partial", "templateFileExtension": true, "copyWithoutTemplating": []any{"x"}},
			wantErr: "InputError: Fetch action input extension incompatible with copyWithoutRender/copyWithoutTemplating and cookiecutterCompat",
		},
		{
			name:    "extension with cookiecutterCompat",
			input:   map[string]any{"url": "./partial", "templateFileExtension": ".tmpl", "cookiecutterCompat": true},
			wantErr: "InputError: Fetch action input extension incompatible with copyWithoutRender/copyWithoutTemplating and cookiecutterCompat",
		},
		{
			name:    "both copy options",
			input:   map[string]any{"url": "./partial", "copyWithoutRender": []any{"a"}, "copyWithoutTemplating": []any{"b"}},
			wantErr: "InputError: Fetch action input copyWithoutRender and copyWithoutTemplating can not be used at the same time",
		},
		{
			name:    "bad glob",
			input:   map[string]any{"url": "./partial", "copyWithoutRender": []any{"ok", "[x"}},
			wantErr: `InputError: input copyWithoutRender[1] is "[x", which is not a valid glob pattern`,
		},
		{
			name:    "target escape",
			input:   map[string]any{"url": "./partial", "targetPath": "../elsewhere"},
			wantErr: `InputError: Relative path is not allowed to refer to a directory outside its parent (input "targetPath" is "../elsewhere")`,
		},
		{
			name:    "url escape",
			input:   map[string]any{"url": "./../../"},
			wantErr: `InputError: Relative path is not allowed to refer to a directory outside its parent (input "url" is "./../../")`,
		},
		{
			name:    "templateFileExtension of a wrong type",
			input:   map[string]any{"url": "./partial", "templateFileExtension": 3.0},
			wantErr: "InputError: input templateFileExtension must be a string or true",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, base := testTemplate(t)
			r := newRun(t, tt.input)
			r.ac.Template.BaseURL = base
			err := fetchTemplate(testTemplater()).Run(context.Background(), r.ac)
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v\nwant %s", err, tt.wantErr)
			}
			if !problem.Is(err, problem.InputError) {
				t.Errorf("error class of %v is not InputError", err)
			}
			if got := readFiles(t, r.ac.Workspace); len(got) != 0 {
				t.Errorf("the workspace was written to before the error: %v", got)
			}
		})
	}
}

func TestFetchTemplateReplace(t *testing.T) {
	for _, replace := range []bool{false, true} {
		t.Run(fmt.Sprint("replace=", replace), func(t *testing.T) {
			_, base := testTemplate(t)
			r := newRun(t, map[string]any{"url": "./partial", "values": skeletonValues, "replace": replace})
			r.ac.Template.BaseURL = base
			writeFiles(t, r.ac.Workspace, map[string]string{"plain.txt": "mine", "billing.md": "mine too"})
			if err := fetchTemplate(testTemplater()).Run(context.Background(), r.ac); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"plain.txt": "mine", "billing.md": "mine too", "config.yaml.njk": "name: billing\n\n"}
			if replace {
				want["plain.txt"] = "kept as is: billing\n"
				want["billing.md"] = "body billing\n"
			}
			if diff := cmp.Diff(want, readFiles(t, r.ac.Workspace)); diff != "" {
				t.Errorf("workspace (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFetchTemplateRemote(t *testing.T) {
	remote := &fakeReader{trees: map[string][]File{
		"https://github.com/acme/templates/blob/main/svc/skeleton": {
			{Path: "${{ values.name }}/README.md", Data: []byte("# ${{ values.name }}\n")},
			{Path: "bin/tool", Data: []byte("\x7fELF\x00\x01${{ values.name }}"), Mode: 0o755},
		},
	}}
	tp := testTemplater()
	tp.reader = remote
	r := newRun(t, map[string]any{"url": "./skeleton", "values": map[string]any{"name": "svc"}})
	r.ac.Template.BaseURL = "https://github.com/acme/templates/blob/main/svc"
	if err := fetchTemplate(tp).Run(context.Background(), r.ac); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"svc/README.md": "# svc\n", "bin/tool": "\x7fELF\x00\x01${{ values.name }}"}
	if diff := cmp.Diff(want, readFiles(t, r.ac.Workspace)); diff != "" {
		t.Errorf("workspace (-want +got):\n%s", diff)
	}
	if info, err := os.Stat(filepath.Join(r.ac.Workspace, "bin", "tool")); err != nil || info.Mode().Perm() != 0o755 {
		t.Errorf("bin/tool: %v, %v", info, err)
	}
}

func TestFetchTemplateFile(t *testing.T) {
	tests := []struct {
		name    string
		input   map[string]any
		want    map[string]string
		wantErr string
	}{
		{
			name:  "render",
			input: map[string]any{"url": "./partial/config.yaml.njk", "targetPath": "conf/config.yaml", "values": withValues(map[string]any{"withDocs": true})},
			want:  map[string]string{"conf/config.yaml": "name: billing\ndocs: true\n", "existing.txt": "old"},
		},
		{
			name:  "existing file kept",
			input: map[string]any{"url": "./partial/plain.txt", "targetPath": "existing.txt", "values": skeletonValues},
			want:  map[string]string{"existing.txt": "old"},
		},
		{
			name:  "existing file replaced",
			input: map[string]any{"url": "./partial/plain.txt", "targetPath": "existing.txt", "values": skeletonValues, "replace": true},
			want:  map[string]string{"existing.txt": "kept as is: billing\n"},
		},
		{
			name:  "cookiecutter",
			input: map[string]any{"url": "./cookiecutter/{{cookiecutter.name}}/setup.py", "targetPath": "setup.py", "values": map[string]any{"name": "b"}, "cookiecutterCompat": true},
			want: map[string]string{
				"setup.py":     "from setuptools import setup\n\nsetup(name=\"b\", version=\"0.1.0\")\n# B\n",
				"existing.txt": "old",
			},
		},
		{
			name:    "render error",
			input:   map[string]any{"url": "./bad/broken.txt", "targetPath": "b.txt"},
			wantErr: "InputError: rendering bad/broken.txt:3:",
		},
		{
			name:    "target escape",
			input:   map[string]any{"url": "./partial/plain.txt", "targetPath": "../../p.txt"},
			wantErr: `InputError: Relative path is not allowed to refer to a directory outside its parent (input "targetPath" is "../../p.txt")`,
		},
		{
			name:    "a directory",
			input:   map[string]any{"url": "./partial", "targetPath": "p.txt"},
			wantErr: `InputError: input "url" "./partial" is a directory, not a file`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, base := testTemplate(t)
			r := newRun(t, tt.input)
			r.ac.Template.BaseURL = base
			writeFiles(t, r.ac.Workspace, map[string]string{"existing.txt": "old"})
			err := fetchTemplateFile(testTemplater()).Run(context.Background(), r.ac)
			if err != nil || tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %s", err, tt.wantErr)
				}
				tt.want = map[string]string{"existing.txt": "old"}
			}
			if diff := cmp.Diff(tt.want, readFiles(t, r.ac.Workspace)); diff != "" {
				t.Errorf("workspace (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWorkspaceTemplate(t *testing.T) {
	raw := map[string]string{
		"raw/${{ values.name }}.txt": "hello ${{ values.name }}",
		"raw/keep.bin":               "\x00${{ values.name }}",
	}
	r := newRun(t, map[string]any{"sourcePath": "raw", "targetPath": "out", "values": map[string]any{"name": "x"}})
	writeFiles(t, r.ac.Workspace, raw)
	if err := workspaceTemplate(testTemplater()).Run(context.Background(), r.ac); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"out/x.txt": "hello x", "out/keep.bin": "\x00${{ values.name }}"}
	for k, v := range raw {
		want[k] = v
	}
	if diff := cmp.Diff(want, readFiles(t, r.ac.Workspace)); diff != "" {
		t.Errorf("workspace (-want +got):\n%s", diff)
	}

	for _, tt := range []struct {
		input   map[string]any
		wantErr string
	}{
		{map[string]any{"sourcePath": "raw", "targetPath": "raw/inner"}, `InputError: input "targetPath" "raw/inner" is inside the sourcePath being templated ("raw")`},
		{map[string]any{"sourcePath": "../raw", "targetPath": "out"}, `InputError: Relative path is not allowed to refer to a directory outside its parent (input "sourcePath" is "../raw")`},
		{map[string]any{"sourcePath": "nope", "targetPath": "out"}, `InputError: input "sourcePath" "nope" does not exist in the workspace`},
	} {
		r := newRun(t, tt.input)
		writeFiles(t, r.ac.Workspace, raw)
		err := workspaceTemplate(testTemplater()).Run(context.Background(), r.ac)
		if diff := cmp.Diff(tt.wantErr, errText(err)); diff != "" {
			t.Errorf("%v: error (-want +got):\n%s", tt.input, diff)
		}
	}
}

func TestWorkspaceTemplateFile(t *testing.T) {
	r := newRun(t, map[string]any{"sourcePath": "t/README.md.njk", "targetPath": "README.md", "values": map[string]any{"name": "x"}})
	writeFiles(t, r.ac.Workspace, map[string]string{"t/README.md.njk": "# ${{ values.name }}"})
	if err := workspaceTemplateFile(testTemplater()).Run(context.Background(), r.ac); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"t/README.md.njk": "# ${{ values.name }}", "README.md": "# x"}
	if diff := cmp.Diff(want, readFiles(t, r.ac.Workspace)); diff != "" {
		t.Errorf("workspace (-want +got):\n%s", diff)
	}
	r = newRun(t, map[string]any{"sourcePath": "/etc/passwd", "targetPath": "p"})
	err := workspaceTemplateFile(testTemplater()).Run(context.Background(), r.ac)
	if diff := cmp.Diff(`InputError: Relative path is not allowed to refer to a directory outside its parent (input "sourcePath" is "/etc/passwd")`, errText(err)); diff != "" {
		t.Error(diff)
	}
}
