package apidoc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"
)

// A definition is decoded into plain values: *object for mappings (keys in
// document order, which is the order readers expect), []any, string,
// float64, bool and nil. JSON is YAML, so one decoder reads both.

// object is a mapping that remembers the order of its keys.
type object struct {
	keys []string
	vals map[string]any
}

func newObject() *object { return &object{vals: map[string]any{}} }

// get returns the value of key, nil when absent or when o is nil.
func (o *object) get(key string) any {
	if o == nil {
		return nil
	}
	return o.vals[key]
}

// has reports whether key is present.
func (o *object) has(key string) bool {
	if o == nil {
		return false
	}
	_, ok := o.vals[key]
	return ok
}

func (o *object) set(key string, v any) {
	if _, ok := o.vals[key]; !ok {
		o.keys = append(o.keys, key)
	}
	o.vals[key] = v
}

// obj returns the mapping under key, nil when it is not one.
func (o *object) obj(key string) *object {
	m, _ := o.get(key).(*object)
	return m
}

// str returns the string under key; numbers and booleans are written as
// text, since a YAML author rarely means `version: 1.0` as a number.
func (o *object) str(key string) string { return scalarText(o.get(key)) }

// list returns the sequence under key.
func (o *object) list(key string) []any {
	l, _ := o.get(key).([]any)
	return l
}

// boolean returns the boolean under key.
func (o *object) boolean(key string) bool {
	b, _ := o.get(key).(bool)
	return b
}

// each calls fn for every key in order.
func (o *object) each(fn func(key string, v any)) {
	if o == nil {
		return
	}
	for _, k := range o.keys {
		fn(k, o.vals[k])
	}
}

// scalarText is a scalar as text; "" for anything else.
func scalarText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// Limits of what decode accepts.
const (
	// maxDefinitionBytes bounds a definition; the catalog bounds entity
	// files to a few MiB, so this is never hit by a real one.
	maxDefinitionBytes = 8 << 20
	// maxNesting bounds how deep mappings and sequences may nest.
	maxNesting = 200
)

// errTooLarge refuses a definition over maxDefinitionBytes.
var errTooLarge = fmt.Errorf("the definition is larger than %d MiB", maxDefinitionBytes>>20)

// decode parses a YAML or JSON document into plain values. Aliases are
// not expanded: an alias shares the value of its anchor, so an alias bomb
// costs no memory, and the render budget bounds how often it is walked.
func decode(src string) (any, error) {
	if len(src) > maxDefinitionBytes {
		return nil, errTooLarge
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		return nil, yamlError(err)
	}
	if doc.Kind == 0 || (doc.Kind == yaml.DocumentNode && len(doc.Content) == 0) {
		return nil, &Error{Message: "the definition is empty"}
	}
	root := &doc
	if doc.Kind == yaml.DocumentNode {
		root = doc.Content[0]
	}
	c := converter{done: map[*yaml.Node]any{}, busy: map[*yaml.Node]bool{}}
	return c.value(root, 0)
}

// yamlError is a parse error with its position.
func yamlError(err error) *Error {
	var le *yaml.LoadError
	if errors.As(err, &le) {
		msg := le.Message
		if msg == "" && le.Unwrap() != nil {
			msg = le.Unwrap().Error()
		}
		return &Error{Message: "not valid YAML or JSON: " + msg, Line: le.Mark.Line, Column: le.Mark.Column}
	}
	return &Error{Message: "not valid YAML or JSON: " + strings.TrimPrefix(err.Error(), "yaml: ")}
}

// converter turns yaml.Nodes into plain values, once per node.
type converter struct {
	done map[*yaml.Node]any
	busy map[*yaml.Node]bool
}

