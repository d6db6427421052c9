package build

import (
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/techdocs/markdown"
)

func TestRelURL(t *testing.T) {
	tests := []struct{ from, to, want string }{
		{"", "", "./"},
		{"", "a/", "a/"},
		{"a/", "", "../"},
		{"a/b/", "a/c/", "../c/"},
		{"a/b/", "a/b/", "./"},
		{"a/b/", "img/x.png", "../../img/x.png"},
		{"a/b/", "a/b/x.png", "x.png"},
		{"a/b.html", "a/c.html", "c.html"},
		{"a/b.html", "index.html", "../index.html"},
		{"index.html", "a/index.html", "a/index.html"},
	}
	for _, tt := range tests {
		if got := relURL(tt.from, tt.to); got != tt.want {
			t.Errorf("relURL(%q, %q) = %q, want %q", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestEscapePath(t *testing.T) {
	tests := map[string]string{"a b/c#d.md": "a%20b/c%23d.md", "../x/": "../x/", "a:b/": "./a:b/", "./": "./"}
	for in, want := range tests {
		if got := escapePath(in); got != want {
			t.Errorf("escapePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPageURL(t *testing.T) {
	tests := []struct {
		src      string
		dirURLs  bool
		url, out string
	}{
		{"index.md", true, "", "index.html"},
		{"README.md", true, "", "index.html"},
		{"a.md", true, "a/", "a/index.html"},
		{"g/index.md", true, "g/", "g/index.html"},
		{"g/x.markdown", true, "g/x/", "g/x/index.html"},
		{"index.md", false, "index.html", "index.html"},
		{"g/x.md", false, "g/x.html", "g/x.html"},
		{"g/README.md", false, "g/index.html", "g/index.html"},
	}
	for _, tt := range tests {
		url, out := pageURL(tt.src, tt.dirURLs)
		if url != tt.url || out != tt.out {
			t.Errorf("pageURL(%q, %v) = %q, %q, want %q, %q", tt.src, tt.dirURLs, url, out, tt.url, tt.out)
		}
	}
}

func TestFileOrder(t *testing.T) {
	files := []string{"z.md", "b/index.md", "a/z.md", "index.md", "a.md", "b/a.md", "a/b/c.md", "a/index.md", "README.md"}
	sort.Slice(files, func(i, j int) bool { return fileLess(files[i], files[j]) })
	want := []string{"README.md", "index.md", "a.md", "z.md", "a/index.md", "a/z.md", "a/b/c.md", "b/index.md", "b/a.md"}
	if diff := cmp.Diff(want, files); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestDirTitle(t *testing.T) {
	tests := map[string]string{"getting-started": "Getting started", "how_to": "How to", "API_Reference": "API Reference", "": ""}
	for in, want := range tests {
		if got := dirTitle(in); got != want {
			t.Errorf("dirTitle(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTOC(t *testing.T) {
	hs := []markdown.Heading{
		{Level: 1, ID: "t", Title: "Title"},
		{Level: 2, ID: "a", Title: "A"},
		{Level: 4, ID: "a1", Title: "A.1"},
		{Level: 3, ID: "a2", Title: "A.2"},
		{Level: 2, ID: "b", Title: "B & C"},
		{Level: 5, ID: "deep", Title: "too deep"},
	}
	want := `<ul class="md-nav__list">` +
		`<li class="md-nav__item"><a class="md-nav__link" href="#a">A</a><ul class="md-nav__list">` +
		`<li class="md-nav__item"><a class="md-nav__link" href="#a1">A.1</a></li>` +
		`<li class="md-nav__item"><a class="md-nav__link" href="#a2">A.2</a></li></ul></li>` +
		`<li class="md-nav__item"><a class="md-nav__link" href="#b">B &amp; C</a></li></ul>`
	if diff := cmp.Diff(want, tocHTML(hs)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := tocHTML(hs[:1]); got != "" {
		t.Errorf("a page with only a title has a TOC: %q", got)
	}
}
