package form

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"strconv"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// conditionKeys are the keywords resolve applies; what is left of an
// object schema after resolution has none of them.
var conditionKeys = []string{"allOf", "anyOf", "oneOf", "dependencies", "if", "then", "else"}

// resolved is an object schema with its conditions applied to a value.
type resolved struct {
	// schema has the properties and required list in force.
	schema Schema
	// choice is set when the object offers options to choose from (oneOf
	// or anyOf of object schemas).
	choice *choice
	// controls are the properties whose values decide what the object
	// shows: dependency keys and the properties an "if" looks at.
	controls []string
	// order is the order of the properties: the object's own, each
	// property a condition added placed after the property controlling
	// it (see propertyOrder).
	order   []string
	anchors map[string]string
}

// choice is an object's oneOf or anyOf options and the one in force.
type choice struct {
	titles []string
	chosen int
}

// resolver applies conditions as react-jsonschema-form does when it
// retrieves a schema for form data: allOf merged, dependencies (property
// lists add required properties, schemas merge in when the key has a
// value, their oneOf picking the option whose schema of that key matches
// it), if/then/else decided by validating the value, and oneOf or anyOf
// options chosen by the user or, until they choose, the first that
// matches.
type resolver struct {
	root Schema
	// choices are the option indexes the user chose, by object pointer.
	choices map[string]int
}

func newResolver(root Schema, choices map[string]int) *resolver {
	return &resolver{root: root, choices: choices}
}

// maxConditions bounds the conditions applied to one object, so a
// schema whose conditions add conditions cannot loop.
const maxConditions = 64

// object resolves the object schema s for the value v found at p.
func (r *resolver) object(s Schema, v any, p Path) resolved {
	s = deref(r.root, s)
	value, _ := v.(map[string]any)
	out := plain(s)
	res := resolved{}
	res.order = naturalOrder(out)
	// added places the properties a condition brought in after anchor
	// (at the end when anchor is "").
	added := func(sub Schema, anchor string) {
		for _, name := range naturalOrder(sub) {
			if slices.Contains(res.order, name) {
				continue
			}
			at := len(res.order)
			if i := slices.Index(res.order, anchor); anchor != "" && i >= 0 {
				at = i + 1
				// after the properties placed there before
				for at < len(res.order) && res.anchors[res.order[at]] == anchor {
					at++
				}
			}
			res.order = slices.Insert(res.order, at, name)
			if res.anchors == nil {
				res.anchors = map[string]string{}
			}
			res.anchors[name] = anchor
		}
	}
	queue := []Schema{s}
	for i := 0; i < len(queue) && i < maxConditions; i++ {
		c := queue[i]
		for _, it := range list(c, "allOf") {
			sub, ok := it.(map[string]any)
			if !ok {
				continue
			}
			sub = deref(r.root, sub)
			out = merge(out, plain(sub))
			added(sub, "")
			queue = append(queue, sub)
		}
		deps := obj(c, "dependencies")
		for _, key := range sortedKeys(deps) {
			if !slices.Contains(res.controls, key) {
				res.controls = append(res.controls, key)
			}
			kv, has := value[key]
			if !has || kv == nil {
				continue
			}
			switch d := deps[key].(type) {
			case []any:
				out = merge(out, Schema{"required": d})
			case map[string]any:
				d = deref(r.root, d)
				out = merge(out, plain(d))
				added(d, key)
				queue = append(queue, withoutKeys(d, "oneOf", "anyOf"))
				if opt, ok := r.dependencyOption(d, key, kv); ok {
					props := maps.Clone(obj(opt, "properties"))
					delete(props, key)
					trimmed := maps.Clone(opt)
					trimmed["properties"] = props
					out = merge(out, plain(trimmed))
					added(trimmed, key)
					queue = append(queue, trimmed)
				}
			}
		}
		if ifs, ok := c["if"].(map[string]any); ok {
			for _, key := range append(sortedKeys(obj(ifs, "properties")), stringList(ifs, "required")...) {
				if !slices.Contains(res.controls, key) {
					res.controls = append(res.controls, key)
				}
			}
			anchor := ""
			if len(res.controls) > 0 {
				anchor = res.controls[len(res.controls)-1]
			}
			branch := "else"
			if r.valid(ifs, objectValue(value)) {
				branch = "then"
			}
			if sub, ok := c[branch].(map[string]any); ok {
				sub = deref(r.root, sub)
				out = merge(out, plain(sub))
				added(sub, anchor)
				queue = append(queue, sub)
			}
		}
		for _, kw := range []string{"oneOf", "anyOf"} {
			opts := objectOptions(r.root, list(c, kw))
			if len(opts) == 0 || res.choice != nil {
				continue
			}
			ch := &choice{chosen: -1}
			if n, ok := r.choices[p.Pointer()]; ok && n >= 0 && n < len(opts) {
				ch.chosen = n
			}
			for j, o := range opts {
				title := str(o, "title")
				if title == "" {
					title = "Option " + strconv.Itoa(j+1)
				}
				ch.titles = append(ch.titles, title)
				if ch.chosen < 0 && value != nil && r.valid(o, value) {
					ch.chosen = j
				}
			}
			if ch.chosen < 0 {
				ch.chosen = 0
			}
			res.choice = ch
			out = merge(out, plain(opts[ch.chosen]))
			added(opts[ch.chosen], "")
			queue = append(queue, opts[ch.chosen])
		}
	}
	res.schema = out
	return res
}

