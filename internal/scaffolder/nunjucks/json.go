package nunjucks

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// appendJSON writes v as JSON.stringify(v, null, indent) does for
// JSON-like values: object keys sorted (Go maps keep no insertion order),
// undefined members left out, undefined list items and non-finite numbers
// as null, and no HTML escaping.
// It stops once b is longer than limit.
func appendJSON(b []byte, v any, indent, prefix string, depth, limit int) []byte {
	if depth > 1000 || len(b) > limit {
		return append(b, "null"...)
	}
	switch x := norm(v).(type) {
	case nil, UndefinedValue, Func, *macro:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return append(b, "null"...)
		}
		return append(b, formatNumber(x)...)
	case string:
		return appendJSONString(b, x)
	case []any:
		if len(x) == 0 {
			return append(b, "[]"...)
		}
		inner := prefix + indent
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = newline(b, indent, inner)
			b = appendJSON(b, e, indent, inner, depth+1, limit)
		}
		b = newline(b, indent, prefix)
		return append(b, ']')
	case Kwargs:
		return appendJSON(b, map[string]any(x), indent, prefix, depth, limit)
	case map[string]any:
		inner := prefix + indent
		b = append(b, '{')
		n := 0
		for _, k := range sortedKeys(x) {
			e := x[k]
			switch e.(type) {
			case UndefinedValue, Func, *macro:
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = newline(b, indent, inner)
			b = appendJSONString(b, k)
			b = append(b, ':')
			if indent != "" {
				b = append(b, ' ')
			}
			b = appendJSON(b, e, indent, inner, depth+1, limit)
		}
		if n > 0 {
			b = newline(b, indent, prefix)
		}
		return append(b, '}')
	}
	return append(b, "null"...)
}

func newline(b []byte, indent, prefix string) []byte {
	if indent == "" {
		return b
	}
	b = append(b, '\n')
	return append(b, prefix...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as JSON.stringify does.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			// Invalid UTF-8 becomes U+FFFD, as a JavaScript string would hold it.
			b = append(b, s[start:i]...)
			b = append(b, "\ufffd"...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
