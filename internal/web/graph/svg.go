package graph

import (
	"bytes"
	"container/list"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/goccy/go-graphviz"
)

// go-graphviz runs Graphviz as one WebAssembly module per process (a
// package-level instance it creates on import), which is not safe for
// concurrent use. So this package keeps one Graphviz context for the
// process, created on first use because creating it is not cheap, and
// lets one layout run at a time; a waiting request gives up when its
// context ends.
var engine struct {
	once sync.Once
	gv   *graphviz.Graphviz
	err  error
	// turn is held by the layout in progress.
	turn chan struct{}
}

func graphvizEngine() (*graphviz.Graphviz, error) {
	engine.once.Do(func() {
		engine.turn = make(chan struct{}, 1)
		engine.gv, engine.err = graphviz.New(context.Background())
		if engine.err != nil {
			engine.err = fmt.Errorf("start graphviz: %w", engine.err)
		}
	})
	return engine.gv, engine.err
}

// Renderer lays graphs out as SVG and keeps recent drawings: the DOT text
// of a graph depends only on the graph, so a page seen again (the same
// entity, nothing changed) costs no layout.
type Renderer struct {
	mu      sync.Mutex
	entries map[[32]byte]*list.Element
	// inflight are the layouts under way; a second request for the same
	// drawing waits for the first instead of laying it out again.
	inflight map[[32]byte]*flight
	order    *list.List // front is the most recently used
	bytes    int
	// maxBytes bounds the cached drawings.
	maxBytes int
	// layouts counts the drawings Graphviz made, hits those the cache
	// served.
	layouts, hits atomic.Int64
	// workers lay drawings out in child processes; nil lays them out in
	// this one.
	workers *pool
}

// Stats returns how many drawings were laid out and how many came from
// the cache.
func (r *Renderer) Stats() (layouts, hits int64) { return r.layouts.Load(), r.hits.Load() }

// flight is a layout under way.
type flight struct {
	done chan struct{}
	svg  []byte
	err  error
}

// cached is one cached drawing.
type cached struct {
	key [32]byte
	svg []byte
}

// DefaultCacheBytes bounds a Renderer's cache.
const DefaultCacheBytes = 32 << 20

// NewRenderer returns a renderer that lays out in this process, with a
// cache of up to cacheBytes of SVG (DefaultCacheBytes when zero; negative
// turns caching off).
func NewRenderer(cacheBytes int) *Renderer {
	return NewRendererWith(RendererOptions{CacheBytes: cacheBytes})
}

// RendererOptions configure NewRendererWith.
type RendererOptions struct {
	// CacheBytes bounds the cached drawings: DefaultCacheBytes when zero;
	// negative turns caching off.
	CacheBytes int
	// Worker is the command line of a process that runs ServeWorker
	// ("callboard graphviz-worker"); nil lays out in this process.
	Worker []string
	// Env is added to the worker's environment.
	Env []string
	// Workers is how many worker processes lay out at once; 1 when zero.
	Workers int
	// RecycleBytes is how many bytes of DOT and SVG a worker lays out
	// before it is replaced; DefaultRecycleBytes when zero.
	RecycleBytes int64
	// Logger reports workers that fail or cannot start.
	Logger *slog.Logger
}

// NewRendererWith returns a renderer configured by o. With a Worker
// command it starts no process until the first layout; Close stops them.
func NewRendererWith(o RendererOptions) *Renderer {
	if o.CacheBytes == 0 {
		o.CacheBytes = DefaultCacheBytes
	}
	r := &Renderer{entries: map[[32]byte]*list.Element{}, inflight: map[[32]byte]*flight{}, order: list.New(), maxBytes: o.CacheBytes}
	if len(o.Worker) > 0 {
		r.workers = newPool(o)
	}
	return r
}

// Close stops the renderer's worker processes; a renderer with workers
// fails the drawings asked for after it.
func (r *Renderer) Close() error {
	if r.workers != nil {
		r.workers.close()
	}
	return nil
}

// SVG lays out a DOT graph and returns the <svg> element: without the XML
// prolog, doctype and comments Graphviz writes, so it can be inlined in a
// page.
func (r *Renderer) SVG(ctx context.Context, dot string) ([]byte, error) {
	key := sha256.Sum256([]byte(dot))
	if svg, ok := r.get(key); ok {
		r.hits.Add(1)
		return svg, nil
	}
	r.mu.Lock()
	if f, ok := r.inflight[key]; ok {
		r.mu.Unlock()
		select {
		case <-f.done:
			r.hits.Add(1)
			return f.svg, f.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f := &flight{done: make(chan struct{})}
	r.inflight[key] = f
	r.mu.Unlock()

	if r.workers != nil {
		f.svg, f.err = r.workers.layout(ctx, dot)
	} else {
		f.svg, f.err = layout(ctx, dot)
	}
	if f.err == nil {
		r.layouts.Add(1)
		f.svg = inlineSVG(f.svg)
		r.put(key, f.svg)
	}
	r.mu.Lock()
	delete(r.inflight, key)
	r.mu.Unlock()
	close(f.done)
	return f.svg, f.err
}

func (r *Renderer) get(key [32]byte) ([]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	el, ok := r.entries[key]
	if !ok {
		return nil, false
	}
	r.order.MoveToFront(el)
	return el.Value.(*cached).svg, true
}

func (r *Renderer) put(key [32]byte, svg []byte) {
	if r.maxBytes < 0 || len(svg) > r.maxBytes {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.entries[key]; ok {
		return
	}
	r.entries[key] = r.order.PushFront(&cached{key: key, svg: svg})
	r.bytes += len(svg)
	for r.bytes > r.maxBytes {
		last := r.order.Back()
		c := last.Value.(*cached)
		r.order.Remove(last)
		delete(r.entries, c.key)
		r.bytes -= len(c.svg)
	}
}

var (
	// errLayout wraps failures inside Graphviz.
	errLayout = errors.New("graphviz layout failed")
	// errFault marks a fault inside the WebAssembly module, after which
	// its state is unknown.
	errFault = errors.New("graphviz fault")
)

// layout runs Graphviz's dot layout on the process's one engine: in a
// worker process (see ServeWorker), or in this one when there is none.
//
// go-graphviz (v0.2.10) never frees the copy of the DOT text it parses nor
// the SVG it renders: both stay in the WebAssembly module's memory, which
// only grows, and each time it outgrows its buffer the runtime copies all
// of it into a larger one. That copy, not Graphviz's work, is what makes
// the slowest drawings slow, and it grows with the process's age; so
// drawings keep their DOT and SVG small (see Graph.DOT), the cache spares
// repeated layouts, and workers are replaced before they grow large.
func layout(ctx context.Context, dot string) (svg []byte, err error) {
	gv, err := graphvizEngine()
	if err != nil {
		return nil, err
	}
	select {
	case engine.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
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
		return nil, fmt.Errorf("%w: parse: %v", errLayout, err)
	}
	defer func() { _ = g.Close() }()
	var buf bytes.Buffer
	if err := gv.Render(ctx, g, graphviz.SVG, &buf); err != nil {
		return nil, fmt.Errorf("%w: %v", errLayout, err)
	}
	return buf.Bytes(), nil
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
