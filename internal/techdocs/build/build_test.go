package build

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/problem"
)

// writeSource writes files (slash-separated names) into a new source
// directory.
func writeSource(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "src")
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

func TestBuildErrors(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.md"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		files map[string]string
		link  [2]string // a symbolic link in the source: name, target
		want  string
	}{
		{
			name:  "missing nav target",
			files: map[string]string{"mkdocs.yml": "site_name: x\nnav:\n  - index.md\n  - Guide:\n      - guide/missing.md\n", "docs/index.md": "# x\n"},
			want:  `mkdocs.yml:5: nav: "guide/missing.md" does not exist in docs_dir "docs"`,
		},
		{
			name:  "bad mkdocs.yml",
			files: map[string]string{"mkdocs.yml": "site_name: x\nnav: [\n  - a\n", "docs/index.md": "# x\n"},
			want:  "mkdocs.yml:3: did not find expected node content",
		},
		{
			name:  "docs_dir leaving the source",
			files: map[string]string{"mkdocs.yml": "site_name: x\ndocs_dir: ../elsewhere\n"},
			want:  `mkdocs.yml:2: docs_dir: "../elsewhere" leaves the source directory`,
		},
		{
			name:  "docs_dir missing",
			files: map[string]string{"mkdocs.yml": "site_name: x\ndocs_dir: site-docs\n"},
			want:  `mkdocs.yml:2: docs_dir "site-docs" does not exist`,
		},
		{
			name:  "docs_dir without pages",
			files: map[string]string{"mkdocs.yml": "site_name: x\n", "docs/a.txt": "x"},
			want:  `mkdocs.yml: docs_dir "docs" has no Markdown pages`,
		},
		{
			name:  "symbolic link leaving the source",
			files: map[string]string{"docs/index.md": "# x\n"},
			link:  [2]string{"docs/leak.md", filepath.Join(outside, "secret.md")},
			want:  "docs/leak.md: symbolic link leaves the source directory",
		},
		{
			name:  "docs_dir as a symbolic link leaving the source",
			files: map[string]string{"mkdocs.yml": "site_name: x\n"},
			link:  [2]string{"docs", outside},
			want:  `mkdocs.yml: docs_dir "docs" leaves the source directory`,
		},
		{
			name: "snippet leaving the source",
			files: map[string]string{
				"mkdocs.yml":    "site_name: x\nmarkdown_extensions:\n  - pymdownx.snippets\n",
				"docs/index.md": "# x\n\n--8<-- \"../../etc/passwd\"\n",
			},
			want: `docs/index.md:3: snippet "../../etc/passwd" leaves the source directory`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := writeSource(t, tt.files)
			if tt.link[0] != "" {
				if err := os.Symlink(tt.link[1], filepath.Join(src, filepath.FromSlash(tt.link[0]))); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Build(context.Background(), src, filepath.Join(t.TempDir(), "out"), Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if !problem.Is(err, problem.InputError) {
				t.Errorf("error %v is not an InputError", err)
			}
		})
	}
}

