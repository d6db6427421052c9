package nunjucks

import (
	"strings"
)

type tokKind uint8

const (
	tText tokKind = iota
	tVarStart
	tVarEnd
	tBlockStart
	tBlockEnd
	tName
	tString
	tInt
	tFloat
	tOp
	tEOF
)

var tokNames = [...]string{"text", "start of expression", "end of expression", "start of block", "end of block",
	"name", "string", "number", "number", "operator", "end of file"}

type token struct {
	kind tokKind
	val  string // text, name, operator, decoded string literal or number text
	pos  int    // byte offset in the source
}

func (t token) describe() string {
	switch t.kind {
	case tName, tOp, tInt, tFloat:
		return `"` + t.val + `"`
	case tString:
		return "string"
	}
	return tokNames[t.kind]
}

// lexer turns a whole template into tokens up front; the parser then walks
// the slice. Text between tags becomes tText tokens with whitespace control,
// trimBlocks and lstripBlocks already applied.
type lexer struct {
	src, name string
	o         *Options
	pos       int
	toks      []token
	stripNext bool // a "-" end tag asked to strip the next text's leading whitespace
}

// scanOp returns the operator at the start of s, longest first so that
// "===" wins over "==", or "" when there is none.
func scanOp(s string) string {
	if len(s) >= 3 && (s[:3] == "===" || s[:3] == "!==") {
		return s[:3]
	}
	if len(s) >= 2 {
		switch s[:2] {
		case "==", "!=", "<=", ">=", "//", "**":
			return s[:2]
		}
	}
	switch s[0] {
	case '<', '>', '+', '-', '*', '/', '%', '~', '|', '.', ',', ':', '(', ')', '[', ']', '{', '}', '=', '!':
		return s[:1]
	}
	return ""
}

func lex(name, src string, o *Options) ([]token, error) {
	lx := &lexer{src: src, name: name, o: o, toks: make([]token, 0, 16+len(src)/8)}
	if err := lx.run(); err != nil {
		return nil, err
	}
	return lx.toks, nil
}

func (lx *lexer) errAt(pos int, msg string) error {
	l, c := lineCol(lx.src, pos)
	return &SyntaxError{Name: lx.name, Line: l, Col: c, Msg: msg}
}

func (lx *lexer) run() error {
	o := lx.o
	// Next known position of each opening delimiter (-1: none left), so long
	// texts are scanned once per delimiter rather than once per tag.
	next := [3]int{-2, -2, -2}
	delims := [3]string{o.VariableStart, o.BlockStart, o.CommentStart}
	for lx.pos < len(lx.src) {
		for i, d := range delims {
			if next[i] == -1 || next[i] >= lx.pos {
				continue
			}
			if j := strings.Index(lx.src[lx.pos:], d); j >= 0 {
				next[i] = lx.pos + j
			} else {
				next[i] = -1
			}
		}
		// The nearest tag start wins; on a tie the longer delimiter does.
		best := -1
		for i := range delims {
			if next[i] < 0 {
				continue
			}
			if best < 0 || next[i] < next[best] || next[i] == next[best] && len(delims[i]) > len(delims[best]) {
				best = i
			}
		}
		if best < 0 {
			lx.text(lx.pos, len(lx.src), false, false)
			break
		}
		at := next[best] - lx.pos
		kind := tVarStart
		if best == 1 {
			kind = tBlockStart
		}
		isComment := best == 2
		start := lx.pos + at
		var delim string
		switch {
		case isComment:
			delim = o.CommentStart
		case kind == tVarStart:
			delim = o.VariableStart
		default:
			delim = o.BlockStart
		}
		strip := strings.HasPrefix(lx.src[start+len(delim):], "-")
		lx.text(lx.pos, start, strip, !strip && kind == tBlockStart || isComment)
		lx.pos = start + len(delim)
		if strip {
			lx.pos++
		}
		if isComment {
			if err := lx.comment(start); err != nil {
				return err
			}
			continue
		}
		lx.toks = append(lx.toks, token{kind: kind, pos: start})
		if err := lx.code(kind); err != nil {
			return err
		}
	}
	lx.toks = append(lx.toks, token{kind: tEOF, pos: len(lx.src)})
	return nil
}

