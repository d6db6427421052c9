package nunjucks

import (
	"encoding/json"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// UndefinedValue is the type of Undefined.
type UndefinedValue struct{}

// Undefined is the value of a missing variable, key or index. It renders as
// nothing, is falsy, and looking anything up in it yields Undefined again.
// Filters receive it so that they can tell "missing" from null.
var Undefined = UndefinedValue{}

// Kwargs holds keyword arguments (`f(x, reverse=true)`). A filter or
// function called with keyword arguments receives them as its last argument.
type Kwargs map[string]any

// Truthy reports whether v counts as true for a step's `if` in Backstage:
// false, nil, Undefined, "", 0, NaN and empty lists are false; everything
// else is true.
func Truthy(v any) bool {
	if l, ok := v.([]any); ok {
		return len(l) > 0
	}
	return jsTruthy(v)
}

// jsTruthy is JavaScript truthiness, used inside templates as Nunjucks does:
// an empty list or object is true there.
func jsTruthy(v any) bool {
	switch x := v.(type) {
	case nil, UndefinedValue:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case int:
		return x != 0
	case float64:
		return x != 0 && !math.IsNaN(x)
	}
	return true
}

// norm converts Go values that are not already in the engine's JSON-like
// form (other integer and float types, typed slices and maps, json.Number,
// structs are not supported) into it.
func norm(v any) any {
	switch x := v.(type) {
	case nil, string, bool, int, float64, map[string]any, []any, UndefinedValue, Func, *macro, Kwargs:
		return v
	case *loopVar:
		return x.toMap()
	case int64:
		if x >= -1<<53 && x <= 1<<53 {
			return int(x)
		}
		return float64(x)
	case int32:
		return int(x)
	case int16:
		return int(x)
	case int8:
		return int(x)
	case uint:
		return normUint(uint64(x))
	case uint64:
		return normUint(x)
	case uint32:
		return int(x)
	case uint16:
		return int(x)
	case uint8:
		return int(x)
	case float32:
		return float64(x)
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return norm(i)
		}
		f, _ := x.Float64()
		return f
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case map[string]string:
		out := make(map[string]any, len(x))
		for k, s := range x {
			out[k] = s
		}
		return out
	case func(args []any) (any, error):
		return Func(x)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return nil
		}
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = rv.Index(i).Interface()
		}
		return out
	case reflect.Map:
		if rv.IsNil() {
			return nil
		}
		if rv.Type().Key().Kind() != reflect.String {
			break
		}
		out := make(map[string]any, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			out[it.Key().String()] = it.Value().Interface()
		}
		return out
	case reflect.Pointer:
		if rv.IsNil() {
			return nil
		}
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	}
	return v
}

func normUint(x uint64) any {
	if x <= 1<<53 {
		return int(x)
	}
	return float64(x)
}

// toString is JavaScript's String(v).
func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return "null"
	case UndefinedValue:
		return "undefined"
	case bool:
		if x {
			return "true"
		}
		return "false"
	case int:
		return strconv.Itoa(x)
	case float64:
		return formatNumber(x)
	case []any:
		return string(appendList(nil, x, maxStringify))
	case map[string]any, Kwargs:
		return "[object Object]"
	case Func, *macro:
		return "function"
	}
	switch n := norm(v).(type) {
	case []any, map[string]any, string, bool, int, float64, nil:
		return toString(n)
	}
	return "[object Object]"
}

// maxStringify bounds the string a list converts to inside filters. Lists
// can hold the same list several times, so their text can be exponentially
// larger than the work that built them. Where the renderer converts (output,
// ~, +) the bound is MaxOutput instead, and a cut result is longer than
// the bound, so it is rejected rather than used.
const maxStringify = 16 << 20

// appendList appends Array.prototype.join(",") of l: nested lists are
// flattened, undefined and null items are empty. It stops once b is longer
// than limit.
func appendList(b []byte, l []any, limit int) []byte {
	for i, e := range l {
		if len(b) > limit {
			return b
		}
		if i > 0 {
			b = append(b, ',')
		}
		if sub, ok := e.([]any); ok {
			b = appendList(b, sub, limit)
			continue
		}
		b = append(b, outputString(e)...)
	}
	return b
}

// outputString is how a value prints in template output: like toString but
// undefined and null print as nothing.
func outputString(v any) string {
	switch v.(type) {
	case nil, UndefinedValue:
		return ""
	}
	return toString(v)
}

