package techdocs

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// walk visits n and its descendants in document order; fn returns false
// to skip a node's children.
func walk(n *html.Node, fn func(*html.Node) bool) {
	if n == nil || !fn(n) {
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

// find returns the first node under n (n included) that match accepts.
func find(n *html.Node, match func(*html.Node) bool) *html.Node {
	var found *html.Node
	walk(n, func(c *html.Node) bool {
		if found != nil {
			return false
		}
		if c.Type == html.ElementNode && match(c) {
			found = c
			return false
		}
		return true
	})
	return found
}

// findShallow is find that does not look inside list items, nested
// lists or navigation other than n itself, so a nav entry's own link is
// not confused with its children's.
func findShallow(n *html.Node, match func(*html.Node) bool) *html.Node {
	var found *html.Node
	var visit func(c *html.Node)
	visit = func(c *html.Node) {
		for ; c != nil && found == nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if match(c) {
				found = c
				return
			}
			switch c.DataAtom {
			case atom.Li, atom.Ul, atom.Ol:
				continue
			case atom.Nav:
				if isTOCNav(c) {
					continue
				}
			}
			visit(c.FirstChild)
		}
	}
	if n.Type == html.ElementNode && n.DataAtom != atom.Li && match(n) {
		return n
	}
	visit(n.FirstChild)
	return found
}

func isElem(a atom.Atom) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.DataAtom == a }
}

// within reports whether n is anc or below it.
func within(n, anc *html.Node) bool {
	if anc == nil {
		return false
	}
	for ; n != nil; n = n.Parent {
		if n == anc {
			return true
		}
	}
	return false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

// hasOwnClass reports whether n has class c.
func hasOwnClass(n *html.Node, c string) bool {
	for f := range strings.FieldsSeq(attr(n, "class")) {
		if f == c {
			return true
		}
	}
	return false
}

// hasClassPart reports whether one of n's classes contains part.
func hasClassPart(n *html.Node, part string) bool {
	return strings.Contains(attr(n, "class"), part)
}

// hasClass reports whether n or a descendant has class c.
func hasClass(n *html.Node, c string) bool {
	return find(n, func(x *html.Node) bool { return hasOwnClass(x, c) }) != nil
}

// text is the collapsed text under n.
func text(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) bool {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
		return c.Type != html.ElementNode || (c.DataAtom != atom.Script && c.DataAtom != atom.Style)
	})
	return collapse(b.String())
}

// ownText is the text of n outside nested lists and navigation: a nav
// section's label.
func ownText(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) bool {
		if c != n && c.Type == html.ElementNode {
			switch c.DataAtom {
			case atom.Ul, atom.Ol, atom.Nav, atom.Script, atom.Style:
				return false
			}
		}
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
		return true
	})
	return collapse(b.String())
}

// firstText is the text of the first a element under n.
func firstText(n *html.Node, a atom.Atom) string {
	if e := find(n, isElem(a)); e != nil {
		if a == atom.H1 {
			return headingText(e)
		}
		return text(e)
	}
	return ""
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }
