package techdocs

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/internal/techdocs/build"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

const base = "/docs/default/component/harbour-tides/"

func readSitePage(t *testing.T, site, file string) *Page {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", site, filepath.FromSlash(file)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParsePage(b, file, base)
	if err != nil {
		t.Fatalf("ParsePage(%s): %v", file, err)
	}
	return p
}

// TestParseMaterialPage reads pages as MkDocs Material writes them, the
// layout Backstage's techdocs-cli publishes.
func TestParseMaterialPage(t *testing.T) {
	p := readSitePage(t, "material-site", "getting-started/index.html")
	if p.Title != "Getting started" {
		t.Errorf("Title = %q", p.Title)
	}
	wantNav := []NavItem{
		{Title: "Home", Href: base},
		{Title: "Getting started", Href: base + "getting-started/", Current: true},
		{Title: "Guides", Children: []NavItem{
			{Title: "Setting up", Href: base + "guides/setup/"},
			{Title: "Tide tables", Href: "https://example.com/tides"},
		}},
	}
	if diff := cmp.Diff(wantNav, p.Nav); diff != "" {
		t.Errorf("Nav (-want +got):\n%s", diff)
	}
	wantHeadings := []Heading{{2, "requirements", "Requirements"}, {3, "on-call", "On call"}}
	if diff := cmp.Diff(wantHeadings, p.Headings); diff != "" {
		t.Errorf("Headings (-want +got):\n%s", diff)
	}
	if p.Prev == nil || p.Prev.Href != base || p.Prev.Title != "Home" {
		t.Errorf("Prev = %+v", p.Prev)
	}
	if p.Next == nil || p.Next.Href != base+"guides/setup/" {
		t.Errorf("Next = %+v", p.Next)
	}
	for _, want := range []string{
		`<a href="` + base + `guides/setup/">setup guide</a>`,
		`<div class="admonition note">`,
		`<input type="checkbox" disabled="" checked=""`, // in a label: no aria-label
		`<details class="tip"><summary>More</summary>`,
		`<span class="nb">echo</span>`,
		`<h2 id="requirements">`,
	} {
		if !strings.Contains(string(p.Article), want) {
			t.Errorf("article lacks %s:\n%s", want, p.Article)
		}
	}
	if p.Mermaid {
		t.Error("Mermaid set on a page without diagrams")
	}
}

func TestParseMaterialHome(t *testing.T) {
	p := readSitePage(t, "material-site", "index.html")
	art := string(p.Article)
	for _, bad := range []string{"<script", "onclick", "javascript:", "alert(\"injected\")"} {
		if strings.Contains(art, bad) {
			t.Errorf("article keeps %q:\n%s", bad, art)
		}
	}
	for _, want := range []string{
		`src="` + base + `assets/images/chart.svg"`,
		`href="` + base + `guides/setup/#install"`,
		`href="#what-it-does"`,
		`>Edit this page</a>`,
	} {
		if !strings.Contains(art, want) {
			t.Errorf("article lacks %s:\n%s", want, art)
		}
	}
	if p.LastUpdatedText != "March 1, 2024" {
		t.Errorf("LastUpdatedText = %q", p.LastUpdatedText)
	}
	if strings.Contains(art, "md-source-file") {
		t.Error("the site's last-update box is still in the article")
	}
	if p.Prev != nil || p.Next == nil || p.Next.Title != "Getting started" {
		t.Errorf("Prev %+v Next %+v", p.Prev, p.Next)
	}
	if !p.Nav[0].Current {
		t.Errorf("home not current: %+v", p.Nav)
	}
	// The table of contents nested in the active entry is not navigation.
	if len(p.Nav[0].Children) != 0 {
		t.Errorf("TOC read as nav children: %+v", p.Nav[0].Children)
	}
}

func TestParseMaterialNested(t *testing.T) {
	p := readSitePage(t, "material-site", "guides/setup/index.html")
	if !p.Nav[2].Children[0].Current {
		t.Errorf("nested page not current: %+v", p.Nav)
	}
	if p.Next != nil {
		t.Errorf("Next = %+v; an external link is not a next page", p.Next)
	}
	if p.Prev == nil || p.Prev.Href != base+"getting-started/" {
		t.Errorf("Prev = %+v", p.Prev)
	}
	if !p.Mermaid {
		t.Error("Mermaid not detected")
	}
	if !strings.Contains(string(p.Article), `href="`+base+`"`) {
		t.Errorf("link to the root not rewritten:\n%s", p.Article)
	}
}

