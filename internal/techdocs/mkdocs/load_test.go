package mkdocs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// writeTree writes files (slash-separated names) under a new directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadDefault(t *testing.T) {
	dir := writeTree(t, map[string]string{"docs/index.md": "# Hi\n"})
	c, warns, err := Load(dir, Options{SiteName: "payments"})
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{SiteName: "payments", DocsDir: "docs", UseDirectoryURLs: true, Plugins: []Plugin{{Name: "techdocs-core"}}, Lines: map[string]string{}}
	if diff := cmp.Diff(want, c); diff != "" || len(warns) != 0 {
		t.Errorf("config (-want +got):\n%s\nwarnings %v", diff, warns)
	}
	c, _, err = Load(dir, Options{})
	if err != nil || c.SiteName != DefaultSiteName {
		t.Errorf("default site name %q, %v", c.SiteName, err)
	}
}

func TestLoadPrefersMkdocsYAML(t *testing.T) {
	dir := writeTree(t, map[string]string{"mkdocs.yml": "site_name: yml\n", "mkdocs.yaml": "site_name: yaml\n"})
	c, warns, err := Load(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.SiteName != "yaml" || c.File != "mkdocs.yaml" {
		t.Errorf("read %s (%q), want mkdocs.yaml", c.File, c.SiteName)
	}
	if len(warns) != 1 || !strings.Contains(warns[0].String(), "both mkdocs.yaml and mkdocs.yml exist") {
		t.Errorf("warnings %v", warns)
	}
}

func TestLoadInherit(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"shared/base.yml": `site_name: Base
repo_url: https://github.com/o/r
theme:
  name: material
  palette: {primary: red}
extra: {a: 1, b: {c: 2}}
nav:
  - base.md
hooks: [x.py]
`,
		"mkdocs.yml": `INHERIT: shared/base.yml
site_name: Child
theme:
  palette: {accent: blue}
extra: {b: {d: 3}}
nav:
  - index.md
`,
	})
	c, warns, err := Load(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.SiteName != "Child" || c.RepoURL != "https://github.com/o/r" {
		t.Errorf("site_name %q repo_url %q", c.SiteName, c.RepoURL)
	}
	wantTheme := map[string]any{"name": "material", "palette": map[string]any{"primary": "red", "accent": "blue"}}
	if diff := cmp.Diff(wantTheme, c.Theme); diff != "" {
		t.Errorf("theme (-want +got):\n%s", diff)
	}
	wantExtra := map[string]any{"a": 1, "b": map[string]any{"c": 2, "d": 3}}
	if diff := cmp.Diff(wantExtra, c.Extra); diff != "" {
		t.Errorf("extra (-want +got):\n%s", diff)
	}
	if len(c.Nav) != 1 || c.Nav[0].Path != "index.md" || c.Nav[0].At != "mkdocs.yml:7" {
		t.Errorf("nav %+v: lists are replaced, not merged", c.Nav)
	}
	if c.Lines["repo_url"] != "shared/base.yml:2" || c.Lines["site_name"] != "mkdocs.yml:2" {
		t.Errorf("lines %v", c.Lines)
	}
	if len(warns) != 1 || warns[0].String() != `shared/base.yml:9: removed "hooks": TechDocs does not allow this setting in mkdocs.yml` {
		t.Errorf("warnings %v", warns)
	}
}

func TestLoadErrors(t *testing.T) {
	outside := writeTree(t, map[string]string{"secret.yml": "site_name: secret\n"})
	tests := []struct {
		name  string
		files map[string]string
		link  [2]string // symlink name → target
		want  string
	}{
		{
			name:  "INHERIT leaving the source directory",
			files: map[string]string{"mkdocs.yml": "INHERIT: ../x.yml\nsite_name: a\n"},
			want:  `mkdocs.yml:1: INHERIT "../x.yml" leaves the source directory`,
		},
		{
			name:  "INHERIT absolute",
			files: map[string]string{"mkdocs.yml": "INHERIT: /etc/x.yml\nsite_name: a\n"},
			want:  `mkdocs.yml:1: INHERIT "/etc/x.yml" must be a path relative to the file`,
		},
		{
			name:  "INHERIT loop",
			files: map[string]string{"mkdocs.yml": "INHERIT: a.yml\n", "a.yml": "INHERIT: mkdocs.yml\n"},
			want:  "INHERIT chain longer than 10 files (a loop?)",
		},
		{
			name:  "INHERIT missing",
			files: map[string]string{"mkdocs.yml": "site_name: a\nINHERIT: nope.yml\n"},
			want:  `mkdocs.yml:2: INHERIT "nope.yml": no such file`,
		},
		{
			name:  "INHERIT through a symbolic link leaving the directory",
			files: map[string]string{"mkdocs.yml": "INHERIT: base.yml\n"},
			link:  [2]string{"base.yml", filepath.Join(outside, "secret.yml")},
			want:  "base.yml: the file leaves the source directory",
		},
		{
			name: "mkdocs.yml as a symbolic link leaving the directory",
			link: [2]string{"mkdocs.yml", filepath.Join(outside, "secret.yml")},
			want: "mkdocs.yml: the file leaves the source directory",
		},
		{
			name:  "error in an inherited file names it",
			files: map[string]string{"mkdocs.yml": "INHERIT: base.yml\n", "base.yml": "site_name: x\ndocs_dir: /abs\n"},
			want:  `base.yml:2: docs_dir: "/abs" must be a relative path`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTree(t, tt.files)
			if tt.link[0] != "" {
				if err := os.Symlink(tt.link[1], filepath.Join(dir, tt.link[0])); err != nil {
					t.Fatal(err)
				}
			}
			_, _, err := Load(dir, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
