package markdown

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

var (
	// headingAttrRE is an attribute list ending a heading, after a space.
	headingAttrRE = regexp.MustCompile(`[ \t]+(\{:?[ \t]*[^}\n \t][^}\n]*\})[ \t]*$`)
	// blockAttrRE is an attribute list alone on a line.
	blockAttrRE = regexp.MustCompile(`^[ \t]*(\{:?[ \t]*[^}\n \t][^}\n]*\})[ \t]*$`)
	// inlineAttrRE is an attribute list right after an inline element.
	inlineAttrRE = regexp.MustCompile(`^\{:?[ \t]*[^}\n \t][^}\n]*\}`)
	attrNameRE   = regexp.MustCompile(`^[A-Za-z_:][-A-Za-z0-9_:.]*$`)
)

// attr is one attribute of an attribute list.
type attr struct{ name, value string }

// parseAttrList parses "{: #id .class key="value" }". Without the colon
// every item must be an id, class or key=value, so that text such as
// "{name}" at the end of a heading stays text.
func parseAttrList(s string) ([]attr, bool) {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	colon := strings.HasPrefix(s, ":")
	s = strings.TrimPrefix(s, ":")
	var out []attr
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return out, len(out) > 0
		}
		end := strings.IndexAny(s, " \t=")
		if end < 0 {
			end = len(s)
		}
		word := s[:end]
		switch {
		case end < len(s) && s[end] == '=':
			if !attrNameRE.MatchString(word) {
				return nil, false
			}
			rest := s[end+1:]
			var val string
			if rest != "" && (rest[0] == '"' || rest[0] == '\'') {
				close := strings.IndexByte(rest[1:], rest[0])
				if close < 0 {
					return nil, false
				}
				val, s = rest[1:1+close], rest[2+close:]
			} else {
				stop := strings.IndexAny(rest, " \t")
				if stop < 0 {
					stop = len(rest)
				}
				val, s = rest[:stop], rest[stop:]
			}
			out = append(out, attr{word, val})
			continue
		case strings.HasPrefix(word, "#") && len(word) > 1:
			out = append(out, attr{"id", word[1:]})
		case strings.HasPrefix(word, ".") && len(word) > 1:
			out = append(out, attr{"class", word[1:]})
		case colon:
			// Python-Markdown sets a bare word as key=key; such attributes
			// mean nothing in HTML, so they are dropped.
		default:
			return nil, false
		}
		s = s[end:]
	}
}

// applyAttrs sets attributes on n, joining classes.
func applyAttrs(n ast.Node, attrs []attr) {
	for _, a := range attrs {
		if a.name == "class" {
			if old, ok := n.AttributeString("class"); ok {
				if s := attrText(old); s != "" {
					n.SetAttributeString("class", []byte(s+" "+a.value))
					continue
				}
			}
		}
		n.SetAttributeString(a.name, []byte(a.value))
	}
}

// attrText returns an attribute value as a string.
func attrText(v any) string {
	switch t := v.(type) {
	case []byte:
		return string(t)
	case string:
		return t
	}
	return ""
}

// attrListTransformer applies Python-Markdown's attr_list syntax.
type attrListTransformer struct{}

func (attrListTransformer) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	src := reader.Source()
	var blocks, inlines []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case ast.KindHeading, ast.KindParagraph:
			blocks = append(blocks, n)
		case ast.KindLink, ast.KindImage, ast.KindEmphasis, ast.KindCodeSpan:
			inlines = append(inlines, n)
		}
		return ast.WalkContinue, nil
	})
	for _, n := range blocks {
		blockAttrs(n, src)
	}
	for _, n := range inlines {
		inlineAttrs(n, src)
	}
}

// blockAttrs applies an attribute list at the end of a heading, or alone
// on the last line of a paragraph.
func blockAttrs(n ast.Node, src []byte) {
	lines := n.Lines()
	if lines.Len() == 0 {
		return
	}
	last := lines.At(lines.Len() - 1)
	line := last.Value(src)
	re := blockAttrRE
	if n.Kind() == ast.KindHeading {
		re = headingAttrRE
	}
	m := re.FindSubmatchIndex(line)
	if m == nil {
		return
	}
	attrs, ok := parseAttrList(string(line[m[2]:m[3]]))
	if !ok {
		return
	}
	cut := last.Start + m[0]
	if !cutInlines(n, cut, src) {
		return
	}
	applyAttrs(n, attrs)
}

// cutInlines removes the inline text of n from source offset cut on,
// trimming the space before it; it refuses (and changes nothing) when
// anything but plain text lies there.
func cutInlines(n ast.Node, cut int, src []byte) bool {
	var drop []ast.Node
	var trim *ast.Text
	for c := n.LastChild(); c != nil; c = c.PreviousSibling() {
		t, ok := c.(*ast.Text)
		if !ok {
			if startsBefore(c, cut) {
				break
			}
			return false
		}
		if t.Segment.Start >= cut {
			drop = append(drop, t)
			continue
		}
		if t.Segment.Stop > cut {
			trim = t
		}
		break
	}
	for _, d := range drop {
		n.RemoveChild(n, d)
	}
	if trim != nil {
		trim.Segment = trim.Segment.WithStop(cut)
	}
	if last, ok := n.LastChild().(*ast.Text); ok {
		last.Segment = last.Segment.TrimRightSpace(src)
		last.SetSoftLineBreak(false)
		last.SetHardLineBreak(false)
	}
	return true
}

// inlineAttrs applies "{: ... }" written right after an inline element.
func inlineAttrs(n ast.Node, src []byte) {
	next, ok := n.NextSibling().(*ast.Text)
	if !ok {
		return
	}
	start := next.Segment.Start
	if start >= len(src) || src[start] != '{' {
		return
	}
	lineEnd := bytes.IndexByte(src[start:], '\n')
	if lineEnd < 0 {
		lineEnd = len(src) - start
	}
	m := inlineAttrRE.FindIndex(src[start : start+lineEnd])
	if m == nil {
		return
	}
	attrs, ok := parseAttrList(string(src[start : start+m[1]]))
	if !ok {
		return
	}
	end := start + m[1]
	parent := n.Parent()
	var drop []ast.Node
	var trim *ast.Text
	for c := ast.Node(next); c != nil; c = c.NextSibling() {
		t, ok := c.(*ast.Text)
		if !ok {
			return
		}
		if t.Segment.Stop <= end {
			drop = append(drop, t)
			if t.Segment.Stop == end {
				break
			}
			continue
		}
		trim = t
		break
	}
	for _, d := range drop {
		if t := d.(*ast.Text); t.SoftLineBreak() || t.HardLineBreak() {
			// Keep the line break the removed text carried.
			keep := ast.NewTextSegment(text.NewSegment(end, end))
			keep.SetSoftLineBreak(t.SoftLineBreak())
			keep.SetHardLineBreak(t.HardLineBreak())
			parent.InsertAfter(parent, d, keep)
		}
		parent.RemoveChild(parent, d)
	}
	if trim != nil {
		trim.Segment = trim.Segment.WithStart(end)
	}
	applyAttrs(n, attrs)
}
