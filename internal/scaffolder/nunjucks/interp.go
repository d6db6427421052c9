package nunjucks

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// maxCallDepth bounds macro recursion.
const maxCallDepth = 100

// renderer carries the state of one render.
type renderer struct {
	t         *Template
	env       *Env
	ctx       map[string]any
	out       *strings.Builder
	steps     int
	callDepth int
}

func (t *Template) newRenderer(ctx map[string]any) *renderer {
	return &renderer{t: t, env: t.env, ctx: ctx}
}

// frame is a variable scope. Loops and macros open one; `set` assigns to
// the nearest frame that already has the name (not crossing an isolated
// macro frame), else to the current one, as Nunjucks does.
type frame struct {
	vars    map[string]any
	parent  *frame
	isolate bool
}

func (f *frame) define(name string, v any) {
	if f.vars == nil {
		f.vars = make(map[string]any, 4)
	}
	f.vars[name] = v
}

func (f *frame) assign(name string, v any) {
	for s := f; s != nil; s = s.parent {
		if _, ok := s.vars[name]; ok {
			s.vars[name] = v
			return
		}
		if s.isolate {
			break
		}
	}
	f.define(name, v)
}

// ErrLimit is wrapped by the RenderError of a render that hit MaxSteps,
// MaxOutput or the macro call depth.
var ErrLimit = errors.New("template resource limit exceeded")

func (r *renderer) errAt(pos int, msg string) error {
	l, c := lineCol(r.t.src, pos)
	return &RenderError{Name: r.t.name, Line: l, Col: c, Msg: msg}
}

// wrapErr attaches a position to an error from a filter or function,
// keeping errors that already carry one.
func (r *renderer) wrapErr(pos int, err error) error {
	var re *RenderError
	if errors.As(err, &re) {
		return err
	}
	l, c := lineCol(r.t.src, pos)
	return &RenderError{Name: r.t.name, Line: l, Col: c, Msg: err.Error(), Err: err}
}

// step charges n units of work against MaxSteps.
func (r *renderer) step(pos, n int) error {
	r.steps += n
	if r.steps > r.env.o.MaxSteps {
		return r.limit(pos, "template exceeds the limit of "+strconv.Itoa(r.env.o.MaxSteps)+" evaluation steps")
	}
	return nil
}

func (r *renderer) limit(pos int, msg string) error {
	l, c := lineCol(r.t.src, pos)
	return &RenderError{Name: r.t.name, Line: l, Col: c, Msg: msg, Err: ErrLimit}
}

// chargeValue charges for a value a filter or function produced, so that
// building large strings or lists costs steps in proportion.
func (r *renderer) chargeValue(pos int, v any) error {
	switch x := v.(type) {
	case string:
		if len(x) > r.env.o.MaxOutput {
			return r.limitErr(pos)
		}
		return r.step(pos, len(x)/64)
	case []any:
		return r.step(pos, len(x))
	case map[string]any:
		return r.step(pos, len(x))
	}
	return nil
}

func (r *renderer) limitErr(pos int) error {
	return r.limit(pos, "output exceeds the limit of "+strconv.Itoa(r.env.o.MaxOutput)+" bytes")
}

func (r *renderer) write(pos int, s string) error {
	r.out.WriteString(s)
	if r.out.Len() > r.env.o.MaxOutput {
		return r.limitErr(pos)
	}
	return nil
}

func (r *renderer) renderBody(body []node, f *frame) error {
	for _, n := range body {
		if err := n.render(r, f); err != nil {
			return err
		}
	}
	return nil
}

// capture renders body into a string.
func (r *renderer) capture(body []node, f *frame) (string, error) {
	saved := r.out
	var b strings.Builder
	r.out = &b
	err := r.renderBody(body, f)
	r.out = saved
	return b.String(), err
}

func (n *textNode) render(r *renderer, _ *frame) error {
	return r.write(n.pos, n.text)
}

