package apidoc

import (
	"strings"
)

// A small lexer for Protocol Buffers definitions (proto2, proto3 and
// editions): identifiers, numbers, strings, symbols and comments. A
// comment directly above a declaration, with no blank line between, is
// its documentation; a comment on the same line after a token trails it.

type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokNumber
	tokString
	tokSymbol
)

type token struct {
	kind tokKind
	text string
	line int
	col  int
	// doc is the comment block just above the token; trail the comment
	// after it on the same line.
	doc   string
	trail string
}

// comment is one comment as read, with the lines it spans.
type comment struct {
	text        string
	first, last int
}

type lexer struct {
	src       string
	pos       int
	line, col int
	toks      []token
	pending   []comment
}

// lexProto splits src into tokens, ending with a tokEOF.
func lexProto(src string) ([]token, error) {
	l := &lexer{src: src, line: 1, col: 1}
	for {
		if err := l.skipSpaceAndComments(); err != nil {
			return nil, err
		}
		if l.pos >= len(l.src) {
			l.emit(token{kind: tokEOF, line: l.line, col: l.col})
			return l.toks, nil
		}
		if err := l.token(); err != nil {
			return nil, err
		}
	}
}

func (l *lexer) errorf(msg string) error {
	return &Error{Message: "not valid Protocol Buffers: " + msg, Line: l.line, Column: l.col}
}

// advance moves over n bytes, keeping line and column.
func (l *lexer) advance(n int) {
	for range n {
		if l.src[l.pos] == '\n' {
			l.line++
			l.col = 1
		} else {
			l.col++
		}
		l.pos++
	}
}

func (l *lexer) skipSpaceAndComments() error {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v':
			l.advance(1)
		case strings.HasPrefix(l.src[l.pos:], "//"):
			line := l.line
			end := strings.IndexByte(l.src[l.pos:], '\n')
			if end < 0 {
				end = len(l.src) - l.pos
			}
			text := strings.TrimPrefix(l.src[l.pos+2:l.pos+end], "/")
			l.advance(end)
			l.comment(comment{text: trimCommentLine(text), first: line, last: line})
		case strings.HasPrefix(l.src[l.pos:], "/*"):
			line := l.line
			end := strings.Index(l.src[l.pos+2:], "*/")
			if end < 0 {
				return l.errorf("a /* comment is not closed")
			}
			body := l.src[l.pos+2 : l.pos+2+end]
			l.advance(end + 4)
			l.comment(comment{text: blockComment(body), first: line, last: l.line})
		default:
			return nil
		}
	}
	return nil
}

// comment files a comment as trailing the previous token or as pending
// documentation of the next.
func (l *lexer) comment(c comment) {
	if n := len(l.toks); n > 0 && l.toks[n-1].line == c.first && len(l.pending) == 0 {
		t := &l.toks[n-1]
		t.trail = strings.TrimSpace(t.trail + "\n" + c.text)
		return
	}
	l.pending = append(l.pending, c)
}

// emit adds a token with the comments directly above it as its doc.
func (l *lexer) emit(t token) {
	var lines []string
	next := t.line
	for i := len(l.pending) - 1; i >= 0; i-- {
		c := l.pending[i]
		if c.last < next-1 {
			break // a blank line separates it from the token
		}
		lines = append([]string{c.text}, lines...)
		next = c.first
	}
	t.doc = strings.TrimSpace(strings.Join(lines, "\n"))
	l.pending = l.pending[:0]
	l.toks = append(l.toks, t)
}

func trimCommentLine(s string) string {
	return strings.TrimRight(strings.TrimPrefix(s, " "), " \t\r")
}

// blockComment strips the decoration of a /* */ comment.
func blockComment(body string) string {
	body = strings.TrimPrefix(body, "*") // /** doc */
	lines := strings.Split(body, "\n")
	for i, ln := range lines {
		ln = strings.TrimSpace(ln)
		ln = strings.TrimPrefix(ln, "*")
		lines[i] = trimCommentLine(ln)
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

func isLetter(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

func (l *lexer) token() error {
	start, line, col := l.pos, l.line, l.col
	c := l.src[l.pos]
	switch {
	case isLetter(c):
		n := 1
		for l.pos+n < len(l.src) && (isLetter(l.src[l.pos+n]) || isDigit(l.src[l.pos+n])) {
			n++
		}
		l.advance(n)
		l.emit(token{kind: tokIdent, text: l.src[start:l.pos], line: line, col: col})
	case isDigit(c) || (c == '.' && l.pos+1 < len(l.src) && isDigit(l.src[l.pos+1])):
		n := 1
		for l.pos+n < len(l.src) {
			d := l.src[l.pos+n]
			prev := l.src[l.pos+n-1]
			if isLetter(d) || isDigit(d) || d == '.' || ((d == '+' || d == '-') && (prev == 'e' || prev == 'E')) {
				n++
				continue
			}
			break
		}
		l.advance(n)
		l.emit(token{kind: tokNumber, text: l.src[start:l.pos], line: line, col: col})
	case c == '"' || c == '\'':
		n := 1
		for {
			if l.pos+n >= len(l.src) || l.src[l.pos+n] == '\n' {
				return l.errorf("a string is not closed")
			}
			d := l.src[l.pos+n]
			if d == '\\' {
				n += 2
				continue
			}
			n++
			if d == c {
				break
			}
		}
		if l.pos+n > len(l.src) {
			return l.errorf("a string is not closed")
		}
		l.advance(n)
		l.emit(token{kind: tokString, text: unquoteProto(l.src[start:l.pos]), line: line, col: col})
	case strings.IndexByte(";{}[]()<>=,.-+:/", c) >= 0:
		l.advance(1)
		l.emit(token{kind: tokSymbol, text: string(c), line: line, col: col})
	default:
		return l.errorf("unexpected character " + quoteChar(c))
	}
	return nil
}

func quoteChar(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return "'" + string(c) + "'"
	}
	return "(byte " + string("0123456789abcdef"[c>>4]) + string("0123456789abcdef"[c&15]) + ")"
}

// unquoteProto returns a string literal's text with simple escapes
// resolved; others are kept as written.
func unquoteProto(lit string) string {
	s := lit[1 : len(lit)-1]
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case '"', '\'', '\\':
			b.WriteByte(s[i])
		default:
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
