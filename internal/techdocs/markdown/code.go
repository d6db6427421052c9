package markdown

import (
	"strconv"
	"strings"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// codeRenderer highlights code blocks with chroma, writing CSS classes
// (the builder writes the matching stylesheet) in pymdownx.highlight's
// wrapper.
type codeRenderer struct{}

func (codeRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindFencedCodeBlock, renderFenced)
	reg.Register(ast.KindCodeBlock, renderIndented)
}

// fence is what the info string of a fenced code block asks for.
type fence struct {
	lang    string
	classes []string
	id      string
	title   string
	// linenums is the first line number; 0 shows none.
	linenums int
	// hl are the lines to highlight, counted from 1 in the block.
	hl [][2]int
}

// fenceInfo returns the info string of a fenced code block.
func fenceInfo(f *ast.FencedCodeBlock, src []byte) string {
	if f.Info == nil {
		return ""
	}
	return string(f.Info.Segment.Value(src))
}

// parseFenceInfo reads "python linenums="1" hl_lines="2 3" title="a.py""
// and the attribute form "{ .python #id .extra linenums="1" }".
func parseFenceInfo(info string) fence {
	info = strings.TrimSpace(info)
	var f fence
	braced := strings.HasPrefix(info, "{") && strings.HasSuffix(info, "}")
	if braced {
		info = strings.TrimSpace(info[1 : len(info)-1])
	}
	for i, tok := range fenceTokens(info) {
		key, val, isKV := strings.Cut(tok, "=")
		switch {
		case isKV:
			val = strings.Trim(val, `"'`)
			switch key {
			case "linenums":
				first, _, _ := strings.Cut(strings.TrimSpace(val), " ")
				if n, err := strconv.Atoi(first); err == nil && n > 0 {
					f.linenums = n
				}
			case "hl_lines":
				f.hl = parseLineRanges(val)
			case "title":
				f.title = val
			}
		case strings.HasPrefix(tok, "#") && braced:
			f.id = tok[1:]
		case strings.HasPrefix(tok, "."):
			if f.lang == "" && (braced || i == 0) {
				f.lang = tok[1:]
			} else {
				f.classes = append(f.classes, tok[1:])
			}
		case i == 0 && !braced:
			f.lang = tok
		}
	}
	f.lang = strings.ToLower(f.lang)
	return f
}

// fenceTokens splits on spaces outside quotes.
func fenceTokens(s string) []string {
	var out []string
	var cur strings.Builder
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			cur.WriteByte(c)
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
			cur.WriteByte(c)
		case c == ' ' || c == '\t':
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteByte(c)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// parseLineRanges reads "2 3 5-7".
func parseLineRanges(s string) [][2]int {
	var out [][2]int
	for _, f := range strings.Fields(strings.ReplaceAll(s, ",", " ")) {
		a, b, isRange := strings.Cut(f, "-")
		lo, err := strconv.Atoi(a)
		if err != nil || lo < 1 {
			continue
		}
		hi := lo
		if isRange {
			if hi, err = strconv.Atoi(b); err != nil || hi < lo {
				continue
			}
		}
		out = append(out, [2]int{lo, hi})
	}
	return out
}

func renderFenced(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		n := node.(*ast.FencedCodeBlock)
		writeCode(w, parseFenceInfo(fenceInfo(n, src)), blockText(n, src))
	}
	return ast.WalkSkipChildren, nil
}

func renderIndented(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		writeCode(w, fence{}, blockText(node, src))
	}
	return ast.WalkSkipChildren, nil
}

// codeStyle is only consulted for token types; the colours come from the
// stylesheet the builder writes.
var codeStyle = styles.Get("github")

// writeCode writes a highlighted block as
// <div class="language-x highlight"><span class="filename">...</span><pre class="chroma">...</pre></div>.
func writeCode(w util.BufWriter, f fence, code string) {
	_, _ = w.WriteString(`<div class="`)
	if f.lang != "" {
		_, _ = w.WriteString("language-")
		writeEscaped(w, f.lang)
		_, _ = w.WriteString(" ")
	}
	_, _ = w.WriteString("highlight")
	for _, c := range f.classes {
		_, _ = w.WriteString(" ")
		writeEscaped(w, c)
	}
	_, _ = w.WriteString(`"`)
	if f.id != "" {
		_, _ = w.WriteString(` id="`)
		writeEscaped(w, f.id)
		_, _ = w.WriteString(`"`)
	}
	_, _ = w.WriteString(">")
	if f.title != "" {
		_, _ = w.WriteString(`<span class="filename">`)
		writeEscaped(w, f.title)
		_, _ = w.WriteString("</span>")
	}
	lexer := lexers.Get(f.lang)
	if f.lang == "" || lexer == nil {
		lexer = lexers.Fallback
	}
	it, err := chroma.Coalesce(lexer).Tokenise(nil, code)
	if err != nil {
		_, _ = w.WriteString(`<pre class="chroma"><code>`)
		writeEscaped(w, code)
		_, _ = w.WriteString("</code></pre></div>\n")
		return
	}
	opts := []chromahtml.Option{chromahtml.WithClasses(true)}
	start := 1
	if f.linenums > 0 {
		start = f.linenums
		opts = append(opts, chromahtml.WithLineNumbers(true), chromahtml.LineNumbersInTable(true), chromahtml.BaseLineNumber(start))
	}
	if len(f.hl) > 0 {
		// hl_lines count from the block's first line whatever the first
		// line number; chroma counts in displayed numbers.
		ranges := make([][2]int, len(f.hl))
		for i, r := range f.hl {
			ranges[i] = [2]int{r[0] + start - 1, r[1] + start - 1}
		}
		opts = append(opts, chromahtml.HighlightLines(ranges))
	}
	if err := chromahtml.New(opts...).Format(w, codeStyle, it); err != nil {
		writeEscaped(w, code)
	}
	_, _ = w.WriteString("</div>\n")
}
