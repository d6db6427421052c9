package bench

import (
	"bufio"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The generator writes YAML with a small emitter of its own: keys keep the
// order a person would write them in (apiVersion, kind, metadata, spec), the
// output is byte-for-byte deterministic, and 100,000 entities are written in
// well under a second.

// field is one key of an object; obj keeps its fields in order.
type field struct {
	Key   string
	Value any // string, int, bool, obj, []string or []obj
}

type obj []field

// toMap converts o into the generic form a YAML or JSON decoder produces.
func (o obj) toMap() map[string]any {
	m := make(map[string]any, len(o))
	for _, f := range o {
		m[f.Key] = plainValue(f.Value)
	}
	return m
}

func plainValue(v any) any {
	switch v := v.(type) {
	case obj:
		return v.toMap()
	case []string:
		out := make([]any, len(v))
		for i, s := range v {
			out[i] = s
		}
		return out
	case []obj:
		out := make([]any, len(v))
		for i, o := range v {
			out[i] = o.toMap()
		}
		return out
	default:
		return v
	}
}

// writeDoc writes o as one YAML document, preceded by the document marker.
func writeDoc(w *bufio.Writer, o obj) error {
	w.WriteString("---\n")
	return writeObj(w, o, 0)
}

func writeObj(w *bufio.Writer, o obj, indent int) error {
	for _, f := range o {
		w.WriteString(strings.Repeat(" ", indent))
		if err := writeField(w, f, indent); err != nil {
			return err
		}
	}
	return nil
}

// writeField writes "key: value" starting at the current column; nested
// blocks are indented from indent.
func writeField(w *bufio.Writer, f field, indent int) error {
	w.WriteString(scalar(f.Key))
	w.WriteByte(':')
	switch v := f.Value.(type) {
	case obj:
		if len(v) == 0 {
			w.WriteString(" {}\n")
			return nil
		}
		w.WriteByte('\n')
		return writeObj(w, v, indent+2)
	case []string:
		if len(v) == 0 {
			w.WriteString(" []\n")
			return nil
		}
		w.WriteByte('\n')
		for _, s := range v {
			w.WriteString(strings.Repeat(" ", indent+2))
			w.WriteString("- ")
			w.WriteString(scalar(s))
			w.WriteByte('\n')
		}
		return nil
	case []obj:
		if len(v) == 0 {
			w.WriteString(" []\n")
			return nil
		}
		w.WriteByte('\n')
		for _, item := range v {
			if len(item) == 0 {
				w.WriteString(strings.Repeat(" ", indent+2) + "- {}\n")
				continue
			}
			w.WriteString(strings.Repeat(" ", indent+2))
			w.WriteString("- ")
			if err := writeField(w, item[0], indent+4); err != nil {
				return err
			}
			if err := writeObj(w, item[1:], indent+4); err != nil {
				return err
			}
		}
		return nil
	case string:
		if block, ok := literalBlock(v, indent+2); ok {
			w.WriteString(block)
			return nil
		}
		w.WriteByte(' ')
		w.WriteString(scalar(v))
		w.WriteByte('\n')
		return nil
	case int:
		w.WriteByte(' ')
		w.WriteString(strconv.Itoa(v))
		w.WriteByte('\n')
		return nil
	case bool:
		w.WriteByte(' ')
		w.WriteString(strconv.FormatBool(v))
		w.WriteByte('\n')
		return nil
	default:
		return fmt.Errorf("yaml: field %q has unsupported type %T", f.Key, f.Value)
	}
}

// scalar renders s as a YAML scalar that reads back as the string s:
// plain when that is safe, double-quoted otherwise. s must be valid UTF-8
// (YAML's \xNN is a code point, not a byte).
func scalar(s string) string {
	if plainSafe(s) && !looksTyped(s) {
		return s
	}
	// Go's escapes (\n, \t, \", \\, \xNN, \uNNNN, \UNNNNNNNN) are all valid
	// in YAML double-quoted scalars.
	return strconv.Quote(s)
}

// plainSafe reports whether s can be written unquoted and still read as
// text: a conservative character set, no indicator at the start, nothing
// a reader could take for a comment, a mapping value or trailing space.
func plainSafe(s string) bool {
	if s == "" || strings.Contains(s, ": ") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '/'
		switch {
		case alnum:
		case i == 0:
			return false // indicators such as - ? : @ { [ # & * ! | > ' " % start here
		case i == len(s)-1 && c != ')':
			return false // no trailing space or colon
		case !strings.ContainsRune(" @+()=:-", rune(c)):
			return false
		}
	}
	return true
}

// typedPlain matches plain scalars a YAML 1.1 or 1.2 reader would turn into
// something other than a string.
var typedPlain = regexp.MustCompile(`(?i)^(~|null|true|false|yes|no|on|off|y|n|[-+]?(\.inf|\.nan)|[-+]?[0-9][0-9A-Za-z_.:+-]*)$`)

func looksTyped(s string) bool {
	// Only short words and things starting like a number can be typed;
	// skipping the regular expression otherwise keeps the generator fast.
	if len(s) > 5 && !strings.ContainsRune("0123456789+-.", rune(s[0])) {
		return false
	}
	return typedPlain.MatchString(s)
}

// literalBlock renders a multi-line string as a literal block scalar (" |"
// or " |-" and the indented lines) when that reads back unchanged.
func literalBlock(s string, indent int) (string, bool) {
	if !strings.Contains(s, "\n") || strings.ContainsAny(s, "\r\t") {
		return "", false
	}
	header := " |\n"
	body := strings.TrimSuffix(s, "\n")
	switch {
	case !strings.HasSuffix(s, "\n"):
		header = " |-\n"
	case strings.HasSuffix(body, "\n") || body == "":
		return "", false // several trailing newlines would need " |+"
	}
	lines := strings.Split(body, "\n")
	if strings.HasPrefix(lines[0], " ") || lines[0] == "" {
		return "", false // the first line fixes the block's indentation
	}
	pad := strings.Repeat(" ", indent)
	var b strings.Builder
	b.WriteString(header)
	for _, l := range lines {
		if l != "" {
			b.WriteString(pad)
			b.WriteString(l)
		}
		b.WriteByte('\n')
	}
	return b.String(), true
}