// TestParseOwnPage reads a page in the layout our builder writes: the
// article in <main class="md-content"><article>, the nav in <nav>.
func TestParseOwnPage(t *testing.T) {
	src := `<!DOCTYPE html><html><head><title>Ops - Ferry Booking</title></head><body>
<nav class="docs-nav" aria-label="Site"><ul>
<li><a href="../">Home</a></li>
<li><span>Runbooks</span><ul><li><a href="./">Ops</a></li><li><a href="../ops/restart.html">Restart</a></li></ul></li>
</ul></nav>
<main class="md-content"><article>
<h1 id="ops">Ops</h1><h2 id="a">Alpha <a class="headerlink" href="#a">¶</a></h2>
<p><a href="../ops/restart.html#now">restart</a> <a href="../../../etc/passwd">up</a> <a href="mailto:ops@example.com">mail</a></p>
<footer><time class="last-updated" datetime="2025-02-03T04:05:06Z">3 Feb 2025</time></footer>
</article></main>
<nav class="toc" aria-label="On this page"><ul><li><a href="#a">Alpha</a></li></ul></nav>
</body></html>`
	p, err := ParsePage([]byte(src), "ops/index.html", base)
	if err != nil {
		t.Fatal(err)
	}
	want := []NavItem{
		{Title: "Home", Href: base},
		{Title: "Runbooks", Children: []NavItem{
			{Title: "Ops", Href: base + "ops/", Current: true},
			{Title: "Restart", Href: base + "ops/restart.html"},
		}},
	}
	if diff := cmp.Diff(want, p.Nav); diff != "" {
		t.Errorf("Nav (-want +got):\n%s", diff)
	}
	if p.Next == nil || p.Next.Href != base+"ops/restart.html" || p.Prev == nil || p.Prev.Href != base {
		t.Errorf("Prev %+v Next %+v", p.Prev, p.Next)
	}
	if diff := cmp.Diff([]Heading{{2, "a", "Alpha"}}, p.Headings); diff != "" {
		t.Errorf("Headings (-want +got):\n%s", diff)
	}
	if p.LastUpdated.IsZero() || p.LastUpdated.Year() != 2025 {
		t.Errorf("LastUpdated = %v", p.LastUpdated)
	}
	art := string(p.Article)
	for _, want := range []string{
		`href="` + base + `ops/restart.html#now"`,
		`href="` + base + `etc/passwd"`, // clamped at the site root
		`href="mailto:ops@example.com"`,
	} {
		if !strings.Contains(art, want) {
			t.Errorf("article lacks %s:\n%s", want, art)
		}
	}
}

func TestPageFile(t *testing.T) {
	tests := []struct {
		in, file string
		ok       bool
	}{
		{"", "index.html", true},
		{"guides/", "guides/index.html", true},
		{"guides", "guides/index.html", true},
		{"a/b.html", "a/b.html", true},
		{"img/x.png", "", false},
		{"search/search_index.json", "", false},
	}
	for _, tt := range tests {
		file, ok := PageFile(tt.in)
		if file != tt.file || ok != tt.ok {
			t.Errorf("PageFile(%q) = %q, %v; want %q, %v", tt.in, file, ok, tt.file, tt.ok)
		}
	}
}

func FuzzParsePage(f *testing.F) {
	for _, p := range []string{"index.html", "getting-started/index.html", "guides/setup/index.html"} {
		if b, err := os.ReadFile(filepath.Join("testdata", "material-site", p)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`<main class="md-content"><article><a href="../../x">x</a><img src=javascript:1></article></main>`))
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := ParsePage(src, "a/index.html", base)
		if err != nil {
			return
		}
		if bad := unsafeHTML(string(p.Article)); bad != "" {
			t.Fatalf("unsafe article (%s): %s", bad, p.Article)
		}
	})
}

