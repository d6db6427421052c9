package apidoc

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

// md renders descriptions: CommonMark with GitHub's tables, strikethrough,
// task lists and bare-URL links. Raw HTML is left out (goldmark's default
// without WithUnsafe), links and images keep only safe targets, and
// headings move down so a description cannot outrank the page's own.
var md = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(sanitizer{}, 1000))),
)

// maxMarkdownBytes bounds one description.
const maxMarkdownBytes = 256 << 10

// Markdown renders a description as sanitised HTML.
func Markdown(src string) template.HTML {
	src = strings.TrimSpace(src)
	if src == "" {
		return ""
	}
	if len(src) > maxMarkdownBytes {
		src = src[:maxMarkdownBytes]
	}
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src))
	}
	// goldmark escapes all text and, without WithUnsafe, omits raw HTML;
	// sanitizer has removed unsafe link targets.
	return template.HTML(buf.String())
}

// headingShift is how far description headings move down: the page has
// the h1 and the definition's title is an h2, so a description's "#"
// becomes an h3, never skipping a level below the heading it follows.
const headingShift = 2

// sanitizer removes links and images whose target is not safe, keeping
// their text, and shifts headings down.
type sanitizer struct{}

func (sanitizer) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	src := reader.Source()
	var unsafe []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch x := n.(type) {
		case *ast.Heading:
			x.Level = min(x.Level+headingShift, 6)
		case *ast.Link:
			if !SafeURL(destination(x.Destination)) {
				unsafe = append(unsafe, x)
			}
		case *ast.Image:
			if !SafeURL(destination(x.Destination)) {
				unsafe = append(unsafe, x)
			}
		case *ast.AutoLink:
			if !SafeURL(string(x.URL(src))) {
				unsafe = append(unsafe, x)
			}
		}
		return ast.WalkContinue, nil
	})
	for _, n := range unsafe {
		unwrap(n, src)
	}
}

// destination is a link target as the browser will see it: goldmark
// resolves escapes and character references (javascript&#58;) only when
// it writes the page.
func destination(d []byte) string {
	return string(util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(d))))
}

// unwrap replaces a link or image by its text.
func unwrap(n ast.Node, src []byte) {
	parent := n.Parent()
	if parent == nil {
		return
	}
	if a, ok := n.(*ast.AutoLink); ok {
		parent.ReplaceChild(parent, a, ast.NewString(a.Label(src)))
		return
	}
	for c := n.FirstChild(); c != nil; {
		next := c.NextSibling()
		parent.InsertBefore(parent, n, c)
		c = next
	}
	parent.RemoveChild(parent, n)
}

// SafeURL reports whether a link target may be followed: http, https and
// mailto, or a relative reference. Browsers ignore tabs and newlines in
// URLs and trim control characters and spaces, so "java\tscript:" is
// javascript: to them; the check does the same before reading the scheme.
func SafeURL(u string) bool {
	u = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, u)
	u = strings.TrimFunc(u, func(r rune) bool { return r <= ' ' })
	scheme, ok := urlScheme(u)
	if !ok {
		return true
	}
	switch strings.ToLower(scheme) {
	case "http", "https", "mailto":
		return true
	}
	return false
}

// urlScheme returns the scheme of an absolute URL.
func urlScheme(u string) (string, bool) {
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		case c == ':' && i > 0:
			return u[:i], true
		default:
			return "", false
		}
	}
	return "", false
}
