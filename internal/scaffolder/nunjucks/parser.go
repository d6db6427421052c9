package nunjucks

import (
	"slices"
)

// maxDepth bounds nesting of expressions and blocks so hostile input cannot
// exhaust the stack.
const maxDepth = 200

type parser struct {
	toks      []token
	i         int
	name, src string
	depth     int
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) errAt(pos int, msg string) error {
	l, c := lineCol(p.src, pos)
	return &SyntaxError{Name: p.name, Line: l, Col: c, Msg: msg}
}

func (p *parser) unexpected(t token, want string) error {
	return p.errAt(t.pos, "expected "+want+", got "+t.describe())
}

func (p *parser) isOp(op string) bool {
	t := p.toks[p.i]
	return t.kind == tOp && t.val == op
}

func (p *parser) isName(name string) bool {
	t := p.toks[p.i]
	return t.kind == tName && t.val == name
}

func (p *parser) skipOp(op string) bool {
	if p.isOp(op) {
		p.i++
		return true
	}
	return false
}

func (p *parser) skipName(name string) bool {
	if p.isName(name) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expectOp(op string) error {
	if !p.skipOp(op) {
		return p.unexpected(p.peek(), `"`+op+`"`)
	}
	return nil
}

func (p *parser) expect(k tokKind) (token, error) {
	t := p.peek()
	if t.kind != k {
		return t, p.unexpected(t, tokNames[k])
	}
	p.next()
	return t, nil
}

func (p *parser) expectName() (string, error) {
	t, err := p.expect(tName)
	return t.val, err
}

func (p *parser) enter(pos int) error {
	p.depth++
	if p.depth > maxDepth {
		return p.errAt(pos, "template nested too deeply")
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// parseBody parses nodes until one of the end tags (the block start and the
// tag name are consumed, the rest of that tag is not) or the end of input.
func (p *parser) parseBody(ends ...string) ([]node, string, error) {
	var body []node
	for {
		t := p.next()
		switch t.kind {
		case tText:
			body = append(body, &textNode{text: t.val, pos: t.pos})
		case tVarStart:
			x, err := p.parseExpr()
			if err != nil {
				return nil, "", err
			}
			if _, err := p.expect(tVarEnd); err != nil {
				return nil, "", err
			}
			body = append(body, &outputNode{x: x, pos: t.pos})
		case tBlockStart:
			nt := p.peek()
			if nt.kind != tName {
				return nil, "", p.unexpected(nt, "block tag name")
			}
			if slices.Contains(ends, nt.val) {
				p.next()
				return body, nt.val, nil
			}
			n, err := p.parseStatement()
			if err != nil {
				return nil, "", err
			}
			if n != nil {
				body = append(body, n)
			}
		case tEOF:
			if len(ends) > 0 {
				return nil, "", p.errAt(t.pos, "unexpected end of file, expected "+ends[len(ends)-1])
			}
			return body, "", nil
		default:
			return nil, "", p.unexpected(t, "text or tag")
		}
	}
}

func (p *parser) blockEnd() error {
	_, err := p.expect(tBlockEnd)
	return err
}

func (p *parser) parseStatement() (node, error) {
	t := p.next()
	if err := p.enter(t.pos); err != nil {
		return nil, err
	}
	defer p.leave()
	switch t.val {
	case "if":
		return p.parseIf()
	case "for":
		return p.parseFor(t.pos)
	case "set":
		return p.parseSet(t.pos)
	case "macro":
		return p.parseMacro(t.pos)
	case "filter":
		return p.parseFilterBlock(t.pos)
	case "raw", "verbatim":
		if err := p.blockEnd(); err != nil {
			return nil, err
		}
		var n node
		if t := p.peek(); t.kind == tText {
			n = &textNode{text: t.val, pos: t.pos}
			p.next()
		}
		if _, err := p.expect(tBlockStart); err != nil {
			return nil, err
		}
		if !p.skipName("end" + t.val) {
			return nil, p.unexpected(p.peek(), "end"+t.val)
		}
		return n, p.blockEnd()
	}
	switch t.val {
	case "endif", "endfor", "endset", "endmacro", "endfilter", "endraw", "endverbatim", "else", "elif", "elseif":
		return nil, p.errAt(t.pos, "unexpected "+t.val)
	}
	return nil, p.errAt(t.pos, "unknown block tag: "+t.val)
}

func (p *parser) parseIf() (node, error) {
	n := &ifNode{}
	for {
		cond, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if err := p.blockEnd(); err != nil {
			return nil, err
		}
		body, end, err := p.parseBody("elif", "elseif", "else", "endif")
		if err != nil {
			return nil, err
		}
		n.conds = append(n.conds, cond)
		n.bodies = append(n.bodies, body)
		switch end {
		case "elif", "elseif":
			continue
		case "else":
			if err := p.blockEnd(); err != nil {
				return nil, err
			}
			els, _, err := p.parseBody("endif")
			if err != nil {
				return nil, err
			}
			n.els = els
			if n.els == nil {
				n.els = []node{}
			}
		}
		return n, p.blockEnd()
	}
}

func (p *parser) parseFor(pos int) (node, error) {
	n := &forNode{pos: pos}
	for {
		name, err := p.expectName()
		if err != nil {
			return nil, err
		}
		n.vars = append(n.vars, name)
		if !p.skipOp(",") {
			break
		}
	}
	if !p.skipName("in") {
		return nil, p.unexpected(p.peek(), `"in"`)
	}
	iter, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	n.iter = iter
	if err := p.blockEnd(); err != nil {
		return nil, err
	}
	body, end, err := p.parseBody("else", "endfor")
	if err != nil {
		return nil, err
	}
	n.body = body
	if end == "else" {
		if err := p.blockEnd(); err != nil {
			return nil, err
		}
		if n.els, _, err = p.parseBody("endfor"); err != nil {
			return nil, err
		}
	}
	return n, p.blockEnd()
}

func (p *parser) parseSet(pos int) (node, error) {
	n := &setNode{pos: pos}
	for {
		name, err := p.expectName()
		if err != nil {
			return nil, err
		}
		n.names = append(n.names, name)
		if !p.skipOp(",") {
			break
		}
	}
	if p.skipOp("=") {
		x, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		n.x = x
		return n, p.blockEnd()
	}
	if err := p.blockEnd(); err != nil {
		return nil, err
	}
	body, _, err := p.parseBody("endset")
	if err != nil {
		return nil, err
	}
	n.body = body
	return n, p.blockEnd()
}

func (p *parser) parseMacro(pos int) (node, error) {
	name, err := p.expectName()
	if err != nil {
		return nil, err
	}
	m := &macro{name: name, pos: pos}
	if err := p.expectOp("("); err != nil {
		return nil, err
	}
	for !p.skipOp(")") {
		if len(m.params) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, err
			}
			if p.skipOp(")") {
				break
			}
		}
		pname, err := p.expectName()
		if err != nil {
			return nil, err
		}
		var def expr
		if p.skipOp("=") {
			if def, err = p.parseExpr(); err != nil {
				return nil, err
			}
		}
		m.params = append(m.params, pname)
		m.defaults = append(m.defaults, def)
	}
	if err := p.blockEnd(); err != nil {
		return nil, err
	}
	body, _, err := p.parseBody("endmacro")
	if err != nil {
		return nil, err
	}
	m.body = body
	return &macroNode{m: m}, p.blockEnd()
}

func (p *parser) parseFilterBlock(pos int) (node, error) {
	name, err := p.expectName()
	if err != nil {
		return nil, err
	}
	n := &filterNode{name: name, pos: pos}
	if p.isOp("(") {
		args, kw, err := p.parseArgs()
		if err != nil {
			return nil, err
		}
		if len(kw) > 0 {
			args = append(args, kwargsExpr(kw))
		}
		n.args = args
	}
	if err := p.blockEnd(); err != nil {
		return nil, err
	}
	body, _, err := p.parseBody("endfilter")
	if err != nil {
		return nil, err
	}
	n.body = body
	return n, p.blockEnd()
}

// parseArgs parses "(a, b, k=v)"; the opening parenthesis is the current token.
func (p *parser) parseArgs() ([]expr, []kwarg, error) {
	if err := p.expectOp("("); err != nil {
		return nil, nil, err
	}
	var args []expr
	var kw []kwarg
	for !p.skipOp(")") {
		if len(args)+len(kw) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, nil, err
			}
			if p.skipOp(")") {
				break
			}
		}
		if t := p.peek(); t.kind == tName && p.toks[p.i+1].kind == tOp && p.toks[p.i+1].val == "=" {
			p.i += 2
			x, err := p.parseExpr()
			if err != nil {
				return nil, nil, err
			}
			kw = append(kw, kwarg{name: t.val, x: x})
			continue
		}
		if len(kw) > 0 {
			return nil, nil, p.errAt(p.peek().pos, "positional argument after keyword argument")
		}
		x, err := p.parseExpr()
		if err != nil {
			return nil, nil, err
		}
		args = append(args, x)
	}
	return args, kw, nil
}
