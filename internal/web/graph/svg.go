package graph

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
)

// Shapes of the drawing, in points. The stylesheet recolours boxes by
// kind and edges by relation with the portal's colour variables, so the
// drawing follows the light and dark themes; the colours written here are
// what shows without it.
const (
	// pad surrounds the drawing, as Graphviz pads its own.
	pad = 4.0
	// radius rounds the boxes' corners.
	radius = 6.0
	// arrowLength and arrowHalfWidth are an arrowhead's (Graphviz's
	// normal arrow at arrowsize 0.7).
	arrowLength    = 7.0
	arrowHalfWidth = 2.45
	// lineHeight is a label line's height per point of font size.
	lineHeight = 1.2
	// parallelGap separates straight edges between the same two boxes.
	parallelGap = 5.0

	fillColour      = "#ffffff"
	lineColour      = "#8a94a1"
	edgeLabelColour = "#515a65"
	dashes          = "5,2"
)

// A bundle's grid: cells of two lines, padded and spaced as an HTML
// table would be.
const (
	cellSpacing = 6.0
	cellPadding = 6.0 // 5 inside the border, and the 1-point border
	cellHeight  = 2*nodeFont*lineHeight + 2*cellPadding
)

// writeSVG draws d as Graphviz laid it out in l: an <svg> element to
// inline in a page, with no script, style attribute or comment. Each box
// is a group with its id and classes, titled with its ref, and holds a
// link to its entity's page (no link for a missing entity); each edge is
// a group with its id and classes, a path and an arrowhead.
func writeSVG(d *drawing, l *plainLayout) ([]byte, error) {
	for _, bx := range d.order {
		if _, ok := l.nodes[bx.name]; !ok {
			return nil, fmt.Errorf("%w: the layout has no node %s", errLayout, bx.name)
		}
	}
	w := &svgWriter{height: l.height, buf: make([]byte, 0, 512*(len(d.order)+len(d.edges)))}
	width, height := l.width+2*pad, l.height+2*pad
	w.str(`<svg width="`).num(width).str(`pt" height="`).num(height).str(`pt" viewBox="0 0 `).num(width).str(" ").num(height)
	w.str(`" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">` + "\n")
	w.str(`<g class="graph" font-family="` + fontName + `" font-size="`).num(nodeFont).str(`" text-anchor="middle">` + "\n")
	// Edges first, so that boxes cover the lines that cross them.
	routes := d.routes(l)
	for i, ln := range d.edges {
		if !ln.invisible {
			w.edge(ln, routes[i])
		}
	}
	for _, bx := range d.order {
		w.box(bx, l.nodes[bx.name])
	}
	w.str("</g>\n</svg>\n")
	// The cache keeps the drawing: not the buffer's spare room.
	return bytes.Clone(w.buf), nil
}

// route is where an edge is drawn: a path of cubic Bézier control points
// (or a straight segment), its arrowhead's base and tip, and its label's
// centre. A route with no points is not placed yet.
type route struct {
	points []point
	tip    point
	label  *point
}

// routes places d's edges: as Graphviz routed them, or as straight lines
// between the boxes when it routed none.
func (d *drawing) routes(l *plainLayout) []route {
	out := make([]route, len(d.edges))
	if !d.straight {
		// Graphviz writes the edges of each tail in the order of the DOT
		// text, so the edges between two boxes come in that order.
		queue := map[[2]string][]int{}
		for i, ln := range d.edges {
			k := [2]string{ln.from, ln.to}
			queue[k] = append(queue[k], i)
		}
		for _, e := range l.edges {
			k := [2]string{e.from, e.to}
			if len(queue[k]) == 0 || len(e.points) < 4 {
				continue // not a Bézier curve: drawn straight below
			}
			i := queue[k][0]
			queue[k] = queue[k][1:]
			out[i] = splineRoute(e, l.nodes[e.from], l.nodes[e.to])
		}
	}
	// Edges Graphviz did not route are straight; those between the same
	// two boxes are drawn side by side.
	pairs := map[[2]string][]int{}
	for i, ln := range d.edges {
		if out[i].points == nil && !ln.invisible {
			k := [2]string{min(ln.from, ln.to), max(ln.from, ln.to)}
			pairs[k] = append(pairs[k], i)
		}
	}
	for k, idx := range pairs {
		for j, i := range idx {
			ln := d.edges[i]
			from, to := l.nodes[ln.from], l.nodes[ln.to]
			if ln.from == ln.to {
				out[i] = loopRoute(from, j)
				continue
			}
			// Offsets are measured across the line from the lesser name to
			// the greater, so opposite edges do not coincide.
			offset := (float64(j) - float64(len(idx)-1)/2) * parallelGap
			if ln.from != k[0] {
				offset = -offset
			}
			out[i] = straightRoute(from, to, offset)
			if ln.label != "" {
				mid := point{(out[i].points[0].x + out[i].tip.x) / 2, (out[i].points[0].y + out[i].tip.y) / 2}
				out[i].label = &mid
			}
		}
	}
	return out
}

