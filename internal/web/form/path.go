package form

import (
	"fmt"
	"strings"
)

// Path is where a value is inside the values object: property names and,
// for array items, indices written as decimal strings.
type Path []string

// Pointer writes p as a JSON pointer: "/owner", "/advanced/replicas".
func (p Path) Pointer() string {
	var b strings.Builder
	for _, seg := range p {
		b.WriteByte('/')
		b.WriteString(escapeSegment.Replace(seg))
	}
	return b.String()
}

// JSON pointer escapes (RFC 6901).
var (
	escapeSegment   = strings.NewReplacer("~", "~0", "/", "~1")
	unescapeSegment = strings.NewReplacer("~1", "/", "~0", "~")
)

// child returns p extended by seg, without sharing p's backing array.
func (p Path) child(seg string) Path {
	out := make(Path, len(p), len(p)+1)
	copy(out, p)
	return append(out, seg)
}

// ParsePointer reads a JSON pointer back into a Path.
func ParsePointer(ptr string) (Path, bool) {
	if ptr == "" {
		return Path{}, true
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, false
	}
	return Path(splitPointer(ptr)), true
}

// splitPointer splits "/a/b~1c" into ["a", "b/c"].
func splitPointer(p string) []string {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return nil
	}
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = unescapeSegment.Replace(s)
	}
	return parts
}

// Form field names: every value field is named valuePrefix + its pointer,
// which keeps them apart from the page's own fields (csrf_token, _page).
const valuePrefix = "v"

// inputName is the form field name of the value at p.
func inputName(p Path) string { return valuePrefix + p.Pointer() }

// inputID is an HTML id for the control of the value at p, unique per
// path: letters and digits are kept, anything else is escaped.
func inputID(p Path) string {
	var b strings.Builder
	b.WriteString("field")
	for _, seg := range p {
		b.WriteByte('-')
		for _, r := range seg {
			switch {
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
				b.WriteRune(r)
			default:
				fmt.Fprintf(&b, "_%x_", r)
			}
		}
	}
	return b.String()
}

// Hidden form fields the page writes beside the values.
const (
	// shownField lists, once per field, the pointer of every field the
	// form showed, so a submission tells fields left empty (or a box left
	// unticked) from fields that were not on the page.
	shownField = "_shown"
	// choiceField prefixes the choice of a oneOf or anyOf option:
	// _choice/<pointer of the object> = option index.
	choiceField = "_choice"
	// secretSetField marks a secret field whose value the server keeps:
	// left empty, it keeps that value.
	secretSetField = "_secretset"
)
