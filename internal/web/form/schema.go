package form

import (
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Schema is a JSON schema as decoded from JSON or YAML: objects are
// map[string]any, arrays []any, numbers float64 (or int from YAML).
type Schema = map[string]any

// str returns s[key] when it is a string.
func str(s Schema, key string) string {
	v, _ := s[key].(string)
	return v
}

// boolKey returns s[key] when it is a boolean.
func boolKey(s Schema, key string) bool {
	v, _ := s[key].(bool)
	return v
}

// obj returns s[key] when it is an object.
func obj(s Schema, key string) Schema {
	v, _ := s[key].(map[string]any)
	return v
}

// list returns s[key] when it is an array.
func list(s Schema, key string) []any {
	v, _ := s[key].([]any)
	return v
}

// strings returns the strings of s[key], a string or an array of them.
func stringList(s Schema, key string) []string {
	switch v := s[key].(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, it := range v {
			if x, ok := it.(string); ok {
				out = append(out, x)
			}
		}
		return out
	}
	return nil
}

// number returns s[key] as a float64 when it is a number.
func number(s Schema, key string) (float64, bool) {
	return toFloat(s[key])
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// uiOptions is the field's ui:options object.
func uiOptions(s Schema) Schema { return obj(s, "ui:options") }

// typeOf is the type a field is rendered as: the first type other than
// "null", or what the schema's other keywords imply.
func typeOf(s Schema) string {
	for _, t := range stringList(s, "type") {
		if t != "null" {
			return t
		}
	}
	switch {
	case s["properties"] != nil:
		return "object"
	case s["items"] != nil:
		return "array"
	}
	if e := list(s, "enum"); len(e) > 0 {
		return jsonType(e[0])
	}
	if c, ok := s["const"]; ok {
		return jsonType(c)
	}
	return "string"
}

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch x := v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case int, int64:
		return "integer"
	case json.Number:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case nil:
		return "null"
	}
	return "string"
}

// deref replaces a local $ref ("#/definitions/x", "#/$defs/x") by the
// schema it names, merged under the keys written beside it. Refs are
// followed a few levels deep; a ref that does not resolve is dropped.
func deref(root, s Schema) Schema {
	for range 8 {
		ref := str(s, "$ref")
		if ref == "" {
			return s
		}
		target := pointerLookup(root, ref)
		out := maps.Clone(target)
		if out == nil {
			out = Schema{}
		}
		for k, v := range s {
			if k != "$ref" {
				out[k] = v
			}
		}
		s = out
	}
	return s
}

// pointerLookup follows a "#/a/b" JSON pointer inside root; nil when it
// names no object.
func pointerLookup(root Schema, ref string) Schema {
	p, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil
	}
	cur := root
	for _, tok := range splitPointer(p) {
		next, ok := cur[tok].(map[string]any)
		if !ok {
			return nil
		}
		cur = next
	}
	return cur
}

// merge returns base with extra merged in, as react-jsonschema-form
// merges a condition's schema into its parent: objects merged key by key,
// "required" lists joined, other keys replaced.
func merge(base, extra Schema) Schema {
	out := maps.Clone(base)
	if out == nil {
		out = Schema{}
	}
	for k, v := range extra {
		switch {
		case k == "required":
			req := stringList(out, "required")
			for _, r := range stringList(extra, "required") {
				if !slices.Contains(req, r) {
					req = append(req, r)
				}
			}
			out[k] = toAnySlice(req)
		default:
			a, aok := out[k].(map[string]any)
			b, bok := v.(map[string]any)
			if aok && bok {
				out[k] = merge(a, b)
			} else {
				out[k] = v
			}
		}
	}
	return out
}

func toAnySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// naturalOrder is the order of an object's properties when nothing says
// otherwise: the required ones in their listed order, then the others by
// name. The catalog keeps entities as JSON objects, whose key order it
// does not preserve, so the order properties were written in is lost.
func naturalOrder(s Schema) []string {
	props := obj(s, "properties")
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	sort.Strings(names)
	var lead []string
	for _, r := range stringList(s, "required") {
		if _, ok := props[r]; ok && !slices.Contains(lead, r) {
			lead = append(lead, r)
		}
	}
	rest := slices.DeleteFunc(names, func(n string) bool { return slices.Contains(lead, n) })
	return append(lead, rest...)
}

// propertyOrder is the order fields are shown in: ui:order when the
// schema has one ("*" standing for the properties it does not name, which
// otherwise follow), else natural.
func propertyOrder(s Schema, natural []string) []string {
	order := stringList(s, "ui:order")
	if len(order) == 0 {
		return natural
	}
	props := obj(s, "properties")
	var before, after []string
	seen := map[string]bool{}
	wild := false
	for _, o := range order {
		if o == "*" {
			wild = true
			continue
		}
		if _, ok := props[o]; !ok || seen[o] {
			continue
		}
		seen[o] = true
		if wild {
			after = append(after, o)
		} else {
			before = append(before, o)
		}
	}
	out := before
	for _, n := range natural {
		if !seen[n] {
			out = append(out, n)
		}
	}
	return append(out, after...)
}
