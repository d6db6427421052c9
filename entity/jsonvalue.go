package entity

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// The validation rules are defined over JSON values as JavaScript sees them.
// Decoded YAML and JSON reach us as Go values of many shapes (map[string]any,
// map[any]any, int, uint64, float64, time.Time...); the helpers here classify
// and normalise them so the rules can be applied the same way to all.

// jsonType returns the JSON type name of v: "object", "array", "string",
// "number", "boolean" or "null".
func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64, float32, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, json.Number:
		return "number"
	case time.Time:
		return "string" // a YAML timestamp; it marshals as a string
	default:
		switch reflect.ValueOf(v).Kind() {
		case reflect.Map, reflect.Struct:
			return "object"
		case reflect.Slice, reflect.Array:
			return "array"
		case reflect.String:
			return "string"
		case reflect.Bool:
			return "boolean"
		case reflect.Pointer, reflect.Interface:
			if reflect.ValueOf(v).IsNil() {
				return "null"
			}
			return jsonType(reflect.ValueOf(v).Elem().Interface())
		}
		return "number"
	}
}

// asObject returns v as a JSON object. Maps of other key and value types are
// converted; everything else reports false.
func asObject(v any) (map[string]any, bool) {
	if m, ok := v.(map[string]any); ok {
		return m, true
	}
	if jsonType(v) != "object" {
		return nil, false
	}
	n, err := normalize(v)
	if err != nil {
		return nil, false
	}
	m, ok := n.(map[string]any)
	return m, ok
}

// asArray returns v as a JSON array, converting slices of other types.
func asArray(v any) ([]any, bool) {
	if a, ok := v.([]any); ok {
		return a, true
	}
	if jsonType(v) != "array" {
		return nil, false
	}
	n, err := normalize(v)
	if err != nil {
		return nil, false
	}
	a, ok := n.([]any)
	return a, ok
}

// normalize returns a deep copy of v made only of the types encoding/json
// produces: map[string]any, []any, string, float64, bool and nil. Map keys
// are converted the way JavaScript converts property names; NaN and
// infinities become null as JSON.stringify makes them.
func normalize(v any) (any, error) {
	switch v := v.(type) {
	case nil, string, bool:
		return v, nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, nil
		}
		return v, nil
	case int:
		return float64(v), nil
	case int64:
		return float64(v), nil
	case uint64:
		return float64(v), nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			out[propertyName(k)] = n
		}
		return out, nil
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return nil, fmt.Errorf("number %q: %w", v, err)
		}
		return normalize(f)
	}
	return normalizeReflect(v)
}

// normalizeReflect handles the less common shapes: other numeric, map and
// slice types, and anything that marshals to JSON (such as time.Time).
func normalizeReflect(v any) (any, error) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(rv.Uint()), nil
	case reflect.Float32, reflect.Float64:
		return normalize(rv.Float())
	case reflect.String:
		return rv.String(), nil
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil, nil
		}
		return normalize(rv.Elem().Interface())
	case reflect.Map:
		if _, ok := v.(json.Marshaler); !ok {
			out := make(map[string]any, rv.Len())
			iter := rv.MapRange()
			for iter.Next() {
				n, err := normalize(iter.Value().Interface())
				if err != nil {
					return nil, err
				}
				out[propertyName(iter.Key().Interface())] = n
			}
			return out, nil
		}
	case reflect.Slice, reflect.Array:
		if _, ok := v.(json.Marshaler); !ok && rv.Type().Elem().Kind() != reflect.Uint8 {
			out := make([]any, rv.Len())
			for i := range out {
				n, err := normalize(rv.Index(i).Interface())
				if err != nil {
					return nil, err
				}
				out[i] = n
			}
			return out, nil
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("value of type %T is not JSON: %w", v, err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("value of type %T is not JSON: %w", v, err)
	}
	return out, nil
}

// propertyName converts a map key as JavaScript's String() would.
func propertyName(k any) string {
	switch k := k.(type) {
	case string:
		return k
	case nil:
		return "null"
	}
	n, err := normalize(k)
	if err != nil {
		return fmt.Sprint(k)
	}
	return jsString(n)
}

// jsString formats a normalised JSON value the way a JavaScript template
// literal does, for error texts that interpolate values.
func jsString(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return jsNumber(v)
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			if e != nil {
				parts[i] = jsString(e)
			}
		}
		return strings.Join(parts, ",")
	case []string:
		return strings.Join(v, ",")
	case int:
		return strconv.Itoa(v)
	case map[string]any:
		return "[object Object]"
	}
	n, err := normalize(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return jsString(n)
}

// jsNumber formats f as JavaScript's Number.prototype.toString does for the
// common cases: integers below 1e21 in full, others in shortest form.
func jsNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == math.Trunc(f) && math.Abs(f) < 1e21:
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	abs := math.Abs(f)
	if abs >= 1e-6 && abs < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	// Go writes e+06 / e-07; JavaScript writes e+6 / e-7.
	mant, exp, _ := strings.Cut(s, "e")
	sign := exp[0]
	exp = strings.TrimLeft(exp[1:], "0")
	return mant + "e" + string(sign) + exp
}

// jsonQuote quotes s as JSON.stringify does: only '"', '\\' and control
// characters are escaped; everything else is kept as is.
func jsonQuote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
