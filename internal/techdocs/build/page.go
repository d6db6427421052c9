package build

import (
	"bytes"
	"embed"
	"fmt"
	"html"
	"html/template"
	"os"
	"path/filepath"
	"strings"

	"github.com/callboard/callboard/internal/techdocs/markdown"
	"github.com/callboard/callboard/internal/techdocs/mkdocs"
)

//go:embed templates/page.html
var templateFS embed.FS

var pageTemplate = template.Must(template.ParseFS(templateFS, "templates/page.html"))

// pageData is what templates/page.html shows.
type pageData struct {
	Lang, SiteName, Title, Description string
	IsHome, HasTitle                   bool
	// Base leads from the page to the site root; Home is the home page.
	Base, Home        string
	ExtraCSS          []string
	RepoURL, RepoName string
	EditURL           string
	Nav, TOC          template.HTML
	Content           template.HTML
	Copyright         template.HTML
	Updated           *updated
	Prev, Next        *neighbour
	Mermaid           string
}

type updated struct{ ISO, Text string }

type neighbour struct{ URL, Title string }

func (b *builder) writePage(p *page) error {
	d := pageData{
		Lang:        lang(b.cfg.Theme),
		SiteName:    b.cfg.SiteName,
		Title:       p.title,
		Description: b.cfg.SiteDescription,
		IsHome:      p.url == "" || p.url == "index.html",
		HasTitle:    hasH1(p.res.Headings),
		Base:        base(p.url),
		Home:        escapePath(relURL(p.url, homeURL(b.cfg.UseDirectoryURLs))),
		RepoURL:     webURL(b.cfg.RepoURL),
		RepoName:    b.cfg.RepoName,
		EditURL:     b.cfg.EditURL(p.src),
		Nav:         template.HTML(b.navHTML(p)),
		TOC:         template.HTML(tocHTML(p.res.Headings)),
		Content:     template.HTML(p.res.HTML),
		Copyright:   template.HTML(b.md.Sanitize(b.cfg.Copyright)),
	}
	if d.RepoName == "" {
		d.RepoName = "Repository"
	}
	for _, css := range b.cfg.ExtraCSS {
		if mkdocs.IsURL(css) {
			if u := webURL(css); u != "" {
				d.ExtraCSS = append(d.ExtraCSS, u)
			}
			continue
		}
		d.ExtraCSS = append(d.ExtraCSS, d.Base+escapePath(strings.TrimPrefix(css, "./")))
	}
	if !p.updated.IsZero() {
		t := p.updated.UTC()
		d.Updated = &updated{ISO: t.Format("2006-01-02T15:04:05Z"), Text: t.Format("January 2, 2006")}
	}
	if p.prev != nil {
		d.Prev = &neighbour{URL: escapePath(relURL(p.url, p.prev.url)), Title: p.prev.title}
	}
	if p.next != nil {
		d.Next = &neighbour{URL: escapePath(relURL(p.url, p.next.url)), Title: p.next.title}
	}
	if p.res.Mermaid {
		d.Mermaid = b.o.Mermaid
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, d); err != nil {
		return fmt.Errorf("%s: page template: %w", b.name(p.src), err)
	}
	// writeAll made the folder.
	if err := os.WriteFile(filepath.Join(b.out, filepath.FromSlash(p.out)), buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write site: %w", err)
	}
	return nil
}

// hasH1 reports whether the page has a level-1 heading of its own; if not,
// the page's title is shown as one, as Material for MkDocs does.
func hasH1(hs []markdown.Heading) bool {
	for _, h := range hs {
		if h.Level == 1 {
			return true
		}
	}
	return false
}

func homeURL(dirURLs bool) string {
	if dirURLs {
		return ""
	}
	return "index.html"
}

// lang is the theme's language, "en" by default.
func lang(theme map[string]any) string {
	if l, ok := theme["language"].(string); ok && l != "" && !strings.ContainsAny(l, `"<>& `) {
		return l
	}
	return "en"
}

// webURL keeps http and https URLs only.
func webURL(u string) string {
	if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		return u
	}
	return ""
}

// navPruneAbove is the number of nav entries above which the nav of each
// page lists only the sections around that page: a section elsewhere is a
// link to its first page (Material's navigation.prune). Sites that large
// would otherwise repeat the whole nav, tens of kilobytes, in every page.
const navPruneAbove = 150

