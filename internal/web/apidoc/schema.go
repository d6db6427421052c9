package apidoc

import (
	"html/template"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A schema (JSON Schema as OpenAPI and AsyncAPI use it) is shown as a
// table: one row per property, nested properties indented below their
// parent, each with its type, whether it is required, its description and
// its constraints.

// maxSchemaDepth is the deepest nesting a table shows.
const maxSchemaDepth = 8

// schemaView is one schema as a table.
type schemaView struct {
	Type        typeLabel
	Description template.HTML
	Facts       []fact // of the schema itself, e.g. its enum
	Rows        []schemaRow
	// Example is the schema's example, or one made from the schema when
	// Generated.
	Example   string
	Generated bool
}

// typeLabel is a type as shown: Prefix ("array of "), then Name, a link
// when Href is set (a reusable schema).
type typeLabel struct {
	Prefix, Name, Href string
}

func (t typeLabel) String() string { return t.Prefix + t.Name }

// schemaRow is one property (or item, option, additional property).
type schemaRow struct {
	Depth int
	Name  string
	// Role is "property", "items", "additional" or "option".
	Role                          string
	Type                          typeLabel
	Required, Deprecated          bool
	ReadOnly, WriteOnly, Nullable bool
	Description                   template.HTML
	Facts                         []fact
	Note                          string
}

// fact is one constraint or hint, e.g. {"default", "10"}.
type fact struct {
	Label string
	Value string
	// Values lists enum members.
	Values []string
}

// schemaWalker builds schema tables for one definition.
type schemaWalker struct {
	res *resolver
	b   *budget
	// expandNamed expands reusable schemas inline; off in the Schemas
	// section, where each has its own table and nested ones are links.
	expandNamed bool
	rows        []schemaRow
	path        map[*object]bool
}

func newWalker(res *resolver, b *budget, expandNamed bool) *schemaWalker {
	return &schemaWalker{res: res, b: b, expandNamed: expandNamed, path: map[*object]bool{}}
}

// view returns the table of schema s; nil when s is absent.
func (w *schemaWalker) view(s any) *schemaView {
	if s == nil {
		return nil
	}
	w.rows = nil
	obj, _, _ := w.res.deref(s)
	v := &schemaView{Type: w.label(s, 0)}
	if obj != nil {
		v.Description = w.b.md(obj.str("description"))
		v.Facts = w.facts(obj)
		w.path[obj] = true
		w.expand(obj, 0)
		delete(w.path, obj)
		if ex, ok := schemaExample(obj); ok {
			v.Example = jsonText(ex)
		} else if w.b.take() {
			g := sampler{res: w.res, path: map[*object]bool{}, left: maxSampleNodes}
			if sample := g.sample(obj, 0); sample != nil {
				v.Example, v.Generated = jsonText(sample), true
			}
		}
		if !w.b.spend(len(v.Example)) {
			v.Example, v.Generated = "", false
		}
	}
	v.Rows = w.rows
	w.rows = nil
	return v
}

// expand adds the rows below schema s at depth.
func (w *schemaWalker) expand(s *object, depth int) {
	if s == nil {
		return
	}
	if isArray(s) {
		switch items := s.get("items").(type) {
		case []any: // a tuple
			for i, it := range items {
				w.child("item "+strconv.Itoa(i+1), "items", it, false, depth)
			}
		case nil:
		default:
			it, ref, _ := w.res.deref(items)
			if it == nil || w.path[it] || (ref != "" && !w.expandNamed) {
				return
			}
			w.path[it] = true
			w.expand(it, depth)
			delete(w.path, it)
		}
		return
	}
	if depth >= maxSchemaDepth {
		if hasStructure(s) && w.b.take() {
			w.rows = append(w.rows, schemaRow{Depth: depth, Name: "…", Note: "nested too deeply to show here"})
		}
		return
	}
	props, required := w.properties(s)
	for _, p := range props {
		w.child(p.name, "property", p.schema, required[p.name], depth)
	}
	if ap, ok := s.get("additionalProperties").(*object); ok && len(props) > 0 {
		w.child("additional properties", "additional", ap, false, depth)
	} else if ok && len(props) == 0 {
		// A map: show the structure of its values.
		apObj, ref, _ := w.res.deref(ap)
		if apObj != nil && !w.path[apObj] && (ref == "" || w.expandNamed) {
			w.path[apObj] = true
			w.expand(apObj, depth)
			delete(w.path, apObj)
		}
	}
	for _, key := range []string{"oneOf", "anyOf"} {
		for i, opt := range s.list(key) {
			name := "option " + strconv.Itoa(i+1)
			if key == "anyOf" {
				name = "any of " + strconv.Itoa(i+1)
			}
			w.child(name, "option", opt, false, depth)
		}
	}
}

// child adds the row of one property, item or option and its subtree.
func (w *schemaWalker) child(name, role string, raw any, required bool, depth int) {
	if !w.b.take() {
		return
	}
	obj, ref, _ := w.res.deref(raw)
	row := schemaRow{Depth: depth, Name: name, Role: role, Type: w.label(raw, 0), Required: required}
	if obj != nil {
		row.Description = w.b.md(obj.str("description"))
		row.Deprecated = obj.boolean("deprecated")
		row.ReadOnly = obj.boolean("readOnly")
		row.WriteOnly = obj.boolean("writeOnly")
		row.Nullable = obj.boolean("nullable") || (typeIncludes(obj, "null") && len(schemaTypes(obj)) > 1)
		row.Facts = w.facts(obj)
	}
	if obj != nil && w.path[obj] {
		row.Note = "refers back to " + row.Type.String() + ", shown above"
		w.rows = append(w.rows, row)
		return
	}
	w.rows = append(w.rows, row)
	if obj == nil || (ref != "" && !w.expandNamed) || w.b.exhausted {
		return
	}
	w.path[obj] = true
	w.expand(obj, depth+1)
	delete(w.path, obj)
}

// property is a named property schema.
type property struct {
	name   string
	schema any
}

// properties returns the properties of s, including those its allOf
// members contribute, in order, and which are required.
func (w *schemaWalker) properties(s *object) ([]property, map[string]bool) {
	var out []property
	index := map[string]int{}
	required := map[string]bool{}
	seen := map[*object]bool{}
	var collect func(o *object, depth int)
	collect = func(o *object, depth int) {
		if o == nil || seen[o] || depth > maxRefHops {
			return
		}
		seen[o] = true
		for _, m := range o.list("allOf") {
			mo, _, _ := w.res.deref(m)
			collect(mo, depth+1)
		}
		o.obj("properties").each(func(name string, v any) {
			if i, ok := index[name]; ok {
				out[i].schema = v
				return
			}
			index[name] = len(out)
			out = append(out, property{name, v})
		})
		for _, r := range o.list("required") {
			if name, ok := r.(string); ok {
				required[name] = true
			}
		}
	}
	collect(s, 0)
	return out, required
}

// label is the type of schema raw as shown.
func (w *schemaWalker) label(raw any, depth int) typeLabel {
	if depth > maxSchemaDepth {
		return typeLabel{Name: "…"}
	}
	if o, ok := raw.(*object); ok {
		if ref, isRef := o.get("$ref").(string); isRef {
			if href, named := w.res.named[ref]; named {
				return typeLabel{Name: refName(ref), Href: "#" + href}
			}
			target, _, resolved := w.res.deref(o)
			if !resolved || target == nil {
				return typeLabel{Name: ref + " (not resolved)"}
			}
			return w.label(target, depth+1)
		}
	}
	s, ok := raw.(*object)
	switch {
	case raw == nil:
		return typeLabel{Name: "any"}
	case !ok:
		if b, isBool := raw.(bool); isBool && !b {
			return typeLabel{Name: "nothing"}
		}
		return typeLabel{Name: "any"}
	}
	if s.has("const") {
		return typeLabel{Name: "const " + compact(s.get("const"))}
	}
	types := schemaTypes(s)
	if isArray(s) {
		if items := s.get("items"); items != nil {
			if _, tuple := items.([]any); !tuple {
				inner := w.label(items, depth+1)
				return typeLabel{Prefix: "array of " + inner.Prefix, Name: inner.Name, Href: inner.Href}
			}
			return typeLabel{Name: "tuple"}
		}
		return typeLabel{Name: "array"}
	}
	if s.has("oneOf") {
		return typeLabel{Name: "one of"}
	}
	if s.has("anyOf") {
		return typeLabel{Name: "any of"}
	}
	if ap, isObj := s.get("additionalProperties").(*object); isObj && !s.has("properties") && !s.has("allOf") {
		inner := w.label(ap, depth+1)
		return typeLabel{Prefix: "map of " + inner.Prefix, Name: inner.Name, Href: inner.Href}
	}
	if all := s.list("allOf"); len(all) == 1 && !s.has("properties") {
		return w.label(all[0], depth+1)
	}
	var names []string
	for _, t := range types {
		if t != "null" {
			names = append(names, t)
		}
	}
	if len(names) == 0 {
		switch {
		case s.has("properties") || s.has("allOf"):
			names = []string{"object"}
		case s.has("enum"):
			names = []string{"enum"}
		case len(types) > 0:
			names = []string{"null"}
		default:
			names = []string{"any"}
		}
	}
	name := strings.Join(names, " | ")
	if f := s.str("format"); f != "" {
		name += " (" + f + ")"
	}
	return typeLabel{Name: name}
}

// facts lists the constraints of s worth showing.
func (w *schemaWalker) facts(s *object) []fact {
	var out []fact
	if enum := s.list("enum"); len(enum) > 0 {
		vals := make([]string, 0, min(len(enum), maxEnumShown))
		for _, e := range enum[:min(len(enum), maxEnumShown)] {
			vals = append(vals, compact(e))
		}
		if len(enum) > maxEnumShown {
			vals = append(vals, "… "+strconv.Itoa(len(enum)-maxEnumShown)+" more")
		}
		out = append(out, fact{Label: "allowed values", Values: vals})
	}
	add := func(label, key string) {
		if s.has(key) {
			out = append(out, fact{Label: label, Value: compact(s.get(key))})
		}
	}
	add("default", "default")
	add("pattern", "pattern")
	bound := func(label, key, exclusiveKey string) {
		if !s.has(key) {
			return
		}
		if s.boolean(exclusiveKey) {
			label += " (exclusive)"
		}
		out = append(out, fact{Label: label, Value: compact(s.get(key))})
	}
	bound("minimum", "minimum", "exclusiveMinimum")
	bound("maximum", "maximum", "exclusiveMaximum")
	for _, k := range []struct{ label, key string }{
		{"exclusive minimum", "exclusiveMinimum"}, {"exclusive maximum", "exclusiveMaximum"},
	} {
		// JSON Schema 2019+ and OpenAPI 3.1 give the bound as a number.
		if _, isNum := s.get(k.key).(float64); isNum {
			out = append(out, fact{Label: k.label, Value: compact(s.get(k.key))})
		}
	}
	add("multiple of", "multipleOf")
	add("min length", "minLength")
	add("max length", "maxLength")
	add("min items", "minItems")
	add("max items", "maxItems")
	if s.boolean("uniqueItems") {
		out = append(out, fact{Label: "unique items", Value: "yes"})
	}
	add("min properties", "minProperties")
	add("max properties", "maxProperties")
	if ex, ok := schemaExample(s); ok {
		if text := compact(ex); len(text) <= maxInlineExample {
			out = append(out, fact{Label: "example", Value: text})
		}
	}
	size := 0
	for _, f := range out {
		size += len(f.Label) + len(f.Value)
		for _, v := range f.Values {
			size += len(v)
		}
	}
	if !w.b.spend(size) {
		return nil
	}
	return out
}

// Bounds of what a row shows inline.
const (
	maxEnumShown     = 50
	maxInlineExample = 120
)

// schemaExample is the example a schema gives, if any.
func schemaExample(s *object) (any, bool) {
	if s.has("example") {
		return s.get("example"), true
	}
	if ex := s.list("examples"); len(ex) > 0 {
		return ex[0], true
	}
	return nil, false
}

// schemaTypes is the schema's type, a name or (JSON Schema) a list.
func schemaTypes(s *object) []string {
	switch t := s.get("type").(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			if name, ok := x.(string); ok {
				out = append(out, name)
			}
		}
		return out
	}
	return nil
}

