package web

import (
	"net/url"
	"strings"
)

// safeURL returns raw when it is a link the portal may put in an href:
// an absolute http or https URL (or mailto: when mail is true). Anything
// else (javascript:, data:, vbscript:, relative paths, text that is not a
// URL) is refused, as Backstage refuses such links. Control characters
// and spaces, which browsers strip to smuggle a scheme in, refuse the
// link too.
func safeURL(raw string, mail bool) (string, bool) {
	s := strings.TrimSpace(raw)
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return r < 0x21 || r == 0x7f }) {
		return "", false
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return "", false
		}
	case "mailto":
		if !mail || u.Opaque == "" {
			return "", false
		}
	default:
		return "", false
	}
	return u.String(), true
}

// pageLink is a link out of the portal; Href is "" when the URL was
// refused, and the page then shows the label as text.
type pageLink struct {
	Label, Href string
	// Refused holds a refused URL, shown as text so the owner can fix it.
	Refused string
}

// linkOut makes a pageLink labelled label (the URL when label is empty).
func linkOut(label, raw string, mail bool) pageLink {
	if label == "" {
		label = raw
	}
	if href, ok := safeURL(raw, mail); ok {
		return pageLink{Label: label, Href: href}
	}
	return pageLink{Label: label, Refused: raw}
}
