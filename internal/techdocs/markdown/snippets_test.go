package markdown

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/problem"
)

func snippetDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"includes/abbr.md":    "*[API]: Application Programming Interface\n",
		"includes/note.md":    "Included **text**.\n",
		"includes/lines.txt":  "one\ntwo\nthree\nfour\n",
		"includes/code.py":    "# --8<-- [start:func]\ndef f():\n    return 1\n# --8<-- [end:func]\nprint(f())\n",
		"includes/nested.md":  "Nested start.\n--8<-- \"note.md\"\n",
		"includes/loop.md":    "Loop.\n--8<-- \"loop.md\"\n",
		"outside-base.md":     "Not in a base path.\n",
		"../escape-target.md": "secret\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, "src", filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "src")
}

func TestSnippets(t *testing.T) {
	root := snippetDir(t)
	sn := &Snippets{Root: root, Bases: []string{filepath.Join(root, "includes")}}
	tests := []struct {
		name, src, want string
		warns           []string
	}{
		{
			name: "one file",
			src:  "Before.\n\n--8<-- \"note.md\"\n\nAfter API.\n\n--8<-- \"abbr.md\"\n",
			want: "<p>Before.</p>\n<p>Included <strong>text</strong>.</p>\n<p>After <abbr title=\"Application Programming Interface\">API</abbr>.</p>\n",
		},
		{
			name: "indented inside an admonition",
			src:  "!!! note\n    --8<-- \"note.md\"\n",
			want: "<div class=\"admonition note\">\n<p class=\"admonition-title\">Note</p>\n<p>Included <strong>text</strong>.</p>\n</div>\n",
		},
		{
			name: "a block of files, lines and a section",
			src:  "--8<--\nnote.md\n; skipped.md\nlines.txt:2:3\n--8<--\n\n```python\n--8<-- \"code.py:func\"\n```\n",
			want: "<p>Included <strong>text</strong>.\ntwo\nthree</p>\n<div class=\"language-python highlight\"><pre class=\"chroma\"><code>" +
				"<span class=\"line\"><span class=\"cl\"><span class=\"k\">def</span> <span class=\"nf\">f</span><span class=\"p\">():</span>\n</span></span>" +
				"<span class=\"line\"><span class=\"cl\">    <span class=\"k\">return</span> <span class=\"mi\">1</span>\n</span></span></code></pre></div>\n",
		},
		{
			name: "escaped",
			src:  ";--8<-- \"note.md\"\n",
			want: "<p>--8&lt;-- &#34;note.md&#34;</p>\n",
		},
		{
			name: "nested and looping",
			src:  "--8<-- \"nested.md\"\n\n--8<-- \"loop.md\"\n",
			want: "<p>Nested start.\nIncluded <strong>text</strong>.</p>\n<p>Loop.</p>\n",
		},
		{
			name:  "missing and outside the base path",
			src:   "--8<-- \"nope.md\"\n--8<-- \"../outside-base.md\"\n",
			want:  "",
			warns: []string{`docs/page.md:1: snippet "nope.md" not found`, `docs/page.md:2: snippet "../outside-base.md" not found`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warns := render(t, Options{Snippets: sn}, tt.src, nil)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("HTML (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.warns, warns); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("without the extension the lines stay", func(t *testing.T) {
		got, _ := render(t, Options{}, "--8<-- \"note.md\"\n", nil)
		if got != "<p>--8&lt;-- &#34;note.md&#34;</p>\n" {
			t.Errorf("got %q", got)
		}
	})
}

func TestSnippetErrors(t *testing.T) {
	root := snippetDir(t)
	if err := os.Symlink(filepath.Join(root, "..", "escape-target.md"), filepath.Join(root, "includes", "link.md")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		sn   Snippets
		src  string
		want string
	}{
		{"leaving the source directory", Snippets{Bases: []string{filepath.Join(root, "includes")}}, "x\n\n--8<-- \"../../escape-target.md\"\n", `docs/page.md:3: snippet "../../escape-target.md" leaves the source directory`},
		{"through a symbolic link", Snippets{Bases: []string{filepath.Join(root, "includes")}}, "--8<-- \"link.md\"\n", `docs/page.md:1: snippet "link.md" leaves the source directory`},
		{"absolute", Snippets{Bases: []string{root}}, "--8<-- \"/etc/passwd\"\n", `docs/page.md:1: snippet "/etc/passwd" must be a path relative to a snippet base path`},
		{"missing with check_paths", Snippets{Bases: []string{root}, CheckPaths: true}, "--8<--\nnope.md\n--8<--\n", `docs/page.md:2: snippet "nope.md" not found`},
		{"in an included file", Snippets{Bases: []string{filepath.Join(root, "includes")}, CheckPaths: true}, "--8<-- \"bad.md\"\n", `includes/bad.md:1: snippet "missing.md" not found`},
	}
	if err := os.WriteFile(filepath.Join(root, "includes", "bad.md"), []byte("--8<-- \"missing.md\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sn := tt.sn
			sn.Root = root
			_, err := New(Options{Snippets: &sn}).Render(context.Background(), Page{Name: "docs/page.md", Source: []byte(tt.src)})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if !problem.Is(err, problem.InputError) {
				t.Errorf("error %v is not an InputError", err)
			}
		})
	}
}
