package nunjucks

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Methods callable on values: the JavaScript ones Nunjucks exposes on
// strings, arrays and numbers, and with JinjaCompat the Python ones that
// installJinjaCompat adds.

// jsLength is a string's length in UTF-16 code units, as JavaScript counts.
func jsLength(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

func argString(args []any, i int, def string) string {
	if i < len(args) {
		switch args[i].(type) {
		case UndefinedValue, Kwargs:
			return def
		}
		return toString(args[i])
	}
	return def
}

func argInt(args []any, i int, def int) int {
	if i < len(args) {
		switch v := args[i].(type) {
		case UndefinedValue, Kwargs:
			return def
		case int:
			return v
		default:
			f := toNumber(v)
			if f != f {
				return 0
			}
			return int(f)
		}
	}
	return def
}

func hasArg(args []any, i int) bool {
	if i >= len(args) {
		return false
	}
	switch args[i].(type) {
	case UndefinedValue, Kwargs:
		return false
	}
	return true
}

// jsIndex clamps a JavaScript slice index (negative counts from the end).
func jsIndex(i, n int) int {
	if i < 0 {
		i += n
	}
	return min(max(i, 0), n)
}

// maxRepeat bounds padding and repetition so one call cannot allocate
// without limit.
const maxRepeat = 1 << 20

var errTooLong = errors.New("result string too long")

func (r *renderer) stringMethod(s, name string) Func {
	// Templates written for Jinja expect Python's split and replace, so
	// with JinjaCompat the Python methods win over JavaScript's.
	if r.env.o.JinjaCompat {
		if m := pyStringMethod(s, name); m != nil {
			return m
		}
	}
	switch name {
	case "toUpperCase", "toLocaleUpperCase":
		return func([]any) (any, error) { return strings.ToUpper(s), nil }
	case "toLowerCase", "toLocaleLowerCase":
		return func([]any) (any, error) { return strings.ToLower(s), nil }
	case "trim":
		return func([]any) (any, error) { return strings.TrimSpace(s), nil }
	case "trimStart", "trimLeft":
		return func([]any) (any, error) { return strings.TrimLeftFunc(s, unicode.IsSpace), nil }
	case "trimEnd", "trimRight":
		return func([]any) (any, error) { return strings.TrimRightFunc(s, unicode.IsSpace), nil }
	case "toString", "valueOf":
		return func([]any) (any, error) { return s, nil }
	case "split":
		return func(args []any) (any, error) {
			var parts []string
			if !hasArg(args, 0) {
				parts = []string{s}
			} else {
				parts = strings.Split(s, toString(args[0]))
				if toString(args[0]) == "" {
					parts = strings.Split(s, "")
				}
			}
			if hasArg(args, 1) {
				if n := argInt(args, 1, len(parts)); n >= 0 && n < len(parts) {
					parts = parts[:n]
				}
			}
			return stringsToList(parts), nil
		}
	case "replace":
		return func(args []any) (any, error) {
			return strings.Replace(s, argString(args, 0, "undefined"), argString(args, 1, "undefined"), 1), nil
		}
	case "replaceAll":
		return func(args []any) (any, error) {
			return replaceBounded(s, argString(args, 0, "undefined"), argString(args, 1, "undefined"), -1)
		}
	case "startsWith":
		return func(args []any) (any, error) { return strings.HasPrefix(s, argString(args, 0, "undefined")), nil }
	case "endsWith":
		return func(args []any) (any, error) { return strings.HasSuffix(s, argString(args, 0, "undefined")), nil }
	case "includes":
		return func(args []any) (any, error) { return strings.Contains(s, argString(args, 0, "undefined")), nil }
	case "indexOf":
		return func(args []any) (any, error) {
			return utf16Index(s, strings.Index(s, argString(args, 0, "undefined"))), nil
		}
	case "lastIndexOf":
		return func(args []any) (any, error) {
			return utf16Index(s, strings.LastIndex(s, argString(args, 0, "undefined"))), nil
		}
	case "charAt":
		return func(args []any) (any, error) {
			rs := []rune(s)
			if i := argInt(args, 0, 0); i >= 0 && i < len(rs) {
				return string(rs[i]), nil
			}
			return "", nil
		}
	case "at":
		return func(args []any) (any, error) {
			rs := []rune(s)
			i := argInt(args, 0, 0)
			if i < 0 {
				i += len(rs)
			}
			if i >= 0 && i < len(rs) {
				return string(rs[i]), nil
			}
			return Undefined, nil
		}
	case "slice":
		return func(args []any) (any, error) {
			rs := []rune(s)
			a, b := jsIndex(argInt(args, 0, 0), len(rs)), jsIndex(argInt(args, 1, len(rs)), len(rs))
			if a >= b {
				return "", nil
			}
			return string(rs[a:b]), nil
		}
	case "substring":
		return func(args []any) (any, error) {
			rs := []rune(s)
			clamp := func(i int) int { return min(max(i, 0), len(rs)) }
			a, b := clamp(argInt(args, 0, 0)), clamp(argInt(args, 1, len(rs)))
			if a > b {
				a, b = b, a
			}
			return string(rs[a:b]), nil
		}
	case "padStart", "padEnd":
		return func(args []any) (any, error) {
			n := argInt(args, 0, 0)
			if n > maxRepeat {
				return nil, errTooLong
			}
			fill := argString(args, 1, " ")
			l := jsLength(s)
			if n <= l || fill == "" {
				return s, nil
			}
			pad := []rune(strings.Repeat(fill, (n-l)/utf8.RuneCountInString(fill)+1))[:n-l]
			if name == "padStart" {
				return string(pad) + s, nil
			}
			return s + string(pad), nil
		}
	case "repeat":
		return func(args []any) (any, error) {
			n := argInt(args, 0, 0)
			if n < 0 {
				return nil, errors.New("Invalid count value: " + strconv.Itoa(n))
			}
			if n*len(s) > maxRepeat*16 {
				return nil, errTooLong
			}
			return strings.Repeat(s, n), nil
		}
	case "concat":
		return func(args []any) (any, error) {
			var b strings.Builder
			b.WriteString(s)
			for _, a := range args {
				b.WriteString(toString(a))
			}
			return b.String(), nil
		}
	}
	return nil
}

// utf16Index converts a byte index to a UTF-16 index (-1 stays -1).
func utf16Index(s string, i int) int {
	if i < 0 {
		return i
	}
	return jsLength(s[:i])
}

func stringsToList(parts []string) []any {
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out
}

// replaceBounded is strings.Replace that refuses results over the size
// bound, checked before allocating.
func replaceBounded(s, old, repl string, n int) (any, error) {
	count := strings.Count(s, old)
	if n >= 0 && n < count {
		count = n
	}
	if len(s)+count*(len(repl)-len(old)) > maxRepeat*16 {
		return nil, errTooLong
	}
	return strings.Replace(s, old, repl, n), nil
}

func pyStringMethod(s, name string) Func {
	switch name {
	case "upper":
		return func([]any) (any, error) { return strings.ToUpper(s), nil }
	case "lower":
		return func([]any) (any, error) { return strings.ToLower(s), nil }
	case "capitalize":
		return func([]any) (any, error) { return capitalize(s), nil }
	case "title":
		return func([]any) (any, error) { return title(s), nil }
	case "strip", "lstrip", "rstrip":
		return func(args []any) (any, error) {
			trim := func(r rune) bool { return unicode.IsSpace(r) }
			if hasArg(args, 0) {
				chars := toString(args[0])
				trim = func(r rune) bool { return strings.ContainsRune(chars, r) }
			}
			switch name {
			case "lstrip":
				return strings.TrimLeftFunc(s, trim), nil
			case "rstrip":
				return strings.TrimRightFunc(s, trim), nil
			}
			return strings.TrimFunc(s, trim), nil
		}
	case "startswith":
		return func(args []any) (any, error) { return strings.HasPrefix(s, argString(args, 0, "")), nil }
	case "endswith":
		return func(args []any) (any, error) { return strings.HasSuffix(s, argString(args, 0, "")), nil }
	case "split":
		return func(args []any) (any, error) {
			if !hasArg(args, 0) {
				return stringsToList(strings.Fields(s)), nil
			}
			n := -1
			if hasArg(args, 1) {
				n = argInt(args, 1, -1) + 1
			}
			return stringsToList(strings.SplitN(s, toString(args[0]), n)), nil
		}
	case "replace":
		return func(args []any) (any, error) {
			n := -1
			if hasArg(args, 2) {
				n = argInt(args, 2, -1)
			}
			return replaceBounded(s, argString(args, 0, ""), argString(args, 1, ""), n)
		}
	case "find":
		return func(args []any) (any, error) { return utf16Index(s, strings.Index(s, argString(args, 0, ""))), nil }
	case "count":
		return func(args []any) (any, error) { return strings.Count(s, argString(args, 0, "")), nil }
	case "join":
		return func(args []any) (any, error) {
			l, _ := norm(argOr(args, 0)).([]any)
			parts := make([]string, len(l))
			for i, e := range l {
				parts[i] = outputString(e)
			}
			return strings.Join(parts, s), nil
		}
	case "isdigit", "isalpha", "isalnum", "islower", "isupper", "isspace":
		return func([]any) (any, error) { return pyIs(name, s), nil }
	case "splitlines":
		return func([]any) (any, error) {
			return stringsToList(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })), nil
		}
	}
	return nil
}

