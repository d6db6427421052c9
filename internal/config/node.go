package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Pos is where a configuration value was written.
type Pos struct {
	// File is the file path as given to Load (or resolved from an
	// $include), or the environment variable the value came from.
	File   string
	Line   int // 1-based; 0 when the source has no lines
	Column int // 1-based; 0 when the source has no lines
}

// String returns "file:line:col", or just the file when there is no line.
func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return p.File + ":" + strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Column)
}

// kind is the JSON type of a node.
type kind uint8

const (
	kindNull kind = iota
	kindString
	kindNumber
	kindBool
	kindObject
	kindList
)

// node is one value of the configuration tree. Objects keep their key
// order so that warnings and redacted output follow the files.
type node struct {
	kind kind
	// text is the value of a string, the canonical text of a number, or
	// "true"/"false".
	text   string
	keys   []string
	fields map[string]*node
	items  []*node
	// pos is where the value was written; for an object member it is the
	// position of its key, which is where a reader looks for a setting.
	pos Pos
}

func newObject(pos Pos) *node {
	return &node{kind: kindObject, fields: map[string]*node{}, pos: pos}
}

// set adds or replaces a member, keeping the original key order.
func (n *node) set(key string, v *node) {
	if _, ok := n.fields[key]; !ok {
		n.keys = append(n.keys, key)
	}
	n.fields[key] = v
}

// remove deletes a member if present.
func (n *node) remove(key string) {
	if _, ok := n.fields[key]; !ok {
		return
	}
	delete(n.fields, key)
	for i, k := range n.keys {
		if k == key {
			n.keys = append(n.keys[:i:i], n.keys[i+1:]...)
			break
		}
	}
}

// lookup follows a dotted path through objects; nil when absent.
func (n *node) lookup(path string) *node {
	if path == "" {
		return n
	}
	cur := n
	for part := range strings.SplitSeq(path, ".") {
		if cur == nil || cur.kind != kindObject {
			return nil
		}
		cur = cur.fields[part]
	}
	return cur
}

// value converts the node to plain Go values: map[string]any, []any,
// string, bool, int64 or float64, and nil.
func (n *node) value() any {
	switch n.kind {
	case kindString:
		return n.text
	case kindBool:
		return n.text == "true"
	case kindNumber:
		if i, err := strconv.ParseInt(n.text, 10, 64); err == nil {
			return i
		}
		f, _ := strconv.ParseFloat(n.text, 64)
		return f
	case kindObject:
		m := make(map[string]any, len(n.keys))
		for _, k := range n.keys {
			m[k] = n.fields[k].value()
		}
		return m
	case kindList:
		l := make([]any, len(n.items))
		for i, v := range n.items {
			l[i] = v.value()
		}
		return l
	}
	return nil
}

// describe names the value for "expected X, got Y" messages.
func (n *node) describe() string {
	switch n.kind {
	case kindString:
		return strconv.Quote(n.text)
	case kindNumber, kindBool:
		return n.text
	case kindObject:
		return "an object"
	case kindList:
		return "a list"
	}
	return "null"
}

// childPath joins a key path and a member key.
func childPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// itemPath joins a key path and a list index.
func itemPath(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}
