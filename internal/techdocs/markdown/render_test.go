package markdown

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// render renders src with the options and returns the HTML and warnings.
func render(t *testing.T, o Options, src string, link func(string) (string, bool)) (string, []string) {
	t.Helper()
	res, err := New(o).Render(context.Background(), Page{Name: "docs/page.md", Source: []byte(src), Link: link})
	if err != nil {
		t.Fatal(err)
	}
	return string(res.HTML), res.Warnings
}

func TestRender(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{
			name: "admonition with title",
			src:  "!!! note \"Read this\"\n    Body **bold**.\n\n    Second paragraph.\n\nAfter.\n",
			want: "<div class=\"admonition note\">\n<p class=\"admonition-title\">Read this</p>\n<p>Body <strong>bold</strong>.</p>\n<p>Second paragraph.</p>\n</div>\n<p>After.</p>\n",
		},
		{
			name: "admonition default title, modifiers, empty title",
			src:  "!!! warning inline end\n    a\n\n!!! tip \"\"\n    b\n",
			want: "<div class=\"admonition warning inline end\">\n<p class=\"admonition-title\">Warning</p>\n<p>a</p>\n</div>\n<div class=\"admonition tip\">\n<p>b</p>\n</div>\n",
		},
		{
			name: "nested admonitions",
			src:  "!!! note\n    outer\n\n    !!! danger \"Inner\"\n        inner\n",
			want: "<div class=\"admonition note\">\n<p class=\"admonition-title\">Note</p>\n<p>outer</p>\n<div class=\"admonition danger\">\n<p class=\"admonition-title\">Inner</p>\n<p>inner</p>\n</div>\n</div>\n",
		},
		{
			name: "details closed and open",
			src:  "??? question \"Why?\"\n    Because.\n\n???+ info\n    Shown.\n",
			want: "<details class=\"question\">\n<summary>Why?</summary>\n<p>Because.</p>\n</details>\n<details class=\"info\" open=\"\">\n<summary>Info</summary>\n<p>Shown.</p>\n</details>\n",
		},
		{
			name: "not an admonition",
			src:  "!!!\n\n!!!note\n",
			want: "<p>!!!</p>\n<div class=\"admonition note\">\n<p class=\"admonition-title\">Note</p>\n</div>\n",
		},
		{
			name: "tabs: one set, a selected tab, a new set",
			src:  "=== \"A\"\n    a\n\n===+ \"B\"\n    b\n\n===! \"C\"\n    c\n",
			want: "<div class=\"tabbed-set\" data-tabs=\"1:2\"><input id=\"__tabbed_1_1\" name=\"__tabbed_1\" type=\"radio\"><label for=\"__tabbed_1_1\">A</label><div class=\"tabbed-content\">\n<p>a</p>\n</div>\n<input checked=\"checked\" id=\"__tabbed_1_2\" name=\"__tabbed_1\" type=\"radio\"><label for=\"__tabbed_1_2\">B</label><div class=\"tabbed-content\">\n<p>b</p>\n</div>\n</div>\n" +
				"<div class=\"tabbed-set\" data-tabs=\"2:1\"><input checked=\"checked\" id=\"__tabbed_2_1\" name=\"__tabbed_2\" type=\"radio\"><label for=\"__tabbed_2_1\">C</label><div class=\"tabbed-content\">\n<p>c</p>\n</div>\n</div>\n",
		},
		{
			name: "github alert",
			src:  "> [!WARNING]\n> Mind the gap.\n",
			want: "<div class=\"admonition warning\">\n<p class=\"admonition-title\">Warning</p>\n<p>Mind the gap.</p>\n</div>\n",
		},
		{
			name: "attribute lists",
			src:  "## Title {: #custom .a .b }\n\nText with [a link](https://example.com){: .button target=\"_blank\" } and `code`{: .x }.\n{: .para data-x=\"1\" }\n\n## Template {name}\n",
			want: "<h2 id=\"custom\" class=\"a b\">Title<a class=\"headerlink\" href=\"#custom\" title=\"Permanent link\">¶</a></h2>\n" +
				"<p class=\"para\" data-x=\"1\">Text with <a href=\"https://example.com\" class=\"button\" target=\"_blank\">a link</a> and <code class=\"x\">code</code>.</p>\n" +
				"<h2 id=\"template-name\">Template {name}<a class=\"headerlink\" href=\"#template-name\" title=\"Permanent link\">¶</a></h2>\n",
		},
		{
			name: "abbreviations",
			src:  "The HTML spec and HTML5, not XHTML or `HTML`.\n\n*[HTML]: Hyper Text Markup Language\n*[HTML5]: The fifth\n",
			want: "<p>The <abbr title=\"Hyper Text Markup Language\">HTML</abbr> spec and <abbr title=\"The fifth\">HTML5</abbr>, not XHTML or <code>HTML</code>.</p>\n",
		},
		{
			name: "heading ids as Python-Markdown slugs them",
			src:  "# Café & Crème!\n## Same\n## Same\n## Same_1\n### ???\n",
			want: "<h1 id=\"cafe-creme\">Café &amp; Crème!<a class=\"headerlink\" href=\"#cafe-creme\" title=\"Permanent link\">¶</a></h1>\n" +
				"<h2 id=\"same\">Same<a class=\"headerlink\" href=\"#same\" title=\"Permanent link\">¶</a></h2>\n" +
				"<h2 id=\"same_1\">Same<a class=\"headerlink\" href=\"#same_1\" title=\"Permanent link\">¶</a></h2>\n" +
				"<h2 id=\"same_2\">Same_1<a class=\"headerlink\" href=\"#same_2\" title=\"Permanent link\">¶</a></h2>\n" +
				"<h3 id=\"_1\">???<a class=\"headerlink\" href=\"#_1\" title=\"Permanent link\">¶</a></h3>\n",
		},
		{
			name: "gfm: table, task list, strikethrough, autolink, footnote, definition list, emoji",
			src:  "| a | b |\n|:--|--:|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n\n~~old~~ https://example.com :tada:\n\nTerm\n:   Meaning[^n]\n\n[^n]: Note.\n",
			want: "<table>\n<thead>\n<tr>\n<th align=\"left\">a</th>\n<th align=\"right\">b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td align=\"left\">1</td>\n<td align=\"right\">2</td>\n</tr>\n</tbody>\n</table>\n" +
				"<ul>\n<li><input checked=\"\" disabled=\"\" type=\"checkbox\"> done</li>\n<li><input disabled=\"\" type=\"checkbox\"> todo</li>\n</ul>\n" +
				"<p><del>old</del> <a href=\"https://example.com\">https://example.com</a> 🎉</p>\n" +
				"<dl>\n<dt>Term</dt>\n<dd>Meaning<sup id=\"fnref:1\"><a href=\"#fn:1\" class=\"footnote-ref\" role=\"doc-noteref\">1</a></sup></dd>\n</dl>\n" +
				"<div class=\"footnotes\" role=\"doc-endnotes\">\n<hr>\n<ol>\n<li id=\"fn:1\">\n<p>Note.\u00a0<a href=\"#fnref:1\" class=\"footnote-backref\" role=\"doc-backlink\">↩︎</a></p>\n</li>\n</ol>\n</div>\n",
		},
		{
			name: "code: language, title, line numbers from 5, highlighted line",
			src:  "```go title=\"main.go\" linenums=\"5\" hl_lines=\"2\"\nx := 1\ny := 2\n```\n",
			want: "<div class=\"language-go highlight\"><span class=\"filename\">main.go</span><div class=\"chroma\">\n<table class=\"lntable\"><tr><td class=\"lntd\">\n<pre class=\"chroma\"><span class=\"lnt\">5\n</span><span class=\"hl\"><span class=\"lnt\">6\n</span></span></pre></td>\n<td class=\"lntd\">\n" +
				"<pre class=\"chroma\"><code><span class=\"line\"><span class=\"cl\"><span class=\"nx\">x</span><span class=\"w\"> </span><span class=\"o\">:=</span><span class=\"w\"> </span><span class=\"mi\">1</span><span class=\"w\">\n</span></span></span>" +
				"<span class=\"line hl\"><span class=\"cl\"><span class=\"nx\">y</span><span class=\"w\"> </span><span class=\"o\">:=</span><span class=\"w\"> </span><span class=\"mi\">2</span><span class=\"w\">\n</span></span></span></code></pre></td></tr></table>\n</div>\n</div>\n",
		},
		{
			name: "code: attribute form, unknown language, indented code",
			src:  "``` { .nosuchlang #ex .wide }\n<b>\n```\n\n    plain\n",
			want: "<div class=\"language-nosuchlang highlight wide\" id=\"ex\"><pre class=\"chroma\"><code><span class=\"line\"><span class=\"cl\">&lt;b&gt;\n</span></span></code></pre></div>\n" +
				"<div class=\"highlight\"><pre class=\"chroma\"><code><span class=\"line\"><span class=\"cl\">plain\n</span></span></code></pre></div>\n",
		},
		{
			name: "mermaid without a script is source",
			src:  "```mermaid\ngraph TD; A-->B\n```\n",
			want: "<div class=\"language-mermaid highlight\"><pre class=\"chroma\"><code><span class=\"line\"><span class=\"cl\">graph TD; A--&gt;B\n</span></span></code></pre></div>\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warns := render(t, Options{}, tt.src, nil)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("HTML (-want +got):\n%s", diff)
			}
			if len(warns) != 0 {
				t.Errorf("warnings %q", warns)
			}
		})
	}
}

