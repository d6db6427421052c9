package markdown

import (
	"regexp"

	"github.com/microcosm-cc/bluemonday"
)

// svgElements are what Graphviz writes (names lower-cased, as the HTML
// tokenizer sees them; browsers restore the case inside <svg>).
var svgElements = []string{
	"svg", "g", "path", "polygon", "polyline", "ellipse", "circle", "rect", "line", "text", "tspan",
	"title", "desc", "defs", "lineargradient", "radialgradient", "stop", "marker",
}

var svgAttributes = []string{
	"width", "height", "viewbox", "xmlns", "xmlns:xlink", "version", "transform", "fill", "stroke",
	"stroke-width", "stroke-dasharray", "stroke-opacity", "fill-opacity", "opacity", "points", "d", "cx", "cy",
	"r", "rx", "ry", "x", "y", "x1", "y1", "x2", "y2", "dx", "dy", "text-anchor", "font-family", "font-size",
	"font-weight", "font-style", "text-decoration", "offset", "stop-color", "stop-opacity", "gradientunits",
	"gradienttransform", "preserveaspectratio", "markerwidth", "markerheight", "refx", "refy", "orient",
}

// textElements carry no attributes beyond the global ones.
var textElements = []string{
	"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code", "kbd", "samp", "var",
	"em", "strong", "b", "i", "u", "s", "del", "ins", "mark", "small", "sub", "sup", "abbr", "cite", "q", "dfn",
	"span", "div", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "th", "td",
	"caption", "colgroup", "col", "figure", "figcaption", "details", "summary", "section", "article", "aside",
	"header", "footer", "time", "wbr", "ruby", "rt", "rp", "bdi", "label",
}

// svgLinkRE admits links inside SVG (xlink:href is not one of the URL
// attributes bluemonday checks): web URLs, fragments and relative paths,
// nothing with another scheme.
var svgLinkRE = regexp.MustCompile(`^(?:https?://[^\s"'<>]*|#[^\s"'<>]*|[^\s:"'<>]*)$`)

// newPolicy is the allow-list for rendered pages: what this package's
// extensions emit, ordinary HTML from Markdown authors, and SVG from dot
// fences; never scripts, styles, event handlers, frames, forms or
// non-web URLs.
func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowStandardURLs()
	p.RequireNoFollowOnLinks(false)
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowDataAttributes()
	p.AllowElements(textElements...)
	p.AllowAttrs("id").Matching(regexp.MustCompile(`^[\w:.\-]+$`)).Globally()
	p.AllowAttrs("class", "title", "lang").Globally()
	p.AllowAttrs("dir").Matching(regexp.MustCompile(`^(?i:ltr|rtl|auto)$`)).Globally()
	p.AllowAttrs("role").Matching(regexp.MustCompile(`^[a-z\- ]+$`)).Globally()
	p.AllowAttrs("href", "name").OnElements("a")
	p.AllowAttrs("target").Matching(regexp.MustCompile(`^_(?:blank|self|parent|top)$`)).OnElements("a")
	p.AllowAttrs("src", "alt", "width", "height", "loading", "align").OnElements("img")
	p.AllowAttrs("start", "reversed", "type").OnElements("ol")
	p.AllowAttrs("align", "colspan", "rowspan", "scope", "headers", "abbr", "valign", "width").OnElements("th", "td")
	p.AllowAttrs("align").OnElements("tr", "p", "div", "h1", "h2", "h3", "h4", "h5", "h6")
	p.AllowAttrs("span", "width").OnElements("col", "colgroup")
	p.AllowAttrs("open").OnElements("details")
	p.AllowAttrs("cite").OnElements("blockquote", "q", "del", "ins")
	p.AllowAttrs("datetime").OnElements("time", "del", "ins")
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^(?:checkbox|radio)$`)).OnElements("input")
	p.AllowAttrs("checked", "disabled", "name").OnElements("input")
	p.AllowAttrs("for").OnElements("label")
	p.AllowAttrs("tabindex").Matching(regexp.MustCompile(`^0$`)).OnElements("pre", "table")
	p.AllowAttrs(svgAttributes...).OnElements(svgElements...)
	p.AllowNoAttrs().OnElements(svgElements...)
	p.AllowAttrs("xlink:href").Matching(svgLinkRE).OnElements("a")
	p.AllowAttrs("xlink:title").OnElements("a")
	// SVG titles are tooltips; bluemonday drops a title's text by default.
	p.AllowElementsContent("title")
	return p
}
