package markdown

import (
	"regexp"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// alertRE is the first line of a GitHub alert ("> [!NOTE]"), which
// mkdocs-techdocs-core renders as an admonition (gh-admonitions).
var alertRE = regexp.MustCompile(`(?i)^[ \t]*\[!(note|tip|important|warning|caution)\][ \t]*\r?\n?$`)

// alertTransformer turns GitHub alerts into admonitions.
type alertTransformer struct{}

func (alertTransformer) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	src := reader.Source()
	var quotes []*ast.Blockquote
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if q, ok := n.(*ast.Blockquote); ok && entering {
			quotes = append(quotes, q)
		}
		return ast.WalkContinue, nil
	})
	for _, q := range quotes {
		p, ok := q.FirstChild().(*ast.Paragraph)
		if !ok || p.Lines().Len() == 0 {
			continue
		}
		first := p.Lines().At(0)
		m := alertRE.FindSubmatch(first.Value(src))
		if m == nil {
			continue
		}
		var drop []ast.Node
		plain := true
		for c := p.FirstChild(); c != nil; c = c.NextSibling() {
			if t, ok := c.(*ast.Text); ok {
				if t.Segment.Start >= first.Stop {
					break
				}
				drop = append(drop, t)
				continue
			}
			plain = !startsBefore(c, first.Stop)
			break
		}
		if !plain {
			continue
		}
		for _, d := range drop {
			p.RemoveChild(p, d)
		}
		if p.ChildCount() == 0 {
			q.RemoveChild(q, p)
		}
		kind := strings.ToLower(string(m[1]))
		a := &Admonition{Classes: []string{kind}, Title: defaultTitle([]string{kind})}
		for c := q.FirstChild(); c != nil; {
			next := c.NextSibling()
			q.RemoveChild(q, c)
			a.AppendChild(a, c)
			c = next
		}
		parent := q.Parent()
		parent.ReplaceChild(parent, q, a)
	}
}

// startsBefore reports whether the first text inside n starts before
// offset.
func startsBefore(n ast.Node, offset int) bool {
	before := false
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if t, ok := c.(*ast.Text); ok && entering {
			before = t.Segment.Start < offset
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	return before
}