// splineRoute is an edge Graphviz routed, of at least four points. They
// run from the tail to the arrowhead's base; the arrowhead continues the
// spline's last direction to the head's border.
func splineRoute(e plainEdge, tail, head rect) route {
	pts := e.points
	if len(pts)%3 != 1 {
		pts = pts[:len(pts)-(len(pts)+2)%3]
	}
	if distance(pts[0], head) < distance(pts[0], tail) && distance(pts[len(pts)-1], tail) < distance(pts[len(pts)-1], head) {
		// A spline written from its head: turn it round.
		rev := make([]point, len(pts))
		for i, p := range pts {
			rev[len(pts)-1-i] = p
		}
		pts = rev
	}
	end := pts[len(pts)-1]
	dir := point{}
	for i := len(pts) - 2; i >= 0 && dir == (point{}); i-- {
		dir = unit(end, pts[i])
	}
	return route{points: pts, tip: point{end.x + dir.x*arrowLength, end.y + dir.y*arrowLength}, label: e.label}
}

// straightRoute is a line from tail to head, moved offset across itself,
// from border to border, ending in an arrowhead.
func straightRoute(tail, head rect, offset float64) route {
	dir := unit(point{head.x, head.y}, point{tail.x, tail.y})
	if dir == (point{}) {
		dir = point{1, 0} // boxes on top of each other
	}
	// Keep the line inside both boxes' ends.
	limit := 0.4 * min(tail.w, tail.h, head.w, head.h)
	offset = max(-limit, min(limit, offset))
	across := point{-dir.y * offset, dir.x * offset}
	from := point{tail.x + across.x, tail.y + across.y}
	to := point{head.x + across.x, head.y + across.y}
	start := border(from, dir, tail)
	tip := border(to, point{-dir.x, -dir.y}, head)
	base := point{tip.x - dir.x*arrowLength, tip.y - dir.y*arrowLength}
	return route{points: []point{start, base}, tip: tip}
}

// loopRoute is an edge from a box to itself: a loop on its right side,
// the nth loop outside the previous ones.
func loopRoute(r rect, n int) route {
	right, reach := r.x+r.w/2, 20+8*float64(n)
	start := point{right, r.y + 6}
	base := point{right + 6, r.y - 8}
	c1 := point{right + reach, r.y + 16}
	c2 := point{right + reach, r.y - 16}
	dir := unit(base, c2)
	return route{points: []point{start, c1, c2, base}, tip: point{base.x + dir.x*arrowLength, base.y + dir.y*arrowLength}}
}

// border is where a ray from p, inside r, in direction dir leaves r.
func border(p, dir point, r rect) point {
	t := math.Inf(1)
	if dir.x > 0 {
		t = min(t, (r.x+r.w/2-p.x)/dir.x)
	} else if dir.x < 0 {
		t = min(t, (r.x-r.w/2-p.x)/dir.x)
	}
	if dir.y > 0 {
		t = min(t, (r.y+r.h/2-p.y)/dir.y)
	} else if dir.y < 0 {
		t = min(t, (r.y-r.h/2-p.y)/dir.y)
	}
	if math.IsInf(t, 1) || t < 0 {
		t = 0
	}
	return point{p.x + dir.x*t, p.y + dir.y*t}
}

// unit is the unit vector from b to a; zero when they are the same point.
func unit(a, b point) point {
	dx, dy := a.x-b.x, a.y-b.y
	n := math.Hypot(dx, dy)
	if n < 1e-9 {
		return point{}
	}
	return point{dx / n, dy / n}
}