// prepareNav escapes each nav entry's label and root-relative link once,
// and decides whether the nav is pruned.
func (b *builder) prepareNav() {
	entries := 0
	var walk func(nodes []*navNode) *page
	walk = func(nodes []*navNode) *page {
		var first *page
		for _, n := range nodes {
			entries++
			title := n.title
			switch {
			case n.section:
				n.first = walk(n.children)
				if n.first != nil {
					n.href = html.EscapeString(escapePath(n.first.url))
				}
			case n.page != nil:
				if title == "" {
					title = n.page.title
				}
				n.href = html.EscapeString(escapePath(n.page.url))
				if first == nil {
					first = n.page
				}
			case mkdocs.IsURL(n.url):
				n.href = html.EscapeString(webURL(n.url))
			default:
				n.href = html.EscapeString(escapePath(n.url))
			}
			n.label = html.EscapeString(title)
			if first == nil && n.section {
				first = n.first
			}
		}
		return first
	}
	walk(b.nav)
	b.prune = entries > navPruneAbove
}

// navHTML renders the site nav for page cur: links lead from cur to each
// page through the site root, and the sections holding cur are open.
func (b *builder) navHTML(cur *page) string {
	var w strings.Builder
	prefix := base(cur.url)
	open := map[*navNode]bool{}
	for _, a := range cur.ancestors {
		open[a] = true
	}
	href := func(n *navNode) {
		if n.page == nil && mkdocs.IsURL(n.url) {
			w.WriteString(n.href)
			return
		}
		w.WriteString(prefix)
		w.WriteString(n.href)
		if prefix == "" && n.href == "" {
			w.WriteString("./")
		}
	}
	var list func(nodes []*navNode)
	list = func(nodes []*navNode) {
		w.WriteString(`<ul class="md-nav__list">`)
		for _, n := range nodes {
			switch {
			case n.section && b.prune && !open[n] && n.first != nil:
				w.WriteString(`<li class="md-nav__item md-nav__item--nested md-nav__item--pruned"><a class="md-nav__link" href="`)
				href(n)
				w.WriteString(`">`)
				w.WriteString(n.label)
				w.WriteString("</a></li>")
			case n.section:
				w.WriteString(`<li class="md-nav__item md-nav__item--nested"><details`)
				if open[n] {
					w.WriteString(" open")
				}
				w.WriteString(`><summary class="md-nav__link">`)
				w.WriteString(n.label)
				w.WriteString("</summary>")
				list(n.children)
				w.WriteString("</details></li>")
			case n.page == cur:
				w.WriteString(`<li class="md-nav__item md-nav__item--active"><a class="md-nav__link md-nav__link--active" aria-current="page" href="`)
				href(n)
				w.WriteString(`">`)
				w.WriteString(n.label)
				w.WriteString("</a></li>")
			default:
				w.WriteString(`<li class="md-nav__item"><a class="md-nav__link" href="`)
				href(n)
				w.WriteString(`">`)
				w.WriteString(n.label)
				w.WriteString("</a></li>")
			}
		}
		w.WriteString("</ul>")
	}
	list(b.nav)
	return w.String()
}

// tocHTML renders the headings below the page title (levels 2 to 4) as
// nested lists.
func tocHTML(hs []markdown.Heading) string {
	type node struct {
		h        markdown.Heading
		children []*node
	}
	root := &node{}
	stack := []*node{root}
	for _, h := range hs {
		if h.Level < 2 || h.Level > 4 {
			continue
		}
		for len(stack) > 1 && stack[len(stack)-1].h.Level >= h.Level {
			stack = stack[:len(stack)-1]
		}
		n := &node{h: h}
		parent := stack[len(stack)-1]
		parent.children = append(parent.children, n)
		stack = append(stack, n)
	}
	if len(root.children) == 0 {
		return ""
	}
	var w strings.Builder
	var list func(nodes []*node)
	list = func(nodes []*node) {
		w.WriteString(`<ul class="md-nav__list">`)
		for _, n := range nodes {
			w.WriteString(`<li class="md-nav__item"><a class="md-nav__link" href="#`)
			w.WriteString(html.EscapeString(n.h.ID))
			w.WriteString(`">`)
			w.WriteString(html.EscapeString(n.h.Title))
			w.WriteString("</a>")
			if len(n.children) > 0 {
				list(n.children)
			}
			w.WriteString("</li>")
		}
		w.WriteString("</ul>")
	}
	list(root.children)
	return w.String()
}

// writeFile writes data to name, creating its folder.
func writeFile(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return fmt.Errorf("write site: %w", err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		return fmt.Errorf("write site: %w", err)
	}
	return nil
}
