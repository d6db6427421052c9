package markdown

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/goccy/go-graphviz"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

var kindDot = ast.NewNodeKind("DotDiagram")

// dotBlock is a dot fence laid out as SVG.
type dotBlock struct {
	ast.BaseBlock
	svg []byte
}

func (*dotBlock) Kind() ast.NodeKind { return kindDot }

func (n *dotBlock) Dump(src []byte, level int) { ast.DumpHelper(n, src, level, nil, nil) }

func renderDot(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		_, _ = w.WriteString(`<div class="graphviz">`)
		_, _ = w.Write(node.(*dotBlock).svg)
		_, _ = w.WriteString("</div>\n")
	}
	return ast.WalkSkipChildren, nil
}

// dotTransformer lays out dot and graphviz fences; a graph that fails
// stays as source, with a warning.
type dotTransformer struct{}

func (dotTransformer) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	st := stateOf(pc)
	if st == nil || st.dot == nil {
		return
	}
	src := reader.Source()
	var fences []*ast.FencedCodeBlock
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if f, ok := n.(*ast.FencedCodeBlock); ok && entering {
			if lang := parseFenceInfo(fenceInfo(f, src)).lang; lang == "dot" || lang == "graphviz" {
				fences = append(fences, f)
			}
		}
		return ast.WalkContinue, nil
	})
	for _, f := range fences {
		code := blockText(f, src)
		svg, err := st.dot.SVG(st.ctx, code)
		if err != nil {
			off := 0
			if f.Info != nil {
				off = f.Info.Segment.Start
			} else if f.Lines().Len() > 0 {
				off = f.Lines().At(0).Start
			}
			st.warnAt(off, "dot diagram: %s", strings.TrimSpace(err.Error()))
			continue
		}
		b := &dotBlock{svg: svg}
		parent := f.Parent()
		parent.ReplaceChild(parent, f, b)
	}
}

// blockText joins the lines of a code block.
func blockText(n ast.Node, src []byte) string {
	var b strings.Builder
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		for j := 0; j < seg.Padding; j++ {
			b.WriteByte(' ')
		}
		b.Write(seg.Value(src))
	}
	return b.String()
}

// Graphviz lays graphs out with go-graphviz, which runs Graphviz compiled
// to WebAssembly as one module per process that is not safe for
// concurrent use: layouts take turns, and a waiting caller gives up when
// its context ends. Another package of the same process that uses
// go-graphviz must share its turns with this one, so a process that
// already has a DotRenderer (the web UI's graph renderer) should pass
// that one instead.
type Graphviz struct{}

var _ DotRenderer = Graphviz{}

var gv struct {
	once sync.Once
	gv   *graphviz.Graphviz
	err  error
	turn chan struct{}
}

// errLayout wraps failures inside Graphviz.
var errLayout = errors.New("graphviz layout failed")

// SVG lays out a DOT graph and returns its <svg> element, without the XML
// prolog and comments Graphviz writes.
func (Graphviz) SVG(ctx context.Context, dot string) (svg []byte, err error) {
	gv.once.Do(func() {
		gv.turn = make(chan struct{}, 1)
		gv.gv, gv.err = graphviz.New(context.Background())
		if gv.err != nil {
			gv.err = fmt.Errorf("start graphviz: %w", gv.err)
		}
	})
	if gv.err != nil {
		return nil, gv.err
	}
	select {
	case gv.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-gv.turn }()
	defer func() {
		// A fault inside the WebAssembly module surfaces as a panic.
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", errLayout, p)
		}
	}()
	g, err := graphviz.ParseBytes([]byte(dot))
	if err != nil {
		return nil, fmt.Errorf("%w: parse: %v", errLayout, err)
	}
	defer func() { _ = g.Close() }()
	var buf bytes.Buffer
	if err := gv.gv.Render(ctx, g, graphviz.SVG, &buf); err != nil {
		return nil, fmt.Errorf("%w: %v", errLayout, err)
	}
	return inlineSVG(buf.Bytes()), nil
}

// inlineSVG keeps the <svg> element of a Graphviz document and drops its
// comments.
func inlineSVG(doc []byte) []byte {
	if i := bytes.Index(doc, []byte("<svg")); i > 0 {
		doc = doc[i:]
	}
	out := make([]byte, 0, len(doc))
	for {
		i := bytes.Index(doc, []byte("<!--"))
		if i < 0 {
			return append(out, doc...)
		}
		out = append(out, doc[:i]...)
		j := bytes.Index(doc[i:], []byte("-->"))
		if j < 0 {
			return out
		}
		doc = doc[i+j+3:]
		if len(doc) > 0 && doc[0] == '\n' {
			doc = doc[1:]
		}
	}
}
