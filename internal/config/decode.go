package config

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Error is a configuration mistake, located where it was written.
type Error struct {
	Pos Pos
	// Key is the dotted key path of the value, e.g. "catalog.readonly" or
	// "catalog.locations[0].target"; "" when the mistake is the file itself.
	Key     string
	Message string
}

func (e *Error) Error() string {
	if e.Key == "" {
		return e.Pos.String() + ": " + e.Message
	}
	return e.Pos.String() + ": " + e.Key + ": " + e.Message
}

// Warning is a configuration problem that does not stop Callboard, such as
// a key nothing reads.
type Warning struct {
	Pos     Pos
	Key     string
	Message string
}

// String returns "file:line: message".
func (w Warning) String() string {
	if w.Pos.Line == 0 {
		return w.Pos.File + ": " + w.Message
	}
	return w.Pos.File + ":" + strconv.Itoa(w.Pos.Line) + ": " + w.Message
}

// configDecoder is implemented by types whose value may take several
// shapes, such as a listen address written as a string or an object.
type configDecoder interface {
	decodeConfig(d *decoder, n *node, path string)
}

// configChecker is implemented by types with rules beyond their field
// types. It runs after a value decoded without errors; a *memberError
// points the message at one member instead of the whole value.
type configChecker interface {
	checkConfig() error
}

// memberError is a checkConfig failure about one member of an object.
type memberError struct {
	key string
	msg string
}

func (e *memberError) Error() string { return e.key + ": " + e.msg }

// decoder decodes tree values into Go values by reflection, collecting
// every mistake rather than stopping at the first.
type decoder struct {
	errs []error
	// unknown is told about object members no field reads; nil ignores them.
	unknown func(n *node, path string)
}

func (d *decoder) fail(n *node, path, format string, args ...any) {
	d.errs = append(d.errs, &Error{Pos: n.pos, Key: path, Message: fmt.Sprintf(format, args...)})
}

func (d *decoder) typeError(n *node, path, want string) {
	d.fail(n, path, "expected %s, got %s", want, n.describe())
}

func (d *decoder) err() error { return errors.Join(d.errs...) }

var durationType = reflect.TypeFor[time.Duration]()

// decode stores n in v, which must be settable.
func (d *decoder) decode(n *node, path string, v reflect.Value) {
	before := len(d.errs)
	d.decodeValue(n, path, v)
	if len(d.errs) > before || !v.CanAddr() {
		return
	}
	c, ok := v.Addr().Interface().(configChecker)
	if !ok {
		return
	}
	err := c.checkConfig()
	var me *memberError
	switch {
	case err == nil:
	case errors.As(err, &me) && n.kind == kindObject && n.fields[me.key] != nil:
		d.fail(n.fields[me.key], childPath(path, me.key), "%s", me.msg)
	default:
		d.fail(n, path, "%s", err.Error())
	}
}

func (d *decoder) decodeValue(n *node, path string, v reflect.Value) {
	if v.CanAddr() {
		if c, ok := v.Addr().Interface().(configDecoder); ok {
			c.decodeConfig(d, n, path)
			return
		}
	}
	if v.Type() == durationType {
		dur, err := durationOf(n)
		if err != nil {
			d.fail(n, path, "%v", err)
			return
		}
		v.SetInt(int64(dur))
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, path, v.Elem())
	case reflect.Interface:
		if v.NumMethod() != 0 {
			d.fail(n, path, "cannot decode into %s", v.Type())
			return
		}
		if x := n.value(); x != nil {
			v.Set(reflect.ValueOf(x))
		}
	case reflect.String:
		if n.kind != kindString && n.kind != kindNumber {
			d.typeError(n, path, "a string")
			return
		}
		v.SetString(n.text)
	case reflect.Bool:
		b, ok := boolOf(n)
		if !ok {
			d.typeError(n, path, "a boolean")
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, ok := intOf(n)
		if !ok || v.OverflowInt(i) {
			d.typeError(n, path, "an integer")
			return
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		i, ok := intOf(n)
		if !ok || i < 0 || v.OverflowUint(uint64(i)) {
			d.typeError(n, path, "a non-negative integer")
			return
		}
		v.SetUint(uint64(i))
	case reflect.Float32, reflect.Float64:
		f, ok := floatOf(n)
		if !ok {
			d.typeError(n, path, "a number")
			return
		}
		v.SetFloat(f)
	case reflect.Slice:
		if n.kind != kindList {
			d.typeError(n, path, "a list")
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.items), len(n.items))
		for i, item := range n.items {
			d.decode(item, itemPath(path, i), s.Index(i))
		}
		v.Set(s)
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			d.fail(n, path, "cannot decode into %s", v.Type())
			return
		}
		if n.kind != kindObject {
			d.typeError(n, path, "an object")
			return
		}
		if v.IsNil() {
			v.Set(reflect.MakeMapWithSize(v.Type(), len(n.keys)))
		}
		for _, k := range n.keys {
			e := reflect.New(v.Type().Elem()).Elem()
			d.decode(n.fields[k], childPath(path, k), e)
			v.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), e)
		}
	case reflect.Struct:
		d.decodeStruct(n, path, v)
	default:
		d.fail(n, path, "cannot decode into %s", v.Type())
	}
}

