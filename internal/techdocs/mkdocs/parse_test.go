package mkdocs

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/callboard/callboard/internal/problem"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		opts  Options
		want  *Config
		warns []string
	}{
		{
			name: "minimal",
			yaml: "site_name: Payments\n",
			want: &Config{SiteName: "Payments", DocsDir: "docs", UseDirectoryURLs: true, Plugins: []Plugin{{Name: "techdocs-core"}}},
		},
		{
			name: "everything MkDocs and TechDocs read",
			yaml: `site_name: Payments
site_description: How payments work
site_author: Team A
site_url: https://docs.example.com/
copyright: (c) Example
repo_url: https://github.com/example/payments
edit_uri: edit/main/site/
docs_dir: ./site/
use_directory_urls: false
theme:
  name: material
  features: [navigation.tabs]
extra:
  version: 2
extra_css: [extra.css]
nav:
  - index.md
  - Guide:
      - Start: guide/start.md
      - guide/more.md
      - Deeper:
          - guide/deep/one.md
  - Issues: https://github.com/example/payments/issues
plugins:
  - search:
      lang: en
  - techdocs-core
markdown_extensions:
  - admonition
  - toc:
      permalink: true
`,
			want: &Config{
				SiteName: "Payments", SiteDescription: "How payments work", SiteAuthor: "Team A",
				SiteURL: "https://docs.example.com/", Copyright: "(c) Example",
				RepoURL: "https://github.com/example/payments", RepoName: "GitHub", EditURI: "edit/main/site/",
				DocsDir: "site", UseDirectoryURLs: false,
				Theme:    map[string]any{"name": "material", "features": []any{"navigation.tabs"}},
				Extra:    map[string]any{"version": 2},
				ExtraCSS: []string{"extra.css"},
				NavLine:  16,
				Nav: []NavItem{
					{Path: "index.md", At: "mkdocs.yml:17"},
					{Title: "Guide", Section: true, At: "mkdocs.yml:18", Children: []NavItem{
						{Title: "Start", Path: "guide/start.md", At: "mkdocs.yml:19"},
						{Path: "guide/more.md", At: "mkdocs.yml:20"},
						{Title: "Deeper", Section: true, At: "mkdocs.yml:21", Children: []NavItem{
							{Path: "guide/deep/one.md", At: "mkdocs.yml:22"},
						}},
					}},
					{Title: "Issues", URL: "https://github.com/example/payments/issues", At: "mkdocs.yml:23"},
				},
				Plugins: []Plugin{{Name: "search", Options: map[string]any{"lang": "en"}}, {Name: "techdocs-core"}},
				MarkdownExtensions: []Extension{
					{Name: "admonition", At: "mkdocs.yml:29"},
					{Name: "toc", Options: map[string]any{"permalink": true}, At: "mkdocs.yml:30"},
				},
			},
		},
		{
			name: "keys and plugins outside the allow-lists are removed",
			yaml: `site_name: x
hooks: [evil.py]
extra_javascript: [x.js]
plugins:
  - search
  - macros
  - mkdocstrings:
      handlers: {}
`,
			want: &Config{SiteName: "x", DocsDir: "docs", UseDirectoryURLs: true, Plugins: []Plugin{{Name: "search"}, {Name: "techdocs-core"}}},
			warns: []string{
				`mkdocs.yml:2: removed "hooks": TechDocs does not allow this setting in mkdocs.yml`,
				`mkdocs.yml:3: removed "extra_javascript": TechDocs does not allow this setting in mkdocs.yml`,
				`mkdocs.yml:6: removed plugin "macros": TechDocs does not allow it`,
				`mkdocs.yml:7: removed plugin "mkdocstrings": TechDocs does not allow it`,
			},
		},
		{
			name: "additional keys and plugins extend the allow-lists",
			yaml: "site_name: x\nhooks: [a.py]\nplugins: {macros: {}}\n",
			opts: Options{AdditionalKeys: []string{"hooks"}, AdditionalPlugins: []string{"macros"}},
			want: &Config{SiteName: "x", DocsDir: "docs", UseDirectoryURLs: true, Plugins: []Plugin{{Name: "macros", Options: map[string]any{}}, {Name: "techdocs-core"}}},
		},
		{
			name: "snippets are restricted to the source directory",
			yaml: `site_name: x
markdown_extensions:
  - pymdownx.snippets:
      base_path: [., ../secrets, /etc, includes/]
      url_download: true
      check_paths: true
`,
			want: &Config{SiteName: "x", DocsDir: "docs", UseDirectoryURLs: true, Plugins: []Plugin{{Name: "techdocs-core"}},
				MarkdownExtensions: []Extension{{Name: Snippets, At: "mkdocs.yml:3", Options: map[string]any{
					"base_path": []any{".", "includes"}, "url_download": false, "restrict_base_path": true, "check_paths": true,
				}}}},
			warns: []string{
				`mkdocs.yml:3: pymdownx.snippets: removed base_path "../secrets": it leaves the source directory`,
				`mkdocs.yml:3: pymdownx.snippets: removed base_path "/etc": it leaves the source directory`,
				`mkdocs.yml:3: pymdownx.snippets: url_download is turned off: TechDocs builds never download snippets`,
			},
		},
		{
			name: "python tags and !ENV defaults",
			yaml: `site_name: !ENV [SITE_NAME, "Fallback"]
repo_url: !ENV REPO
markdown_extensions:
  - pymdownx.emoji:
      emoji_index: !!python/name:material.extensions.emoji.twemoji
`,
			want: &Config{SiteName: "Fallback", DocsDir: "docs", UseDirectoryURLs: true, Plugins: []Plugin{{Name: "techdocs-core"}},
				MarkdownExtensions: []Extension{{Name: "pymdownx.emoji", Options: map[string]any{"emoji_index": ""}, At: "mkdocs.yml:4"}}},
		},
		{
			name: "repo_url and edit_uri from the source location fill what the file leaves out",
			yaml: "site_name: x\n",
			opts: Options{RepoURL: "https://ghe.example.com/o/r/tree/main/", EditURI: "https://ghe.example.com/o/r/edit/main/docs"},
			want: &Config{SiteName: "x", DocsDir: "docs", UseDirectoryURLs: true, Plugins: []Plugin{{Name: "techdocs-core"}},
				RepoURL: "https://ghe.example.com/o/r/tree/main/", RepoName: "Ghe", EditURI: "https://ghe.example.com/o/r/edit/main/docs/"},
		},
		{
			name: "the file's own repo_url wins; an empty edit_uri turns the edit link off",
			yaml: "site_name: x\nrepo_url: https://gitlab.com/o/r\nedit_uri: ''\n",
			opts: Options{RepoURL: "https://other.example.com/x", EditURI: "https://other.example.com/x/edit"},
			want: &Config{SiteName: "x", DocsDir: "docs", UseDirectoryURLs: true, Plugins: []Plugin{{Name: "techdocs-core"}},
				RepoURL: "https://gitlab.com/o/r", RepoName: "GitLab"},
		},
		{
			name: "monorepo includes are skipped",
			yaml: "site_name: x\nnav:\n  - Home: index.md\n  - Sub: '!include ./sub/mkdocs.yml'\n  - Other: !include ./other/mkdocs.yml\n",
			want: &Config{SiteName: "x", DocsDir: "docs", UseDirectoryURLs: true, Plugins: []Plugin{{Name: "techdocs-core"}}, NavLine: 2,
				Nav: []NavItem{{Title: "Home", Path: "index.md", At: "mkdocs.yml:3"}}},
			warns: []string{
				`mkdocs.yml:4: nav: skipped !include "./sub/mkdocs.yml": monorepo includes are not supported`,
				`mkdocs.yml:5: nav: skipped !include "./other/mkdocs.yml": monorepo includes are not supported`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warns, err := Parse("mkdocs.yml", []byte(tt.yaml), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			tt.want.File = "mkdocs.yml"
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Config{}, "Lines")); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
			var ws []string
			for _, w := range warns {
				ws = append(ws, w.String())
			}
			if diff := cmp.Diff(tt.warns, ws); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"no site_name", "docs_dir: docs\n", "mkdocs.yml: site_name is required"},
		{"absolute docs_dir", "site_name: x\ndocs_dir: /etc\n", `mkdocs.yml:2: docs_dir: "/etc" must be a relative path inside the source directory`},
		{"escaping docs_dir", "site_name: x\ndocs_dir: docs/../../x\n", `mkdocs.yml:2: docs_dir: "docs/../../x" leaves the source directory`},
		{"windows docs_dir", "site_name: x\ndocs_dir: 'C:\\docs'\n", `must be a relative path inside the source directory`},
		{"syntax error", "site_name: x\nnav: [\n  - a\n", "mkdocs.yml:3: did not find expected node content"},
		{"not a mapping", "- a\n- b\n", "mkdocs.yml:1: expected a mapping of settings at the top level"},
		{"two documents", "site_name: x\n---\nsite_name: y\n", "mkdocs.yml:2: expected a single YAML document, found another"},
		{"duplicate key", "site_name: x\nsite_name: y\n", "mkdocs.yml:2: "},
		{"site_name list", "site_name: [a]\n", "mkdocs.yml:1: site_name: expected a string"},
		{"nav not a list", "site_name: x\nnav: index.md\n", "mkdocs.yml:2: nav: line 2: expected a list of entries"},
		{"nav entry with two keys", "site_name: x\nnav:\n  - {A: a.md, B: b.md}\n", "mkdocs.yml:2: nav: line 3: a nav entry must map one title to a page, a link or a list"},
		{"nav entry without target", "site_name: x\nnav:\n  - A:\n", `nav: line 3: nav entry "A" has no page, link or list`},
		{"nav leaves docs_dir", "site_name: x\nnav:\n  - ../secret.md\n", `nav: line 3: nav entry "../secret.md" leaves docs_dir`},
		{"bad use_directory_urls", "site_name: x\nuse_directory_urls: maybe\n", "mkdocs.yml:2: use_directory_urls: expected true or false"},
		{"plugin options not a mapping", "site_name: x\nplugins:\n  - search: [a]\n", `the options of "search" must be a mapping`},
		{"INHERIT without a directory", "INHERIT: base.yml\nsite_name: x\n", `mkdocs.yml:1: INHERIT "base.yml": no such file`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Parse("mkdocs.yml", []byte(tt.yaml), Options{})
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if !problem.Is(err, problem.InputError) {
				t.Errorf("error %v is not an InputError", err)
			}
		})
	}
}

