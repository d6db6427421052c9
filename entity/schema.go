package entity

import (
	"slices"
	"strconv"
	"strings"
)

// Backstage checks entities against JSON schemas with ajv and reports the
// first error ajv finds, so the error text depends on the order in which
// ajv applies keywords. schema is a small evaluator for the handful of
// keywords the entity schemas use, applying them in ajv's order:
//
//   - a type check comes first, unless the schema also has keywords of that
//     type's group, in which case it comes after the type-independent ones;
//   - then const, enum, oneOf, allOf;
//   - then string keywords (minLength, pattern), array keywords (minItems,
//     items), and object keywords (required, additionalProperties,
//     properties, patternProperties).
//
// All errors are collected (ajv's allErrors mode). Object keys are visited in
// sorted order, because Go maps do not keep the document order JavaScript
// objects have; this only matters when one object has several faults.
type schema struct {
	types      []string // JSON types; empty means any
	minLength  int      // minimum length of strings, in code points
	pattern    *pattern
	enum       []string
	constant   *string
	minItems   int
	items      *schema
	required   []string
	props      []property
	patterns   []patternProperty
	closed     bool    // additionalProperties: false
	additional *schema // additionalProperties: <schema>
	oneOf      []*schema
	allOf      []*schema
}

type property struct {
	name   string
	schema *schema
}

type patternProperty struct {
	pattern *pattern
	schema  *schema
}

// pattern is a regular expression of the schemas, kept as its source text
// (for error messages) and an equivalent hand-written matcher.
type pattern struct {
	source string
	match  func(string) bool
}

// instancePath is the location of the value being validated. It is a
// stack of segments, pushed and popped as the evaluator descends, so that
// the JSON pointer string is only built when an error needs it.
type instancePath struct {
	segs []segment
}

type segment struct {
	key    string
	index  int
	isItem bool // index is used instead of key
}

func newInstancePath() *instancePath {
	return &instancePath{segs: make([]segment, 0, 8)}
}

func (p *instancePath) pushKey(k string) { p.segs = append(p.segs, segment{key: k}) }
func (p *instancePath) pushIndex(i int)  { p.segs = append(p.segs, segment{index: i, isItem: true}) }
func (p *instancePath) pop()             { p.segs = p.segs[:len(p.segs)-1] }

// String returns ajv's instancePath: a JSON pointer, "" for the root.
func (p *instancePath) String() string {
	var b strings.Builder
	for _, s := range p.segs {
		b.WriteByte('/')
		if s.isItem {
			b.WriteString(strconv.Itoa(s.index))
		} else {
			b.WriteString(pointerToken(s.key))
		}
	}
	return b.String()
}

// schemaError is one error in ajv's form.
type schemaError struct {
	path    string // ajv's instancePath: a JSON pointer, "" for the root
	keyword string
	message string
	params  []param // in ajv's order, for the " - key: value" suffix
}

type param struct {
	key   string
	value any
}

// text returns "<path> <message>", with "<root>" for the root, as
// Backstage's policies print ajv errors.
func (e schemaError) text() string {
	path := e.path
	if path == "" {
		path = "<root>"
	}
	return path + " " + e.message
}

// textWithParams appends ajv's params as Backstage's throwAjvError does.
func (e schemaError) textWithParams() string {
	parts := make([]string, len(e.params))
	for i, p := range e.params {
		parts[i] = p.key + ": " + jsString(p.value)
	}
	return e.text() + " - " + strings.Join(parts, ", ")
}

// validate appends the errors of v against s to errs.
func (s *schema) validate(v any, path *instancePath, errs []schemaError) []schemaError {
	typ := jsonType(v)
	deferred := len(s.types) == 1 && s.hasRulesFor(s.types[0])
	if len(s.types) > 0 && !deferred && !slices.Contains(s.types, typ) {
		errs = append(errs, s.typeError(path))
	}

	if s.constant != nil {
		if str, ok := v.(string); !ok || str != *s.constant {
			errs = append(errs, schemaError{path: path.String(), keyword: "const", message: "must be equal to constant",
				params: []param{{"allowedValue", *s.constant}}})
		}
	}
	if s.enum != nil {
		if str, ok := v.(string); !ok || !slices.Contains(s.enum, str) {
			allowed := make([]any, len(s.enum))
			for i, e := range s.enum {
				allowed[i] = e
			}
			errs = append(errs, schemaError{path: path.String(), keyword: "enum", message: "must be equal to one of the allowed values",
				params: []param{{"allowedValues", allowed}}})
		}
	}
	if s.oneOf != nil {
		errs = s.validateOneOf(v, path, errs)
	}
	for _, sub := range s.allOf {
		errs = sub.validate(v, path, errs)
	}

	if deferred && typ != s.types[0] {
		return append(errs, s.typeError(path))
	}
	switch typ {
	case "string":
		errs = s.validateString(v, path, errs)
	case "array":
		errs = s.validateArray(v, path, errs)
	case "object":
		errs = s.validateObject(v, path, errs)
	}
	return errs
}

func (s *schema) typeError(path *instancePath) schemaError {
	t := strings.Join(s.types, ",")
	var p any = t
	if len(s.types) > 1 {
		p = s.types
	}
	return schemaError{path: path.String(), keyword: "type", message: "must be " + t, params: []param{{"type", p}}}
}

