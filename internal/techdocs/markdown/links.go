package markdown

import (
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// linkTransformer points relative links and images at their URLs in the
// built site through Page.Link.
type linkTransformer struct{}

func (linkTransformer) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	st := stateOf(pc)
	if st == nil || st.page.Link == nil {
		return
	}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		var dest *[]byte
		what := "link"
		switch l := n.(type) {
		case *ast.Link:
			dest = &l.Destination
		case *ast.Image:
			dest, what = &l.Destination, "image"
		default:
			return ast.WalkContinue, nil
		}
		d := string(*dest)
		if !Relative(d) {
			return ast.WalkContinue, nil
		}
		url, ok := st.page.Link(d)
		if !ok {
			st.warnAt(offsetOf(n), "%s target %q not found in the documentation files", what, d)
			return ast.WalkContinue, nil
		}
		*dest = []byte(url)
		return ast.WalkContinue, nil
	})
}

// Relative reports whether a link destination points into the site by a
// relative path: no scheme, not absolute, not only a fragment.
func Relative(dest string) bool {
	if dest == "" || strings.HasPrefix(dest, "#") || strings.HasPrefix(dest, "/") || strings.HasPrefix(dest, "?") {
		return false
	}
	if i := strings.IndexAny(dest, ":/?#"); i >= 0 && dest[i] == ':' {
		return false // a scheme: https:, mailto:, javascript: ...
	}
	return true
}

// offsetOf returns the source offset of the first text in or after n, for
// line numbers in messages.
func offsetOf(n ast.Node) int {
	for p := n; p != nil; p = p.Parent() {
		off := -1
		_ = ast.Walk(p, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
			if t, ok := c.(*ast.Text); ok && entering {
				off = t.Segment.Start
				return ast.WalkStop, nil
			}
			if entering && c.Type() == ast.TypeBlock && c.Lines().Len() > 0 {
				off = c.Lines().At(0).Start
				return ast.WalkStop, nil
			}
			return ast.WalkContinue, nil
		})
		if off >= 0 {
			return off
		}
	}
	return 0
}
