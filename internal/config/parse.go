package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	yaml "go.yaml.in/yaml/v4"
)

// maxNodes bounds how many values one file may expand to, so that an alias
// bomb in a config file fails quickly instead of exhausting memory.
const maxNodes = 1_000_000

// maxDepth bounds nesting; no sensible configuration comes close.
const maxDepth = 256

// parseYAML parses a single YAML (or JSON) document into a tree whose
// values know their position in file. An empty document gives nil.
func parseYAML(data []byte, file string) (*node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		return nil, fmt.Errorf("%s:%d: expected a single YAML document, found another", file, extra.Line)
	}
	root := &doc
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return nil, nil
		}
		root = doc.Content[0]
	}
	c := converter{file: file}
	return c.convert(root, Pos{File: file, Line: root.Line, Column: root.Column}, 0)
}

type converter struct {
	file  string
	nodes int
}

func (c *converter) convert(y *yaml.Node, pos Pos, depth int) (*node, error) {
	c.nodes++
	if c.nodes > maxNodes {
		return nil, fmt.Errorf("%s: document expands to more than %d values (alias bomb?)", pos, maxNodes)
	}
	if depth > maxDepth {
		return nil, fmt.Errorf("%s: document is nested more than %d levels deep", pos, maxDepth)
	}
	switch y.Kind {
	case yaml.AliasNode:
		return c.convert(y.Alias, pos, depth+1)
	case yaml.ScalarNode:
		return scalar(y, pos), nil
	case yaml.SequenceNode:
		n := &node{kind: kindList, pos: pos, items: make([]*node, 0, len(y.Content))}
		for _, item := range y.Content {
			v, err := c.convert(item, c.pos(item), depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, v)
		}
		return n, nil
	case yaml.MappingNode:
		n := newObject(pos)
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, v := y.Content[i], y.Content[i+1]
			kpos := c.pos(k)
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("%s: a key must be a plain string", kpos)
			}
			if prev, ok := n.fields[k.Value]; ok {
				return nil, fmt.Errorf("%s: duplicate key %q (first defined at line %d)", kpos, k.Value, prev.pos.Line)
			}
			val, err := c.convert(v, kpos, depth+1)
			if err != nil {
				return nil, err
			}
			n.set(k.Value, val)
		}
		return n, nil
	}
	return nil, fmt.Errorf("%s: unsupported YAML node", pos)
}

func (c *converter) pos(y *yaml.Node) Pos {
	return Pos{File: c.file, Line: y.Line, Column: y.Column}
}

// scalar types a YAML scalar as JSON would: null, bool, number or string.
// Timestamps, binary and custom tags stay strings, as written.
func scalar(y *yaml.Node, pos Pos) *node {
	switch y.ShortTag() {
	case "!!null":
		return &node{kind: kindNull, pos: pos}
	case "!!bool":
		var b bool
		if err := y.Decode(&b); err == nil {
			return &node{kind: kindBool, text: strconv.FormatBool(b), pos: pos}
		}
	case "!!int", "!!float":
		var v any
		if err := y.Decode(&v); err == nil {
			if text, ok := numberText(v); ok {
				return &node{kind: kindNumber, text: text, pos: pos}
			}
		}
	}
	return &node{kind: kindString, text: y.Value, pos: pos}
}

// numberText formats a decoded YAML number canonically.
func numberText(v any) (string, bool) {
	switch v := v.(type) {
	case int:
		return strconv.Itoa(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case uint64:
		return strconv.FormatUint(v, 10), true
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), true
	}
	return "", false
}
