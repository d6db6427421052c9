package nunjucks

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Built-in filters with Nunjucks 3 semantics.

// builtinFilters returns the built-in filters; maxOutput bounds the JSON
// that dump writes.
func builtinFilters(maxOutput int) map[string]Filter {
	dump := func(v any, args []any) (any, error) { return filterDump(v, args, maxOutput) }
	f := map[string]Filter{
		"abs":        filterAbs,
		"batch":      filterBatch,
		"capitalize": func(v any, _ []any) (any, error) { return capitalize(normStr(v)), nil },
		"center":     filterCenter,
		"default":    filterDefault,
		"dictsort":   filterDictsort,
		"dump":       dump,
		"escape":     func(v any, _ []any) (any, error) { return htmlEscape(outputString(v)), nil },
		"first":      filterFirst,
		"float":      filterFloat,
		"groupby":    filterGroupby,
		"indent":     filterIndent,
		"int":        filterInt,
		"join":       filterJoin,
		"last":       filterLast,
		"length":     filterLength,
		"list":       filterList,
		"lower":      func(v any, _ []any) (any, error) { return strings.ToLower(normStr(v)), nil },
		"nl2br":      filterNl2br,
		"random":     filterRandom,
		"reject":     func(v any, args []any) (any, error) { return selectByTest(v, args, false) },
		"rejectattr": func(v any, args []any) (any, error) { return selectByAttr(v, args, false) },
		"replace":    filterReplace,
		"reverse":    filterReverse,
		"round":      filterRound,
		"safe":       func(v any, _ []any) (any, error) { return v, nil },
		"select":     func(v any, args []any) (any, error) { return selectByTest(v, args, true) },
		"selectattr": func(v any, args []any) (any, error) { return selectByAttr(v, args, true) },
		"slice":      filterSlice,
		"sort":       filterSort,
		"string":     func(v any, _ []any) (any, error) { return outputString(v), nil },
		"striptags":  filterStriptags,
		"sum":        filterSum,
		"title":      func(v any, _ []any) (any, error) { return title(normStr(v)), nil },
		"trim":       func(v any, _ []any) (any, error) { return strings.TrimSpace(normStr(v)), nil },
		"truncate":   filterTruncate,
		"upper":      func(v any, _ []any) (any, error) { return strings.ToUpper(normStr(v)), nil },
		"urlencode":  filterURLEncode,
		"urlize":     filterUrlize,
		"wordcount":  filterWordcount,
		"tojson":     dump,
		"items":      filterItems,
		"keys":       filterKeys,
		"values":     filterValues,
	}
	f["d"] = f["default"]
	f["e"] = f["escape"]
	f["forceescape"] = f["escape"]
	f["count"] = f["length"]
	f["jsonify"] = f["tojson"]
	return f
}

// bind maps positional arguments and keyword arguments onto parameter
// names; missing ones are Undefined.
func bind(args []any, names ...string) []any {
	out := make([]any, len(names))
	var kw Kwargs
	if n := len(args); n > 0 {
		if k, ok := args[n-1].(Kwargs); ok {
			kw, args = k, args[:n-1]
		}
	}
	for i, name := range names {
		switch v, ok := kw[name]; {
		case ok:
			out[i] = norm(v)
		case i < len(args):
			out[i] = norm(args[i])
		default:
			out[i] = Undefined
		}
	}
	return out
}

func isUndef(v any) bool {
	_, ok := v.(UndefinedValue)
	return ok
}

// normStr is Nunjucks' normalize(v, ""): null, undefined and false become
// the empty string.
func normStr(v any) string {
	switch v {
	case nil, Undefined, false:
		return ""
	}
	return toString(v)
}

func intOr(v any, def int) int {
	if isUndef(v) || v == nil {
		return def
	}
	f := toNumber(v)
	if math.IsNaN(f) {
		return def
	}
	return int(f)
}

// maxWidth bounds padding widths so a template cannot allocate without limit.
const maxWidth = 1 << 16