// dependencyOption picks the option of a schema dependency's oneOf (or
// anyOf) whose schema for key accepts the key's value.
func (r *resolver) dependencyOption(d Schema, key string, kv any) (Schema, bool) {
	for _, kw := range []string{"oneOf", "anyOf"} {
		for _, it := range list(d, kw) {
			opt, ok := it.(map[string]any)
			if !ok {
				continue
			}
			opt = deref(r.root, opt)
			cond, ok := obj(opt, "properties")[key].(map[string]any)
			if !ok {
				continue
			}
			if r.valid(cond, kv) {
				return opt, true
			}
		}
	}
	return nil, false
}

// objectOptions returns the options of a oneOf or anyOf that describe
// objects (have properties or required); options that are constants
// belong to a field's choices instead.
func objectOptions(root Schema, opts []any) []Schema {
	var out []Schema
	for _, it := range opts {
		o, ok := it.(map[string]any)
		if !ok {
			continue
		}
		o = deref(root, o)
		if o["properties"] == nil && o["required"] == nil {
			return nil
		}
		out = append(out, o)
	}
	return out
}

// plain is s without its condition keywords.
func plain(s Schema) Schema { return withoutKeys(s, conditionKeys...) }

func withoutKeys(s Schema, keys ...string) Schema {
	out := maps.Clone(s)
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

func objectValue(v map[string]any) any {
	if v == nil {
		return map[string]any{}
	}
	return v
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// valid reports whether v satisfies the schema s (with the page's
// definitions in reach of its refs). A schema that does not compile
// matches nothing.
func (r *resolver) valid(s Schema, v any) bool {
	doc := maps.Clone(s)
	for _, k := range []string{"definitions", "$defs"} {
		if d, ok := r.root[k]; ok {
			if _, own := doc[k]; !own {
				doc[k] = d
			}
		}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return false
	}
	sch := compiled.get(b)
	if sch == nil {
		return false
	}
	vb, err := json.Marshal(v)
	if err != nil {
		return false
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(vb))
	if err != nil {
		return false
	}
	return sch.Validate(inst) == nil
}

// schemaCache keeps compiled condition schemas by their JSON: a page is
// rendered and read many times with the same few conditions. It holds at
// most maxCachedSchemas and starts over when full.
type schemaCache struct {
	mu sync.Mutex
	m  map[string]*jsonschema.Schema
}

const maxCachedSchemas = 1024

var compiled = &schemaCache{m: map[string]*jsonschema.Schema{}}

// get returns the compiled schema written as b; nil when it does not
// compile.
func (c *schemaCache) get(b []byte) *jsonschema.Schema {
	c.mu.Lock()
	sch, ok := c.m[string(b)]
	c.mu.Unlock()
	if ok {
		return sch
	}
	sch = compile(b)
	c.mu.Lock()
	if len(c.m) >= maxCachedSchemas {
		clear(c.m)
	}
	c.m[string(b)] = sch
	c.mu.Unlock()
	return sch
}

// compile compiles a schema written as JSON, draft 7 unless it says
// otherwise, as the scaffolder validates values; nil when it does not
// compile.
func compile(b []byte) *jsonschema.Schema {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	const name = "form:condition.json"
	if err := c.AddResource(name, doc); err != nil {
		return nil
	}
	sch, err := c.Compile(name)
	if err != nil {
		return nil
	}
	return sch
}

// propertyNames lists every property a page may show at its top level,
// whatever the values: its own and those its conditions may add.
func propertyNames(root Schema) []string {
	seen := map[string]bool{}
	var walk func(s Schema, depth int)
	walk = func(s Schema, depth int) {
		if depth > 8 {
			return
		}
		s = deref(root, s)
		for k := range obj(s, "properties") {
			seen[k] = true
		}
		for _, kw := range []string{"allOf", "anyOf", "oneOf"} {
			for _, it := range list(s, kw) {
				if sub, ok := it.(map[string]any); ok {
					walk(sub, depth+1)
				}
			}
		}
		for _, kw := range []string{"then", "else"} {
			if sub, ok := s[kw].(map[string]any); ok {
				walk(sub, depth+1)
			}
		}
		for _, d := range obj(s, "dependencies") {
			if sub, ok := d.(map[string]any); ok {
				walk(sub, depth+1)
			}
		}
	}
	walk(root, 0)
	return sortedKeys(seen)
}
