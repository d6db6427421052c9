package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/callboard/callboard/internal/problem"
)

// ParseFields parses the fields parameter of §a.3: every value is split on
// ",", trimmed, emptied ones dropped and repeats removed, keeping the
// first-seen order. It returns nil when no field is left.
func ParseFields(values []string) ([]string, error) {
	var fields []string
	seen := map[string]bool{}
	for _, v := range values {
		for f := range strings.SplitSeq(v, ",") {
			f = strings.TrimSpace(f)
			if f == "" || seen[f] {
				continue
			}
			if strings.Contains(f, "[") {
				return nil, problem.Input("Invalid field \"%s\", array type fields are not supported", f)
			}
			seen[f] = true
			fields = append(fields, f)
		}
	}
	return fields, nil
}

// Project keeps only the given dotted fields of an entity's JSON (§a.3).
// A path part that is not a key of the object at hand is joined with the
// next part by a dot and tried again, so annotation keys that contain dots
// (metadata.annotations.backstage.io/orphan) are selectable. Paths that
// do not resolve, or that descend into an array or a scalar, are left out.
// With no fields the input is returned as it is.
func Project(entityJSON []byte, fields []string) ([]byte, error) {
	if len(fields) == 0 {
		return entityJSON, nil
	}
	objects := map[string]map[string]json.RawMessage{}
	object := func(path string, raw json.RawMessage) (map[string]json.RawMessage, bool) {
		if m, ok := objects[path]; ok {
			return m, m != nil
		}
		var m map[string]json.RawMessage
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
			m = nil
		}
		objects[path] = m
		return m, m != nil
	}
	if _, ok := object("", entityJSON); !ok {
		return nil, fmt.Errorf("project fields: entity is not a JSON object")
	}
	out := &projection{}
	for _, field := range fields {
		path, value, ok := resolveField(field, entityJSON, object)
		if ok {
			out.set(path, value)
		}
	}
	var b bytes.Buffer
	out.write(&b)
	return b.Bytes(), nil
}

// resolveField walks one dotted field greedily through nested objects.
func resolveField(field string, root json.RawMessage, object func(string, json.RawMessage) (map[string]json.RawMessage, bool)) ([]string, json.RawMessage, bool) {
	var (
		path    []string
		pending string
		current = root
		curPath = ""
	)
	for part := range strings.SplitSeq(field, ".") {
		if pending == "" {
			pending = part
		} else {
			pending += "." + part
		}
		m, ok := object(curPath, current)
		if !ok {
			return nil, nil, false
		}
		v, ok := m[pending]
		if !ok {
			continue
		}
		path = append(path, pending)
		curPath += "\x00" + pending
		current = v
		pending = ""
	}
	if pending != "" || len(path) == 0 {
		return nil, nil, false
	}
	return path, current, true
}

// projection is the output tree of Project: a node either holds a whole
// value or the selected children, in the order they were first selected.
type projection struct {
	value    json.RawMessage
	keys     []string
	children map[string]*projection
}

func (p *projection) set(path []string, value json.RawMessage) {
	node := p
	for _, key := range path {
		if node.value != nil {
			return // an ancestor is already selected whole
		}
		child, ok := node.children[key]
		if !ok {
			if node.children == nil {
				node.children = map[string]*projection{}
			}
			child = &projection{}
			node.children[key] = child
			node.keys = append(node.keys, key)
		}
		node = child
	}
	node.value = value
	node.keys, node.children = nil, nil
}

func (p *projection) write(b *bytes.Buffer) {
	if p.value != nil {
		b.Write(p.value)
		return
	}
	b.WriteByte('{')
	for i, key := range p.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(b, key)
		b.WriteByte(':')
		p.children[key].write(b)
	}
	b.WriteByte('}')
}