func filterAbs(v any, _ []any) (any, error) {
	if i, ok := v.(int); ok {
		if i < 0 {
			return -i, nil
		}
		return i, nil
	}
	return fromFloat(math.Abs(toNumber(v))), nil
}

func filterBatch(v any, args []any) (any, error) {
	p := bind(args, "linecount", "fill_with")
	n := intOr(p[0], 0)
	if n <= 0 {
		return nil, errors.New("batch: linecount must be positive")
	}
	l := toList(v)
	var out []any
	for i := 0; i < len(l); i += n {
		row := append([]any(nil), l[i:min(i+n, len(l))]...)
		if len(row) < n && jsTruthy(p[1]) {
			for len(row) < n {
				row = append(row, p[1])
			}
		}
		out = append(out, row)
	}
	if out == nil {
		out = []any{}
	}
	return out, nil
}

func filterCenter(v any, args []any) (any, error) {
	s := normStr(v)
	w := intOr(bind(args, "width")[0], 80)
	if w > maxWidth {
		return nil, fmt.Errorf("center: width %d is too large", w)
	}
	n := utf8.RuneCountInString(s)
	if n >= w {
		return s, nil
	}
	left := (w - n) / 2
	right := w - n - left
	return strings.Repeat(" ", left) + s + strings.Repeat(" ", right), nil
}

func filterDefault(v any, args []any) (any, error) {
	p := bind(args, "default_value", "boolean")
	def := p[0]
	if jsTruthy(p[1]) {
		if jsTruthy(v) {
			return v, nil
		}
		return def, nil
	}
	if isUndef(v) {
		return def, nil
	}
	return v, nil
}

func filterDictsort(v any, args []any) (any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("dictsort filter: val must be an object")
	}
	p := bind(args, "case_sensitive", "by")
	by := "key"
	if !isUndef(p[1]) {
		by = toString(p[1])
		if by != "key" && by != "value" {
			return nil, errors.New("dictsort filter: You can only sort by either key or value")
		}
	}
	cs := jsTruthy(p[0])
	out := make([]any, 0, len(m))
	for k, e := range m {
		out = append(out, []any{k, e})
	}
	idx := 0
	if by == "value" {
		idx = 1
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].([]any)[idx], out[j].([]any)[idx]
		if !cs {
			a, b = lowerIfString(a), lowerIfString(b)
		}
		c, _ := compareValues(a, b)
		if c == 0 && idx == 1 {
			return out[i].([]any)[0].(string) < out[j].([]any)[0].(string)
		}
		return c < 0
	})
	return out, nil
}

func lowerIfString(v any) any {
	if s, ok := v.(string); ok {
		return strings.ToLower(s)
	}
	return v
}

// filterDump is JSON.stringify(v, null, indent); undefined stays undefined.
func filterDump(v any, args []any, limit int) (any, error) {
	if isUndef(v) {
		return Undefined, nil
	}
	indent := ""
	switch x := bind(args, "indent")[0].(type) {
	case string:
		indent = x
		if len(indent) > 10 {
			indent = indent[:10]
		}
	case int, float64:
		indent = strings.Repeat(" ", min(max(intOr(x, 0), 0), 10))
	}
	return string(appendJSON(make([]byte, 0, 64), v, indent, "", 0, limit)), nil
}

