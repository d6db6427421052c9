package graph

import (
	"html"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Layout settings of every drawing. Colours here are fallbacks: the
// stylesheet recolours nodes by kind and edges by relation with the
// portal's colour variables, so the drawing follows the light and dark
// themes.
const (
	fontName  = "Helvetica,Arial,sans-serif"
	graphAttr = `graph [bgcolor="transparent", nodesep=0.22, ranksep=0.75, fontname="` + fontName + `", fontsize=11, newrank=true`
	nodeAttr  = `node [shape=box, style="rounded,filled", fillcolor="#ffffff", color="#8a94a1", fontname="` + fontName + `", fontsize=11, margin="0.14,0.05", height=0.4]`
	edgeAttr  = `edge [fontname="` + fontName + `", fontsize=9, color="#8a94a1", fontcolor="#515a65", arrowsize=0.7`
	// bigGraphAttr trades the finest layout for speed on large drawings:
	// straight edges and fewer crossing-reduction passes.
	bigGraphAttr = `, splines=line, mclimit=0.3, nslimit=2, nslimit1=2`
	// bigNodeAttr draws a large drawing's nodes as plain boxes: a rounded
	// box is a path of some fifty coordinates that Graphviz prints one by
	// one, a plain one a polygon of ten.
	bigNodeAttr = `node [style=filled]`
)

// Drawing limits.
const (
	// maxLabelledEdges is the most edges drawn with their relation as a
	// label. Graphviz lays every label out as a node of its own, so
	// labels on hundreds of edges cost seconds; beyond this the relation
	// is the edge's colour, which the legend explains.
	maxLabelledEdges = 60
	// maxNaturalNodes is the most entities Graphviz ranks by the relations
	// themselves; larger drawings get fixed columns.
	maxNaturalNodes = 40
)

// DOT writes g in Graphviz's language, laid out in direction (LR, RL, TB,
// BT). Each node is a link to link(ref) (missing entities are not links),
// labelled with its kind and name, with the classes "kind-<kind>" and
// "root" or "missing" for the stylesheet; each edge has the class
// "rel-<type>".
//
// A small graph is ranked by Graphviz from the relations themselves,
// which draws dependencies flowing one way. A large one is laid out by
// distance from the roots: the roots in the first column, what they
// relate to in the next, and so on. Fixing the columns (rank=same groups
// chained by invisible edges, and no edge constraining the ranks) spares
// Graphviz most of its work, which on a dense 200-node graph is the
// difference between seconds and a tenth of one, and reads as rings
// around the start. (Wrapping a long column into several would read
// better but makes edges cross columns, which costs Graphviz three times
// as much; the bundles keep the common long columns, a group's members or
// a system's parts, short.) The text depends only on g, so equal graphs
// share a cached drawing.
//
// A large drawing names its nodes by position (n0, n1 ...) rather than by
// ref, and draws them as plain boxes. Graphviz's cost and the text it
// keeps (go-graphviz never frees the DOT text it parses nor the SVG it
// writes, see layout) grow with every byte of names it escapes and every
// coordinate it prints: a node's ref is written in the SVG as its title
// and as a comment, and an edge's as both ends' refs. The ref stays the
// node's tooltip.
func (g *Graph) DOT(direction string, link func(ref string) string) string {
	bundles, skip, inBundle := g.bundles()
	drawnEdges := len(g.Edges) - len(skip) + len(bundles)
	drawnNodes := len(g.Nodes) - len(inBundle) + len(bundles)
	labels := drawnEdges <= maxLabelledEdges
	columns := !labels || drawnNodes > maxNaturalNodes

	big := !labels
	name := func(n *Node) string { return quote(n.Ref) }
	missingStyle := "rounded,dashed"
	if big {
		name = func(n *Node) string { return "n" + strconv.Itoa(n.seq) }
		missingStyle = "dashed"
	}

	var b strings.Builder
	b.WriteString("digraph catalog {\n")
	b.WriteString("  " + graphAttr)
	if big {
		b.WriteString(bigGraphAttr)
	}
	b.WriteString("]\n")
	b.WriteString("  rankdir=" + direction + ";\n")
	b.WriteString("  " + nodeAttr + "\n")
	if big {
		b.WriteString("  " + bigNodeAttr + "\n")
	}
	b.WriteString("  " + edgeAttr)
	if columns {
		// Edges do not rank nodes: the columns do.
		b.WriteString(", constraint=false")
	}
	b.WriteString("]\n")

	// The drawn items by depth: nodes, and bundles at their leaves' depth.
	var items []item
	bundleAt := map[string]*bundle{}
	for _, bd := range bundles {
		bundleAt[bd.nodes[0].Ref] = bd
	}
	for _, n := range g.Nodes {
		if bd := bundleAt[n.Ref]; bd != nil {
			items = append(items, item{quote(bd.id), n.Depth})
		}
		if inBundle[n.Ref] {
			continue
		}
		items = append(items, item{name(n), n.Depth})
		classes := []string{"kind-" + classPart(n.Kind)}
		if n.Root {
			classes = append(classes, "root")
		}
		if n.Missing {
			classes = append(classes, "missing")
		}
		b.WriteString("  " + name(n) + " [")
		attr(&b, "id", "gnode-"+strconv.Itoa(n.seq))
		attr(&b, "class", strings.Join(classes, " "))
		attr(&b, "label", strings.ToLower(n.Kind)+"\n"+n.Name)
		attr(&b, "tooltip", n.Ref)
		if n.Missing {
			attr(&b, "style", missingStyle)
		} else {
			attr(&b, "URL", link(n.Ref))
		}
		if n.Root {
			attr(&b, "penwidth", "2")
		}
		b.WriteString("];\n")
	}
	for _, bd := range bundles {
		writeBundle(&b, bd, name(g.Node(bd.hub)), link, func(n *Node) string { return "gnode-" + strconv.Itoa(n.seq) })
	}

	if columns {
		writeColumns(&b, items)
	}
	for i, e := range g.Edges {
		if skip[i] {
			continue
		}
		b.WriteString("  " + name(g.Node(e.From)) + " -> " + name(g.Node(e.To)) + " [")
		attr(&b, "id", "gedge-"+strconv.Itoa(i))
		attr(&b, "class", "rel-"+classPart(e.Type))
		if labels {
			attr(&b, "label", e.Type)
		}
		if n := g.Node(e.To); n != nil && n.Missing {
			attr(&b, "style", "dashed")
		}
		b.WriteString("];\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// writeColumns puts items in one column per depth, chained in order by
// invisible edges.
func writeColumns(b *strings.Builder, items []item) {
	sort.SliceStable(items, func(i, j int) bool { return items[i].depth < items[j].depth })
	var columns [][]string
	for i, it := range items {
		if i == 0 || it.depth != items[i-1].depth {
			columns = append(columns, nil)
		}
		columns[len(columns)-1] = append(columns[len(columns)-1], it.name)
	}
	for i, col := range columns {
		b.WriteString("  { rank=same; " + strings.Join(col, "; ") + " }\n")
		if i > 0 {
			b.WriteString("  " + columns[i-1][0] + " -> " + col[0] + " [style=invis, constraint=true];\n")
		}
	}
}

// item is a drawn node or bundle, by its name in the DOT text, and its
// distance from the roots.
type item struct {
	name  string
	depth int
}

// Bundling: an entity with many neighbours that have no other relation
// (a group's members, a popular API's consumers) would put them all in
// one rank, a column thousands of pixels long. Those leaves, when more
// than bundleAbove share a relation and a kind, are drawn as one grid
// whose cells are still links to each entity, with one edge to the grid.
const (
	bundleAbove   = 12
	bundleMaxCols = 12
)

// bundle is leaves drawn as one grid node.
type bundle struct {
	id    string
	hub   string
	kind  string
	typ   string
	out   bool // the edges go from the hub to the leaves
	nodes []*Node
	edges []int
}

// bundles finds the leaves to draw as grids; the edges they replace are
// marked in skip.
func (g *Graph) bundles() (out []*bundle, skip map[int]bool, inBundle map[string]bool) {
	degree := map[string]int{}
	for _, e := range g.Edges {
		degree[e.From]++
		degree[e.To]++
	}
	type key struct {
		hub, kind, typ string
		out            bool
	}
	groups := map[key]*bundle{}
	var order []key
	for i, e := range g.Edges {
		k := key{typ: e.Type}
		var leaf *Node
		switch {
		case degree[e.To] == 1 && degree[e.From] > 1:
			k.hub, k.out, leaf = e.From, true, g.Node(e.To)
		case degree[e.From] == 1 && degree[e.To] > 1:
			k.hub, leaf = e.To, g.Node(e.From)
		default:
			continue
		}
		if leaf == nil || leaf.Root {
			continue
		}
		k.kind = strings.ToLower(leaf.Kind)
		b := groups[k]
		if b == nil {
			b = &bundle{hub: k.hub, kind: k.kind, typ: k.typ, out: k.out}
			groups[k] = b
			order = append(order, k)
		}
		b.nodes = append(b.nodes, leaf)
		b.edges = append(b.edges, i)
	}
	skip, inBundle = map[int]bool{}, map[string]bool{}
	for _, k := range order {
		b := groups[k]
		if len(b.nodes) <= bundleAbove {
			continue
		}
		b.id = "bundle-" + strconv.Itoa(len(out))
		out = append(out, b)
		for _, i := range b.edges {
			skip[i] = true
		}
		for _, n := range b.nodes {
			inBundle[n.Ref] = true
		}
	}
	return out, skip, inBundle
}

// writeBundle writes a bundle as a node whose HTML-like label is a grid
// of linked cells, and its edge to hub, the hub's name in the DOT text.
func writeBundle(b *strings.Builder, bd *bundle, hub string, link func(string) string, nodeID func(*Node) string) {
	// About twice as wide as tall, as a laptop screen is.
	cols := min(bundleMaxCols, max(2, int(math.Ceil(math.Sqrt(2*float64(len(bd.nodes)))))))
	b.WriteString("  " + quote(bd.id) + " [")
	attr(b, "id", "g"+bd.id)
	attr(b, "class", "bundle kind-"+classPart(bd.kind))
	attr(b, "shape", "plain")
	attr(b, "style", "")
	attr(b, "tooltip", strconv.Itoa(len(bd.nodes))+" × "+bd.kind)
	b.WriteString(`, label=<<TABLE BORDER="0" CELLSPACING="6" CELLPADDING="5">`)
	for i, n := range bd.nodes {
		if i%cols == 0 {
			b.WriteString("<TR>")
		}
		b.WriteString(`<TD ID="` + nodeID(n) + `" BORDER="1" STYLE="rounded" BGCOLOR="#ffffff" TOOLTIP="` + html.EscapeString(n.Ref) + `"`)
		if !n.Missing {
			b.WriteString(` HREF="` + html.EscapeString(link(n.Ref)) + `"`)
		}
		b.WriteString(">" + html.EscapeString(strings.ToLower(n.Kind)) + "<BR/>" + html.EscapeString(n.Name) + "</TD>")
		if i%cols == cols-1 || i == len(bd.nodes)-1 {
			b.WriteString("</TR>")
		}
	}
	b.WriteString("</TABLE>>];\n")
	from, to := hub, quote(bd.id)
	if !bd.out {
		from, to = to, from
	}
	b.WriteString("  " + from + " -> " + to + " [")
	attr(b, "id", "g"+bd.id+"-edge")
	attr(b, "class", "rel-"+classPart(bd.typ))
	attr(b, "label", bd.typ+" ×"+strconv.Itoa(len(bd.nodes)))
	b.WriteString("];\n")
}

// attr writes name="value", separated from the previous attribute.
func attr(b *strings.Builder, name, value string) {
	s := b.String()
	if !strings.HasSuffix(s, "[") {
		b.WriteString(", ")
	}
	b.WriteString(name + "=" + quote(value))
}

// quote makes a DOT string. Backslashes are doubled so that entity text
// cannot use Graphviz's escapes (\N, \G ...), except the line breaks
// labels use, which are written as \n.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\r', '\t':
			b.WriteByte(' ')
		default:
			if r < 0x20 || r == 0x7f {
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// classPart makes a class name part: lower-case letters, digits and
// hyphens.
func classPart(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "unknown"
	}
	return b.String()
}