// hasRulesFor reports whether s has keywords that only apply to type t; ajv
// then checks the type together with them instead of up front.
func (s *schema) hasRulesFor(t string) bool {
	switch t {
	case "string":
		return s.minLength > 0 || s.pattern != nil
	case "array":
		return s.minItems > 0 || s.items != nil
	case "object":
		return s.required != nil || s.props != nil || s.patterns != nil || s.closed || s.additional != nil
	}
	return false
}

func (s *schema) validateOneOf(v any, path *instancePath, errs []schemaError) []schemaError {
	before := len(errs)
	var passing []int
	for i, sub := range s.oneOf {
		n := len(errs)
		errs = sub.validate(v, path, errs)
		if len(errs) == n {
			passing = append(passing, i)
		}
	}
	if len(passing) == 1 {
		return errs[:before]
	}
	var p any // ajv reports null when no branch passed
	if len(passing) > 1 {
		p = []any{float64(passing[0]), float64(passing[1])}
	}
	return append(errs, schemaError{path: path.String(), keyword: "oneOf", message: "must match exactly one schema in oneOf",
		params: []param{{"passingSchemas", p}}})
}

func (s *schema) validateString(v any, path *instancePath, errs []schemaError) []schemaError {
	str, ok := v.(string)
	if !ok {
		str = jsString(v) // a time.Time from YAML; it is a string once marshalled
	}
	if s.minLength > 0 && codePoints(str) < s.minLength {
		errs = append(errs, schemaError{path: path.String(), keyword: "minLength",
			message: "must NOT have fewer than " + strconv.Itoa(s.minLength) + " characters",
			params:  []param{{"limit", float64(s.minLength)}}})
	}
	if s.pattern != nil && !s.pattern.match(str) {
		errs = append(errs, schemaError{path: path.String(), keyword: "pattern",
			message: `must match pattern "` + s.pattern.source + `"`,
			params:  []param{{"pattern", s.pattern.source}}})
	}
	return errs
}

func (s *schema) validateArray(v any, path *instancePath, errs []schemaError) []schemaError {
	arr, _ := asArray(v)
	if s.minItems > 0 && len(arr) < s.minItems {
		errs = append(errs, schemaError{path: path.String(), keyword: "minItems",
			message: "must NOT have fewer than " + strconv.Itoa(s.minItems) + " items",
			params:  []param{{"limit", float64(s.minItems)}}})
	}
	if s.items != nil {
		for i, e := range arr {
			path.pushIndex(i)
			errs = s.items.validate(e, path, errs)
			path.pop()
		}
	}
	return errs
}

func (s *schema) validateObject(v any, path *instancePath, errs []schemaError) []schemaError {
	obj, _ := asObject(v)
	for _, name := range s.required {
		if _, ok := obj[name]; !ok {
			errs = append(errs, schemaError{path: path.String(), keyword: "required",
				message: "must have required property '" + name + "'",
				params:  []param{{"missingProperty", name}}})
		}
	}
	if s.closed || s.additional != nil {
		errs = eachKey(obj, errs, func(k string, errs []schemaError) []schemaError {
			if s.declares(k) {
				return errs
			}
			if s.closed {
				return append(errs, schemaError{path: path.String(), keyword: "additionalProperties",
					message: "must NOT have additional properties",
					params:  []param{{"additionalProperty", k}}})
			}
			path.pushKey(k)
			errs = s.additional.validate(obj[k], path, errs)
			path.pop()
			return errs
		})
	}
	for _, p := range s.props {
		// ajv treats a property as present unless it is undefined, so an
		// explicit null is checked against the property's schema.
		if pv, ok := obj[p.name]; ok {
			path.pushKey(p.name)
			errs = p.schema.validate(pv, path, errs)
			path.pop()
		}
	}
	for _, pp := range s.patterns {
		errs = eachKey(obj, errs, func(k string, errs []schemaError) []schemaError {
			if pp.pattern.match(k) {
				path.pushKey(k)
				errs = pp.schema.validate(obj[k], path, errs)
				path.pop()
			}
			return errs
		})
	}
	return errs
}

// eachKey calls f for every key of obj. Errors must come out in sorted key
// order, but sorting costs an allocation per object, so the keys are first
// visited in map order and only visited again sorted when f found errors.
func eachKey(obj map[string]any, errs []schemaError, f func(string, []schemaError) []schemaError) []schemaError {
	n := len(errs)
	for k := range obj {
		errs = f(k, errs)
	}
	if len(errs) == n {
		return errs
	}
	errs = errs[:n]
	for _, k := range sortedKeys(obj) {
		errs = f(k, errs)
	}
	return errs
}

// declares reports whether key k is covered by properties or
// patternProperties, and so is not an additional property.
func (s *schema) declares(k string) bool {
	for _, p := range s.props {
		if p.name == k {
			return true
		}
	}
	for _, pp := range s.patterns {
		if pp.pattern.match(k) {
			return true
		}
	}
	return false
}

// pointerToken escapes a JSON pointer reference token.
func pointerToken(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// codePoints counts Unicode code points, as ajv does for minLength.
func codePoints(s string) int {
	n := 0
	for range s {
		n++
	}
	return n
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