func htmlEscape(s string) string {
	if !strings.ContainsAny(s, `&<>"'\`) {
		return s
	}
	return htmlReplacer.Replace(s)
}

var htmlReplacer = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;", `\`, "&#92;")

func filterFirst(v any, _ []any) (any, error) {
	switch x := v.(type) {
	case []any:
		if len(x) > 0 {
			return x[0], nil
		}
	case string:
		for _, r := range x {
			return string(r), nil
		}
	}
	return Undefined, nil
}

func filterLast(v any, _ []any) (any, error) {
	switch x := v.(type) {
	case []any:
		if len(x) > 0 {
			return x[len(x)-1], nil
		}
	case string:
		if r, n := utf8.DecodeLastRuneInString(x); n > 0 {
			return string(r), nil
		}
	}
	return Undefined, nil
}

func filterFloat(v any, args []any) (any, error) {
	def := bind(args, "default")[0]
	f := parseFloatPrefix(toString(v))
	if math.IsNaN(f) {
		return def, nil
	}
	return f, nil
}

var floatPrefix = regexp.MustCompile(`^[+-]?(Infinity|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)`)

// parseFloatPrefix is JavaScript's parseFloat: the longest numeric prefix.
func parseFloatPrefix(s string) float64 {
	m := floatPrefix.FindString(strings.TrimLeftFunc(s, unicode.IsSpace))
	if m == "" {
		return math.NaN()
	}
	f, err := strconv.ParseFloat(strings.Replace(m, "Infinity", "Inf", 1), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return math.NaN()
	}
	return f
}

func filterInt(v any, args []any) (any, error) {
	p := bind(args, "default", "base")
	def := p[0]
	base := intOr(p[1], 10)
	if base < 2 || base > 36 {
		base = 10
	}
	s := strings.TrimSpace(toString(v))
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if base == 16 && len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		s = s[2:]
	}
	n := 0
	digits := 0
	for _, c := range s {
		d := digitVal(c)
		if d < 0 || d >= base {
			break
		}
		if n > (1<<53)/base {
			f := parseFloatPrefix(toString(v))
			if math.IsNaN(f) {
				return def, nil
			}
			return math.Trunc(f), nil
		}
		n = n*base + d
		digits++
	}
	if digits == 0 {
		return def, nil
	}
	if neg {
		n = -n
	}
	return n, nil
}

func digitVal(c rune) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return -1
}

func filterGroupby(v any, args []any) (any, error) {
	attr := toString(bind(args, "attribute")[0])
	out := map[string]any{}
	for _, item := range toList(v) {
		k := toString(attrOf(item, attr))
		l, _ := out[k].([]any)
		out[k] = append(l, item)
	}
	return out, nil
}

// attrOf reads a possibly dotted attribute ("a.b") of an item.
func attrOf(item any, attr string) any {
	v := norm(item)
	for part := range strings.SplitSeq(attr, ".") {
		switch x := v.(type) {
		case map[string]any:
			e, ok := x[part]
			if !ok {
				return Undefined
			}
			v = norm(e)
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				if part == "length" {
					return len(x)
				}
				return Undefined
			}
			v = norm(x[i])
		case string:
			if part == "length" {
				return jsLength(x)
			}
			return Undefined
		default:
			return Undefined
		}
	}
	return v
}

func filterIndent(v any, args []any) (any, error) {
	s := normStr(v)
	if s == "" {
		return "", nil
	}
	p := bind(args, "width", "first")
	var pad string
	if w, ok := p[0].(string); ok {
		pad = w
	} else {
		w := intOr(p[0], 4)
		if w > maxWidth {
			return nil, fmt.Errorf("indent: width %d is too large", w)
		}
		pad = strings.Repeat(" ", max(w, 0))
	}
	lines := strings.Split(s, "\n")
	if len(pad)*len(lines) > maxRepeat*16 {
		return nil, errTooLong
	}
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		if i > 0 || jsTruthy(p[1]) {
			b.WriteString(pad)
		}
		b.WriteString(l)
	}
	return b.String(), nil
}

func filterJoin(v any, args []any) (any, error) {
	p := bind(args, "d", "attribute")
	sep := ""
	if !isUndef(p[0]) && p[0] != nil {
		sep = toString(p[0])
	}
	l := toList(v)
	parts := make([]string, len(l))
	size := 0
	for i, e := range l {
		if !isUndef(p[1]) {
			e = attrOf(e, toString(p[1]))
		}
		parts[i] = outputString(e)
		size += len(parts[i]) + len(sep)
		if size > maxRepeat*32 {
			return nil, errTooLong
		}
	}
	return strings.Join(parts, sep), nil
}

func filterLength(v any, _ []any) (any, error) {
	switch x := v.(type) {
	case []any:
		return len(x), nil
	case string:
		return jsLength(x), nil
	case map[string]any:
		return len(x), nil
	case Kwargs:
		return len(x), nil
	}
	return 0, nil
}

// toList returns v as a list: lists as they are, strings as their
// characters, objects as their values; anything else as an empty list.
func toList(v any) []any {
	switch x := norm(v).(type) {
	case []any:
		return x
	case string:
		out := make([]any, 0, len(x))
		for _, r := range x {
			out = append(out, string(r))
		}
		return out
	}
	return nil
}

func filterList(v any, _ []any) (any, error) {
	switch x := v.(type) {
	case []any:
		return x, nil
	case string:
		return toList(x), nil
	case map[string]any:
		keys := sortedKeys(x)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = map[string]any{"key": k, "value": x[k]}
		}
		return out, nil
	}
	return nil, errors.New("list filter: type not iterable")
}

func filterNl2br(v any, _ []any) (any, error) {
	s := normStr(v)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "<br />\n"), nil
}

func filterRandom(v any, _ []any) (any, error) {
	l := toList(v)
	if len(l) == 0 {
		return Undefined, nil
	}
	return l[rand.IntN(len(l))], nil
}

func selectByTest(v any, args []any, keep bool) (any, error) {
	name := "truthy"
	var targs []any
	if len(args) > 0 {
		name = toString(args[0])
		targs = args[1:]
	}
	t, ok := tests[name]
	if !ok {
		return nil, errors.New("test not found: " + name)
	}
	out := []any{}
	for _, e := range toList(v) {
		res, err := t(norm(e), targs)
		if err != nil {
			return nil, err
		}
		if res == keep {
			out = append(out, e)
		}
	}
	return out, nil
}

func selectByAttr(v any, args []any, keep bool) (any, error) {
	if len(args) == 0 {
		return nil, errors.New("selectattr and rejectattr need an attribute name")
	}
	attr := toString(args[0])
	t := tests["truthy"]
	var targs []any
	if len(args) > 1 {
		name := toString(args[1])
		var ok bool
		if t, ok = tests[name]; !ok {
			return nil, errors.New("test not found: " + name)
		}
		targs = args[2:]
	}
	out := []any{}
	for _, e := range toList(v) {
		res, err := t(attrOf(e, attr), targs)
		if err != nil {
			return nil, err
		}
		if res == keep {
			out = append(out, e)
		}
	}
	return out, nil
}

func filterReplace(v any, args []any) (any, error) {
	p := bind(args, "old", "new", "count")
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case int, float64:
		s = toString(x)
	default:
		return v, nil
	}
	var old string
	switch x := p[0].(type) {
	case string:
		old = x
	case int, float64:
		old = toString(x)
	default:
		return s, nil
	}
	repl := toString(p[1])
	n := -1
	if !isUndef(p[2]) {
		n = intOr(p[2], -1)
	}
	if old == "" {
		// Like Python: the replacement goes between and around characters.
		chars := toList(s)
		if len(repl)*(len(chars)+1) > maxRepeat*16 {
			return nil, errTooLong
		}
		parts := make([]string, len(chars))
		for i, c := range chars {
			parts[i] = c.(string)
		}
		return repl + strings.Join(parts, repl) + repl, nil
	}
	if n == 0 {
		return s, nil
	}
	return replaceBounded(s, old, repl, n)
}

func filterReverse(v any, _ []any) (any, error) {
	switch x := v.(type) {
	case string:
		rs := []rune(x)
		for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
			rs[i], rs[j] = rs[j], rs[i]
		}
		return string(rs), nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[len(x)-1-i] = e
		}
		return out, nil
	}
	return v, nil
}

func filterRound(v any, args []any) (any, error) {
	p := bind(args, "precision", "method")
	prec := intOr(p[0], 0)
	prec = min(max(prec, -20), 20)
	f := toNumber(v)
	factor := math.Pow(10, float64(prec))
	var r float64
	switch toString(p[1]) {
	case "ceil":
		r = math.Ceil(f*factor) / factor
	case "floor":
		r = math.Floor(f*factor) / factor
	default:
		r = jsRound(f*factor) / factor
	}
	return fromFloat(r), nil
}

// jsRound is Math.round: halves round up.
func jsRound(f float64) float64 { return math.Floor(f + 0.5) }

func filterSlice(v any, args []any) (any, error) {
	p := bind(args, "slices", "fill_with")
	n := intOr(p[0], 0)
	if n <= 0 {
		return nil, errors.New("slice: slices must be positive")
	}
	if n > maxRange {
		return nil, errors.New("slice: too many slices")
	}
	l := toList(v)
	size, extra := len(l)/n, len(l)%n
	out := make([]any, 0, n)
	start := 0
	for i := 0; i < n; i++ {
		end := start + size
		if i < extra {
			end++
		}
		part := append([]any(nil), l[start:end]...)
		if jsTruthy(p[1]) && i >= extra {
			part = append(part, p[1])
		}
		if part == nil {
			part = []any{}
		}
		out = append(out, part)
		start = end
	}
	return out, nil
}

func filterSort(v any, args []any) (any, error) {
	p := bind(args, "reverse", "case_sensitive", "attribute")
	l, ok := v.([]any)
	if !ok {
		return v, nil
	}
	rev, cs := jsTruthy(p[0]), jsTruthy(p[1])
	out := append([]any(nil), l...)
	key := func(e any) any {
		if !isUndef(p[2]) {
			e = attrOf(e, toString(p[2]))
		}
		if !cs {
			e = lowerIfString(norm(e))
		}
		return e
	}
	sort.SliceStable(out, func(i, j int) bool {
		c, _ := compareValues(key(out[i]), key(out[j]))
		if rev {
			return c > 0
		}
		return c < 0
	})
	return out, nil
}

var (
	tagRE    = regexp.MustCompile(`(?i)<\/?([a-z][a-z0-9]*)\b[^>]*>|<!--[\s\S]*?-->`)
	spacesRE = regexp.MustCompile(`[ \t]+`)
	nlRE     = regexp.MustCompile(`\n\s*\n`)
	wsRE     = regexp.MustCompile(`\s+`)
)

func filterStriptags(v any, args []any) (any, error) {
	s := tagRE.ReplaceAllString(normStr(v), "")
	if jsTruthy(bind(args, "preserve_linebreaks")[0]) {
		s = strings.TrimSpace(s)
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			lines[i] = strings.TrimSpace(spacesRE.ReplaceAllString(l, " "))
		}
		return nlRE.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"), nil
	}
	return strings.TrimSpace(wsRE.ReplaceAllString(s, " ")), nil
}

func filterSum(v any, args []any) (any, error) {
	p := bind(args, "attribute", "start")
	var total any = 0
	if !isUndef(p[1]) {
		total = p[1]
	}
	for _, e := range toList(v) {
		if !isUndef(p[0]) {
			e = attrOf(e, toString(p[0]))
		}
		e = norm(e)
		if ti, ok := total.(int); ok {
			if ei, ok := e.(int); ok {
				total = fromFloat(float64(ti) + float64(ei))
				continue
			}
		}
		if isStringish(total) || isStringish(e) {
			total = toString(total) + toString(e)
			if len(total.(string)) > maxRepeat*16 {
				return nil, errTooLong
			}
			continue
		}
		total = fromFloat(toNumber(total) + toNumber(e))
	}
	return total, nil
}

func filterTruncate(v any, args []any) (any, error) {
	p := bind(args, "length", "killwords", "end")
	s := normStr(v)
	n := intOr(p[0], 255)
	if n <= 0 {
		n = 255
	}
	rs := []rune(s)
	if len(rs) <= n {
		return s, nil
	}
	var cut string
	if jsTruthy(p[1]) {
		cut = string(rs[:n])
	} else {
		head := string(rs[:min(n+1, len(rs))])
		idx := strings.LastIndex(head, " ")
		if idx < 0 {
			cut = string(rs[:n])
		} else {
			cut = head[:idx]
		}
	}
	end := "..."
	if !isUndef(p[2]) && p[2] != nil {
		end = toString(p[2])
	}
	return cut + end, nil
}

func filterURLEncode(v any, _ []any) (any, error) {
	switch x := v.(type) {
	case string:
		return encodeURIComponent(x), nil
	case map[string]any:
		keys := sortedKeys(x)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = encodeURIComponent(k) + "=" + encodeURIComponent(toString(x[k]))
		}
		return strings.Join(parts, "&"), nil
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			pair, _ := norm(e).([]any)
			if len(pair) < 2 {
				continue
			}
			parts = append(parts, encodeURIComponent(toString(pair[0]))+"="+encodeURIComponent(toString(pair[1])))
		}
		return strings.Join(parts, "&"), nil
	}
	return encodeURIComponent(toString(v)), nil
}

// encodeURIComponent escapes everything except A-Z a-z 0-9 - _ . ! ~ * ' ( ).
func encodeURIComponent(s string) string {
	e := url.QueryEscape(s)
	e = strings.ReplaceAll(e, "+", "%20")
	for _, keep := range []string{"!", "'", "(", ")", "*"} {
		e = strings.ReplaceAll(e, url.QueryEscape(keep), keep)
	}
	return e
}

var (
	emailRE  = regexp.MustCompile(`^[\w.+-]+@[\w-]+\.[\w.-]+$`)
	domainRE = regexp.MustCompile(`^[\w-]+\.(com|net|org)$`)
	punctRE  = regexp.MustCompile(`^((?:\(|<|&lt;)*)(.*?)((?:\.|,|\)|\n|&gt;)*)$`)
)

func filterUrlize(v any, args []any) (any, error) {
	p := bind(args, "length", "nofollow")
	limit := intOr(p[0], 0)
	rel := ""
	if jsTruthy(p[1]) {
		rel = ` rel="nofollow"`
	}
	shorten := func(s string) string {
		if limit > 0 {
			if rs := []rune(s); len(rs) > limit {
				return string(rs[:limit])
			}
		}
		return s
	}
	words := regexp.MustCompile(`(\s+)`).Split(normStr(v), -1)
	seps := regexp.MustCompile(`\s+`).FindAllString(normStr(v), -1)
	var b strings.Builder
	for i, w := range words {
		m := punctRE.FindStringSubmatch(w)
		lead, mid, trail := m[1], m[2], m[3]
		switch {
		case strings.HasPrefix(mid, "http://") || strings.HasPrefix(mid, "https://"):
			w = lead + `<a href="` + mid + `"` + rel + `>` + shorten(mid) + `</a>` + trail
		case strings.HasPrefix(mid, "www."):
			w = lead + `<a href="http://` + mid + `"` + rel + `>` + shorten(mid) + `</a>` + trail
		case emailRE.MatchString(mid):
			w = lead + `<a href="mailto:` + mid + `">` + mid + `</a>` + trail
		case domainRE.MatchString(mid):
			w = lead + `<a href="http://` + mid + `"` + rel + `>` + shorten(mid) + `</a>` + trail
		}
		b.WriteString(w)
		if i < len(seps) {
			b.WriteString(seps[i])
		}
	}
	return b.String(), nil
}

var wordRE = regexp.MustCompile(`\w+`)

func filterWordcount(v any, _ []any) (any, error) {
	return len(wordRE.FindAllStringIndex(normStr(v), -1)), nil
}

func filterItems(v any, _ []any) (any, error) {
	m, _ := v.(map[string]any)
	keys := sortedKeys(m)
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = []any{k, m[k]}
	}
	return out, nil
}

func filterKeys(v any, _ []any) (any, error) {
	m, _ := v.(map[string]any)
	return stringsToList(sortedKeys(m)), nil
}

func filterValues(v any, _ []any) (any, error) {
	m, _ := v.(map[string]any)
	keys := sortedKeys(m)
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out, nil
}

// capitalize upper-cases the first character and lower-cases the rest.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + strings.ToLower(s[n:])
}

// title capitalizes each space-separated word.
func title(s string) string {
	words := strings.Split(s, " ")
	for i, w := range words {
		words[i] = capitalize(w)
	}
	return strings.Join(words, " ")
}
