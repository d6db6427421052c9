package web

import (
	"bytes"
	"html/template"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Descriptions are Markdown (with GitHub's tables, strikethrough and bare
// links; task lists are left as text, since their checkboxes would be
// unlabelled controls). They are rendered with raw HTML left out
// (goldmark's default), links kept only when safeURL accepts them, images
// replaced by their text (the page's policy would block other sites'
// images anyway), and headings moved down so a description's "#" never
// competes with the page's <h1> or the card's <h2>.

// markdownTopHeading is the level a description's "#" becomes: inside a
// card, under its <h2>.
const markdownTopHeading = 3

var markdown = goldmark.New(
	goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify),
	goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(markdownSanitizer{}, 0))),
)

// renderMarkdown renders a description; the output is safe to put in a
// page.
func renderMarkdown(src string) (template.HTML, error) {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil
}

// markdownSanitizer rewrites the parsed document before it is rendered.
type markdownSanitizer struct{}

func (markdownSanitizer) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	src := reader.Source()
	var images []*ast.Image
	var unsafe []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch x := n.(type) {
		case *ast.Heading:
			x.Level = min(x.Level+markdownTopHeading-1, 6)
		case *ast.Link:
			if href, ok := safeURL(string(x.Destination), true); ok {
				x.Destination = []byte(href)
			} else {
				unsafe = append(unsafe, x)
			}
		case *ast.AutoLink:
			if _, ok := safeURL(string(x.URL(src)), x.AutoLinkType == ast.AutoLinkEmail); !ok && x.AutoLinkType != ast.AutoLinkEmail {
				unsafe = append(unsafe, x)
			}
		case *ast.Image:
			images = append(images, x)
		}
		return ast.WalkContinue, nil
	})
	// A refused link keeps its text; an image becomes its alt text.
	for _, n := range unsafe {
		unwrap(n, src)
	}
	for _, img := range images {
		unwrap(img, src)
	}
}

// unwrap replaces n by its children (a link's or image's text), or by the
// text it shows when it has none (an autolink).
func unwrap(n ast.Node, src []byte) {
	parent := n.Parent()
	if parent == nil {
		return
	}
	if al, ok := n.(*ast.AutoLink); ok {
		parent.ReplaceChild(parent, n, ast.NewString(al.Label(src)))
		return
	}
	for c := n.FirstChild(); c != nil; {
		next := c.NextSibling()
		parent.InsertBefore(parent, n, c)
		c = next
	}
	parent.RemoveChild(parent, n)
}

// maxSummary bounds a description's summary.
const maxSummary = 240

// markdownSummary is the plain text of a description's first paragraph
// (or heading), for tables and lists that show one line of it.
func markdownSummary(src string) string {
	source := []byte(src)
	doc := markdown.Parser().Parse(text.NewReader(source))
	var b strings.Builder
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch x := n.(type) {
		case *ast.Paragraph, *ast.Heading, *ast.TextBlock:
			if b.Len() == 0 {
				writeText(&b, x, source)
			}
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	s := strings.Join(strings.Fields(b.String()), " ")
	if r := []rune(s); len(r) > maxSummary {
		s = strings.TrimSpace(string(r[:maxSummary])) + "…"
	}
	return s
}

// writeText writes the text inside n.
func writeText(b *strings.Builder, n ast.Node, src []byte) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch x := c.(type) {
		case *ast.Text:
			b.Write(x.Segment.Value(src))
			if x.SoftLineBreak() || x.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(x.Value)
		case *ast.AutoLink:
			b.Write(x.Label(src))
		case *ast.RawHTML:
		default:
			writeText(b, c, src)
		}
	}
}
