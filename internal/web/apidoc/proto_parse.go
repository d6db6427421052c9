package apidoc

import (
	"strings"
)

// The parser reads the declarations a reader of an API cares about:
// syntax or edition, package, imports, options, services and their rpcs,
// messages with fields, oneofs, maps and nested types, and enums.
// Extensions (extend blocks) are skipped. It stops at the first error.

type protoFile struct {
	Syntax, Edition, Package string
	Imports                  []string
	Options                  []string
	Services                 []*pService
	Messages                 []*pMessage
	Enums                    []*pEnum
}

type pService struct {
	Name, Doc string
	Options   []string
	RPCs      []*pRPC
}

type pRPC struct {
	Name, Doc                  string
	Request, Response          string
	ClientStream, ServerStream bool
	Options                    []string
}

type pMessage struct {
	Name, Doc string
	Fields    []*pField
	Messages  []*pMessage
	Enums     []*pEnum
	Reserved  []string
}

type pField struct {
	Name, Doc, Number string
	Label             string // repeated, optional, required or ""
	Type              string
	MapKey            string // set for map fields; Type is the value
	Oneof             string
	Options           []string
}

type pEnum struct {
	Name, Doc string
	Values    []*pEnumValue
}

type pEnumValue struct {
	Name, Number, Doc string
	Options           []string
}

// maxProtoNesting bounds nested messages.
const maxProtoNesting = 64

type protoParser struct {
	toks  []token
	pos   int
	depth int
}

// parseProto parses a .proto file.
func parseProto(src string) (*protoFile, error) {
	toks, err := lexProto(src)
	if err != nil {
		return nil, err
	}
	p := &protoParser{toks: toks}
	return p.file()
}

func (p *protoParser) peek() token { return p.toks[p.pos] }

// peekAt looks n tokens ahead, stopping at EOF.
func (p *protoParser) peekAt(n int) token {
	if p.pos+n >= len(p.toks) {
		return p.toks[len(p.toks)-1]
	}
	return p.toks[p.pos+n]
}

