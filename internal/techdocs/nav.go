package techdocs

import (
	"html"
	"html/template"
	"net/url"
	"strings"
)

// renderNav writes the navigation tree as nested lists, once per parsed
// page rather than on every view: a site's navigation can hold hundreds
// of entries. Links keep only safe URLs (relative, http(s), mailto); the
// current page is marked with aria-current; a section without a page of
// its own is a span of class docs-nav__section.
func renderNav(items []NavItem) template.HTML {
	if len(items) == 0 {
		return ""
	}
	var b strings.Builder
	writeNav(&b, items)
	return template.HTML(b.String())
}

func writeNav(b *strings.Builder, items []NavItem) {
	b.WriteString("<ul>")
	for _, it := range items {
		b.WriteString("<li>")
		if href, ok := safeHref(it.Href); ok {
			b.WriteString(`<a href="`)
			b.WriteString(html.EscapeString(href))
			b.WriteString(`"`)
			if it.Current {
				b.WriteString(` aria-current="page"`)
			}
			b.WriteString(">")
			b.WriteString(html.EscapeString(it.Title))
			b.WriteString("</a>")
		} else {
			b.WriteString(`<span class="docs-nav__section">`)
			b.WriteString(html.EscapeString(it.Title))
			b.WriteString("</span>")
		}
		if len(it.Children) > 0 {
			writeNav(b, it.Children)
		}
		b.WriteString("</li>")
	}
	b.WriteString("</ul>")
}

// safeHref accepts relative URLs and http, https and mailto ones.
func safeHref(h string) (string, bool) {
	h = strings.TrimSpace(h)
	if h == "" || strings.ContainsFunc(h, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", false
	}
	u, err := url.Parse(h)
	if err != nil {
		return "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "", "http", "https", "mailto":
		return h, true
	}
	return "", false
}