func argOr(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return Undefined
}

func pyIs(name, s string) bool {
	if s == "" {
		return false
	}
	cased := false
	for _, r := range s {
		switch name {
		case "isdigit":
			if !unicode.IsDigit(r) {
				return false
			}
		case "isalpha":
			if !unicode.IsLetter(r) {
				return false
			}
		case "isalnum":
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				return false
			}
		case "isspace":
			if !unicode.IsSpace(r) {
				return false
			}
		case "islower":
			if unicode.IsUpper(r) {
				return false
			}
			cased = cased || unicode.IsLower(r)
		case "isupper":
			if unicode.IsLower(r) {
				return false
			}
			cased = cased || unicode.IsUpper(r)
		}
	}
	return cased || (name != "islower" && name != "isupper")
}

func (r *renderer) listMethod(l []any, name string) Func {
	switch name {
	case "join":
		return func(args []any) (any, error) {
			sep := argString(args, 0, ",")
			parts := make([]string, len(l))
			for i, e := range l {
				parts[i] = outputString(e)
			}
			return strings.Join(parts, sep), nil
		}
	case "includes":
		return func(args []any) (any, error) {
			needle := argOr(args, 0)
			for _, e := range l {
				if strictEqual(e, needle) {
					return true, nil
				}
			}
			return false, nil
		}
	case "indexOf":
		return func(args []any) (any, error) {
			needle := argOr(args, 0)
			for i, e := range l {
				if strictEqual(e, needle) {
					return i, nil
				}
			}
			return -1, nil
		}
	case "slice":
		return func(args []any) (any, error) {
			a, b := jsIndex(argInt(args, 0, 0), len(l)), jsIndex(argInt(args, 1, len(l)), len(l))
			if a >= b {
				return []any{}, nil
			}
			return append([]any(nil), l[a:b]...), nil
		}
	case "concat":
		return func(args []any) (any, error) {
			out := append([]any(nil), l...)
			for _, a := range args {
				if al, ok := norm(a).([]any); ok {
					out = append(out, al...)
				} else {
					out = append(out, a)
				}
			}
			return out, nil
		}
	case "at":
		return func(args []any) (any, error) {
			i := argInt(args, 0, 0)
			if i < 0 {
				i += len(l)
			}
			if i >= 0 && i < len(l) {
				return l[i], nil
			}
			return Undefined, nil
		}
	case "toString":
		return func([]any) (any, error) { return toString(l), nil }
	}
	if r.env.o.JinjaCompat {
		switch name {
		case "count":
			return func(args []any) (any, error) {
				n := 0
				for _, e := range l {
					if looseEqual(e, argOr(args, 0)) {
						n++
					}
				}
				return n, nil
			}
		case "index":
			return func(args []any) (any, error) {
				for i, e := range l {
					if looseEqual(e, argOr(args, 0)) {
						return i, nil
					}
				}
				return nil, errors.New("ValueError: value not in list")
			}
		}
	}
	return nil
}

