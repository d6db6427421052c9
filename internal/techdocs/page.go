package techdocs

import (
	"bytes"
	"html/template"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Page is a published HTML page taken apart for the portal: its article
// (sanitised, with links pointing into the portal), the site navigation
// marked at the current page, the headings for an in-page table of
// contents, and the pages before and after it in the navigation.
type Page struct {
	Title   string
	Article template.HTML
	Nav     []NavItem
	// NavHTML is Nav as nested lists of links, ready for the page.
	NavHTML  template.HTML
	Headings []Heading
	// Prev and Next are the neighbouring pages in navigation order.
	Prev, Next *NavItem
	// LastUpdated is the page's "last update" as the site states it
	// (from git); zero when the site does not say.
	LastUpdated time.Time
	// LastUpdatedText is that date as the site wrote it, for sites that
	// only give words ("March 1, 2024").
	LastUpdatedText string
	// Mermaid says the article holds mermaid diagrams to draw in the
	// browser.
	Mermaid bool
}

// NavItem is an entry of the site navigation: a page (Href set) or a
// section of entries.
type NavItem struct {
	Title    string
	Href     string
	Current  bool
	Children []NavItem
}

// Heading is an h2 or h3 of the article.
type Heading struct {
	Level int
	ID    string
	Text  string
}

// ParsePage reads one page of a site: ours (article in
// <main class="md-content"><article>, navigation in <nav>) or MkDocs
// Material's, as Backstage publishes it. file is the page's path in the
// site ("guides/setup/index.html"); base is the URL the site's root is
// read at in the portal ("/docs/default/component/x/"), which every
// relative link and image is rewritten against.
func ParsePage(src []byte, file, base string) (*Page, error) {
	doc, err := html.Parse(bytes.NewReader(src))
	if err != nil {
		return nil, err
	}
	pg := &Page{}
	pg.LastUpdated, pg.LastUpdatedText = lastUpdated(doc)
	art := findArticle(doc)
	ln := linker{dir: path.Dir("/" + file), base: base}
	if art != nil {
		ln.rewrite(art)
		pg.Headings = headings(art)
		pg.Mermaid = hasClass(art, "mermaid")
		pg.Title = firstText(art, atom.H1)
		labelIconLinks(art)
		labelCheckboxes(art)
		removeSourceFacts(art)
		var buf bytes.Buffer
		for c := art.FirstChild; c != nil; c = c.NextSibling {
			if err := html.Render(&buf, c); err != nil {
				return nil, err
			}
		}
		pg.Article = template.HTML(policy.SanitizeBytes(buf.Bytes()))
	}
	if pg.Title == "" {
		pg.Title = firstText(doc, atom.Title)
	}
	if n := findNav(doc, art); n != nil {
		ln.rewrite(n)
		current := ln.link(strings.TrimSuffix("/"+file, "index.html"), "")
		pg.Nav = navList(n)
		markCurrent(pg.Nav, current)
		pg.Prev, pg.Next = neighbours(pg.Nav)
		pg.NavHTML = renderNav(pg.Nav)
	}
	return pg, nil
}

// policy is built once: a bluemonday policy is safe for concurrent use.
var policy *bluemonday.Policy = articlePolicy()

// findArticle returns the page's article: the <article> inside the
// content area when there is one, else the first <article>, else <main>.
func findArticle(doc *html.Node) *html.Node {
	if c := find(doc, func(n *html.Node) bool { return hasOwnClass(n, "md-content") }); c != nil {
		if a := find(c, isElem(atom.Article)); a != nil {
			return a
		}
		return c
	}
	if a := find(doc, isElem(atom.Article)); a != nil {
		return a
	}
	return find(doc, isElem(atom.Main))
}

// findNav returns the site navigation: MkDocs Material's primary nav, or
// the first <nav> outside the article that is not a table of contents or
// a footer.
func findNav(doc, art *html.Node) *html.Node {
	if n := find(doc, func(n *html.Node) bool { return n.DataAtom == atom.Nav && hasOwnClass(n, "md-nav--primary") }); n != nil {
		return n
	}
	return find(doc, func(n *html.Node) bool {
		return n.DataAtom == atom.Nav && !within(n, art) && !isTOCNav(n) && !isFooterNav(n)
	})
}

func isTOCNav(n *html.Node) bool {
	label := strings.ToLower(attr(n, "aria-label"))
	return hasOwnClass(n, "md-nav--secondary") || hasOwnClass(n, "toc") || strings.Contains(label, "contents")
}

func isFooterNav(n *html.Node) bool {
	label := strings.ToLower(attr(n, "aria-label"))
	return strings.Contains(label, "footer") || strings.Contains(label, "pagination") ||
		hasOwnClass(n, "md-footer__inner")
}

// navList reads the first list under n as navigation entries.
func navList(n *html.Node) []NavItem {
	ls := lists(n)
	if len(ls) == 0 {
		return nil
	}
	return listItems(ls[0])
}

// listItems reads the entries of one list: each item's own link (or, for
// a section, its label) and the entries of the lists nested in it.
func listItems(list *html.Node) []NavItem {
	var out []NavItem
	for li := list.FirstChild; li != nil; li = li.NextSibling {
		if li.DataAtom != atom.Li {
			continue
		}
		it := NavItem{}
		if a := findShallow(li, isElem(atom.A)); a != nil {
			it.Title, it.Href = text(a), attr(a, "href")
		} else {
			it.Title = ownText(li)
		}
		for _, sub := range lists(li) {
			it.Children = append(it.Children, listItems(sub)...)
		}
		if it.Title == "" && it.Href == "" && len(it.Children) == 0 {
			continue
		}
		out = append(out, it)
	}
	return out
}

// lists finds the lists below n, not looking inside the lists it finds
// or inside a table of contents nested in the navigation.
func lists(n *html.Node) []*html.Node {
	var out []*html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		switch {
		case c.DataAtom == atom.Ul || c.DataAtom == atom.Ol:
			out = append(out, c)
		case c.DataAtom == atom.Nav && isTOCNav(c):
		default:
			out = append(out, lists(c)...)
		}
	}
	return out
}

