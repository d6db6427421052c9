package nunjucks

import (
	"errors"
	"math"
)

// maxRange bounds the list range() builds before rendering charges a step
// per element, so it never exceeds the default MaxSteps.
const maxRange = 1_000_000

func builtinGlobals() map[string]any {
	return map[string]any{
		"range":  Func(rangeFunc),
		"cycler": Func(cycler),
		"joiner": Func(joiner),
	}
}

// rangeFunc is range([start,] stop[, step]).
func rangeFunc(args []any) (any, error) {
	var start, stop, step float64 = 0, 0, 1
	switch {
	case len(args) == 0:
		return nil, errors.New("range expects at least one argument")
	case len(args) == 1:
		stop = toNumber(args[0])
	default:
		start, stop = toNumber(args[0]), toNumber(args[1])
		if len(args) > 2 {
			step = toNumber(args[2])
		}
	}
	if step == 0 || math.IsNaN(start) || math.IsNaN(stop) || math.IsNaN(step) {
		return []any{}, nil
	}
	n := math.Ceil((stop - start) / step)
	if n <= 0 {
		return []any{}, nil
	}
	if n > maxRange {
		return nil, errors.New("range() of more than 1000000 items")
	}
	out := make([]any, 0, int(n))
	for i := 0; i < int(n); i++ {
		out = append(out, fromFloat(start+float64(i)*step))
	}
	return out, nil
}

// cycler(a, b, ...) returns an object whose next() walks the items in a
// loop; current holds the last item returned.
func cycler(args []any) (any, error) {
	items := append([]any(nil), args...)
	obj := map[string]any{"current": nil}
	pos := 0
	obj["next"] = Func(func([]any) (any, error) {
		if len(items) == 0 {
			return nil, nil
		}
		v := items[pos]
		pos = (pos + 1) % len(items)
		obj["current"] = v
		return v, nil
	})
	obj["reset"] = Func(func([]any) (any, error) {
		pos = 0
		obj["current"] = nil
		return Undefined, nil
	})
	return obj, nil
}

// joiner(sep) returns a function that yields "" on its first call and sep
// afterwards.
func joiner(args []any) (any, error) {
	sep := argString(args, 0, ",")
	first := true
	return Func(func([]any) (any, error) {
		if first {
			first = false
			return "", nil
		}
		return sep, nil
	}), nil
}
