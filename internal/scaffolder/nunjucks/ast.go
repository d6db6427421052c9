package nunjucks

// Statement nodes. Each renders itself into the renderer's output.
type node interface {
	render(r *renderer, f *frame) error
}

type textNode struct {
	text string
	pos  int
}

type outputNode struct {
	x   expr
	pos int
}

type ifNode struct {
	conds  []expr
	bodies [][]node
	els    []node // nil when there is no else
}

type forNode struct {
	vars []string
	iter expr
	body []node
	els  []node
	pos  int
}

type setNode struct {
	names []string
	x     expr   // nil for a block set
	body  []node // block set body
	pos   int
}

type macroNode struct {
	m *macro
}

type filterNode struct {
	name string
	args []expr
	body []node
	pos  int
}

// Expression nodes.
type expr interface {
	eval(r *renderer, f *frame) (any, error)
}

type literal struct{ v any }

type nameExpr struct {
	name string
	pos  int
}

// lookupExpr is obj.name (key is a literal) or obj[key].
type lookupExpr struct {
	obj, key expr
	pos      int
}

type sliceExpr struct {
	obj               expr
	start, stop, step expr // each may be nil
	pos               int
}

type callExpr struct {
	fn     expr
	args   []expr
	kwargs []kwarg
	pos    int
}

type kwarg struct {
	name string
	x    expr
}

type filterExpr struct {
	x      expr
	name   string
	args   []expr
	kwargs []kwarg
	pos    int
}

type testExpr struct {
	x    expr
	name string
	args []expr
	not  bool
	pos  int
}

type unaryExpr struct {
	op  string // "not", "-", "+"
	x   expr
	pos int
}

type binaryExpr struct {
	op   string
	l, r expr
	pos  int
}

type andExpr struct{ l, r expr }
type orExpr struct{ l, r expr }

type condExpr struct {
	cond, then, els expr // els may be nil (undefined)
}

type listExpr struct{ items []expr }

type dictExpr struct {
	keys []expr
	vals []expr
}
