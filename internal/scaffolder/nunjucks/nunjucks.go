package nunjucks

import (
	"errors"
	"maps"
	"strings"
)

// Options configure an Env. The zero value gives Backstage's `${{ }}`
// delimiters and the built-in filters and globals.
type Options struct {
	// VariableStart and VariableEnd delimit expressions; default "${{" and
	// "}}". fetch:template with cookiecutterCompat uses "{{" and "}}".
	VariableStart, VariableEnd string
	// Block and comment delimiters; default "{%" "%}" and "{#" "#}".
	BlockStart, BlockEnd, CommentStart, CommentEnd string
	// TrimBlocks drops the first newline after a block tag; LstripBlocks
	// strips spaces and tabs before a block tag at the start of a line.
	TrimBlocks, LstripBlocks bool
	// Filters are added to (and may override) the built-in filters.
	Filters map[string]Filter
	// Globals are values or Funcs visible to every template, below the
	// render context.
	Globals map[string]any
	// JinjaCompat adds Python-style names and methods as Nunjucks'
	// installJinjaCompat does: "abc".upper(), obj.items(), d.get(k), ...
	JinjaCompat bool
	// MaxSteps bounds the work of one render (statements, loop iterations,
	// calls and the size of values they produce); 0 means 1,000,000.
	MaxSteps int
	// MaxOutput bounds the size in bytes of the output and of any string
	// built while rendering; 0 means 32 MiB.
	MaxOutput int
}

// Filter is a template filter: `value | name(args...)`. Keyword arguments
// arrive as a trailing Kwargs.
type Filter func(value any, args []any) (any, error)

// Func is a callable value, for globals such as always() and range().
// Keyword arguments arrive as a trailing Kwargs.
type Func func(args []any) (any, error)

// Env holds the configuration shared by templates. It is safe for
// concurrent use.
type Env struct {
	o       Options
	filters map[string]Filter
	globals map[string]any
}

// Template is a parsed template, safe for concurrent rendering.
type Template struct {
	env  *Env
	name string
	src  string
	body []node
}

const (
	defaultMaxSteps  = 1_000_000
	defaultMaxOutput = 32 << 20
)

// New returns an Env for the options.
func New(o Options) *Env {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&o.VariableStart, "${{")
	def(&o.VariableEnd, "}}")
	def(&o.BlockStart, "{%")
	def(&o.BlockEnd, "%}")
	def(&o.CommentStart, "{#")
	def(&o.CommentEnd, "#}")
	if o.MaxSteps <= 0 {
		o.MaxSteps = defaultMaxSteps
	}
	if o.MaxOutput <= 0 {
		o.MaxOutput = defaultMaxOutput
	}
	e := &Env{o: o, filters: builtinFilters(o.MaxOutput), globals: builtinGlobals()}
	maps.Copy(e.filters, o.Filters)
	for k, v := range o.Globals {
		e.globals[k] = norm(v)
	}
	e.o.Filters, e.o.Globals = nil, nil
	return e
}

// Parse parses src. Syntax errors are *SyntaxError naming name, the line
// and the column.
func (e *Env) Parse(name, src string) (*Template, error) {
	toks, err := lex(name, src, &e.o)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, name: name, src: src}
	body, _, err := p.parseBody()
	if err != nil {
		return nil, err
	}
	return &Template{env: e, name: name, src: src, body: body}, nil
}

// Check reports whether src parses, without rendering it.
func (e *Env) Check(name, src string) error {
	_, err := e.Parse(name, src)
	return err
}

// Render renders the template with ctx as its variables. ctx is not
// modified.
func (t *Template) Render(ctx map[string]any) (string, error) {
	r := t.newRenderer(ctx)
	var b strings.Builder
	b.Grow(len(t.src))
	r.out = &b
	if err := r.renderBody(t.body, &frame{}); err != nil {
		return "", err
	}
	return b.String(), nil
}

// RenderString parses and renders src.
func (e *Env) RenderString(name, src string, ctx map[string]any) (string, error) {
	t, err := e.Parse(name, src)
	if err != nil {
		return "", err
	}
	return t.Render(ctx)
}

// RenderValue is Backstage's typed rendering. When src is exactly one
// `${{ expr }}` (whitespace around it allowed), the expression's own value
// is returned as JSON-like data (map[string]any, []any, string, float64 or
// int, bool, nil; Undefined becomes nil). Anything else renders to a string.
func (e *Env) RenderValue(name, src string, ctx map[string]any) (any, error) {
	t, err := e.Parse(name, src)
	if err != nil {
		return nil, err
	}
	if x := t.singleExpr(); x != nil {
		r := t.newRenderer(ctx)
		r.out = &strings.Builder{}
		v, err := r.eval(x, &frame{})
		if err != nil {
			return nil, err
		}
		budget := maxNativeNodes
		out := toNative(v, 0, &budget)
		if budget < 0 {
			return nil, r.limit(0, "value of the expression is too large")
		}
		return out, nil
	}
	return t.Render(ctx)
}

// singleExpr returns the expression of a template that consists of one
// output tag and optional surrounding whitespace, else nil.
func (t *Template) singleExpr() expr {
	var x expr
	for _, n := range t.body {
		switch n := n.(type) {
		case *textNode:
			if strings.TrimSpace(n.text) != "" {
				return nil
			}
		case *outputNode:
			if x != nil {
				return nil
			}
			x = n.x
		default:
			return nil
		}
	}
	return x
}

// maxNativeNodes bounds the values RenderValue copies out: lists that hold
// the same list twice, nested, can describe exponentially large data.
const maxNativeNodes = 10_000_000

// toNative copies v into plain JSON-like data so that callers never share
// or see engine-internal values. budget counts down the nodes copied.
func toNative(v any, depth int, budget *int) any {
	*budget--
	if depth > 1000 || *budget < 0 {
		return nil
	}
	switch x := norm(v).(type) {
	case UndefinedValue, Func, *macro:
		return nil
	case float64:
		if x != x || x > 1.7976931348623157e308 || x < -1.7976931348623157e308 {
			return nil
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if _, undef := e.(UndefinedValue); undef {
				continue // JSON drops undefined members
			}
			out[k] = toNative(e, depth+1, budget)
		}
		return out
	case Kwargs:
		return toNative(map[string]any(x), depth, budget)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toNative(e, depth+1, budget)
		}
		return out
	case nil, string, bool, int:
		return x
	}
	return nil
}

// IsSyntaxError reports whether err is or wraps a *SyntaxError.
func IsSyntaxError(err error) bool {
	var se *SyntaxError
	return errors.As(err, &se)
}
