package markdown

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

var (
	kindAbbr    = ast.NewNodeKind("Abbreviation")
	kindAbbrDef = ast.NewNodeKind("AbbreviationDefinition")
	// abbrDefRE is "*[HTML]: Hyper Text Markup Language".
	abbrDefRE = regexp.MustCompile(`^\*\[([^\]\\]+)\][ \t]*:[ \t]*(.*?)[ \t]*\r?\n?$`)
)

// abbrDef is an abbreviation definition; it renders nothing.
type abbrDef struct {
	ast.BaseBlock
	abbr, title string
}

func (*abbrDef) Kind() ast.NodeKind { return kindAbbrDef }

func (n *abbrDef) Dump(src []byte, level int) {
	ast.DumpHelper(n, src, level, map[string]string{"Abbr": n.abbr, "Title": n.title}, nil)
}

// abbr wraps an abbreviation in the text.
type abbr struct {
	ast.BaseInline
	title string
}

func (*abbr) Kind() ast.NodeKind { return kindAbbr }

func (n *abbr) Dump(src []byte, level int) {
	ast.DumpHelper(n, src, level, map[string]string{"Title": n.title}, nil)
}

// abbrParser parses abbreviation definitions, one per line.
type abbrParser struct{}

func (abbrParser) Trigger() []byte { return []byte{'*'} }

func (abbrParser) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	line, seg := reader.PeekLine()
	indent, pos := util.IndentWidth(line, reader.LineOffset())
	if indent > 3 {
		return nil, parser.NoChildren
	}
	m := abbrDefRE.FindSubmatch(line[pos:])
	if m == nil {
		return nil, parser.NoChildren
	}
	reader.Advance(seg.Len() - 1)
	return &abbrDef{abbr: strings.TrimSpace(string(m[1])), title: string(m[2])}, parser.NoChildren
}

func (abbrParser) Continue(node ast.Node, reader text.Reader, pc parser.Context) parser.State {
	return parser.Close
}

func (abbrParser) Close(node ast.Node, reader text.Reader, pc parser.Context) {}
func (abbrParser) CanInterruptParagraph() bool                                { return true }
func (abbrParser) CanAcceptIndentedLine() bool                                { return false }

// abbrTransformer wraps every whole-word occurrence of a defined
// abbreviation, outside code, in an abbr node.
type abbrTransformer struct{}

func (abbrTransformer) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	titles := map[string]string{}
	var texts []*ast.Text
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch t := n.(type) {
		case *abbrDef:
			if t.title == "" {
				delete(titles, t.abbr) // an empty definition removes one
			} else {
				titles[t.abbr] = t.title
			}
		case *ast.CodeSpan, *ast.CodeBlock, *ast.FencedCodeBlock, *ast.HTMLBlock, *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		case *ast.Text:
			if !t.IsRaw() {
				texts = append(texts, t)
			}
		}
		return ast.WalkContinue, nil
	})
	if len(titles) == 0 {
		return
	}
	words := make([]string, 0, len(titles))
	for w := range titles {
		words = append(words, w)
	}
	// Longest first, so "HTML5" wins over "HTML" at the same place.
	sort.Slice(words, func(i, j int) bool { return len(words[i]) > len(words[j]) })
	src := reader.Source()
	for _, t := range texts {
		splitAbbrs(t, src, words, titles)
	}
}

// splitAbbrs splits a text node around the abbreviations it contains.
func splitAbbrs(t *ast.Text, src []byte, words []string, titles map[string]string) {
	parent := t.Parent()
	if parent == nil {
		return
	}
	seg := t.Segment
	s := string(seg.Value(src))
	cur := ast.Node(t)
	pos := 0
	for {
		at, word := nextAbbr(s, pos, words)
		if at < 0 {
			break
		}
		if at > pos {
			before := ast.NewTextSegment(text.NewSegment(seg.Start+pos, seg.Start+at))
			parent.InsertBefore(parent, t, before)
		}
		a := &abbr{title: titles[word]}
		a.AppendChild(a, ast.NewTextSegment(text.NewSegment(seg.Start+at, seg.Start+at+len(word))))
		parent.InsertBefore(parent, t, a)
		cur = a
		pos = at + len(word)
	}
	if cur == ast.Node(t) {
		return
	}
	// t keeps the rest of the text, and its line break flags.
	t.Segment = text.NewSegment(seg.Start+pos, seg.Stop)
}

// nextAbbr finds the first whole-word abbreviation at or after pos.
func nextAbbr(s string, pos int, words []string) (int, string) {
	best, bestWord := -1, ""
	for _, w := range words {
		for from := pos; from < len(s); {
			i := strings.Index(s[from:], w)
			if i < 0 {
				break
			}
			i += from
			if wordBoundary(s, i, i+len(w)) {
				if best < 0 || i < best {
					best, bestWord = i, w
				}
				break
			}
			from = i + 1
		}
	}
	return best, bestWord
}

func wordBoundary(s string, start, end int) bool {
	if start > 0 {
		r, _ := utf8.DecodeLastRuneInString(s[:start])
		if isWord(r) {
			return false
		}
	}
	if end < len(s) {
		r, _ := utf8.DecodeRuneInString(s[end:])
		if isWord(r) {
			return false
		}
	}
	return true
}

func isWord(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

func renderAbbr(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		_, _ = w.WriteString("</abbr>")
		return ast.WalkContinue, nil
	}
	_, _ = w.WriteString(`<abbr title="`)
	writeEscaped(w, node.(*abbr).title)
	_, _ = w.WriteString(`">`)
	return ast.WalkContinue, nil
}