// text emits src[from:to] as a text token. stripRight removes all trailing
// whitespace ("{%-"); lstrip removes spaces and tabs between the last line
// start and a block or comment tag when LstripBlocks is on.
func (lx *lexer) text(from, to int, stripRight, lstrip bool) {
	s := lx.src[from:to]
	if lx.stripNext {
		n := len(s)
		s = strings.TrimLeft(s, " \t\r\n")
		from += n - len(s)
		lx.stripNext = false
	}
	if stripRight {
		s = strings.TrimRight(s, " \t\r\n")
	} else if lstrip && lx.o.LstripBlocks {
		t := strings.TrimRight(s, " \t")
		if i := len(t); (i == 0 && (from == 0 || lx.src[from-1] == '\n')) || (i > 0 && t[i-1] == '\n') {
			s = t
		}
	}
	if s != "" {
		lx.toks = append(lx.toks, token{kind: tText, val: s, pos: from})
	}
}

func (lx *lexer) comment(start int) error {
	o := lx.o
	i := strings.Index(lx.src[lx.pos:], o.CommentEnd)
	if i < 0 {
		return lx.errAt(start, "expected end of comment, got end of file")
	}
	end := lx.pos + i
	if end > lx.pos && lx.src[end-1] == '-' {
		lx.stripNext = true
	}
	lx.pos = end + len(o.CommentEnd)
	lx.trimBlock()
	return nil
}

// trimBlock drops the first newline after a block or comment tag when
// TrimBlocks is on.
func (lx *lexer) trimBlock() {
	if !lx.o.TrimBlocks || lx.stripNext {
		return
	}
	if strings.HasPrefix(lx.src[lx.pos:], "\n") {
		lx.pos++
	} else if strings.HasPrefix(lx.src[lx.pos:], "\r\n") {
		lx.pos += 2
	}
}

// code lexes the inside of a tag up to its end delimiter.
func (lx *lexer) code(kind tokKind) error {
	o := lx.o
	end, endKind := o.VariableEnd, tVarEnd
	if kind == tBlockStart {
		end, endKind = o.BlockEnd, tBlockEnd
	}
	open := lx.toks[len(lx.toks)-1].pos
	depth := 0 // braces opened inside the tag, so "{a: {b: 1}}" does not end it early
	for {
		for lx.pos < len(lx.src) && isSpace(lx.src[lx.pos]) {
			lx.pos++
		}
		if lx.pos >= len(lx.src) {
			what := "variable"
			if kind == tBlockStart {
				what = "block"
			}
			return lx.errAt(open, "expected end of "+what+" "+end+", got end of file")
		}
		rest := lx.src[lx.pos:]
		if depth == 0 || endKind == tBlockEnd {
			strip := rest[0] == '-' && strings.HasPrefix(rest[1:], end)
			if strip || strings.HasPrefix(rest, end) {
				lx.toks = append(lx.toks, token{kind: endKind, pos: lx.pos})
				lx.pos += len(end)
				if strip {
					lx.pos++
					lx.stripNext = true
				}
				if endKind == tBlockEnd {
					lx.trimBlock()
					if err := lx.maybeRaw(); err != nil {
						return err
					}
				}
				return nil
			}
		}
		c := rest[0]
		switch {
		case c == '"' || c == '\'':
			s, n, err := lx.str(rest)
			if err != nil {
				return err
			}
			lx.toks = append(lx.toks, token{kind: tString, val: s, pos: lx.pos})
			lx.pos += n
		case isDigit(c):
			n, isFloat := scanNumber(rest)
			k := tInt
			if isFloat {
				k = tFloat
			}
			lx.toks = append(lx.toks, token{kind: k, val: rest[:n], pos: lx.pos})
			lx.pos += n
		case isNameStart(c):
			n := 1
			for n < len(rest) && isNameChar(rest[n]) {
				n++
			}
			lx.toks = append(lx.toks, token{kind: tName, val: rest[:n], pos: lx.pos})
			lx.pos += n
		default:
			op := scanOp(rest)
			if op == "" {
				return lx.errAt(lx.pos, "unexpected character "+quoteRune(rest))
			}
			switch op {
			case "{":
				depth++
			case "}":
				if depth > 0 {
					depth--
				}
			}
			lx.toks = append(lx.toks, token{kind: tOp, val: op, pos: lx.pos})
			lx.pos += len(op)
		}
	}
}

