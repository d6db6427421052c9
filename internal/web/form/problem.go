package form

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Problem is one thing wrong with the values: a failure of the page's
// JSON schema (as the scaffolder reports it) or of a field extension's
// own rule (Parse's checks).
type Problem struct {
	// Path is where the failing value is; for a missing required
	// property, the object that lacks it.
	Path Path
	// Keyword is the schema keyword that failed (required, pattern,
	// minLength ...); "" for a field extension's check, whose Message is
	// shown as it is.
	Keyword string
	// Argument is the keyword's argument: the missing property for
	// required, the pattern, the limit.
	Argument any
	// Message is the validator's text, shown when the keyword has no
	// phrasing of its own.
	Message string
}

// problemPointer is the pointer of the field a problem belongs to: a
// missing property's own field for required.
func problemPointer(p Problem) string {
	if p.Keyword == "required" {
		if name, ok := p.Argument.(string); ok {
			return p.Path.child(name).Pointer()
		}
	}
	return p.Path.Pointer()
}

// problemTexts phrases every problem, by field pointer.
func problemTexts(ps []Problem) map[string][]string {
	out := map[string][]string{}
	for _, p := range ps {
		ptr := problemPointer(p)
		out[ptr] = append(out[ptr], problemText(p))
	}
	return out
}

// problemText phrases a problem for the person filling in the form.
func problemText(p Problem) string {
	arg := valueText(p.Argument)
	switch p.Keyword {
	case "":
		return p.Message
	case "required":
		return "This field is required."
	case "type":
		want := typeNames(p.Argument)
		switch {
		case strings.Contains(want, "integer"):
			return "Enter a whole number."
		case strings.Contains(want, "number"):
			return "Enter a number."
		}
		return "Enter a value of type " + want + "."
	case "pattern":
		return fmt.Sprintf("Enter a value that matches the pattern %s.", arg)
	case "minLength":
		return fmt.Sprintf("Enter at least %s %s.", arg, plural(arg, "character", "characters"))
	case "maxLength":
		return fmt.Sprintf("Enter at most %s %s.", arg, plural(arg, "character", "characters"))
	case "minimum":
		return "Enter a number of at least " + arg + "."
	case "maximum":
		return "Enter a number of at most " + arg + "."
	case "exclusiveMinimum":
		return "Enter a number greater than " + arg + "."
	case "exclusiveMaximum":
		return "Enter a number less than " + arg + "."
	case "enum", "const":
		return "Choose one of the options."
	case "minItems":
		return fmt.Sprintf("Give at least %s.", countOf(arg, "value", "values"))
	case "maxItems":
		return fmt.Sprintf("Give at most %s.", countOf(arg, "value", "values"))
	case "uniqueItems":
		return "Give each value once."
	case "format":
		return fmt.Sprintf("Enter a valid %s.", arg)
	}
	return sentence(p.Message)
}

// typeNames writes a type keyword's argument: "number" or "string, null".
func typeNames(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []string:
		return strings.Join(x, ", ")
	case []any:
		var out []string
		for _, it := range x {
			out = append(out, valueText(it))
		}
		return strings.Join(out, ", ")
	}
	return valueText(v)
}

func plural(n, one, many string) string {
	if n == "1" {
		return one
	}
	return many
}

func countOf(n, one, many string) string { return n + " " + plural(n, one, many) }

// sentence capitalises s and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "This value is not valid."
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
