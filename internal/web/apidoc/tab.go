package apidoc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"html/template"
	"strconv"
	"strings"
	"sync"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/plugin"
)

// TabID is the Definition tab's path segment.
const TabID = "definition"

// Tab is the Definition tab of API entities: the definition rendered as
// HTML beside the raw text. Renderings are cached by content, since a
// definition changes far less often than it is read.
type Tab struct {
	cache *htmlCache
}

var _ plugin.EntityTab = (*Tab)(nil)

// NewTab returns the Definition tab.
func NewTab() *Tab { return &Tab{cache: newHTMLCache(defaultTabCacheBytes)} }

// defaultTabCacheBytes bounds the cached renderings.
const defaultTabCacheBytes = 16 << 20

func (*Tab) ID() string    { return TabID }
func (*Tab) Title() string { return "Definition" }

// AppliesTo is true for API entities.
func (*Tab) AppliesTo(e *entity.Entity) bool { return strings.EqualFold(e.Kind, "API") }

// definitionView is what the tab's template shows.
type definitionView struct {
	Type string
	// TypeName is the type as people write it: OpenAPI, gRPC ...
	TypeName string
	Language string
	Rendered template.HTML
	Raw      template.HTML
	// Error says why the definition could not be rendered; ErrorLine
	// links to the line it names.
	Error       string
	ErrorLine   string
	Unsupported bool
	Missing     bool
}

// Render renders the entity's spec.definition by its spec.type.
func (t *Tab) Render(_ context.Context, v *plugin.EntityView) (template.HTML, error) {
	kind, _ := v.Entity.Spec["type"].(string)
	def, _ := v.Entity.Spec["definition"].(string)
	d := definitionView{Type: kind, TypeName: typeName(kind)}
	switch {
	case strings.TrimSpace(def) == "":
		d.Missing = true
	default:
		d.Language = Language(kind, def)
		r := t.render(kind, def)
		d.Raw = r.raw
		var de *Error
		switch {
		case r.err == nil:
			d.Rendered = r.html
		case errors.Is(r.err, ErrUnsupported):
			d.Unsupported = true
		case errors.As(r.err, &de):
			d.Error = de.Error()
			if de.Line > 0 {
				d.ErrorLine = "#" + LinePrefix + strconv.Itoa(de.Line)
			}
		default:
			return "", r.err
		}
	}
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, "tab", d); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil
}

// typeName is how a definition type is written in prose.
func typeName(kind string) string {
	switch strings.ToLower(kind) {
	case OpenAPI:
		return "OpenAPI"
	case AsyncAPI:
		return "AsyncAPI"
	case GraphQL:
		return "GraphQL"
	case GRPC:
		return "gRPC"
	}
	return kind
}

// rendering is a definition rendered and highlighted, or the reason it
// could not be rendered.
type rendering struct {
	html, raw template.HTML
	err       error
}

func (r rendering) size() int { return len(r.html) + len(r.raw) }

// render renders and highlights a definition through the cache. Errors
// are cached too: a definition that does not parse does not parse the
// next time either.
func (t *Tab) render(kind, def string) rendering {
	key := sha256.Sum256([]byte(strings.ToLower(kind) + "\x00" + def))
	if r, ok := t.cache.get(key); ok {
		return r
	}
	html, err := Render(kind, def)
	r := rendering{html: html, raw: Highlight(kind, def), err: err}
	t.cache.put(key, r)
	return r
}

// htmlCache keeps renderings up to a total size, dropping the oldest.
type htmlCache struct {
	mu       sync.Mutex
	entries  map[[32]byte]rendering
	order    [][32]byte // oldest first
	size     int
	maxBytes int
}

func newHTMLCache(maxBytes int) *htmlCache {
	return &htmlCache{entries: map[[32]byte]rendering{}, maxBytes: maxBytes}
}

func (c *htmlCache) get(key [32]byte) (rendering, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok := c.entries[key]
	return h, ok
}

func (c *htmlCache) put(key [32]byte, h rendering) {
	if h.size() > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; ok {
		return
	}
	c.entries[key] = h
	c.order = append(c.order, key)
	c.size += h.size()
	for c.size > c.maxBytes && len(c.order) > 0 {
		old := c.order[0]
		c.order = c.order[1:]
		c.size -= c.entries[old].size()
		delete(c.entries, old)
	}
}