// maybeRaw handles {% raw %} and {% verbatim %}: everything up to the
// matching end tag becomes one text token.
func (lx *lexer) maybeRaw() error {
	n := len(lx.toks)
	if n < 3 || lx.toks[n-3].kind != tBlockStart || lx.toks[n-2].kind != tName {
		return nil
	}
	tag := lx.toks[n-2].val
	if tag != "raw" && tag != "verbatim" {
		return nil
	}
	endTag := "end" + tag
	from := lx.pos
	level := 1
	i := lx.pos
	for {
		j := strings.Index(lx.src[i:], lx.o.BlockStart)
		if j < 0 {
			return lx.errAt(lx.toks[n-3].pos, "expected "+endTag+", got end of file")
		}
		tagStart := i + j
		k := tagStart + len(lx.o.BlockStart)
		strip := strings.HasPrefix(lx.src[k:], "-")
		if strip {
			k++
		}
		for k < len(lx.src) && isSpace(lx.src[k]) {
			k++
		}
		w := k
		for w < len(lx.src) && isNameChar(lx.src[w]) {
			w++
		}
		word := lx.src[k:w]
		for w < len(lx.src) && isSpace(lx.src[w]) {
			w++
		}
		closed := strings.HasPrefix(lx.src[w:], lx.o.BlockEnd) || strings.HasPrefix(lx.src[w:], "-"+lx.o.BlockEnd)
		switch {
		case closed && word == tag:
			level++
		case closed && word == endTag:
			level--
		}
		if level == 0 {
			lx.text(from, tagStart, strip, true)
			lx.pos = tagStart
			return nil
		}
		i = tagStart + len(lx.o.BlockStart)
	}
}

// str decodes a quoted string literal at the start of s and returns it with
// the number of bytes consumed.
func (lx *lexer) str(s string) (string, int, error) {
	q := s[0]
	var b strings.Builder
	i := 1
	for i < len(s) {
		c := s[i]
		switch {
		case c == q:
			return b.String(), i + 1, nil
		case c == '\\' && i+1 < len(s):
			i++
			switch e := s[i]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'v':
				b.WriteByte('\v')
			case '0':
				b.WriteByte(0)
			case 'u':
				if i+4 < len(s) {
					if r, ok := hex4(s[i+1 : i+5]); ok {
						b.WriteRune(r)
						i += 4
						break
					}
				}
				b.WriteByte('u')
			default:
				b.WriteByte(e)
			}
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	return "", 0, lx.errAt(lx.pos, "unterminated string")
}

func hex4(s string) (rune, bool) {
	var r rune
	for i := 0; i < 4; i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			r = r*16 + rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r*16 + rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r*16 + rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// scanNumber returns the length of the number at the start of s and whether
// it has a fraction or exponent.
func scanNumber(s string) (int, bool) {
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	isFloat := false
	if n+1 < len(s) && s[n] == '.' && isDigit(s[n+1]) {
		isFloat = true
		n++
		for n < len(s) && isDigit(s[n]) {
			n++
		}
	}
	if n < len(s) && (s[n] == 'e' || s[n] == 'E') {
		m := n + 1
		if m < len(s) && (s[m] == '+' || s[m] == '-') {
			m++
		}
		if m < len(s) && isDigit(s[m]) {
			isFloat = true
			for m < len(s) && isDigit(s[m]) {
				m++
			}
			n = m
		}
	}
	return n, isFloat
}

func quoteRune(s string) string {
	for _, r := range s {
		return "'" + string(r) + "'"
	}
	return "''"
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isNameStart(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
func isNameChar(c byte) bool { return isNameStart(c) || isDigit(c) }