func TestOutputDirectory(t *testing.T) {
	src := writeSource(t, map[string]string{"docs/index.md": "# Home\n", "docs/a.md": "# A\n"})
	if _, err := Build(context.Background(), src, src, Options{}); err == nil || !strings.Contains(err.Error(), "holds the source directory") {
		t.Errorf("building into the source: %v", err)
	}
	if _, err := Build(context.Background(), src, filepath.Join(src, "docs", "site"), Options{}); err == nil || !strings.Contains(err.Error(), "inside docs_dir") {
		t.Errorf("building into docs_dir: %v", err)
	}
	// The default output directory, site/ inside the source, is cleaned
	// before each build except for dot files.
	out := filepath.Join(src, "site")
	for _, f := range []string{"stale.html", ".keep"} {
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Build(context.Background(), src, out, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "stale.html")); !os.IsNotExist(err) {
		t.Errorf("stale file kept: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, ".keep")); err != nil {
		t.Errorf("dot file removed: %v", err)
	}
}

func TestFlatURLs(t *testing.T) {
	src := writeSource(t, map[string]string{
		"mkdocs.yml":       "site_name: Flat\nuse_directory_urls: false\n",
		"docs/index.md":    "# Home\n\n[a](sub/a.md#x)\n",
		"docs/sub/a.md":    "# A\n\n[home](../index.md) [img](pic.png)\n",
		"docs/sub/pic.png": "png",
	})
	out := filepath.Join(t.TempDir(), "out")
	res, err := Build(context.Background(), src, out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"assets/callboard/techdocs.css", "index.html", "search/search_index.json", "sub/a.html", "sub/pic.png", "techdocs_metadata.json"}
	if diff := cmp.Diff(want, res.Files); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	page, _ := os.ReadFile(filepath.Join(out, "sub", "a.html"))
	for _, s := range []string{`<a href="../index.html">home</a>`, `<a href="pic.png">img</a>`, `href="../assets/callboard/techdocs.css"`, `rel="prev"`} {
		if !strings.Contains(string(page), s) {
			t.Errorf("sub/a.html lacks %q", s)
		}
	}
	home, _ := os.ReadFile(filepath.Join(out, "index.html"))
	if !strings.Contains(string(home), `<a href="sub/a.html#x">a</a>`) {
		t.Errorf("index.html link not rewritten:\n%s", home)
	}
}

func TestReadmeIndex(t *testing.T) {
	src := writeSource(t, map[string]string{
		"docs/README.md":     "# Readme home\n",
		"docs/sub/index.md":  "# Sub index\n",
		"docs/sub/README.md": "# Sub readme\n",
	})
	res, err := Build(context.Background(), src, filepath.Join(t.TempDir(), "out"), Options{SiteName: "S"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Pages != 2 {
		t.Errorf("%d pages, want 2", res.Pages)
	}
	if diff := cmp.Diff([]string{"docs/sub/README.md: ignored: it conflicts with sub/index.md"}, res.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if res.Metadata.SiteName != "S" || res.Metadata.SiteDescription != "None" {
		t.Errorf("metadata %+v", res.Metadata)
	}
}

func TestLastUpdatedFromGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	src := writeSource(t, map[string]string{"docs/index.md": "# Home\n", "docs/old.md": "# Old\n", "docs/new.md": "# New\n"})
	git := func(date string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", src}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t",
			"GIT_COMMITTER_EMAIL=t@example.com", "GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date, "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("", "init", "-q")
	git("2024-03-01T10:00:00Z", "add", "docs/index.md", "docs/old.md")
	git("2024-03-01T10:00:00Z", "commit", "-q", "-m", "first")
	if err := os.WriteFile(filepath.Join(src, "docs", "index.md"), []byte("# Home again\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("2025-07-15T08:30:00Z", "add", "docs/index.md")
	git("2025-07-15T08:30:00Z", "commit", "-q", "-m", "second")
	out := filepath.Join(t.TempDir(), "out")
	if _, err := Build(context.Background(), src, out, Options{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ file, want string }{
		{"index.html", `<time datetime="2025-07-15T08:30:00Z">July 15, 2025</time>`},
		{"old/index.html", `<time datetime="2024-03-01T10:00:00Z">March 1, 2024</time>`},
	}
	for _, tt := range tests {
		page, _ := os.ReadFile(filepath.Join(out, filepath.FromSlash(tt.file)))
		if !strings.Contains(string(page), tt.want) {
			t.Errorf("%s lacks %s", tt.file, tt.want)
		}
	}
	if page, _ := os.ReadFile(filepath.Join(out, "new", "index.html")); strings.Contains(string(page), "Last updated") {
		t.Error("an uncommitted page has a last-updated time")
	}
}

func TestParseGitLog(t *testing.T) {
	out := "\x001700000200\nb.md\n\n\x001700000100\na.md\nb.md\n\"quoted\\303\\251.md\"\n"
	got := parseGitLog([]byte(out))
	want := map[string]time.Time{"a.md": time.Unix(1700000100, 0), "b.md": time.Unix(1700000200, 0)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCancel(t *testing.T) {
	src := writeSource(t, map[string]string{"docs/index.md": "# Home\n", "docs/a.md": "# A\n"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Build(ctx, src, filepath.Join(t.TempDir(), "out"), Options{}); err == nil {
		t.Error("a cancelled build succeeded")
	}
}

func TestLargeNavIsPruned(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	genSite(t, src, 201) // the home page and four sections of 50 pages
	out := filepath.Join(t.TempDir(), "out")
	if _, err := Build(context.Background(), src, out, Options{}); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(out, "section-02", "page-007", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	for _, want := range []string{
		`<li class="md-nav__item md-nav__item--nested md-nav__item--pruned"><a class="md-nav__link" href="../../section-00/page-000/">Section 0</a></li>`,
		`<details open><summary class="md-nav__link">Section 2</summary>`,
		`aria-current="page" href="../../section-02/page-007/">Page 7 of section 2</a>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("nav lacks %s", want)
		}
	}
	if n := strings.Count(html, `class="md-nav__item"`); n > 60 {
		t.Errorf("%d nav entries in a pruned nav", n)
	}
}
