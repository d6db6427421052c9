package entity

import (
	"strconv"
	"strings"
)

// The field format rules of Backstage's FieldFormatEntityPolicy, with the
// validators of makeValidator (Kubernetes-style names, DNS labels and
// subdomains, tags, URLs). They are written out by hand rather than as
// regular expressions because they are simple grammars and run for every
// entity.

const catalogFormatDocs = "To learn more about catalog file format, visit: " +
	"https://github.com/backstage/backstage/blob/master/docs/architecture-decisions/adr002-default-catalog-file-format.md"

// What each validator expects, as worded in Backstage's error texts.
const (
	expectObjectName = "a string that is sequences of [a-zA-Z0-9] separated by any of [-_.], at most 63 characters in total"
	expectPrefixed   = "a valid prefix and/or suffix"
	expectDNSLabel   = "a string that is sequences of [a-z0-9] separated by [-], at most 63 characters in total"
	expectTag        = "a string that is sequences of [a-z0-9+#] separated by [-], at most 63 characters in total"
	expectString     = "a string"
	expectKind       = "a string that is a sequence of [a-zA-Z][a-z0-9A-Z], at most 63 characters in total"
	expectURL        = "a string that is a valid url"
	expectNonEmpty   = "a non empty string"
)

// validator is one of makeValidator's functions. All of them require a
// string; taking strings keeps the hot path free of interface boxing.
type validator struct {
	validString func(string) bool
	expect      string
}

func (v validator) valid(value any) bool {
	s, ok := value.(string)
	return ok && v.validString(s)
}

var (
	validAPIVersion      = validator{isValidAPIVersion, expectPrefixed}
	validKind            = validator{isValidKind, expectKind}
	validEntityName      = validator{isValidObjectName, expectObjectName}
	validNamespace       = validator{isValidDNSLabel, expectDNSLabel}
	validLabelKey        = validator{isValidPrefixedName, expectPrefixed}
	validLabelValue      = validator{isValidLabelValue, expectObjectName}
	validAnnotationKey   = validator{isValidPrefixedName, expectPrefixed}
	validAnnotationValue = validator{func(string) bool { return true }, expectString}
	validTag             = validator{isValidTag, expectTag}
	validURL             = validator{isAbsoluteURL, expectURL}
	validNonEmptyString  = validator{isNonEmptyString, expectNonEmpty}
)

// checkField applies v to a required field, returning Backstage's error.
func checkField(field string, value any, v validator) error {
	if value == nil {
		return &ValidationError{Field: field, Message: field + " must have a value"}
	}
	if v.valid(value) {
		return nil
	}
	return &ValidationError{Field: field, Message: `"` + field + `" is not valid; expected ` + v.expect +
		` but found "` + jsString(value) + `". ` + catalogFormatDocs}
}

// checkOptionalField applies v to a field only when it is present.
func checkOptionalField(field string, value any, present bool, v validator) error {
	if !present {
		return nil
	}
	return checkField(field, value, v)
}

// enforceFieldFormat is FieldFormatEntityPolicy over a schema-valid entity
// document. Map entries are checked in sorted key order.
func enforceFieldFormat(doc map[string]any) error {
	if err := checkField("apiVersion", doc["apiVersion"], validAPIVersion); err != nil {
		return err
	}
	if err := checkField("kind", doc["kind"], validKind); err != nil {
		return err
	}
	meta, _ := doc["metadata"].(map[string]any)
	if err := checkField("metadata.name", meta["name"], validEntityName); err != nil {
		return err
	}
	ns, present := meta["namespace"]
	if err := checkOptionalField("metadata.namespace", ns, present, validNamespace); err != nil {
		return err
	}
	if err := checkMap(meta["labels"], "labels.", validLabelKey, validLabelValue); err != nil {
		return err
	}
	if err := checkMap(meta["annotations"], "annotations.", validAnnotationKey, validAnnotationValue); err != nil {
		return err
	}
	tags, _ := meta["tags"].([]any)
	for i, tag := range tags {
		if !validTag.valid(tag) {
			return checkField("tags."+strconv.Itoa(i), tag, validTag)
		}
	}
	links, _ := meta["links"].([]any)
	for i, l := range links {
		link, _ := l.(map[string]any)
		url := link["url"]
		title, hasTitle := link["title"]
		icon, hasIcon := link["icon"]
		if validURL.valid(url) && (!hasTitle || validNonEmptyString.valid(title)) && (!hasIcon || validNonEmptyString.valid(icon)) {
			continue
		}
		prefix := "links." + strconv.Itoa(i) + "."
		if err := checkField(prefix+"url", url, validURL); err != nil {
			return err
		}
		if err := checkOptionalField(prefix+"title", title, hasTitle, validNonEmptyString); err != nil {
			return err
		}
		return checkOptionalField(prefix+"icon", icon, hasIcon, validNonEmptyString)
	}
	return nil
}