// field describes how a struct field is read from configuration. The tag
// is `config:"key,required,oneof=a|b"`; without it the json tag's name is
// used, else the field name with a lower-case first letter.
type field struct {
	index    int
	key      string
	required bool
	oneof    []string
}

func fieldsOf(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		tag, hasTag := sf.Tag.Lookup("config")
		if !hasTag {
			tag, _, _ = strings.Cut(sf.Tag.Get("json"), ",")
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		f := field{index: i, key: name}
		if f.key == "" {
			r, size := utf8.DecodeRuneInString(sf.Name)
			f.key = string(unicode.ToLower(r)) + sf.Name[size:]
		}
		for opt := range strings.SplitSeq(opts, ",") {
			switch {
			case opt == "required":
				f.required = true
			case strings.HasPrefix(opt, "oneof="):
				f.oneof = strings.Split(strings.TrimPrefix(opt, "oneof="), "|")
			}
		}
		out = append(out, f)
	}
	return out
}

func (d *decoder) decodeStruct(n *node, path string, v reflect.Value) {
	if n.kind != kindObject {
		d.typeError(n, path, "an object")
		return
	}
	fields := fieldsOf(v.Type())
	for _, k := range n.keys {
		child := n.fields[k]
		i := slices.IndexFunc(fields, func(f field) bool { return f.key == k })
		if i < 0 {
			d.unknownKey(child, childPath(path, k))
			continue
		}
		f := fields[i]
		before := len(d.errs)
		d.decode(child, childPath(path, k), v.Field(f.index))
		if len(d.errs) == before && f.oneof != nil && !slices.Contains(f.oneof, child.text) {
			d.fail(child, childPath(path, k), "expected one of %s, got %s", quoteAll(f.oneof), child.describe())
		}
	}
	for _, f := range fields {
		if f.required && n.fields[f.key] == nil {
			d.fail(n, path, "missing required key %q", f.key)
		}
	}
}

// unknownKey reports the leaves of an unread member, so that each warning
// names a setting someone wrote.
func (d *decoder) unknownKey(n *node, path string) {
	if d.unknown == nil {
		return
	}
	if n.kind == kindObject && len(n.keys) > 0 {
		for _, k := range n.keys {
			d.unknownKey(n.fields[k], childPath(path, k))
		}
		return
	}
	d.unknown(n, path)
}

func quoteAll(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = strconv.Quote(x)
	}
	return strings.Join(q, ", ")
}

// boolOf accepts booleans and the strings "true" and "false", which is
// what ${VAR} substitution produces.
func boolOf(n *node) (bool, bool) {
	switch n.kind {
	case kindBool:
		return n.text == "true", true
	case kindString:
		switch strings.ToLower(strings.TrimSpace(n.text)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// intOf accepts whole numbers and strings holding one.
func intOf(n *node) (int64, bool) {
	f, ok := floatOf(n)
	if !ok {
		return 0, false
	}
	if i, err := strconv.ParseInt(strings.TrimSpace(n.text), 10, 64); err == nil {
		return i, true
	}
	if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// floatOf accepts numbers and strings holding one.
func floatOf(n *node) (float64, bool) {
	if n.kind != kindNumber && n.kind != kindString {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(n.text), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) && n.kind == kindString {
		return 0, false
	}
	return f, true
}

// reflectValue returns the settable value p points to.
func reflectValue(p any) reflect.Value { return reflect.ValueOf(p).Elem() }
