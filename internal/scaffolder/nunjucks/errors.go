package nunjucks

import "fmt"

// SyntaxError reports a template that cannot be parsed. Line and Col are
// 1-based and point at the offending token.
type SyntaxError struct {
	Name      string
	Line, Col int
	Msg       string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.Name, e.Line, e.Col, e.Msg)
}

// RenderError reports a failure while rendering, at the template position of
// the expression or statement that failed. Err is the cause when it came from
// a filter or function (for example a classified problem.Error from
// parseRepoUrl), so errors.As reaches it.
type RenderError struct {
	Name      string
	Line, Col int
	Msg       string
	Err       error
}

func (e *RenderError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.Name, e.Line, e.Col, e.Msg)
}

// Unwrap returns the cause, if any.
func (e *RenderError) Unwrap() error { return e.Err }

// lineCol converts a byte offset in src to a 1-based line and column
// (columns count bytes).
func lineCol(src string, pos int) (line, col int) {
	line, col = 1, 1
	if pos > len(src) {
		pos = len(src)
	}
	for i := 0; i < pos; i++ {
		if src[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}