func checkMap(v any, prefix string, key, value validator) error {
	m, _ := v.(map[string]any)
	for k, e := range m {
		if !key.validString(k) || !value.valid(e) {
			// Report the first fault in sorted key order.
			for _, k := range sortedKeys(m) {
				if err := checkField(prefix+k, k, key); err != nil {
					return err
				}
				if err := checkField(prefix+k, m[k], value); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// isValidAPIVersion: <suffix> or <dns-subdomain>/<suffix>, the suffix being
// 1-63 ASCII letters and digits.
func isValidAPIVersion(v string) bool {
	return isValidPrefixAndOrSuffix(v, isValidDNSSubdomain, func(s string) bool {
		if len(s) < 1 || len(s) > 63 {
			return false
		}
		for i := 0; i < len(s); i++ {
			if !isAlnum(s[i]) {
				return false
			}
		}
		return true
	})
}

// isValidKind: 1-63 characters, ^[a-zA-Z][a-z0-9A-Z]*$.
func isValidKind(s string) bool {
	if len(s) < 1 || len(s) > 63 || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isAlnum(s[i]) {
			return false
		}
	}
	return true
}

// isValidObjectName: 1-63 characters, ^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$.
func isValidObjectName(s string) bool {
	if len(s) < 1 || len(s) > 63 || !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		c := s[i]
		if !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

func isValidLabelValue(s string) bool { return s == "" || isValidObjectName(s) }

// isValidPrefixedName: [<dns-subdomain>/]<object name>, the shape of label
// and annotation keys.
func isValidPrefixedName(s string) bool {
	return isValidPrefixAndOrSuffix(s, isValidDNSSubdomain, isValidObjectName)
}

// isValidPrefixAndOrSuffix splits on "/": one part is a suffix, two parts
// are a prefix and a suffix, more is invalid.
func isValidPrefixAndOrSuffix(s string, prefix, suffix func(string) bool) bool {
	before, after, found := strings.Cut(s, "/")
	if !found {
		return suffix(s)
	}
	return !strings.Contains(after, "/") && prefix(before) && suffix(after)
}

// isValidDNSSubdomain: 1-253 characters of dot-separated DNS labels.
func isValidDNSSubdomain(s string) bool {
	if len(s) < 1 || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if !isValidDNSLabel(label) {
			return false
		}
	}
	return true
}

// isValidDNSLabel: 1-63 characters, ^[a-z0-9]+(?:\-+[a-z0-9]+)*$.
func isValidDNSLabel(s string) bool {
	if len(s) < 1 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isLowerAlnum(c) && c != '-' {
			return false
		}
	}
	return true
}

// isValidTag: 1-63 characters, ^[a-z0-9:+#]+(\-[a-z0-9:+#]+)*$.
func isValidTag(s string) bool {
	if len(s) < 1 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isLowerAlnum(c), c == ':', c == '+', c == '#':
		case c == '-':
			if s[i-1] == '-' {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// isNonEmptyString: a string that is not empty once trimmed as
// JavaScript's String.prototype.trim does.
func isNonEmptyString(s string) bool {
	return strings.TrimFunc(s, isJSWhitespace) != ""
}

// isJSWhitespace reports JavaScript's WhiteSpace and LineTerminator
// characters, which trim removes.
func isJSWhitespace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', '\u00a0', '\u1680', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff':
		return true
	}
	return r >= '\u2000' && r <= '\u200a'
}

func isAlpha(c byte) bool      { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isAlnum(c byte) bool      { return isAlpha(c) || isDigit(c) }
func isLowerAlnum(c byte) bool { return c >= 'a' && c <= 'z' || isDigit(c) }