func (c *converter) value(n *yaml.Node, depth int) (any, error) {
	if depth > maxNesting {
		return nil, &Error{Message: fmt.Sprintf("the definition nests deeper than %d levels", maxNesting), Line: n.Line}
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return nil, &Error{Message: fmt.Sprintf("unknown alias %q", n.Value), Line: n.Line}
		}
		n = n.Alias
	}
	if v, ok := c.done[n]; ok {
		return v, nil
	}
	if c.busy[n] {
		// An anchor used inside itself: cut the loop.
		return nil, nil
	}
	c.busy[n] = true
	defer delete(c.busy, n)
	var out any
	switch n.Kind {
	case yaml.ScalarNode:
		out = scalar(n)
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, item := range n.Content {
			v, err := c.value(item, depth+1)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		out = l
	case yaml.MappingNode:
		o := newObject()
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind == yaml.AliasNode && k.Alias != nil {
				k = k.Alias
			}
			v, err := c.value(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			if k.Kind == yaml.ScalarNode && k.Value == "<<" && k.Tag != "!!str" {
				mergeInto(o, v)
				continue
			}
			o.set(k.Value, v)
		}
		out = o
	default:
		return nil, &Error{Message: "unsupported YAML node", Line: n.Line}
	}
	c.done[n] = out
	return out, nil
}

// mergeInto applies a YAML merge key: keys o already has win.
func mergeInto(o *object, v any) {
	var sources []*object
	switch x := v.(type) {
	case *object:
		sources = []*object{x}
	case []any:
		for _, item := range x {
			if m, ok := item.(*object); ok {
				sources = append(sources, m)
			}
		}
	}
	for _, src := range sources {
		src.each(func(k string, val any) {
			if !o.has(k) {
				o.set(k, val)
			}
		})
	}
}

// scalar resolves a scalar with YAML 1.2's core schema; quoted scalars
// stay strings.
func scalar(n *yaml.Node) any {
	if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Value
	}
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		return strings.EqualFold(n.Value, "true")
	case "!!int", "!!float":
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		if err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
	}
	return n.Value
}

// maxExampleBytes bounds one example as shown; an example built from
// shared YAML anchors could otherwise expand without bound.
const maxExampleBytes = 32 << 10

// jsonText is v as indented JSON, for examples, cut at maxExampleBytes.
func jsonText(v any) string {
	if s, ok := v.(string); ok {
		// A string example is shown as written, not as a JSON string.
		return s
	}
	w := jsonWriter{limit: maxExampleBytes}
	w.value(v, 0)
	if w.cut {
		w.b.WriteString("\n…")
	}
	return w.b.String()
}

// jsonWriter writes values as indented JSON up to a size limit.
type jsonWriter struct {
	b     strings.Builder
	limit int
	cut   bool
}

func (w *jsonWriter) full() bool {
	if w.b.Len() > w.limit {
		w.cut = true
	}
	return w.cut
}

func (w *jsonWriter) newline(depth int) {
	w.b.WriteByte('\n')
	for range depth {
		w.b.WriteString("  ")
	}
}

func (w *jsonWriter) value(v any, depth int) {
	if w.full() {
		return
	}
	switch x := v.(type) {
	case *object:
		if len(x.keys) == 0 {
			w.b.WriteString("{}")
			return
		}
		w.b.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				w.b.WriteByte(',')
			}
			w.newline(depth + 1)
			w.str(k)
			w.b.WriteString(": ")
			w.value(x.vals[k], depth+1)
			if w.full() {
				return
			}
		}
		w.newline(depth)
		w.b.WriteByte('}')
	case []any:
		if len(x) == 0 {
			w.b.WriteString("[]")
			return
		}
		w.b.WriteByte('[')
		for i, item := range x {
			if i > 0 {
				w.b.WriteByte(',')
			}
			w.newline(depth + 1)
			w.value(item, depth+1)
			if w.full() {
				return
			}
		}
		w.newline(depth)
		w.b.WriteByte(']')
	case string:
		w.str(x)
	case float64:
		w.b.WriteString(strconv.FormatFloat(x, 'f', -1, 64))
	case bool:
		w.b.WriteString(strconv.FormatBool(x))
	case nil:
		w.b.WriteString("null")
	default:
		w.str(fmt.Sprint(x))
	}
}

// str writes a JSON string; <, > and & stay as they are, since the page
// escapes them.
func (w *jsonWriter) str(s string) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	w.b.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}