// formatNumber prints a float the way JavaScript does.
func formatNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	a := math.Abs(f)
	if a >= 1e21 || a < 1e-6 {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		mant, exp, _ := strings.Cut(s, "e")
		sign := exp[0]
		exp = strings.TrimLeft(exp[1:], "0")
		return mant + "e" + string(sign) + exp
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// toNumber is JavaScript's Number(v).
func toNumber(v any) float64 {
	switch x := v.(type) {
	case int:
		return float64(x)
	case float64:
		return x
	case bool:
		if x {
			return 1
		}
		return 0
	case nil:
		return 0
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return 0
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
		if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
			if n, err := strconv.ParseInt(s[2:], 16, 64); err == nil {
				return float64(n)
			}
		}
		switch s {
		case "Infinity", "+Infinity":
			return math.Inf(1)
		case "-Infinity":
			return math.Inf(-1)
		}
		return math.NaN()
	case []any:
		switch len(x) {
		case 0:
			return 0
		case 1:
			return toNumber(toString(x[0]))
		}
	}
	return math.NaN()
}

func isNumber(v any) bool {
	switch v.(type) {
	case int, float64:
		return true
	}
	return false
}

// number returns v as a Go int when it is an integral number.
func asInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int(x), true
		}
	}
	return 0, false
}

// fromFloat returns f as an int when it is whole and small enough, so that
// arithmetic on whole numbers keeps producing ints.
func fromFloat(f float64) any {
	if f == math.Trunc(f) && math.Abs(f) <= 1<<53 && !(f == 0 && math.Signbit(f)) {
		return int(f)
	}
	return f
}

// looseEqual is JavaScript's == over JSON-like values; containers compare
// by identity.
func looseEqual(a, b any) bool {
	a, b = norm(a), norm(b)
	switch x := a.(type) {
	case nil, UndefinedValue:
		switch b.(type) {
		case nil, UndefinedValue:
			return true
		}
		return false
	case string:
		switch y := b.(type) {
		case string:
			return x == y
		case int, float64, bool:
			return toNumber(x) == toNumber(y)
		case []any:
			return x == toString(y)
		}
		return false
	case int, float64, bool:
		switch y := b.(type) {
		case int, float64, bool, string:
			return toNumber(x) == toNumber(y)
		case []any:
			return toNumber(x) == toNumber(y)
		}
		return false
	}
	switch b.(type) {
	case string, int, float64, bool:
		return looseEqual(b, a)
	}
	return sameRef(a, b)
}

// strictEqual is JavaScript's ===.
func strictEqual(a, b any) bool {
	a, b = norm(a), norm(b)
	switch x := a.(type) {
	case nil:
		return b == nil
	case UndefinedValue:
		_, ok := b.(UndefinedValue)
		return ok
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case int, float64:
		return isNumber(b) && toNumber(x) == toNumber(b)
	}
	return sameRef(a, b)
}

func sameRef(a, b any) bool {
	ra, rb := reflect.ValueOf(a), reflect.ValueOf(b)
	if !ra.IsValid() || !rb.IsValid() || ra.Kind() != rb.Kind() {
		return false
	}
	switch ra.Kind() {
	case reflect.Map, reflect.Slice, reflect.Pointer, reflect.Func:
		if ra.Kind() == reflect.Slice && (ra.Len() != rb.Len() || ra.Len() == 0) {
			return ra.Len() == 0 && rb.Len() == 0 && ra.Pointer() == rb.Pointer()
		}
		return ra.Pointer() == rb.Pointer()
	}
	return false
}

// less is JavaScript's < : strings compare by code unit, anything else as
// numbers. ok is false when the comparison is false because of NaN.
func compareValues(a, b any) (int, bool) {
	a, b = norm(a), norm(b)
	if sa, ok := a.(string); ok {
		if sb, ok := b.(string); ok {
			return strings.Compare(sa, sb), true
		}
	}
	if isContainer(a) {
		a = toString(a)
	}
	if isContainer(b) {
		b = toString(b)
	}
	if sa, ok := a.(string); ok {
		if sb, ok := b.(string); ok {
			return strings.Compare(sa, sb), true
		}
	}
	x, y := toNumber(a), toNumber(b)
	switch {
	case math.IsNaN(x) || math.IsNaN(y):
		return 0, false
	case x < y:
		return -1, true
	case x > y:
		return 1, true
	}
	return 0, true
}

func isContainer(v any) bool {
	switch v.(type) {
	case []any, map[string]any:
		return true
	}
	return false
}

// sortedKeys returns a map's keys in order. Go maps have no insertion order,
// so iteration over objects is alphabetical to stay deterministic.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// typeName names a value's type for error messages.
func typeName(v any) string {
	switch norm(v).(type) {
	case nil:
		return "null"
	case UndefinedValue:
		return "undefined"
	case string:
		return "string"
	case bool:
		return "boolean"
	case int, float64:
		return "number"
	case []any:
		return "array"
	case map[string]any, Kwargs:
		return "object"
	case Func, *macro:
		return "function"
	}
	return "object"
}