func TestEditURL(t *testing.T) {
	tests := []struct {
		name string
		c    Config
		src  string
		want string
	}{
		{"relative edit_uri", Config{RepoURL: "https://github.com/o/r", EditURI: "edit/main/docs/"}, "guide/a.md", "https://github.com/o/r/edit/main/docs/guide/a.md"},
		{"absolute path edit_uri", Config{RepoURL: "https://github.com/o/r", EditURI: "/o/r/blob/main/docs/"}, "a.md", "https://github.com/o/r/blob/main/docs/a.md"},
		{"absolute URL edit_uri", Config{EditURI: "https://example.com/edit/"}, "a b.md", "https://example.com/edit/a%20b.md"},
		{"query edit_uri", Config{RepoURL: "https://dev.azure.com/o/p/_git/r", EditURI: "?path=/docs/"}, "a.md", "https://dev.azure.com/o/p/_git/r?path=/docs/a.md"},
		{"template", Config{RepoURL: "https://example.com/r/", EditURITemplate: "src/{path_noext}/edit?file={path}"}, "x/a.md", "https://example.com/r/src/x/a/edit?file=x/a.md"},
		{"no edit_uri", Config{RepoURL: "https://example.com/r"}, "a.md", ""},
		{"relative without repo", Config{EditURI: "edit/"}, "a.md", ""},
		{"script URL refused", Config{EditURI: "javascript:alert(1)//"}, "a.md", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.EditURL(tt.src); got != tt.want {
				t.Errorf("EditURL(%q) = %q, want %q", tt.src, got, tt.want)
			}
		})
	}
}