func (r *renderer) objectMethod(m map[string]any, name string) Func {
	if !r.env.o.JinjaCompat {
		return nil
	}
	switch name {
	case "items", "iteritems":
		return func([]any) (any, error) {
			keys := sortedKeys(m)
			out := make([]any, len(keys))
			for i, k := range keys {
				out[i] = []any{k, m[k]}
			}
			return out, nil
		}
	case "keys", "iterkeys":
		return func([]any) (any, error) { return stringsToList(sortedKeys(m)), nil }
	case "values", "itervalues":
		return func([]any) (any, error) {
			keys := sortedKeys(m)
			out := make([]any, len(keys))
			for i, k := range keys {
				out[i] = m[k]
			}
			return out, nil
		}
	case "get":
		return func(args []any) (any, error) {
			if v, ok := m[argString(args, 0, "")]; ok {
				return v, nil
			}
			if len(args) > 1 {
				return args[1], nil
			}
			return nil, nil
		}
	case "has_key":
		return func(args []any) (any, error) {
			_, ok := m[argString(args, 0, "")]
			return ok, nil
		}
	}
	return nil
}

func numberMethod(n any, name string) Func {
	switch name {
	case "toString":
		return func([]any) (any, error) { return toString(n), nil }
	case "toFixed":
		return func(args []any) (any, error) {
			d := argInt(args, 0, 0)
			if d < 0 || d > 100 {
				return nil, errors.New("toFixed() digits argument must be between 0 and 100")
			}
			return strconv.FormatFloat(toNumber(n), 'f', d, 64), nil
		}
	}
	return nil
}
