package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/goccy/go-graphviz"
	"github.com/goccy/go-graphviz/gvc"
)

// go-graphviz runs Graphviz as one WebAssembly module per process (a
// package-level instance it creates on import), which is not safe for
// concurrent use. So this package keeps one Graphviz context for the
// process, created on first use because creating it is not cheap, and
// lets one layout run at a time; a waiting request gives up when its
// context ends.
var engine struct {
	once sync.Once
	gvc  *gvc.Context
	err  error
	// turn is held by the layout in progress.
	turn chan struct{}
}

func graphvizEngine() (*gvc.Context, error) {
	engine.once.Do(func() {
		engine.turn = make(chan struct{}, 1)
		engine.gvc, engine.err = gvc.New(context.Background())
		if engine.err != nil {
			engine.err = fmt.Errorf("start graphviz: %w", engine.err)
		}
	})
	return engine.gvc, engine.err
}

var (
	// errLayout wraps failures inside Graphviz.
	errLayout = errors.New("graphviz layout failed")
	// errFault marks a fault inside the WebAssembly module, after which
	// its state is unknown.
	errFault = errors.New("graphviz fault")
)

// Outputs a layout is asked for, by the byte that names them in a
// worker's request.
const (
	// formatPlain is Graphviz's "plain" output: the layout alone, as lines
	// of numbers (see parsePlain). Graphviz writes it in a fifth of the
	// time it takes to write the SVG of the same drawing, which is then
	// written in Go (see writeSVG).
	formatPlain = 'p'
	// formatSVG is Graphviz's own SVG, for DOT written by others:
	// TechDocs' dot fences (see Renderer.SVG).
	formatSVG = 's'
)

var formatNames = map[byte]string{formatPlain: "plain", formatSVG: "svg"}

// run runs Graphviz's dot layout on the process's one engine and returns
// its output in format: in a worker process (see ServeWorker), or in this
// one when there is none.
func run(ctx context.Context, format byte, dot string) ([]byte, error) {
	var out []byte
	err := runThen(ctx, format, dot, func(b []byte) { out = b })
	return out, err
}

// runThen lays dot out and hands the output to use before Graphviz frees
// the layout and the graph, a few milliseconds a worker spends after it
// has answered.
//
// go-graphviz (v0.2.10) never frees the copy of the DOT text it parses nor
// the output it renders: both stay in the WebAssembly module's memory,
// which only grows, and each time it outgrows its buffer the runtime
// copies all of it into a larger one. That copy grows with the process's
// age; so the DOT text and the output are kept small (see
// Graph.drawing), the cache spares repeated layouts, and workers are
// replaced before they grow large.
func runThen(ctx context.Context, format byte, dot string, use func(out []byte)) (err error) {
	name, ok := formatNames[format]
	if !ok {
		return fmt.Errorf("%w: no output format %q", errLayout, format)
	}
	c, err := graphvizEngine()
	if err != nil {
		return err
	}
	select {
	case engine.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-engine.turn }()
	defer func() {
		// A fault inside the WebAssembly module surfaces as a panic.
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %w: %v", errLayout, errFault, p)
		}
	}()
	g, err := graphviz.ParseBytes([]byte(dot))
	if err != nil {
		return fmt.Errorf("%w: parse: %v", errLayout, err)
	}
	defer func() { _ = g.Close() }()
	if err := c.Layout(ctx, g, "dot"); err != nil {
		return fmt.Errorf("%w: %v", errLayout, err)
	}
	defer func() { _ = c.FreeLayout(ctx, g) }()
	var buf bytes.Buffer
	if err := c.RenderData(ctx, g, name, &buf); err != nil {
		return fmt.Errorf("%w: %v", errLayout, err)
	}
	use(buf.Bytes())
	return nil
}

var (
	svgStart     = []byte("<svg")
	commentStart = []byte("<!--")
	commentEnd   = []byte("-->")
)

// inlineSVG keeps the <svg> element of a Graphviz document and drops its
// comments (with the newline after each). A scan, not a regular
// expression: drawings are hundreds of kilobytes.
func inlineSVG(doc []byte) []byte {
	if i := bytes.Index(doc, svgStart); i > 0 {
		doc = doc[i:]
	}
	out := make([]byte, 0, len(doc))
	for {
		i := bytes.Index(doc, commentStart)
		if i < 0 {
			return append(out, doc...)
		}
		out = append(out, doc[:i]...)
		j := bytes.Index(doc[i:], commentEnd)
		if j < 0 {
			return out // an unclosed comment runs to the end
		}
		doc = doc[i+j+len(commentEnd):]
		if len(doc) > 0 && doc[0] == '\n' {
			doc = doc[1:]
		}
	}
}