func (p *protoParser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

func (p *protoParser) errorAt(t token, msg string) error {
	found := "the end of the file"
	if t.kind != tokEOF {
		found = "'" + t.text + "'"
		if t.kind == tokString {
			found = "a string"
		}
	}
	return &Error{Message: "not valid Protocol Buffers: " + msg + ", found " + found, Line: t.line, Column: t.col}
}

// is reports whether the next token is the symbol or keyword s.
func (p *protoParser) is(s string) bool {
	t := p.peek()
	return (t.kind == tokSymbol || t.kind == tokIdent) && t.text == s
}

func (p *protoParser) expect(s string) (token, error) {
	if !p.is(s) {
		return token{}, p.errorAt(p.peek(), "expected '"+s+"'")
	}
	return p.next(), nil
}

func (p *protoParser) ident() (token, error) {
	if p.peek().kind != tokIdent {
		return token{}, p.errorAt(p.peek(), "expected a name")
	}
	return p.next(), nil
}

// fullIdent reads a dotted name, with an optional leading dot.
func (p *protoParser) fullIdent() (string, error) {
	var b strings.Builder
	if p.is(".") {
		p.next()
		b.WriteByte('.')
	}
	t, err := p.ident()
	if err != nil {
		return "", err
	}
	b.WriteString(t.text)
	for p.is(".") {
		p.next()
		t, err := p.ident()
		if err != nil {
			return "", err
		}
		b.WriteByte('.')
		b.WriteString(t.text)
	}
	return b.String(), nil
}

func (p *protoParser) str() (string, error) {
	if p.peek().kind != tokString {
		return "", p.errorAt(p.peek(), "expected a string")
	}
	s := p.next().text
	for p.peek().kind == tokString { // adjacent literals concatenate
		s += p.next().text
	}
	return s, nil
}

func (p *protoParser) file() (*protoFile, error) {
	f := &protoFile{}
	for p.peek().kind != tokEOF {
		t := p.peek()
		var err error
		switch {
		case p.is(";"):
			p.next()
		case p.is("syntax") || p.is("edition"):
			p.next()
			if _, err = p.expect("="); err == nil {
				var v string
				if v, err = p.str(); err == nil {
					if t.text == "syntax" {
						f.Syntax = v
					} else {
						f.Edition = v
					}
					_, err = p.expect(";")
				}
			}
		case p.is("package"):
			p.next()
			if f.Package, err = p.fullIdent(); err == nil {
				_, err = p.expect(";")
			}
		case p.is("import"):
			p.next()
			if p.is("weak") || p.is("public") {
				p.next()
			}
			var path string
			if path, err = p.str(); err == nil {
				f.Imports = append(f.Imports, path)
				_, err = p.expect(";")
			}
		case p.is("option"):
			err = appendRead(&f.Options, p.option)
		case p.is("message"):
			err = appendRead(&f.Messages, p.message)
		case p.is("enum"):
			err = appendRead(&f.Enums, p.enum)
		case p.is("service"):
			err = appendRead(&f.Services, p.service)
		case p.is("extend"):
			err = p.skipDeclaration()
		default:
			err = p.errorAt(t, "expected a declaration (syntax, package, import, option, message, enum, service)")
		}
		if err != nil {
			return nil, err
		}
	}
	return f, nil
}

// option reads `option name = value;` and returns "name = value".
func (p *protoParser) option() (string, error) {
	if _, err := p.expect("option"); err != nil {
		return "", err
	}
	o, err := p.optionBody()
	if err != nil {
		return "", err
	}
	_, err = p.expect(";")
	return o, err
}

// appendRead reads a declaration with read and adds it to list.
func appendRead[T any](list *[]T, read func() (T, error)) error {
	v, err := read()
	if err != nil {
		return err
	}
	*list = append(*list, v)
	return nil
}

// optionBody reads `name = value` of an option statement or a field
// option.
func (p *protoParser) optionBody() (string, error) {
	var name strings.Builder
	for !p.is("=") {
		t := p.peek()
		if t.kind == tokEOF || p.is(";") || p.is("]") || p.is(",") {
			return "", p.errorAt(t, "expected '=' in an option")
		}
		name.WriteString(p.next().text)
	}
	p.next()
	value, err := p.constant()
	if err != nil {
		return "", err
	}
	return name.String() + " = " + value, nil
}

// constant reads an option value: a name, number, string or a { }
// aggregate, which is kept as written.
func (p *protoParser) constant() (string, error) {
	t := p.peek()
	switch {
	case p.is("{"):
		return p.aggregate()
	case p.is("-") || p.is("+"):
		p.next()
		n := p.next()
		if n.kind != tokNumber && n.kind != tokIdent {
			return "", p.errorAt(n, "expected a number")
		}
		return t.text + n.text, nil
	case t.kind == tokString:
		s, err := p.str()
		return `"` + s + `"`, err
	case t.kind == tokNumber:
		return p.next().text, nil
	case t.kind == tokIdent:
		return p.fullIdent()
	}
	return "", p.errorAt(t, "expected an option value")
}

// aggregate reads a balanced { } text-format value.
func (p *protoParser) aggregate() (string, error) {
	var parts []string
	depth := 0
	for {
		t := p.next()
		switch {
		case t.kind == tokEOF:
			return "", p.errorAt(t, "expected '}'")
		case t.kind == tokSymbol && t.text == "{":
			depth++
		case t.kind == tokSymbol && t.text == "}":
			depth--
		}
		if t.kind == tokString {
			parts = append(parts, `"`+t.text+`"`)
		} else {
			parts = append(parts, t.text)
		}
		if depth == 0 {
			return strings.Join(parts, " "), nil
		}
	}
}

// skipDeclaration skips a declaration up to its ';' or its balanced
// { } block.
func (p *protoParser) skipDeclaration() error {
	depth := 0
	for {
		t := p.next()
		switch {
		case t.kind == tokEOF:
			return p.errorAt(t, "expected the end of the declaration")
		case t.kind == tokSymbol && t.text == "{":
			depth++
		case t.kind == tokSymbol && t.text == "}":
			depth--
			if depth <= 0 {
				return nil
			}
		case t.kind == tokSymbol && t.text == ";" && depth == 0:
			return nil
		}
	}
}

// docOf is the documentation of a declaration starting at first and
// ending at last: the comment above it, or else the one trailing it.
func docOf(first, last token) string {
	if first.doc != "" {
		return first.doc
	}
	return last.trail
}

// blockHead reads `keyword name {` of a message, enum or service, which
// the caller has seen, and returns the name and the doc of the
// declaration.
func (p *protoParser) blockHead(keyword string) (name token, doc string, err error) {
	first, _ := p.expect(keyword)
	if name, err = p.ident(); err != nil {
		return token{}, "", err
	}
	open, err := p.expect("{")
	if err != nil {
		return token{}, "", err
	}
	return name, docOf(first, open), nil
}

// block reads the statements of a { } body, whose '{' is read, up to and
// including its '}': it passes over empty statements and hands each other
// one to stmt, which reads it.
func (p *protoParser) block(stmt func() error) error {
	for !p.is("}") {
		switch t := p.peek(); {
		case t.kind == tokEOF:
			return p.errorAt(t, "expected '}'")
		case p.is(";"):
			p.next()
		default:
			if err := stmt(); err != nil {
				return err
			}
		}
	}
	p.next()
	return nil
}

func (p *protoParser) message() (*pMessage, error) {
	name, doc, err := p.blockHead("message")
	if err != nil {
		return nil, err
	}
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxProtoNesting {
		return nil, p.errorAt(name, "messages nest too deeply")
	}
	m := &pMessage{Name: name.text, Doc: doc}
	if err := p.messageBody(m); err != nil {
		return nil, err
	}
	return m, nil
}

// messageBody reads declarations up to the closing brace.
func (p *protoParser) messageBody(m *pMessage) error {
	return p.block(func() error {
		var err error
		switch {
		case p.is("option"):
			_, err = p.option()
		case p.is("message") && p.peekAt(1).kind == tokIdent && p.peekAt(2).text == "{":
			err = appendRead(&m.Messages, p.message)
		case p.is("enum") && p.peekAt(1).kind == tokIdent && p.peekAt(2).text == "{":
			err = appendRead(&m.Enums, p.enum)
		case p.is("extend") && p.peekAt(2).text != "=":
			err = p.skipDeclaration()
		case p.is("extensions") && p.peekAt(1).kind == tokNumber:
			err = p.skipDeclaration()
		case p.is("reserved") && p.peekAt(1).text != "=":
			var r []string
			if r, err = p.reserved(); err == nil {
				m.Reserved = append(m.Reserved, r...)
			}
		case p.is("oneof") && p.peekAt(1).kind == tokIdent && p.peekAt(2).text == "{":
			err = p.oneof(m)
		default:
			err = appendRead(&m.Fields, func() (*pField, error) { return p.field(m) })
		}
		return err
	})
}

func (p *protoParser) reserved() ([]string, error) {
	p.next()
	var out []string
	var cur strings.Builder
	for !p.is(";") {
		t := p.next()
		switch {
		case t.kind == tokEOF:
			return nil, p.errorAt(t, "expected ';'")
		case t.kind == tokSymbol && t.text == ",":
			out = append(out, cur.String())
			cur.Reset()
			continue
		case t.kind == tokString:
			cur.WriteString(`"` + t.text + `"`)
			continue
		}
		if cur.Len() > 0 && t.kind == tokIdent {
			cur.WriteByte(' ')
		}
		cur.WriteString(t.text)
		if t.kind == tokIdent {
			cur.WriteByte(' ')
		}
	}
	p.next()
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	for i := range out {
		out[i] = strings.Join(strings.Fields(out[i]), " ")
	}
	return out, nil
}

func (p *protoParser) oneof(m *pMessage) error {
	p.next()
	name, _ := p.ident()
	if _, err := p.expect("{"); err != nil {
		return err
	}
	return p.block(func() error {
		if p.is("option") {
			_, err := p.option()
			return err
		}
		f, err := p.field(m)
		if err != nil {
			return err
		}
		f.Oneof = name.text
		m.Fields = append(m.Fields, f)
		return nil
	})
}

// field reads a field, a map field or a proto2 group (which also adds a
// nested message to m).
func (p *protoParser) field(m *pMessage) (*pField, error) {
	first := p.peek()
	f := &pField{}
	if p.is("repeated") || p.is("optional") || p.is("required") {
		if next := p.peekAt(1); next.kind == tokIdent || next.text == "." {
			f.Label = p.next().text
		}
	}
	switch {
	case p.is("map") && p.peekAt(1).text == "<":
		p.next()
		p.next()
		key, err := p.fullIdent()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(","); err != nil {
			return nil, err
		}
		val, err := p.fullIdent()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(">"); err != nil {
			return nil, err
		}
		f.MapKey, f.Type = key, val
	case p.is("group") && p.peekAt(1).kind == tokIdent && p.peekAt(2).text == "=":
		p.next()
		name, _ := p.ident()
		p.next()
		num, err := p.number()
		if err != nil {
			return nil, err
		}
		if p.is("[") {
			if f.Options, err = p.fieldOptions(); err != nil {
				return nil, err
			}
		}
		open, err := p.expect("{")
		if err != nil {
			return nil, err
		}
		p.depth++
		defer func() { p.depth-- }()
		if p.depth > maxProtoNesting {
			return nil, p.errorAt(name, "messages nest too deeply")
		}
		g := &pMessage{Name: name.text, Doc: docOf(first, open)}
		if err := p.messageBody(g); err != nil {
			return nil, err
		}
		m.Messages = append(m.Messages, g)
		f.Name, f.Type, f.Number, f.Doc = strings.ToLower(name.text), name.text, num, g.Doc
		return f, nil
	default:
		typ, err := p.fullIdent()
		if err != nil {
			return nil, p.errorAt(p.peek(), "expected a field")
		}
		f.Type = typ
	}
	name, err := p.ident()
	if err != nil {
		return nil, err
	}
	f.Name = name.text
	var last token
	if f.Number, f.Options, last, err = p.numbered(); err != nil {
		return nil, err
	}
	f.Doc = docOf(first, last)
	return f, nil
}

// numbered reads `= number [options];` after the name of a field or an
// enum value, and returns the number, the options and the ';'.
func (p *protoParser) numbered() (num string, opts []string, last token, err error) {
	if _, err = p.expect("="); err != nil {
		return "", nil, token{}, err
	}
	if num, err = p.number(); err != nil {
		return "", nil, token{}, err
	}
	if p.is("[") {
		if opts, err = p.fieldOptions(); err != nil {
			return "", nil, token{}, err
		}
	}
	if last, err = p.expect(";"); err != nil {
		return "", nil, token{}, err
	}
	return num, opts, last, nil
}

func (p *protoParser) number() (string, error) {
	sign := ""
	if p.is("-") {
		p.next()
		sign = "-"
	}
	t := p.peek()
	if t.kind != tokNumber {
		return "", p.errorAt(t, "expected a number")
	}
	p.next()
	return sign + t.text, nil
}

// fieldOptions reads [name = value, ...].
func (p *protoParser) fieldOptions() ([]string, error) {
	p.next()
	var out []string
	for {
		o, err := p.optionBody()
		if err != nil {
			return nil, err
		}
		out = append(out, o)
		if p.is(",") {
			p.next()
			continue
		}
		if _, err := p.expect("]"); err != nil {
			return nil, err
		}
		return out, nil
	}
}

func (p *protoParser) enum() (*pEnum, error) {
	name, doc, err := p.blockHead("enum")
	if err != nil {
		return nil, err
	}
	e := &pEnum{Name: name.text, Doc: doc}
	err = p.block(func() error {
		switch {
		case p.is("option") && p.peekAt(1).text != "=":
			_, err := p.option()
			return err
		case p.is("reserved") && p.peekAt(1).text != "=":
			_, err := p.reserved()
			return err
		}
		return appendRead(&e.Values, p.enumValue)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// enumValue reads `NAME = number [options];`.
func (p *protoParser) enumValue() (*pEnumValue, error) {
	name, err := p.ident()
	if err != nil {
		return nil, err
	}
	num, opts, last, err := p.numbered()
	if err != nil {
		return nil, err
	}
	return &pEnumValue{Name: name.text, Number: num, Options: opts, Doc: docOf(name, last)}, nil
}

func (p *protoParser) service() (*pService, error) {
	name, doc, err := p.blockHead("service")
	if err != nil {
		return nil, err
	}
	s := &pService{Name: name.text, Doc: doc}
	err = p.block(func() error {
		switch {
		case p.is("option"):
			return appendRead(&s.Options, p.option)
		case p.is("rpc"):
			return appendRead(&s.RPCs, p.rpc)
		}
		return p.errorAt(p.peek(), "expected 'rpc'")
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (p *protoParser) rpc() (*pRPC, error) {
	first := p.next()
	name, err := p.ident()
	if err != nil {
		return nil, err
	}
	r := &pRPC{Name: name.text}
	side := func(stream *bool) (string, error) {
		if _, err := p.expect("("); err != nil {
			return "", err
		}
		if p.is("stream") && p.peekAt(1).text != ")" {
			p.next()
			*stream = true
		}
		typ, err := p.fullIdent()
		if err != nil {
			return "", err
		}
		_, err = p.expect(")")
		return typ, err
	}
	if r.Request, err = side(&r.ClientStream); err != nil {
		return nil, err
	}
	if _, err := p.expect("returns"); err != nil {
		return nil, err
	}
	if r.Response, err = side(&r.ServerStream); err != nil {
		return nil, err
	}
	last := p.peek()
	switch {
	case p.is(";"):
		p.next()
	case p.is("{"):
		p.next()
		err = p.block(func() error {
			if !p.is("option") {
				return p.errorAt(p.peek(), "expected 'option'")
			}
			return appendRead(&r.Options, p.option)
		})
		if err != nil {
			return nil, err
		}
	default:
		return nil, p.errorAt(last, "expected ';' or '{'")
	}
	r.Doc = docOf(first, last)
	return r, nil
}
