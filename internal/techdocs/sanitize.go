package techdocs

import (
	"regexp"

	"github.com/microcosm-cc/bluemonday"
)

// articlePolicy is the allow-list a published page's article passes
// before the portal shows it. A site in the bucket may come from anywhere
// (techdocs-cli, another Backstage), so nothing in it is trusted: no
// scripts, no event handlers, no inline styles, no forms, no frames. What
// stays is what Markdown and its extensions produce: classes (admonitions,
// tabs, highlighting), ids (headings, footnotes), details, task-list and
// tab inputs, and the inline SVG of rendered diagrams.
func articlePolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("class").Globally()
	p.AllowElements("details", "summary", "figure", "figcaption", "mark", "abbr", "kbd", "del", "ins",
		"sup", "sub", "label", "dl", "dt", "dd", "span", "div")
	p.AllowAttrs("for").OnElements("label")
	// Task lists and tabbed content (radio inputs switched by CSS).
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^(?i)(checkbox|radio)$`)).OnElements("input")
	p.AllowAttrs("checked", "disabled", "name").OnElements("input")
	p.AllowAttrs("data-tabs").OnElements("div")
	p.AllowAttrs("datetime").OnElements("time")
	p.AllowElements("time")
	p.AllowAttrs("start", "reversed").OnElements("ol")
	p.AllowAttrs("colspan", "rowspan", "align").OnElements("td", "th")
	p.AllowAttrs("loading", "width", "height").OnElements("img")
	// Diagrams rendered on the server (```dot fences) are inline SVG.
	svg := []string{"svg", "g", "path", "polygon", "polyline", "ellipse", "circle", "rect", "line",
		"text", "tspan", "title", "desc", "defs", "marker", "lineargradient", "radialgradient", "stop"}
	p.AllowElements(svg...)
	p.AllowAttrs("viewbox", "width", "height", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry",
		"d", "points", "fill", "fill-opacity", "stroke", "stroke-width", "stroke-dasharray", "stroke-opacity",
		"stroke-linecap", "stroke-linejoin", "opacity", "transform", "font-family", "font-size", "font-weight",
		"font-style", "text-anchor", "dominant-baseline", "dx", "dy", "xmlns", "version",
		"preserveaspectratio", "marker-end", "marker-start", "markerwidth", "markerheight", "refx", "refy",
		"orient", "offset", "stop-color", "role", "aria-label", "aria-hidden", "focusable").OnElements(svg...)
	p.AllowAttrs("aria-label", "aria-hidden", "role").Globally()
	p.RequireNoFollowOnLinks(false)
	p.RequireNoReferrerOnFullyQualifiedLinks(true)
	return p
}
