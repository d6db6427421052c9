package nunjucks

import (
	"strconv"
)

// The expression grammar follows Nunjucks' precedence, loosest first:
// inline if, or, and, not, in, is, comparison, ~, + -, * / // %, **,
// unary - +, then filters, then primary expressions with postfix lookups
// and calls. A filter applies to the unary expression on its left, so
// `a ~ b | upper` upper-cases only b.

func (p *parser) parseExpr() (expr, error) {
	pos := p.peek().pos
	if err := p.enter(pos); err != nil {
		return nil, err
	}
	defer p.leave()
	x, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.skipName("if") {
		cond, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		c := &condExpr{cond: cond, then: x}
		if p.skipName("else") {
			if c.els, err = p.parseExpr(); err != nil {
				return nil, err
			}
		}
		return c, nil
	}
	return x, nil
}

func (p *parser) parseOr() (expr, error) {
	l, err := p.parseAnd()
	for err == nil && p.skipName("or") {
		var r expr
		if r, err = p.parseAnd(); err == nil {
			l = &orExpr{l: l, r: r}
		}
	}
	return l, err
}

func (p *parser) parseAnd() (expr, error) {
	l, err := p.parseNot()
	for err == nil && p.skipName("and") {
		var r expr
		if r, err = p.parseNot(); err == nil {
			l = &andExpr{l: l, r: r}
		}
	}
	return l, err
}

func (p *parser) parseNot() (expr, error) {
	t := p.peek()
	if t.kind == tName && t.val == "not" {
		p.next()
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return &unaryExpr{op: "not", x: x, pos: t.pos}, nil
	}
	return p.parseIn()
}

func (p *parser) parseIn() (expr, error) {
	l, err := p.parseIs()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		switch {
		case p.isName("in"):
			p.next()
		case p.isName("not") && p.toks[p.i+1].kind == tName && p.toks[p.i+1].val == "in":
			p.i += 2
		default:
			return l, nil
		}
		r, err := p.parseIs()
		if err != nil {
			return nil, err
		}
		l = &binaryExpr{op: "in", l: l, r: r, pos: t.pos}
		if t.val == "not" {
			l = &unaryExpr{op: "not", x: l, pos: t.pos}
		}
	}
}

func (p *parser) parseIs() (expr, error) {
	l, err := p.parseCompare()
	if err != nil {
		return nil, err
	}
	for p.isName("is") {
		t := p.next()
		n := &testExpr{x: l, pos: t.pos, not: p.skipName("not")}
		if n.name, err = p.expectName(); err != nil {
			return nil, err
		}
		if p.isOp("(") {
			args, _, err := p.parseArgs()
			if err != nil {
				return nil, err
			}
			n.args = args
		}
		l = n
	}
	return l, nil
}

var compareOps = map[string]bool{"==": true, "===": true, "!=": true, "!==": true, "<": true, ">": true, "<=": true, ">=": true}

func (p *parser) parseCompare() (expr, error) {
	l, err := p.parseConcat()
	for err == nil {
		t := p.peek()
		if t.kind != tOp || !compareOps[t.val] {
			break
		}
		p.next()
		var r expr
		if r, err = p.parseConcat(); err == nil {
			l = &binaryExpr{op: t.val, l: l, r: r, pos: t.pos}
		}
	}
	return l, err
}

func (p *parser) parseConcat() (expr, error) {
	return p.parseBinary(p.parseAdd, "~")
}

func (p *parser) parseAdd() (expr, error) {
	return p.parseBinary(p.parseMul, "+", "-")
}

func (p *parser) parseMul() (expr, error) {
	return p.parseBinary(p.parsePow, "*", "/", "//", "%")
}

func (p *parser) parsePow() (expr, error) {
	return p.parseBinary(func() (expr, error) { return p.parseUnary(false) }, "**")
}

func (p *parser) parseBinary(sub func() (expr, error), ops ...string) (expr, error) {
	l, err := sub()
	for err == nil {
		t := p.peek()
		found := false
		if t.kind == tOp {
			for _, op := range ops {
				if t.val == op {
					found = true
					break
				}
			}
		}
		if !found {
			break
		}
		p.next()
		var r expr
		if r, err = sub(); err == nil {
			l = &binaryExpr{op: t.val, l: l, r: r, pos: t.pos}
		}
	}
	return l, err
}

func (p *parser) parseUnary(noFilters bool) (expr, error) {
	t := p.peek()
	if err := p.enter(t.pos); err != nil {
		return nil, err
	}
	defer p.leave()
	var x expr
	var err error
	if t.kind == tOp && (t.val == "-" || t.val == "+") {
		p.next()
		var operand expr
		if operand, err = p.parseUnary(true); err != nil {
			return nil, err
		}
		x = &unaryExpr{op: t.val, x: operand, pos: t.pos}
	} else if x, err = p.parsePrimary(); err != nil {
		return nil, err
	}
	if noFilters {
		return x, nil
	}
	return p.parseFilters(x)
}