// unsafeHTML names what in s could run script: a script element, an event
// handler attribute, or a javascript: URL.
func unsafeHTML(s string) string {
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		return err.Error()
	}
	bad := ""
	walk(doc, func(n *html.Node) bool {
		if n.Type != html.ElementNode || bad != "" {
			return bad == ""
		}
		if n.DataAtom == atom.Script || n.DataAtom == atom.Iframe || n.DataAtom == atom.Object {
			bad = n.Data
		}
		for _, a := range n.Attr {
			v := strings.ToLower(strings.TrimSpace(a.Val))
			if strings.HasPrefix(strings.ToLower(a.Key), "on") || strings.HasPrefix(v, "javascript:") || a.Key == "style" {
				bad = a.Key + "=" + a.Val
			}
		}
		return true
	})
	return bad
}

// TestParseBuiltPage reads pages our own builder wrote.
func TestParseBuiltPage(t *testing.T) {
	out := t.TempDir()
	if _, err := build.Build(context.Background(), filepath.Join("testdata", "source"), out, build.Options{}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "guides", "planning", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParsePage(b, "guides/planning/index.html", base)
	if err != nil {
		t.Fatal(err)
	}
	wantNav := []NavItem{
		{Title: "Home", Href: base},
		{Title: "Guides", Children: []NavItem{
			{Title: "Planning a berth", Href: base + "guides/planning/", Current: true},
			{Title: "Tides", Href: base + "guides/tides/"},
		}},
	}
	if diff := cmp.Diff(wantNav, p.Nav); diff != "" {
		t.Errorf("Nav (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Heading{{2, "steps", "Steps"}, {3, "conflicts", "Conflicts"}}, p.Headings); diff != "" {
		t.Errorf("Headings (-want +got):\n%s", diff)
	}
	if p.Title != "Planning a berth" || p.Prev == nil || p.Prev.Href != base || p.Next == nil || p.Next.Href != base+"guides/tides/" {
		t.Errorf("Title %q Prev %+v Next %+v", p.Title, p.Prev, p.Next)
	}
	for _, want := range []string{`<div class="admonition warning">`, `Tides first`, `href="https://github.com/tidewater/berth-planner/edit/main/docs/guides/planning.md"`} {
		if !strings.Contains(string(p.Article), want) {
			t.Errorf("article lacks %s:\n%s", want, p.Article)
		}
	}
	home, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	hp, err := ParsePage(home, "index.html", base)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(hp.Article), `href="`+base+`guides/tides/#tables"`) {
		t.Errorf("link between pages not resolved:\n%s", hp.Article)
	}
}

func TestLastUpdatedSourceFile(t *testing.T) {
	src := `<main class="md-content"><article><h1>A</h1><aside class="md-source-file"><span class="md-source-file__fact">Last updated: <time datetime="2026-11-21T06:37:57Z">November 21, 2026</time></span></aside></article></main>`
	p, err := ParsePage([]byte(src), "index.html", base)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 21, 6, 37, 57, 0, time.UTC); !p.LastUpdated.Equal(want) || p.LastUpdatedText != "November 21, 2026" {
		t.Errorf("LastUpdated = %v %q", p.LastUpdated, p.LastUpdatedText)
	}
}

func TestTaskListLabels(t *testing.T) {
	src := `<article><ul><li><input checked="" disabled="" type="checkbox"> done</li><li><input disabled="" type="checkbox"> todo</li></ul></article>`
	p, err := ParsePage([]byte(src), "index.html", base)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`aria-label="Done"`, `aria-label="To do"`} {
		if !strings.Contains(string(p.Article), want) {
			t.Errorf("article lacks %s: %s", want, p.Article)
		}
	}
}

func TestNavHTML(t *testing.T) {
	got := renderNav([]NavItem{
		{Title: "Home & more", Href: "/docs/a/", Current: true},
		{Title: "Guides", Children: []NavItem{{Title: "<b>x</b>", Href: "javascript:alert(1)"}, {Title: "Ext", Href: "https://example.com/?a=1&b=2"}}},
	})
	want := `<ul><li><a href="/docs/a/" aria-current="page">Home &amp; more</a></li><li><span class="docs-nav__section">Guides</span>` +
		`<ul><li><span class="docs-nav__section">&lt;b&gt;x&lt;/b&gt;</span></li><li><a href="https://example.com/?a=1&amp;b=2">Ext</a></li></ul></li></ul>`
	if string(got) != want {
		t.Errorf("renderNav =\n%s\nwant\n%s", got, want)
	}
}