// markCurrent marks the entries linking to current.
func markCurrent(items []NavItem, current string) bool {
	found := false
	for i := range items {
		if items[i].Href != "" && stripFragment(items[i].Href) == current {
			items[i].Current = true
			found = true
		}
		if markCurrent(items[i].Children, current) {
			found = true
		}
	}
	return found
}

// neighbours finds the pages before and after the current one in
// navigation order, skipping links into the same page.
func neighbours(items []NavItem) (prev, next *NavItem) {
	var flat []NavItem
	seen := map[string]bool{}
	var walk func([]NavItem)
	walk = func(its []NavItem) {
		for _, it := range its {
			h := stripFragment(it.Href)
			if h != "" && !seen[h] && !isExternal(h) {
				seen[h] = true
				flat = append(flat, NavItem{Title: it.Title, Href: h, Current: it.Current})
			}
			walk(it.Children)
		}
	}
	walk(items)
	for i, it := range flat {
		if !it.Current {
			continue
		}
		if i > 0 {
			p := flat[i-1]
			prev = &p
		}
		if i+1 < len(flat) {
			n := flat[i+1]
			next = &n
		}
		break
	}
	return prev, next
}

// headings lists the article's h2 and h3 that have an id.
func headings(art *html.Node) []Heading {
	var out []Heading
	walk(art, func(n *html.Node) bool {
		if n.Type != html.ElementNode {
			return true
		}
		level := map[atom.Atom]int{atom.H2: 2, atom.H3: 3}[n.DataAtom]
		if level == 0 {
			return true
		}
		if id := attr(n, "id"); id != "" {
			if t := headingText(n); t != "" {
				out = append(out, Heading{Level: level, ID: id, Text: t})
			}
		}
		return false
	})
	return out
}

// headingText is a heading's text without its permalink mark.
func headingText(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) bool {
		if c.Type == html.ElementNode && c.DataAtom == atom.A && (hasOwnClass(c, "headerlink") || hasOwnClass(c, "anchor")) {
			return false
		}
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
		return true
	})
	return strings.TrimSpace(strings.TrimSuffix(collapse(b.String()), "¶"))
}

// labelIconLinks gives a text to links that hold only an icon (MkDocs
// Material's "Edit this page" button), since the icon's SVG may not
// survive sanitising and an empty link is invisible.
func labelIconLinks(art *html.Node) {
	walk(art, func(n *html.Node) bool {
		if n.Type == html.ElementNode && n.DataAtom == atom.A && strings.TrimSpace(text(n)) == "" {
			if t := attr(n, "title"); t != "" {
				for c := n.FirstChild; c != nil; {
					next := c.NextSibling
					n.RemoveChild(c)
					c = next
				}
				n.AppendChild(&html.Node{Type: html.TextNode, Data: t})
			}
			return false
		}
		return true
	})
}

