package nunjucks

import "strings"

// Refs lists the variable paths that src reads from its context, in order
// of first appearance and without duplicates. Each path is the variable
// name followed by every constant key looked up in it, so
// `steps['a'].output.x` gives ["steps", "a", "output", "x"] and
// `steps[name].output` gives ["steps"]. Names bound inside the template
// (set, for, macro parameters, loop) and globals are not listed. Method
// calls end the path: `parameters.name.split('/')` gives
// ["parameters", "name"].
func (e *Env) Refs(name, src string) ([][]string, error) {
	t, err := e.Parse(name, src)
	if err != nil {
		return nil, err
	}
	w := &refWalker{env: e, seen: map[string]bool{}}
	w.nodes(t.body, &refScope{})
	return w.out, nil
}

type refScope struct {
	names  map[string]bool
	parent *refScope
}

func (s *refScope) bind(name string) {
	if s.names == nil {
		s.names = map[string]bool{}
	}
	s.names[name] = true
}

func (s *refScope) bound(name string) bool {
	for ; s != nil; s = s.parent {
		if s.names[name] {
			return true
		}
	}
	return false
}

type refWalker struct {
	env  *Env
	seen map[string]bool
	out  [][]string
}

func (w *refWalker) add(path []string) {
	k := strings.Join(path, "\x00")
	if !w.seen[k] {
		w.seen[k] = true
		w.out = append(w.out, path)
	}
}

func (w *refWalker) nodes(body []node, s *refScope) {
	for _, n := range body {
		switch n := n.(type) {
		case *outputNode:
			w.expr(n.x, s)
		case *ifNode:
			for i, c := range n.conds {
				w.expr(c, s)
				w.nodes(n.bodies[i], s)
			}
			w.nodes(n.els, s)
		case *forNode:
			w.expr(n.iter, s)
			inner := &refScope{parent: s}
			for _, v := range n.vars {
				inner.bind(v)
			}
			inner.bind("loop")
			w.nodes(n.body, inner)
			w.nodes(n.els, s)
		case *setNode:
			if n.x != nil {
				w.expr(n.x, s)
			} else {
				w.nodes(n.body, s)
			}
			for _, name := range n.names {
				s.bind(name)
			}
		case *macroNode:
			s.bind(n.m.name)
			inner := &refScope{parent: s}
			for _, p := range n.m.params {
				inner.bind(p)
			}
			for _, d := range n.m.defaults {
				if d != nil {
					w.expr(d, inner)
				}
			}
			w.nodes(n.m.body, inner)
		case *filterNode:
			w.exprs(n.args, s)
			w.nodes(n.body, s)
		}
	}
}

func (w *refWalker) exprs(xs []expr, s *refScope) {
	for _, x := range xs {
		w.expr(x, s)
	}
}

// kwargs walks the values of keyword arguments.
func (w *refWalker) kwargs(ks []kwarg, s *refScope) {
	for _, k := range ks {
		w.expr(k.x, s)
	}
}

// path returns the constant lookup chain of x starting at a variable.
func path(x expr) []string {
	switch x := x.(type) {
	case *nameExpr:
		return []string{x.name}
	case *lookupExpr:
		l, ok := x.key.(*literal)
		if !ok {
			return nil
		}
		switch l.v.(type) {
		case string, int, float64:
		default:
			return nil
		}
		if p := path(x.obj); p != nil {
			return append(p, toString(l.v))
		}
	}
	return nil
}

func (w *refWalker) expr(x expr, s *refScope) {
	switch x := x.(type) {
	case *nameExpr, *lookupExpr:
		if p := path(x); p != nil {
			if s.bound(p[0]) {
				return
			}
			if _, global := w.env.globals[p[0]]; global {
				return
			}
			w.add(p)
			return
		}
		l := x.(*lookupExpr)
		w.expr(l.obj, s)
		w.expr(l.key, s)
	case *sliceExpr:
		w.expr(x.obj, s)
		for _, b := range []expr{x.start, x.stop, x.step} {
			if b != nil {
				w.expr(b, s)
			}
		}
	case *callExpr:
		if l, ok := x.fn.(*lookupExpr); ok && path(l) != nil {
			w.expr(l.obj, s) // a method call: the path ends at its receiver
		} else {
			w.expr(x.fn, s)
		}
		w.exprs(x.args, s)
		w.kwargs(x.kwargs, s)
	case *filterExpr:
		w.expr(x.x, s)
		w.exprs(x.args, s)
		w.kwargs(x.kwargs, s)
	case *testExpr:
		w.expr(x.x, s)
		w.exprs(x.args, s)
	case *unaryExpr:
		w.expr(x.x, s)
	case *binaryExpr:
		w.expr(x.l, s)
		w.expr(x.r, s)
	case *andExpr:
		w.expr(x.l, s)
		w.expr(x.r, s)
	case *orExpr:
		w.expr(x.l, s)
		w.expr(x.r, s)
	case *condExpr:
		w.expr(x.cond, s)
		w.expr(x.then, s)
		if x.els != nil {
			w.expr(x.els, s)
		}
	case *listExpr:
		w.exprs(x.items, s)
	case *dictExpr:
		w.exprs(x.keys, s)
		w.exprs(x.vals, s)
	case kwargsExpr:
		w.kwargs(x, s)
	}
}