func TestMermaid(t *testing.T) {
	res, err := New(Options{Mermaid: true}).Render(context.Background(), Page{Name: "p.md", Source: []byte("```mermaid\ngraph TD; A-->B\n```\n")})
	if err != nil {
		t.Fatal(err)
	}
	if want := "<pre class=\"mermaid\">graph TD; A--&gt;B\n</pre>"; string(res.HTML) != want || !res.Mermaid {
		t.Errorf("got %q (mermaid %v), want %q", res.HTML, res.Mermaid, want)
	}
}

func TestLinks(t *testing.T) {
	pages := map[string]string{"other.md": "../other/", "img/a.png": "../img/a.png", "sub/": "../sub/"}
	link := func(dest string) (string, bool) {
		path, frag, _ := strings.Cut(dest, "#")
		u, ok := pages[path]
		if ok && frag != "" {
			u += "#" + frag
		}
		return u, ok
	}
	src := "[a](other.md#part) ![i](img/a.png) [s](sub/) [x](https://example.com/x.md) [f](#top) [m](mailto:a@b.c) [abs](/root.md)\n\n" +
		"[broken](missing.md)\n"
	got, warns := render(t, Options{}, src, link)
	want := "<p><a href=\"../other/#part\">a</a> <img src=\"../img/a.png\" alt=\"i\"> <a href=\"../sub/\">s</a> <a href=\"https://example.com/x.md\">x</a> <a href=\"#top\">f</a> <a href=\"mailto:a@b.c\">m</a> <a href=\"/root.md\">abs</a></p>\n" +
		"<p><a href=\"missing.md\">broken</a></p>\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("HTML (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{`docs/page.md:3: link target "missing.md" not found in the documentation files`}, warns); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

func TestResult(t *testing.T) {
	src := "---\ntitle: From meta\ntags: [a]\n---\n# The *Title*\n\nIntro text.\n\n## Part one\n\nBody one.\n\n```go\nx := 1\n```\n"
	res, err := New(Options{}).Render(context.Background(), Page{Name: "p.md", Source: []byte(src)})
	if err != nil {
		t.Fatal(err)
	}
	want := &Result{
		Title:    "The Title",
		Meta:     map[string]any{"title": "From meta", "tags": []any{"a"}},
		Headings: []Heading{{Level: 1, ID: "the-title", Title: "The Title"}, {Level: 2, ID: "part-one", Title: "Part one"}},
		Text:     "The Title Intro text. Part one Body one. x := 1",
		Sections: []Section{{ID: "the-title", Title: "The Title", Text: "Intro text."}, {ID: "part-one", Title: "Part one", Text: "Body one. x := 1"}},
	}
	res.HTML = nil
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	res, _ = New(Options{}).Render(context.Background(), Page{Name: "p.md", Source: []byte("Intro.\n\n# Late title\n")})
	if res.Title != "" {
		t.Errorf("title %q from a heading that does not open the page", res.Title)
	}
}