func (n *outputNode) render(r *renderer, f *frame) error {
	if err := r.step(n.pos, 1); err != nil {
		return err
	}
	v, err := r.eval(n.x, f)
	if err != nil {
		return err
	}
	return r.write(n.pos, r.outputString(v))
}

// outputString and toString convert as the package functions do, but cut
// list conversions just past MaxOutput so that the caller rejects them.
func (r *renderer) outputString(v any) string {
	if l, ok := v.([]any); ok {
		return string(appendList(nil, l, r.env.o.MaxOutput))
	}
	return outputString(v)
}

func (r *renderer) toString(v any) string {
	if l, ok := v.([]any); ok {
		return string(appendList(nil, l, r.env.o.MaxOutput))
	}
	return toString(v)
}

func (n *ifNode) render(r *renderer, f *frame) error {
	for i, c := range n.conds {
		v, err := r.eval(c, f)
		if err != nil {
			return err
		}
		if jsTruthy(v) {
			return r.renderBody(n.bodies[i], f)
		}
	}
	return r.renderBody(n.els, f)
}

func (n *forNode) render(r *renderer, f *frame) error {
	if err := r.step(n.pos, 1); err != nil {
		return err
	}
	v, err := r.eval(n.iter, f)
	if err != nil {
		return err
	}
	var items []any   // list items, or map values
	var keys []string // map keys when iterating an object
	switch x := norm(v).(type) {
	case []any:
		items = x
	case map[string]any:
		keys = sortedKeys(x)
		items = make([]any, len(keys))
		for i, k := range keys {
			items[i] = x[k]
		}
	case Kwargs:
		keys = sortedKeys(x)
		items = make([]any, len(keys))
		for i, k := range keys {
			items[i] = x[k]
		}
	case string:
		for _, c := range x {
			items = append(items, string(c))
		}
	}
	if len(items) == 0 {
		return r.renderBody(n.els, f)
	}
	lf := &frame{parent: f}
	count := len(items)
	for i, item := range items {
		if err := r.step(n.pos, 1); err != nil {
			return err
		}
		if lf.vars != nil {
			clear(lf.vars)
		}
		switch {
		case keys != nil && len(n.vars) >= 2:
			lf.define(n.vars[0], keys[i])
			lf.define(n.vars[1], item)
		case keys != nil:
			lf.define(n.vars[0], keys[i])
		case len(n.vars) == 1:
			lf.define(n.vars[0], item)
		default:
			// for a, b in [[1, 2], ...] unpacks each item.
			tuple, _ := norm(item).([]any)
			for j, name := range n.vars {
				if j < len(tuple) {
					lf.define(name, tuple[j])
				} else {
					lf.define(name, Undefined)
				}
			}
		}
		lf.define("loop", &loopVar{i: i, n: count})
		if err := r.renderBody(n.body, lf); err != nil {
			return err
		}
	}
	return nil
}

func (n *setNode) render(r *renderer, f *frame) error {
	if err := r.step(n.pos, 1); err != nil {
		return err
	}
	var v any
	if n.x != nil {
		var err error
		if v, err = r.eval(n.x, f); err != nil {
			return err
		}
	} else {
		s, err := r.capture(n.body, f)
		if err != nil {
			return err
		}
		v = s
	}
	for _, name := range n.names {
		f.assign(name, v)
	}
	return nil
}

func (n *macroNode) render(_ *renderer, f *frame) error {
	m := *n.m
	m.scope = f
	f.assign(m.name, &m)
	return nil
}

func (n *filterNode) render(r *renderer, f *frame) error {
	s, err := r.capture(n.body, f)
	if err != nil {
		return err
	}
	args, err := r.evalList(n.args, f)
	if err != nil {
		return err
	}
	v, err := r.applyFilter(n.pos, n.name, s, args)
	if err != nil {
		return err
	}
	return r.write(n.pos, r.outputString(v))
}

// loopVar is the `loop` variable inside a for loop.
type loopVar struct{ i, n int }