// distance is how far p is outside r (0 inside).
func distance(p point, r rect) float64 {
	dx := max(math.Abs(p.x-r.x)-r.w/2, 0)
	dy := max(math.Abs(p.y-r.y)-r.h/2, 0)
	return math.Hypot(dx, dy)
}

// svgWriter appends SVG text, turning layout coordinates (y up from the
// bottom) into SVG ones (y down from the top, inside the padding).
type svgWriter struct {
	buf    []byte
	height float64
}

func (w *svgWriter) str(s string) *svgWriter {
	w.buf = append(w.buf, s...)
	return w
}

// num writes v with at most two decimals: as hundredths, which is
// several times quicker than formatting the float.
func (w *svgWriter) num(v float64) *svgWriter {
	h := int64(math.Round(v * 100))
	if h < 0 {
		w.buf = append(w.buf, '-')
		h = -h
	}
	w.buf = strconv.AppendInt(w.buf, h/100, 10)
	if frac := h % 100; frac != 0 {
		w.buf = append(w.buf, '.', byte('0'+frac/10))
		if frac%10 != 0 {
			w.buf = append(w.buf, byte('0'+frac%10))
		}
	}
	return w
}

// text writes s escaped for XML text and attribute values.
func (w *svgWriter) text(s string) *svgWriter {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			w.buf = append(w.buf, "&lt;"...)
		case '>':
			w.buf = append(w.buf, "&gt;"...)
		case '&':
			w.buf = append(w.buf, "&amp;"...)
		case '"':
			w.buf = append(w.buf, "&quot;"...)
		case '\'':
			w.buf = append(w.buf, "&#39;"...)
		default:
			if c < 0x20 && c != '\t' {
				continue // not allowed in XML
			}
			w.buf = append(w.buf, c)
		}
	}
	return w
}

// pt writes a layout point as SVG "x,y".
func (w *svgWriter) pt(p point) *svgWriter {
	return w.num(p.x + pad).str(",").num(w.height - p.y + pad)
}

func (w *svgWriter) edge(ln *line, r route) {
	w.str(`<g id="`).text(ln.id).str(`" class="`).text(ln.class).str(`"><title>`).text(ln.title).str("</title>\n")
	w.str(`<path fill="none" stroke="` + lineColour + `"`)
	if ln.dashed {
		w.str(` stroke-dasharray="` + dashes + `"`)
	}
	w.str(` d="M`).pt(r.points[0])
	if len(r.points) == 2 {
		w.str("L").pt(r.points[1])
	} else {
		w.str("C")
		for i, p := range r.points[1:] {
			if i > 0 {
				w.str(" ")
			}
			w.pt(p)
		}
	}
	w.str(`"/>` + "\n")
	// The arrowhead: a triangle from the path's end to the tip.
	base := r.points[len(r.points)-1]
	dir := unit(r.tip, base)
	side := point{-dir.y * arrowHalfWidth, dir.x * arrowHalfWidth}
	w.str(`<polygon fill="` + lineColour + `" stroke="` + lineColour + `" points="`)
	w.pt(point{base.x + side.x, base.y + side.y}).str(" ").pt(r.tip).str(" ").pt(point{base.x - side.x, base.y - side.y}).str(`"/>` + "\n")
	if ln.label != "" && r.label != nil {
		w.lines(*r.label, []string{ln.label}, edgeFont, ` font-size="9" fill="`+edgeLabelColour+`"`)
	}
	w.str("</g>\n")
}

func (w *svgWriter) box(bx *box, r rect) {
	w.str(`<g id="`).text(bx.id).str(`" class="`).text(bx.class).str(`"><title>`).text(bx.title).str("</title>\n")
	if bx.cells == nil {
		w.entity(bx, r, "")
	} else {
		w.grid(bx, r)
	}
	w.str("</g>\n")
}

// entity writes a box's link, outline and label; id names the link of a
// bundle's cell.
func (w *svgWriter) entity(bx *box, r rect, id string) {
	w.str("<a")
	if id != "" {
		w.str(` id="`).text(id).str(`"`)
	}
	if bx.href != "" {
		w.str(` xlink:href="`).text(bx.href).str(`"`)
	}
	w.str(` xlink:title="`).text(bx.title).str(`">` + "\n")
	if bx.dashed {
		w.str(`<path fill="none" stroke="` + lineColour + `" stroke-dasharray="` + dashes + `"`)
	} else {
		w.str(`<path fill="` + fillColour + `" stroke="` + lineColour + `"`)
	}
	if bx.root {
		w.str(` stroke-width="2"`)
	}
	w.str(` d="`)
	w.roundedRect(r)
	w.str(`"/>` + "\n")
	w.lines(point{r.x, r.y}, bx.lines, nodeFont, "")
	w.str("</a>\n")
}