func typeIncludes(s *object, name string) bool {
	for _, t := range schemaTypes(s) {
		if t == name {
			return true
		}
	}
	return false
}

func isArray(s *object) bool {
	return typeIncludes(s, "array") || (s.has("items") && !s.has("type"))
}

// hasStructure reports whether s has anything expand would show.
func hasStructure(s *object) bool {
	return s.has("properties") || s.has("allOf") || s.has("oneOf") || s.has("anyOf") || s.has("items") || s.has("additionalProperties")
}

// maxInlineValue bounds a value shown inline (an enum member, a default):
// a definition's values can be large, and shared through YAML anchors.
const maxInlineValue = 200

// compact is a value on one line, cut at maxInlineValue: strings as they
// are, the rest as JSON.
func compact(v any) string {
	s, ok := v.(string)
	if !ok {
		w := jsonWriter{limit: 2 * maxInlineValue}
		w.value(v, 0)
		s = strings.Join(strings.Fields(w.b.String()), " ")
	}
	if len(s) > maxInlineValue {
		cut := maxInlineValue
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// sampler makes an example value from a schema, as swagger-ui does when a
// definition gives none.
type sampler struct {
	res  *resolver
	path map[*object]bool
	left int
}

// maxSampleNodes bounds one generated example.
const maxSampleNodes = 500

func (g *sampler) sample(raw any, depth int) any {
	s, _, _ := g.res.deref(raw)
	if s == nil || g.path[s] || depth > maxSchemaDepth || g.left <= 0 {
		return nil
	}
	g.left--
	if ex, ok := schemaExample(s); ok {
		return ex
	}
	for _, key := range []string{"default", "const"} {
		if s.has(key) {
			return s.get(key)
		}
	}
	if enum := s.list("enum"); len(enum) > 0 {
		return enum[0]
	}
	g.path[s] = true
	defer delete(g.path, s)
	for _, key := range []string{"oneOf", "anyOf"} {
		if opts := s.list(key); len(opts) > 0 {
			return g.sample(opts[0], depth+1)
		}
	}
	if isArray(s) {
		if _, tuple := s.get("items").([]any); tuple {
			return []any{}
		}
		if item := g.sample(s.get("items"), depth+1); item != nil {
			return []any{item}
		}
		return []any{}
	}
	types := schemaTypes(s)
	if s.has("properties") || s.has("allOf") || typeIncludes(s, "object") || s.has("additionalProperties") {
		out := newObject()
		props, _ := (&schemaWalker{res: g.res}).properties(s)
		for _, p := range props {
			if v := g.sample(p.schema, depth+1); v != nil {
				out.set(p.name, v)
			}
		}
		if ap, ok := s.get("additionalProperties").(*object); ok && len(props) == 0 {
			if v := g.sample(ap, depth+1); v != nil {
				out.set("key", v)
			}
		}
		return out
	}
	if len(types) == 0 {
		return nil
	}
	switch types[0] {
	case "string":
		return sampleString(s.str("format"))
	case "integer", "number":
		if s.has("minimum") {
			return s.get("minimum")
		}
		return float64(0)
	case "boolean":
		return true
	}
	return nil
}

// sampleString is an example string of a format.
func sampleString(format string) string {
	switch format {
	case "date-time":
		return "2024-05-17T09:30:00Z"
	case "date":
		return "2024-05-17"
	case "time":
		return "09:30:00Z"
	case "email":
		return "someone@example.com"
	case "uuid":
		return "0e8a2f1c-5b7d-4c3e-9a61-2f4b8d9c7e10"
	case "uri", "url":
		return "https://example.com/"
	case "hostname":
		return "example.com"
	case "ipv4":
		return "192.0.2.10"
	case "ipv6":
		return "2001:db8::10"
	case "byte":
		return "aGVsbG8="
	case "binary":
		return "<binary>"
	}
	return "string"
}