func (l *loopVar) get(key string) any {
	switch key {
	case "index":
		return l.i + 1
	case "index0":
		return l.i
	case "revindex":
		return l.n - l.i
	case "revindex0":
		return l.n - l.i - 1
	case "first":
		return l.i == 0
	case "last":
		return l.i == l.n-1
	case "length":
		return l.n
	}
	return Undefined
}

func (l *loopVar) toMap() map[string]any {
	m := make(map[string]any, 7)
	for _, k := range []string{"index", "index0", "revindex", "revindex0", "first", "last", "length"} {
		m[k] = l.get(k)
	}
	return m
}

// macro is a {% macro %} definition; calling it renders its body.
type macro struct {
	name     string
	params   []string
	defaults []expr
	body     []node
	pos      int
	scope    *frame
}

func (r *renderer) callMacro(pos int, m *macro, args []any) (any, error) {
	if r.callDepth >= maxCallDepth {
		return nil, r.limit(pos, "macro "+m.name+": maximum call depth exceeded")
	}
	r.callDepth++
	defer func() { r.callDepth-- }()
	var kw Kwargs
	if n := len(args); n > 0 {
		if k, ok := args[n-1].(Kwargs); ok {
			kw, args = k, args[:n-1]
		}
	}
	mf := &frame{parent: m.scope, isolate: true}
	for i, p := range m.params {
		switch v, ok := kw[p]; {
		case ok:
			mf.define(p, v)
		case i < len(args):
			mf.define(p, args[i])
		case m.defaults[i] != nil:
			d, err := r.eval(m.defaults[i], mf)
			if err != nil {
				return nil, err
			}
			mf.define(p, d)
		default:
			mf.define(p, Undefined)
		}
	}
	return r.capture(m.body, mf)
}

func (r *renderer) eval(x expr, f *frame) (any, error) { return x.eval(r, f) }

