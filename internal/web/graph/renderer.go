package graph

import (
	"container/list"
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
)

// Renderer draws graphs as SVG and keeps recent drawings: a drawing
// depends only on the graph, the direction and the links, so a page seen
// again (the same entity, nothing changed) costs no layout.
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

// flight is a drawing under way.
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

// SVG lays out a DOT graph written by others (TechDocs' dot fences) and
// returns Graphviz's <svg> element: without the XML prolog, doctype and
// comments Graphviz writes, so it can be inlined in a page.
func (r *Renderer) SVG(ctx context.Context, dot string) ([]byte, error) {
	return r.cached(ctx, sha256.Sum256([]byte("svg\x00"+dot)), func() ([]byte, error) {
		svg, err := r.run(ctx, formatSVG, dot)
		if err != nil {
			return nil, err
		}
		return inlineSVG(svg), nil
	})
}

// Draw lays g out in direction (LR, RL, TB or BT) and returns it as an
// <svg> element to inline in a page, whose entities link to link(ref).
func (r *Renderer) Draw(ctx context.Context, g *Graph, direction string, link func(ref string) string) ([]byte, error) {
	d := g.drawing(direction, link)
	return r.cached(ctx, d.key(), func() ([]byte, error) { return r.layOut(ctx, d) })
}

// cached returns the cached drawing of key, or draws it (once, however
// many ask at the same time).
func (r *Renderer) cached(ctx context.Context, key [32]byte, draw func() ([]byte, error)) ([]byte, error) {
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

	f.svg, f.err = draw()
	if f.err == nil {
		r.layouts.Add(1)
		r.put(key, f.svg)
	}
	r.mu.Lock()
	delete(r.inflight, key)
	r.mu.Unlock()
	close(f.done)
	return f.svg, f.err
}

// layOut has Graphviz lay d out and writes the SVG.
func (r *Renderer) layOut(ctx context.Context, d *drawing) ([]byte, error) {
	plain, err := r.run(ctx, formatPlain, d.dot)
	if err != nil {
		return nil, err
	}
	l, err := parsePlain(plain)
	if err != nil {
		return nil, fmt.Errorf("%w: read the layout: %v", errLayout, err)
	}
	return writeSVG(d, l)
}

// run returns Graphviz's output of dot in format, from a worker or from
// this process.
func (r *Renderer) run(ctx context.Context, format byte, dot string) ([]byte, error) {
	if r.workers != nil {
		return r.workers.run(ctx, format, dot)
	}
	return run(ctx, format, dot)
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
