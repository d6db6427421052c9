package entity

import (
	"fmt"
	"strings"
)

// ParseLocationRef parses a location reference of the form <type>:<target>
// as Backstage's parseLocationRef does: split at the first ':', both parts
// trimmed and non-empty. The types http and https are rejected (the ref
// was meant to be url:<target>), and so are javascript: targets.
func ParseLocationRef(s string) (typ, target string, err error) {
	typ, target, found := strings.Cut(s, ":")
	typ = strings.TrimFunc(typ, isJSWhitespace)
	target = strings.TrimFunc(target, isJSWhitespace)
	if !found || typ == "" || target == "" {
		return "", "", &ValidationError{Message: fmt.Sprintf(
			"Unable to parse location ref '%s', expected '<type>:<target>', e.g. 'url:https://host/path'", s)}
	}
	if typ == "http" || typ == "https" {
		return "", "", &ValidationError{Message: fmt.Sprintf(
			"Invalid location ref '%s', please prefix it with 'url:', e.g. 'url:%s'", s, s)}
	}
	if IsJavaScriptURL(target) {
		return "", "", &ValidationError{Message: fmt.Sprintf(
			"Invalid location ref '%s', the target must not be a javascript: URL", s)}
	}
	return typ, target, nil
}

// LocationRefString is the string form <type>:<target> of a location
// reference, as in the managed-by-location annotations.
func LocationRefString(typ, target string) string {
	return typ + ":" + target
}

// IsJavaScriptURL reports whether s is a javascript: URL as browsers read
// it: leading control characters and spaces are ignored, and tabs and
// newlines inside the scheme do not break it. Backstage refuses such values
// where they would end up as links.
func IsJavaScriptURL(s string) bool {
	s = strings.TrimLeftFunc(s, func(r rune) bool { return r <= 0x20 })
	const want = "javascript:"
	i := 0
	for j := 0; j < len(s) && i < len(want); j++ {
		c := s[j]
		switch {
		case c == '\t' || c == '\n' || c == '\r':
		case lower(c) == want[i]:
			i++
		default:
			return false
		}
	}
	return i == len(want)
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