func (r *renderer) evalList(xs []expr, f *frame) ([]any, error) {
	if len(xs) == 0 {
		return nil, nil
	}
	out := make([]any, len(xs))
	for i, x := range xs {
		v, err := x.eval(r, f)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (r *renderer) evalArgs(xs []expr, kw []kwarg, f *frame) ([]any, error) {
	args, err := r.evalList(xs, f)
	if err != nil || len(kw) == 0 {
		return args, err
	}
	k := make(Kwargs, len(kw))
	for _, a := range kw {
		v, err := a.x.eval(r, f)
		if err != nil {
			return nil, err
		}
		k[a.name] = v
	}
	return append(args, k), nil
}

func (x *literal) eval(*renderer, *frame) (any, error) { return x.v, nil }

type kwargsExpr []kwarg

func (x kwargsExpr) eval(r *renderer, f *frame) (any, error) {
	k := make(Kwargs, len(x))
	for _, a := range x {
		v, err := a.x.eval(r, f)
		if err != nil {
			return nil, err
		}
		k[a.name] = v
	}
	return k, nil
}

func (x *nameExpr) eval(r *renderer, f *frame) (any, error) {
	return r.lookupName(x.name, f), nil
}

func (r *renderer) lookupName(name string, f *frame) any {
	for s := f; s != nil; s = s.parent {
		if v, ok := s.vars[name]; ok {
			return v
		}
	}
	if v, ok := r.ctx[name]; ok {
		return norm(v)
	}
	if v, ok := r.env.globals[name]; ok {
		return v
	}
	return Undefined
}

func (x *lookupExpr) eval(r *renderer, f *frame) (any, error) {
	obj, err := x.obj.eval(r, f)
	if err != nil {
		return nil, err
	}
	key, err := x.key.eval(r, f)
	if err != nil {
		return nil, err
	}
	return r.member(obj, key), nil
}

// member is obj[key] with Nunjucks' leniency: looking up anything in
// undefined or null yields undefined.
func (r *renderer) member(obj, key any) any {
	switch o := obj.(type) {
	case map[string]any:
		k := toString(key)
		if v, ok := o[k]; ok {
			return norm(v)
		}
		if m := r.objectMethod(o, k); m != nil {
			return m
		}
		return Undefined
	case Kwargs:
		if v, ok := o[toString(key)]; ok {
			return norm(v)
		}
		return Undefined
	case *loopVar:
		return o.get(toString(key))
	case []any:
		if i, ok := asInt(key); ok {
			if i < 0 {
				i += len(o)
			}
			if i >= 0 && i < len(o) {
				return norm(o[i])
			}
			return Undefined
		}
		k, _ := key.(string)
		if k == "length" {
			return len(o)
		}
		if m := r.listMethod(o, k); m != nil {
			return m
		}
		return Undefined
	case string:
		if i, ok := asInt(key); ok {
			rs := []rune(o)
			if i < 0 {
				i += len(rs)
			}
			if i >= 0 && i < len(rs) {
				return string(rs[i])
			}
			return Undefined
		}
		k, _ := key.(string)
		if k == "length" {
			return jsLength(o)
		}
		if m := r.stringMethod(o, k); m != nil {
			return m
		}
		return Undefined
	case int, float64:
		if k, _ := key.(string); k != "" {
			if m := numberMethod(o, k); m != nil {
				return m
			}
		}
		return Undefined
	case nil, UndefinedValue, bool, Func, *macro:
		return Undefined
	}
	return r.member(norm(obj), key)
}

func (x *sliceExpr) eval(r *renderer, f *frame) (any, error) {
	obj, err := x.obj.eval(r, f)
	if err != nil {
		return nil, err
	}
	var bounds [3]any
	for i, b := range []expr{x.start, x.stop, x.step} {
		bounds[i] = Undefined
		if b != nil {
			if bounds[i], err = b.eval(r, f); err != nil {
				return nil, err
			}
		}
	}
	switch o := norm(obj).(type) {
	case []any:
		idx, err := sliceIndices(len(o), bounds)
		if err != nil {
			return nil, r.errAt(x.pos, err.Error())
		}
		out := make([]any, len(idx))
		for i, j := range idx {
			out[i] = o[j]
		}
		return out, nil
	case string:
		rs := []rune(o)
		idx, err := sliceIndices(len(rs), bounds)
		if err != nil {
			return nil, r.errAt(x.pos, err.Error())
		}
		out := make([]rune, len(idx))
		for i, j := range idx {
			out[i] = rs[j]
		}
		return string(out), nil
	}
	return Undefined, nil
}

// sliceIndices resolves a Python slice [start:stop:step] over n items.
func sliceIndices(n int, b [3]any) ([]int, error) {
	step := 1
	if _, undef := b[2].(UndefinedValue); !undef && b[2] != nil {
		s, ok := asInt(b[2])
		if !ok || s == 0 {
			return nil, errors.New("slice step must be a non-zero integer")
		}
		step = s
	}
	bound := func(v any, def int) int {
		i, ok := asInt(v)
		if !ok {
			return def
		}
		if i < 0 {
			i += n
		}
		lo, hi := 0, n
		if step < 0 {
			lo, hi = -1, n-1
		}
		return min(max(i, lo), hi)
	}
	var start, stop int
	if step > 0 {
		start, stop = bound(b[0], 0), bound(b[1], n)
	} else {
		start, stop = bound(b[0], n-1), bound(b[1], -1)
	}
	var out []int
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
		out = append(out, i)
	}
	return out, nil
}

func (x *callExpr) eval(r *renderer, f *frame) (any, error) {
	fn, err := x.fn.eval(r, f)
	if err != nil {
		return nil, err
	}
	args, err := r.evalArgs(x.args, x.kwargs, f)
	if err != nil {
		return nil, err
	}
	if err := r.step(x.pos, 1); err != nil {
		return nil, err
	}
	var v any
	switch c := fn.(type) {
	case Func:
		v, err = c(args)
	case *macro:
		return r.callMacro(x.pos, c, args)
	default:
		return nil, r.errAt(x.pos, "Unable to call `"+describeExpr(x.fn)+"`, which is "+notCallable(fn))
	}
	if err != nil {
		return nil, r.wrapErr(x.pos, err)
	}
	v = norm(v)
	return v, r.chargeValue(x.pos, v)
}

func notCallable(v any) string {
	switch v.(type) {
	case nil, UndefinedValue:
		return "undefined or falsey"
	}
	return "not a function"
}

// describeExpr prints a name or lookup chain for error messages.
func describeExpr(x expr) string {
	switch x := x.(type) {
	case *nameExpr:
		return x.name
	case *literal:
		if s, ok := x.v.(string); ok {
			return strconv.Quote(s)
		}
		return toString(x.v)
	case *lookupExpr:
		if l, ok := x.key.(*literal); ok {
			if s, ok := l.v.(string); ok {
				return describeExpr(x.obj) + "." + s
			}
			return describeExpr(x.obj) + "[" + toString(l.v) + "]"
		}
		return describeExpr(x.obj) + "[...]"
	}
	return "expression"
}

func (x *filterExpr) eval(r *renderer, f *frame) (any, error) {
	v, err := x.x.eval(r, f)
	if err != nil {
		return nil, err
	}
	args, err := r.evalArgs(x.args, x.kwargs, f)
	if err != nil {
		return nil, err
	}
	return r.applyFilter(x.pos, x.name, v, args)
}

func (r *renderer) applyFilter(pos int, name string, v any, args []any) (any, error) {
	fl, ok := r.env.filters[name]
	if !ok {
		return nil, r.errAt(pos, "filter not found: "+name)
	}
	if err := r.step(pos, 1); err != nil {
		return nil, err
	}
	out, err := fl(v, args)
	if err != nil {
		return nil, r.wrapErr(pos, err)
	}
	out = norm(out)
	return out, r.chargeValue(pos, out)
}

func (x *testExpr) eval(r *renderer, f *frame) (any, error) {
	v, err := x.x.eval(r, f)
	if err != nil {
		return nil, err
	}
	args, err := r.evalList(x.args, f)
	if err != nil {
		return nil, err
	}
	t, ok := tests[x.name]
	if !ok {
		return nil, r.errAt(x.pos, "test not found: "+x.name)
	}
	res, err := t(norm(v), args)
	if err != nil {
		return nil, r.wrapErr(x.pos, err)
	}
	return res != x.not, nil
}

func (x *unaryExpr) eval(r *renderer, f *frame) (any, error) {
	v, err := x.x.eval(r, f)
	if err != nil {
		return nil, err
	}
	switch x.op {
	case "not":
		return !jsTruthy(v), nil
	case "-":
		if i, ok := v.(int); ok {
			return -i, nil
		}
		return fromFloatKeep(-toNumber(v)), nil
	}
	if isNumber(v) {
		return v, nil
	}
	return fromFloatKeep(toNumber(v)), nil
}

// fromFloatKeep returns whole floats as ints, except -0, NaN and infinities.
func fromFloatKeep(f float64) any { return fromFloat(f) }

func (x *andExpr) eval(r *renderer, f *frame) (any, error) {
	l, err := x.l.eval(r, f)
	if err != nil || !jsTruthy(l) {
		return l, err
	}
	return x.r.eval(r, f)
}

func (x *orExpr) eval(r *renderer, f *frame) (any, error) {
	l, err := x.l.eval(r, f)
	if err != nil || jsTruthy(l) {
		return l, err
	}
	return x.r.eval(r, f)
}

func (x *condExpr) eval(r *renderer, f *frame) (any, error) {
	c, err := x.cond.eval(r, f)
	if err != nil {
		return nil, err
	}
	if jsTruthy(c) {
		return x.then.eval(r, f)
	}
	if x.els == nil {
		return Undefined, nil
	}
	return x.els.eval(r, f)
}

func (x *listExpr) eval(r *renderer, f *frame) (any, error) {
	out := make([]any, len(x.items))
	for i, it := range x.items {
		v, err := it.eval(r, f)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (x *dictExpr) eval(r *renderer, f *frame) (any, error) {
	out := make(map[string]any, len(x.keys))
	for i, k := range x.keys {
		kv, err := k.eval(r, f)
		if err != nil {
			return nil, err
		}
		v, err := x.vals[i].eval(r, f)
		if err != nil {
			return nil, err
		}
		out[toString(kv)] = v
	}
	return out, nil
}

func (x *binaryExpr) eval(r *renderer, f *frame) (any, error) {
	a, err := x.l.eval(r, f)
	if err != nil {
		return nil, err
	}
	b, err := x.r.eval(r, f)
	if err != nil {
		return nil, err
	}
	a, b = norm(a), norm(b)
	switch x.op {
	case "==":
		return looseEqual(a, b), nil
	case "!=":
		return !looseEqual(a, b), nil
	case "===":
		return strictEqual(a, b), nil
	case "!==":
		return !strictEqual(a, b), nil
	case "<", ">", "<=", ">=":
		c, ok := compareValues(a, b)
		if !ok {
			return false, nil
		}
		switch x.op {
		case "<":
			return c < 0, nil
		case ">":
			return c > 0, nil
		case "<=":
			return c <= 0, nil
		}
		return c >= 0, nil
	case "in":
		res, err := inOperator(a, b)
		if err != nil {
			return nil, r.errAt(x.pos, err.Error())
		}
		return res, nil
	case "~":
		return r.concat(x.pos, r.toString(a), r.toString(b))
	case "+":
		if isNumber(a) && isNumber(b) || !isStringish(a) && !isStringish(b) {
			if ia, ok := a.(int); ok {
				if ib, ok := b.(int); ok {
					return fromFloat(float64(ia) + float64(ib)), nil
				}
			}
			return fromFloat(toNumber(a) + toNumber(b)), nil
		}
		return r.concat(x.pos, r.toString(a), r.toString(b))
	}
	return arith(x.op, a, b), nil
}

// isStringish reports whether JavaScript's + would concatenate with v:
// strings and objects (which convert to strings first).
func isStringish(v any) bool {
	switch v.(type) {
	case string, []any, map[string]any, Kwargs, Func, *macro:
		return true
	}
	return false
}

func (r *renderer) concat(pos int, a, b string) (any, error) {
	if len(a)+len(b) > r.env.o.MaxOutput {
		return nil, r.limitErr(pos)
	}
	if err := r.step(pos, (len(a)+len(b))/256); err != nil {
		return nil, err
	}
	return a + b, nil
}

func arith(op string, a, b any) any {
	ia, aInt := a.(int)
	ib, bInt := b.(int)
	if aInt && bInt {
		switch op {
		case "-":
			return fromFloat(float64(ia) - float64(ib))
		case "*":
			return fromFloat(float64(ia) * float64(ib))
		case "//":
			if ib != 0 {
				return fromFloat(math.Floor(float64(ia) / float64(ib)))
			}
		case "%":
			if ib != 0 {
				return ia % ib
			}
		}
	}
	x, y := toNumber(a), toNumber(b)
	switch op {
	case "-":
		return fromFloat(x - y)
	case "*":
		return fromFloat(x * y)
	case "/":
		return fromFloat(x / y)
	case "//":
		return fromFloat(math.Floor(x / y))
	case "%":
		return fromFloat(math.Mod(x, y))
	case "**":
		return fromFloat(math.Pow(x, y))
	}
	return math.NaN()
}

// inOperator is Nunjucks' `in`: membership in a list, a key of an object,
// or a substring.
func inOperator(needle, hay any) (bool, error) {
	switch h := hay.(type) {
	case []any:
		for _, e := range h {
			if strictEqual(e, needle) {
				return true, nil
			}
		}
		return false, nil
	case map[string]any:
		_, ok := h[toString(needle)]
		return ok, nil
	case Kwargs:
		_, ok := h[toString(needle)]
		return ok, nil
	case string:
		return strings.Contains(h, toString(needle)), nil
	}
	return false, errors.New(`Cannot use "in" operator to search for "` + toString(needle) + `" in unexpected types.`)
}
