package markdown

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	"golang.org/x/text/unicode/norm"

	emojiast "github.com/yuin/goldmark-emoji/ast"
)

// headingIDTransformer gives every heading without an id one slugged from
// its text, unique within the page, as Python-Markdown's toc does.
type headingIDTransformer struct{}

func (headingIDTransformer) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	src := reader.Source()
	used := map[string]bool{}
	var todo []*ast.Heading
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		if id, ok := n.AttributeString("id"); ok {
			used[attrText(id)] = true
		}
		if h, ok := n.(*ast.Heading); ok {
			if _, has := h.AttributeString("id"); !has {
				todo = append(todo, h)
			}
		}
		return ast.WalkContinue, nil
	})
	for _, h := range todo {
		h.SetAttributeString("id", []byte(unique(slugify(plainText(h, src)), used)))
	}
	// Every heading ends with a permalink, as toc's permalink option adds.
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering {
			id, _ := h.AttributeString("id")
			h.AppendChild(h, &permalink{id: attrText(id)})
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
}

var kindPermalink = ast.NewNodeKind("Permalink")

// permalink is the "¶" link to a heading.
type permalink struct {
	ast.BaseInline
	id string
}

func (*permalink) Kind() ast.NodeKind { return kindPermalink }

func (n *permalink) Dump(src []byte, level int) {
	ast.DumpHelper(n, src, level, map[string]string{"ID": n.id}, nil)
}

func renderPermalink(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		_, _ = w.WriteString(`<a class="headerlink" href="#`)
		writeEscaped(w, node.(*permalink).id)
		_, _ = w.WriteString(`" title="Permanent link">¶</a>`)
	}
	return ast.WalkSkipChildren, nil
}

var (
	slugDropRE     = regexp.MustCompile(`[^\w\s-]`)
	slugSeparateRE = regexp.MustCompile(`[-\s]+`)
	idCountRE      = regexp.MustCompile(`^(.*)_([0-9]+)$`)
)

// slugify is Python-Markdown's toc slugify: decomposed to ASCII, anything
// but word characters, spaces and hyphens removed, lower case, runs of
// spaces and hyphens made one hyphen.
func slugify(s string) string {
	s = norm.NFKD.String(s)
	ascii := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] < utf8.RuneSelf {
			ascii = append(ascii, s[i])
		}
	}
	s = slugDropRE.ReplaceAllString(string(ascii), "")
	s = strings.ToLower(strings.TrimSpace(s))
	return slugSeparateRE.ReplaceAllString(s, "-")
}

// unique returns id, or id with _1, _2 ... appended, so that it is not in
// used; it records the result.
func unique(id string, used map[string]bool) string {
	for used[id] || id == "" {
		if m := idCountRE.FindStringSubmatch(id); m != nil {
			n, _ := strconv.Atoi(m[2])
			id = m[1] + "_" + strconv.Itoa(n+1)
		} else {
			id += "_1"
		}
	}
	used[id] = true
	return id
}

// plainText returns the text of an inline tree, without permalinks.
func plainText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch t := c.(type) {
		case *permalink:
			return ast.WalkSkipChildren, nil
		case *ast.Text:
			b.Write(t.Segment.Value(src))
			if t.SoftLineBreak() || t.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(t.Value)
		case *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		case *emojiast.Emoji:
			if len(t.Value.Unicode) > 0 {
				b.WriteString(string(t.Value.Unicode))
			}
		case *extast.FootnoteLink:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return strings.TrimSpace(b.String())
}

// headings lists the page's headings and returns its title: the text of a
// level-1 heading that opens the page.
func headings(doc ast.Node, src []byte) ([]Heading, string) {
	var out []Heading
	title := ""
	if h, ok := doc.FirstChild().(*ast.Heading); ok && h.Level == 1 {
		title = plainText(h, src)
	}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		h, ok := n.(*ast.Heading)
		if !ok || !entering {
			return ast.WalkContinue, nil
		}
		id, _ := h.AttributeString("id")
		out = append(out, Heading{Level: h.Level, ID: attrText(id), Title: plainText(h, src)})
		return ast.WalkSkipChildren, nil
	})
	return out, title
}