// removeSourceFacts drops the site's own "last update" box from the
// article: the portal shows that date below the page itself.
func removeSourceFacts(art *html.Node) {
	if n := find(art, func(x *html.Node) bool { return x.DataAtom == atom.Aside && hasOwnClass(x, "md-source-file") }); n != nil && n.Parent != nil {
		n.Parent.RemoveChild(n)
	}
}

// labelCheckboxes names the check boxes of task lists, which stand
// before their item's text without a label: "Done" or "To do".
func labelCheckboxes(art *html.Node) {
	walk(art, func(n *html.Node) bool {
		if n.Type != html.ElementNode || n.DataAtom != atom.Input || !strings.EqualFold(attr(n, "type"), "checkbox") {
			return true
		}
		if attr(n, "aria-label") != "" || attr(n, "id") != "" || n.Parent != nil && n.Parent.DataAtom == atom.Label {
			return false
		}
		label := "To do"
		for _, a := range n.Attr {
			if a.Key == "checked" {
				label = "Done"
			}
		}
		n.Attr = append(n.Attr, html.Attribute{Key: "aria-label", Val: label})
		return false
	})
}

// lastUpdated reads the page's last update: a <time datetime> marked as
// such or in the page's source-file facts (our builder's), or the date of
// MkDocs' git-revision-date plugins.
func lastUpdated(doc *html.Node) (time.Time, string) {
	var t time.Time
	var words string
	marked := find(doc, func(x *html.Node) bool {
		return hasClassPart(x, "last-updated") || hasOwnClass(x, "md-source-file")
	})
	walk(doc, func(n *html.Node) bool {
		if !t.IsZero() || words != "" {
			return false
		}
		if n.Type != html.ElementNode {
			return true
		}
		cls := attr(n, "class")
		switch {
		case n.DataAtom == atom.Time && (strings.Contains(cls, "updated") || strings.Contains(cls, "revision") ||
			within(n, marked)):
			if v, err := time.Parse(time.RFC3339, attr(n, "datetime")); err == nil {
				t = v
			}
			words = text(n)
			return false
		case strings.Contains(cls, "git-revision-date-localized-plugin-date"),
			strings.Contains(cls, "git-revision-date-localized-plugin-datetime"):
			words = text(n)
			return false
		}
		return true
	})
	return t, strings.TrimSpace(words)
}

// linker rewrites a page's relative links to portal URLs.
type linker struct {
	dir  string // the page's folder in the site, rooted: "/guides/setup"
	base string // the portal URL of the site root, ending in "/"
}

// rewrite fixes href and src attributes under n.
func (l linker) rewrite(n *html.Node) {
	walk(n, func(c *html.Node) bool {
		if c.Type != html.ElementNode {
			return true
		}
		for i, a := range c.Attr {
			if a.Namespace != "" || (a.Key != "href" && a.Key != "src") {
				continue
			}
			c.Attr[i].Val = l.resolve(a.Val)
		}
		return true
	})
}

// resolve maps one link. Absolute URLs, absolute paths and fragments stay;
// relative paths are resolved in the site (never above its root) and put
// under the portal URL.
func (l linker) resolve(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" || strings.HasPrefix(raw, "#") || strings.HasPrefix(raw, "/") {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return raw
	}
	p := path.Join(l.dir, u.Path)
	if strings.HasSuffix(u.Path, "/") || u.Path == "" || u.Path == "." {
		p += "/"
	}
	if u.Path == "" {
		p = l.dir + "/"
	}
	return l.link(p, u.RawQuery) + fragment(u)
}

// link turns a rooted site path into its portal URL.
func (l linker) link(sitePath, query string) string {
	p := strings.TrimPrefix(path.Clean("/"+sitePath), "/")
	if strings.HasSuffix(sitePath, "/") && p != "" {
		p += "/"
	}
	p = strings.TrimSuffix(p, "index.html")
	out := l.base + (&url.URL{Path: p}).EscapedPath()
	if query != "" {
		out += "?" + query
	}
	return out
}

func fragment(u *url.URL) string {
	if u.Fragment == "" {
		return ""
	}
	return "#" + u.EscapedFragment()
}

func stripFragment(h string) string {
	h, _, _ = strings.Cut(h, "#")
	return h
}

func isExternal(h string) bool {
	u, err := url.Parse(h)
	return err != nil || u.Scheme != "" || u.Host != ""
}