func (p *parser) parseFilters(x expr) (expr, error) {
	for p.isOp("|") {
		p.next()
		t := p.peek()
		name, err := p.expectName()
		if err != nil {
			return nil, err
		}
		f := &filterExpr{x: x, name: name, pos: t.pos}
		if p.isOp("(") {
			if f.args, f.kwargs, err = p.parseArgs(); err != nil {
				return nil, err
			}
		}
		x = f
	}
	return x, nil
}

func (p *parser) parsePrimary() (expr, error) {
	t := p.next()
	var x expr
	switch t.kind {
	case tString:
		s := t.val
		for p.peek().kind == tString { // adjacent literals concatenate
			s += p.next().val
		}
		x = &literal{v: s}
	case tInt:
		if n, err := strconv.ParseInt(t.val, 10, 64); err == nil && n <= 1<<53 {
			x = &literal{v: int(n)}
		} else {
			f, _ := strconv.ParseFloat(t.val, 64)
			x = &literal{v: f}
		}
	case tFloat:
		f, err := strconv.ParseFloat(t.val, 64)
		if err != nil {
			return nil, p.errAt(t.pos, "invalid number "+t.val)
		}
		x = &literal{v: f}
	case tName:
		switch t.val {
		case "true", "True":
			x = &literal{v: true}
		case "false", "False":
			x = &literal{v: false}
		case "none", "None", "null":
			x = &literal{v: nil}
		default:
			x = &nameExpr{name: t.val, pos: t.pos}
		}
	case tOp:
		var err error
		switch t.val {
		case "(":
			x, err = p.parseGroup(t)
		case "[":
			x, err = p.parseList()
		case "{":
			x, err = p.parseDict()
		default:
			return nil, p.errAt(t.pos, "unexpected token: "+t.val)
		}
		if err != nil {
			return nil, err
		}
	default:
		return nil, p.errAt(t.pos, "unexpected "+t.describe())
	}
	return p.parsePostfix(x)
}

func (p *parser) parseGroup(open token) (expr, error) {
	var items []expr
	tuple := false
	for !p.skipOp(")") {
		if len(items) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, err
			}
			tuple = true
			if p.skipOp(")") {
				break
			}
		}
		x, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		items = append(items, x)
	}
	if len(items) == 1 && !tuple {
		return items[0], nil
	}
	if len(items) == 0 && !tuple {
		return nil, p.errAt(open.pos, "empty parentheses")
	}
	return &listExpr{items: items}, nil
}

func (p *parser) parseList() (expr, error) {
	l := &listExpr{}
	for !p.skipOp("]") {
		if len(l.items) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, err
			}
			if p.skipOp("]") {
				break
			}
		}
		x, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		l.items = append(l.items, x)
	}
	return l, nil
}

func (p *parser) parseDict() (expr, error) {
	d := &dictExpr{}
	for !p.skipOp("}") {
		if len(d.keys) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, err
			}
			if p.skipOp("}") {
				break
			}
		}
		var k expr
		// A bare name as a key is the name itself, as in JavaScript.
		if t := p.peek(); t.kind == tName && p.toks[p.i+1].kind == tOp && p.toks[p.i+1].val == ":" {
			p.next()
			k = &literal{v: t.val}
		} else {
			var err error
			if k, err = p.parseExpr(); err != nil {
				return nil, err
			}
		}
		if err := p.expectOp(":"); err != nil {
			return nil, err
		}
		v, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		d.keys = append(d.keys, k)
		d.vals = append(d.vals, v)
	}
	return d, nil
}

func (p *parser) parsePostfix(x expr) (expr, error) {
	for {
		t := p.peek()
		if t.kind != tOp {
			return x, nil
		}
		switch t.val {
		case ".":
			p.next()
			k := p.next()
			switch k.kind {
			case tName:
				x = &lookupExpr{obj: x, key: &literal{v: k.val}, pos: k.pos}
			case tInt:
				n, _ := strconv.Atoi(k.val)
				x = &lookupExpr{obj: x, key: &literal{v: n}, pos: k.pos}
			default:
				return nil, p.unexpected(k, "name after \".\"")
			}
		case "[":
			p.next()
			var err error
			if x, err = p.parseSubscript(x, t.pos); err != nil {
				return nil, err
			}
		case "(":
			args, kw, err := p.parseArgs()
			if err != nil {
				return nil, err
			}
			x = &callExpr{fn: x, args: args, kwargs: kw, pos: t.pos}
		default:
			return x, nil
		}
	}
}

// parseSubscript parses the inside of obj[...] after the "[": an index or a
// Python-style slice start:stop:step.
func (p *parser) parseSubscript(obj expr, pos int) (expr, error) {
	var parts [3]expr
	n := 0
	for {
		if !p.isOp(":") && !p.isOp("]") {
			x, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			parts[n] = x
		}
		if p.skipOp("]") {
			break
		}
		if n == 2 || !p.skipOp(":") {
			return nil, p.unexpected(p.peek(), `"]"`)
		}
		n++
	}
	if n == 0 {
		if parts[0] == nil {
			return nil, p.errAt(pos, "expected index")
		}
		return &lookupExpr{obj: obj, key: parts[0], pos: pos}, nil
	}
	return &sliceExpr{obj: obj, start: parts[0], stop: parts[1], step: parts[2], pos: pos}, nil
}