// roundedRect writes the path of r with rounded corners.
func (w *svgWriter) roundedRect(r rect) {
	rad := min(radius, r.w/2, r.h/2)
	top := point{r.x - r.w/2 + rad, r.y + r.h/2}
	w.str("M").pt(top).str("h").num(r.w - 2*rad)
	w.str("a").num(rad).str(",").num(rad).str(" 0 0 1 ").num(rad).str(",").num(rad)
	w.str("v").num(r.h - 2*rad)
	w.str("a").num(rad).str(",").num(rad).str(" 0 0 1 ").num(-rad).str(",").num(rad)
	w.str("h").num(-(r.w - 2*rad))
	w.str("a").num(rad).str(",").num(rad).str(" 0 0 1 ").num(-rad).str(",").num(-rad)
	w.str("v").num(-(r.h - 2*rad))
	w.str("a").num(rad).str(",").num(rad).str(" 0 0 1 ").num(rad).str(",").num(-rad).str("z")
}

// lines writes text lines centred on c, as Graphviz sets them: each
// lineHeight times the font size below the previous, the baseline 0.3
// of the font size below the line's middle.
func (w *svgWriter) lines(c point, lines []string, size float64, attrs string) {
	for i, s := range lines {
		y := c.y - (float64(i)-float64(len(lines)-1)/2)*size*lineHeight - 0.3*size
		w.str(`<text x="`).num(c.x + pad).str(`" y="`).num(w.height - y + pad).str(`"` + attrs + ">").text(s).str("</text>\n")
	}
}

// grid writes a bundle's cells in r.
func (w *svgWriter) grid(bx *box, r rect) {
	widths := bx.columnWidths()
	left, top := r.x-r.w/2, r.y+r.h/2
	y := top - cellSpacing
	x := left + cellSpacing
	for i, cell := range bx.cells {
		col := i % bx.cols
		if col == 0 && i > 0 {
			y -= cellHeight + cellSpacing
			x = left + cellSpacing
		}
		cr := rect{x: x + widths[col]/2, y: y - cellHeight/2, w: widths[col], h: cellHeight}
		w.entity(cell, cr, cell.id)
		x += widths[col] + cellSpacing
	}
}

// columnWidths are the widths of a bundle's columns: each as wide as its
// widest cell's text, padded.
func (bx *box) columnWidths() []float64 {
	widths := make([]float64, bx.cols)
	for i, cell := range bx.cells {
		for _, s := range cell.lines {
			widths[i%bx.cols] = max(widths[i%bx.cols], textWidth(s, nodeFont)+2*cellPadding)
		}
	}
	return widths
}

// gridSize is the width and height of a bundle's grid.
func (bx *box) gridSize() (w, h float64) {
	w = cellSpacing
	for _, cw := range bx.columnWidths() {
		w += cw + cellSpacing
	}
	rows := (len(bx.cells) + bx.cols - 1) / bx.cols
	return w, cellSpacing + float64(rows)*(cellHeight+cellSpacing)
}

// textWidth estimates how wide s is set in Helvetica or Arial at size
// points, from the widths of a few classes of characters; it errs on the
// wide side, so that text fits the cell sized by it.
func textWidth(s string, size float64) float64 {
	em := 0.0
	for _, r := range s {
		switch {
		case r == 'i' || r == 'j' || r == 'l' || r == '.' || r == ',' || r == ':' || r == ';' || r == '\'' || r == '|' || r == '!':
			em += 0.28
		case r == 'f' || r == 't' || r == 'r' || r == 'I' || r == '-' || r == '(' || r == ')' || r == '[' || r == ']' || r == '/' || r == ' ':
			em += 0.36
		case r == 'm' || r == 'w' || r == 'M' || r == 'W':
			em += 0.86
		case r >= 'A' && r <= 'Z':
			em += 0.7
		case r < 0x80:
			em += 0.57
		default:
			em += 0.8 // wider scripts and symbols
		}
	}
	return em * size
}