func TestRepoDefaults(t *testing.T) {
	tests := []struct{ repo, name, edit string }{
		{"https://github.com/o/r", "GitHub", "edit/master/docs/"},
		{"https://gitlab.com/o/r", "GitLab", "edit/master/docs/"},
		{"https://bitbucket.org/o/r", "Bitbucket", "src/default/docs/"},
		{"https://git.example.com/o/r", "Git", ""},
	}
	for _, tt := range tests {
		c, _, err := Parse("mkdocs.yml", []byte("site_name: x\nrepo_url: "+tt.repo+"\n"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if c.RepoName != tt.name || c.EditURI != tt.edit {
			t.Errorf("%s: repo_name %q edit_uri %q, want %q %q", tt.repo, c.RepoName, c.EditURI, tt.name, tt.edit)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("site_name: x\nnav:\n  - a.md\n  - S: [b.md, {T: c.md}]\n")
	f.Add("site_name: &a x\nextra: {k: *a}\nplugins: {search: {}}\n")
	f.Add("site_name: x\nmarkdown_extensions: [{pymdownx.snippets: {base_path: ../x}}]\n")
	f.Add("INHERIT: a.yml\n")
	f.Fuzz(func(t *testing.T, src string) {
		c, _, err := Parse("mkdocs.yml", []byte(src), Options{})
		if err != nil {
			if !problem.Is(err, problem.InputError) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		if c.SiteName == "" || c.DocsDir == "" || strings.HasPrefix(c.DocsDir, "..") || strings.HasPrefix(c.DocsDir, "/") {
			t.Fatalf("bad config accepted: %+v", c)
		}
		if _, ok := c.Plugin("techdocs-core"); !ok {
			t.Fatal("techdocs-core missing")
		}
	})
}
