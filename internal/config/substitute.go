package config

import (
	"regexp"
	"strings"
)

// lookupFunc looks an environment variable up; ok is false when unset.
type lookupFunc func(name string) (value string, ok bool)

// trimmed wraps env so that values lose surrounding whitespace, as
// Backstage's loader reads them; a nil env sees no variables.
func trimmed(env func(string) (string, bool)) lookupFunc {
	return func(name string) (string, bool) {
		if env == nil {
			return "", false
		}
		v, ok := env(name)
		return strings.TrimSpace(v), ok
	}
}

// substitutionPattern finds ${...} references and $${...} escapes; the
// braces may not nest.
var substitutionPattern = regexp.MustCompile(`\$?\$\{[^{}]*\}`)

// substitute replaces ${VAR} references in s with environment values.
//
//   - ${VAR} is replaced by the variable's value; an empty variable gives "".
//   - ${VAR:-fallback} uses fallback when VAR is unset or empty.
//   - $${...} is an escape for a literal ${...}.
//
// ok is false when a reference has no value (unset, without a non-empty
// fallback): the whole value is then dropped rather than half-substituted.
func substitute(s string, env lookupFunc) (out string, ok bool) {
	matches := substitutionPattern.FindAllStringIndex(s, -1)
	if matches == nil {
		return s, true
	}
	var b strings.Builder
	last := 0
	ok = true
	for _, m := range matches {
		b.WriteString(s[last:m[0]])
		last = m[1]
		ref := s[m[0]:m[1]]
		if strings.HasPrefix(ref, "$$") {
			b.WriteString(ref[1:])
			continue
		}
		v, found := resolveReference(ref[2:len(ref)-1], env)
		if !found {
			ok = false
			continue
		}
		b.WriteString(v)
	}
	b.WriteString(s[last:])
	if !ok {
		return "", false
	}
	return b.String(), true
}

// resolveReference resolves the inside of ${...}: "NAME" or
// "NAME:-fallback", both trimmed.
func resolveReference(ref string, env lookupFunc) (string, bool) {
	name, fallback, hasFallback := strings.Cut(ref, ":-")
	v, ok := env(strings.TrimSpace(name))
	if !hasFallback {
		return v, ok
	}
	if ok && v != "" {
		return v, true
	}
	if fallback = strings.TrimSpace(fallback); fallback != "" {
		return fallback, true
	}
	return "", false
}
