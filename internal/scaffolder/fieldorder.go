package scaffolder

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v4"
)

// Forms show a page's fields in the order its properties are written in
// template.yaml, as Backstage's forms do. The catalog keeps entities as
// JSON objects, which do not keep key order, so the order is read back from
// the template's source file and given to the form as ui:order, which both
// RJSF and our form honour. A page that has its own ui:order keeps it.

// SourceReader reads a template's source file by URL (the app passes the
// integrations' reader). file:// URLs are read from disk without it.
type SourceReader interface {
	Read(ctx context.Context, url string) ([]byte, error)
}

// orderTTL is how long a source's order is reused; an edited template's
// form follows within that time.
const orderTTL = time.Minute

// maxOrderSource bounds what is read of a source file.
const maxOrderSource = 4 << 20

type orderEntry struct {
	at    time.Time
	pages map[string][][]string // template name → per page: property paths' orders
}

// fieldOrders caches property orders per source URL.
type fieldOrders struct {
	read SourceReader
	mu   sync.Mutex
	m    map[string]orderEntry
}

// withSourceOrder adds ui:order to t's pages (and nested objects) that lack
// one, from the source file's key order. Anything that goes wrong leaves
// the template as it is: the order is a nicety, never a reason to fail.
func (e *Engine) withSourceOrder(ctx context.Context, t *Template) {
	src := sourceFile(t.Entity)
	if src == "" || len(t.Pages) == 0 {
		return
	}
	orders := e.orders.lookup(ctx, src, e.now())
	pages, ok := orders[t.Namespace+"/"+t.Name]
	if !ok {
		return
	}
	for i := range t.Pages {
		if i >= len(pages) {
			break
		}
		t.Pages[i] = applyOrder(t.Pages[i], pages[i])
	}
}

// applyOrder returns page with ui:order set from order (a list of property
// names, with nested objects' orders as "name/child" entries).
func applyOrder(page map[string]any, order []string) map[string]any {
	props, _ := page["properties"].(map[string]any)
	if len(props) == 0 {
		return page
	}
	out := make(map[string]any, len(page)+1)
	for k, v := range page {
		out[k] = v
	}
	var top []string
	nested := map[string][]string{}
	for _, p := range order {
		name, child, ok := strings.Cut(p, "/")
		if !ok {
			top = append(top, name)
			continue
		}
		nested[name] = append(nested[name], child)
	}
	if _, has := page["ui:order"]; !has && len(top) > 1 {
		list := make([]any, 0, len(top)+1)
		for _, n := range top {
			list = append(list, n)
		}
		// Properties the source does not name (added by a processor, say)
		// go last, as RJSF's "*" says.
		list = append(list, "*")
		out["ui:order"] = list
	}
	if len(nested) > 0 {
		newProps := make(map[string]any, len(props))
		for k, v := range props {
			if sub, ok := v.(map[string]any); ok && nested[k] != nil {
				v = applyOrder(sub, nested[k])
			}
			newProps[k] = v
		}
		out["properties"] = newProps
	}
	return out
}

// sourceFile is the URL of the file the template entity was read from.
func sourceFile(ent map[string]any) string {
	meta, _ := ent["metadata"].(map[string]any)
	ann, _ := meta["annotations"].(map[string]any)
	loc, _ := ann[annotationLocation].(string)
	typ, target, ok := strings.Cut(loc, ":")
	if !ok {
		return ""
	}
	switch typ {
	case "file":
		return "file://" + target
	case "url":
		return target
	}
	return ""
}

func (o *fieldOrders) lookup(ctx context.Context, src string, now time.Time) map[string][][]string {
	o.mu.Lock()
	if e, ok := o.m[src]; ok && now.Sub(e.at) < orderTTL {
		o.mu.Unlock()
		return e.pages
	}
	o.mu.Unlock()
	data, err := o.readSource(ctx, src)
	var pages map[string][][]string
	if err == nil {
		pages = parseOrders(data)
	}
	o.mu.Lock()
	if o.m == nil || len(o.m) > 256 {
		o.m = map[string]orderEntry{}
	}
	o.m[src] = orderEntry{at: now, pages: pages}
	o.mu.Unlock()
	return pages
}

func (o *fieldOrders) readSource(ctx context.Context, src string) ([]byte, error) {
	if path, ok := strings.CutPrefix(src, "file://"); ok {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return io.ReadAll(io.LimitReader(f, maxOrderSource))
	}
	if o.read == nil {
		return nil, errors.New("no reader for template sources")
	}
	data, err := o.read.Read(ctx, src)
	if len(data) > maxOrderSource {
		data = data[:maxOrderSource]
	}
	return data, err
}

// parseOrders reads every Template document of a YAML stream and returns,
// by "namespace/name", each parameter page's property order.
func parseOrders(data []byte) map[string][][]string {
	out := map[string][][]string{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			break
		}
		if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		if scalar(child(root, "kind")) != "Template" {
			continue
		}
		meta := child(root, "metadata")
		ns := scalar(child(meta, "namespace"))
		if ns == "" {
			ns = "default"
		}
		params := child(child(root, "spec"), "parameters")
		var pages [][]string
		switch {
		case params == nil:
		case params.Kind == yaml.SequenceNode:
			for _, p := range params.Content {
				pages = append(pages, propertyOrder(p, ""))
			}
		case params.Kind == yaml.MappingNode:
			pages = append(pages, propertyOrder(params, ""))
		}
		out[ns+"/"+scalar(child(meta, "name"))] = pages
	}
	return out
}

// propertyOrder lists the keys of schema's properties in source order,
// with nested objects' keys as "parent/child".
func propertyOrder(schema *yaml.Node, prefix string) []string {
	props := child(schema, "properties")
	if props == nil || props.Kind != yaml.MappingNode {
		return nil
	}
	var out []string
	for i := 0; i+1 < len(props.Content); i += 2 {
		name := props.Content[i].Value
		out = append(out, prefix+name)
		if prefix == "" {
			out = append(out, propertyOrder(props.Content[i+1], name+"/")...)
		}
	}
	return out
}

// child returns the value of key in a mapping node; nil when absent.
func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}
