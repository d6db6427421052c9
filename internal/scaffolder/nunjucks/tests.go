package nunjucks

import (
	"errors"
	"math"
	"strings"
)

// test is a Jinja/Nunjucks test: `x is name(args)`.
type test func(v any, args []any) (bool, error)

var tests map[string]test

func init() {
	cmp := func(want func(c int) bool) test {
		return func(v any, args []any) (bool, error) {
			c, ok := compareValues(v, argOr(args, 0))
			return ok && want(c), nil
		}
	}
	tests = map[string]test{
		"defined":   func(v any, _ []any) (bool, error) { return v != Undefined, nil },
		"undefined": func(v any, _ []any) (bool, error) { return v == Undefined, nil },
		"none":      func(v any, _ []any) (bool, error) { return v == nil, nil },
		"null":      func(v any, _ []any) (bool, error) { return v == nil, nil },
		"number":    func(v any, _ []any) (bool, error) { return isNumber(v), nil },
		"string": func(v any, _ []any) (bool, error) {
			_, ok := v.(string)
			return ok, nil
		},
		"boolean": func(v any, _ []any) (bool, error) {
			_, ok := v.(bool)
			return ok, nil
		},
		"true":  func(v any, _ []any) (bool, error) { return v == true, nil },
		"false": func(v any, _ []any) (bool, error) { return v == false, nil },
		"integer": func(v any, _ []any) (bool, error) {
			_, ok := asInt(v)
			return ok, nil
		},
		"float": func(v any, _ []any) (bool, error) {
			f, ok := v.(float64)
			return ok && f != math.Trunc(f), nil
		},
		"odd": func(v any, _ []any) (bool, error) {
			i, ok := asInt(v)
			return ok && i%2 != 0, nil
		},
		"even": func(v any, _ []any) (bool, error) {
			i, ok := asInt(v)
			return ok && i%2 == 0, nil
		},
		"divisibleby": func(v any, args []any) (bool, error) {
			if !hasArg(args, 0) {
				return false, errors.New("divisibleby needs a divisor")
			}
			d := toNumber(args[0])
			if d == 0 {
				return false, nil
			}
			return math.Mod(toNumber(v), d) == 0, nil
		},
		"truthy": func(v any, _ []any) (bool, error) { return jsTruthy(v), nil },
		"falsy":  func(v any, _ []any) (bool, error) { return !jsTruthy(v), nil },
		"sameas": func(v any, args []any) (bool, error) { return strictEqual(v, argOr(args, 0)), nil },
		"callable": func(v any, _ []any) (bool, error) {
			switch v.(type) {
			case Func, *macro:
				return true, nil
			}
			return false, nil
		},
		"mapping": func(v any, _ []any) (bool, error) {
			switch v.(type) {
			case map[string]any, Kwargs:
				return true, nil
			}
			return false, nil
		},
		"iterable": func(v any, _ []any) (bool, error) {
			switch v.(type) {
			case []any, string:
				return true, nil
			}
			return false, nil
		},
		"sequence": func(v any, _ []any) (bool, error) {
			switch v.(type) {
			case []any, string:
				return true, nil
			}
			return false, nil
		},
		"lower": func(v any, _ []any) (bool, error) {
			s, ok := v.(string)
			return ok && strings.ToLower(s) == s, nil
		},
		"upper": func(v any, _ []any) (bool, error) {
			s, ok := v.(string)
			return ok && strings.ToUpper(s) == s, nil
		},
		"escaped":     func(any, []any) (bool, error) { return false, nil },
		"equalto":     func(v any, args []any) (bool, error) { return strictEqual(v, argOr(args, 0)), nil },
		"eq":          func(v any, args []any) (bool, error) { return strictEqual(v, argOr(args, 0)), nil },
		"ne":          func(v any, args []any) (bool, error) { return !strictEqual(v, argOr(args, 0)), nil },
		"lt":          cmp(func(c int) bool { return c < 0 }),
		"lessthan":    cmp(func(c int) bool { return c < 0 }),
		"le":          cmp(func(c int) bool { return c <= 0 }),
		"gt":          cmp(func(c int) bool { return c > 0 }),
		"greaterthan": cmp(func(c int) bool { return c > 0 }),
		"ge":          cmp(func(c int) bool { return c >= 0 }),
	}
	tests["=="] = tests["eq"]
}
