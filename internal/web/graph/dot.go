package graph

import (
	"crypto/sha256"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Layout settings of every drawing. Graphviz only places the boxes (and,
// on small drawings, routes the edges); the SVG is written here (see
// svg.go), so the DOT text holds nothing but what moves or sizes
// something: labels, fonts and spacing.
const (
	fontName  = "Helvetica,Arial,sans-serif"
	nodeFont  = 11.0
	edgeFont  = 9.0
	graphAttr = `graph [nodesep=0.22, ranksep=0.75, fontname="` + fontName + `", fontsize=11, newrank=true`
	nodeAttr  = `node [shape=box, fontname="` + fontName + `", fontsize=11, margin="0.14,0.05", height=0.4]`
	edgeAttr  = `edge [fontname="` + fontName + `", fontsize=9, arrowsize=0.7`
	// straightAttr is a large drawing's: Graphviz routes no edge (its
	// edges are straight lines, drawn here from the boxes), and makes
	// fewer crossing-reduction and placement passes.
	straightAttr = `, splines="", mclimit=0.3, nslimit=2, nslimit1=2`
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

// drawing is a graph ready to lay out: the DOT text Graphviz places its
// boxes by, and what the SVG shows of each box and edge.
type drawing struct {
	dot string
	// order is the boxes in the order they are drawn.
	order []*box
	// edges are in the order of the DOT text, invisible ones included.
	edges []*line
	// straight says Graphviz routes no edge: each is a straight line
	// between its boxes.
	straight bool
}

// box is an entity, or a bundle of leaves, drawn as a rectangle.
type box struct {
	name  string // in the DOT text
	id    string
	class string
	title string // the tooltip: the entity's ref
	href  string // empty for a missing entity
	lines []string
	root  bool
	// dashed outlines a missing entity.
	dashed bool
	// cells are a bundle's entities, drawn as a grid of cols columns.
	cells []*box
	cols  int
}

// line is an edge between two boxes.
type line struct {
	from, to  string // box names
	id, class string
	title     string
	label     string
	dashed    bool
	invisible bool
}

// drawing prepares g for layout in direction (LR, RL, TB or BT). Each
// entity is a link to link(ref) (missing entities are not links),
// labelled with its kind and name, with the classes "node",
// "kind-<kind>" and "root" or "missing" for the stylesheet; each edge has
// the classes "edge" and "rel-<type>".
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
// a system's parts, short.) A large graph's edges are unlabelled straight
// lines, which need no routing.
//
// Boxes are named by position (n0, n1 ...; bundles b0, b1 ...): Graphviz
// keeps every DOT text it parses in memory (see runThen) and prints the
// names back, so they are short.
func (g *Graph) drawing(direction string, link func(ref string) string) *drawing {
	bundles, skip, inBundle := g.bundles()
	drawnEdges := len(g.Edges) - len(skip) + len(bundles)
	drawnNodes := len(g.Nodes) - len(inBundle) + len(bundles)
	labels := drawnEdges <= maxLabelledEdges
	columns := !labels || drawnNodes > maxNaturalNodes
	d := &drawing{straight: !labels}

	var b strings.Builder
	b.WriteString("digraph {\n  " + graphAttr + ", rankdir=" + direction)
	if d.straight {
		b.WriteString(straightAttr)
	}
	b.WriteString("]\n  " + nodeAttr + "\n  " + edgeAttr)
	if columns {
		// Edges do not rank nodes: the columns do.
		b.WriteString(", constraint=false")
	}
	b.WriteString("]\n")

	name := func(n *Node) string { return "n" + strconv.Itoa(n.seq) }
	entityBox := func(n *Node) *box {
		bx := &box{
			name:   name(n),
			id:     "gnode-" + strconv.Itoa(n.seq),
			class:  "node kind-" + classPart(n.Kind),
			title:  n.Ref,
			lines:  []string{strings.ToLower(n.Kind), n.Name},
			root:   n.Root,
			dashed: n.Missing,
		}
		if n.Root {
			bx.class += " root"
		}
		if n.Missing {
			bx.class += " missing"
		} else {
			bx.href = link(n.Ref)
		}
		return bx
	}

	// The drawn items by depth: nodes, and bundles at their leaves' depth.
	var items []item
	bundleAt := map[string]*bundle{}
	for _, bd := range bundles {
		bundleAt[bd.nodes[0].Ref] = bd
	}
	for _, n := range g.Nodes {
		if bd := bundleAt[n.Ref]; bd != nil {
			items = append(items, item{bd.name, n.Depth})
		}
		if inBundle[n.Ref] {
			continue
		}
		bx := entityBox(n)
		d.order = append(d.order, bx)
		items = append(items, item{bx.name, n.Depth})
		b.WriteString("  " + bx.name + " [label=" + quote(bx.lines[0]+"\n"+bx.lines[1]) + "];\n")
	}
	for _, bd := range bundles {
		bx := &box{
			name:  bd.name,
			id:    "g" + bd.id,
			class: "node bundle kind-" + classPart(bd.kind),
			title: strconv.Itoa(len(bd.nodes)) + " × " + bd.kind,
			// About twice as wide as tall, as a laptop screen is.
			cols: min(bundleMaxCols, max(2, int(math.Ceil(math.Sqrt(2*float64(len(bd.nodes))))))),
		}
		for _, n := range bd.nodes {
			bx.cells = append(bx.cells, entityBox(n))
		}
		d.order = append(d.order, bx)
		w, h := bx.gridSize()
		b.WriteString("  " + bx.name + " [label=\"\", fixedsize=true, width=" + inches(w) + ", height=" + inches(h) + "];\n")
		ln := &line{from: name(g.Node(bd.hub)), to: bx.name, id: "g" + bd.id + "-edge", class: "edge rel-" + classPart(bd.typ),
			title: bd.hub + " " + bd.typ + " " + bx.title, label: bd.typ + " ×" + strconv.Itoa(len(bd.nodes))}
		if !bd.out {
			ln.from, ln.to = ln.to, ln.from
			ln.title = bx.title + " " + bd.typ + " " + bd.hub
		}
		d.addEdge(&b, ln)
	}

	if columns {
		d.writeColumns(&b, items)
	}
	for i, e := range g.Edges {
		if skip[i] {
			continue
		}
		to := g.Node(e.To)
		ln := &line{
			from: name(g.Node(e.From)), to: name(to),
			id:     "gedge-" + strconv.Itoa(i),
			class:  "edge rel-" + classPart(e.Type),
			title:  e.From + " " + e.Type + " " + e.To,
			dashed: to != nil && to.Missing,
		}
		if labels {
			ln.label = e.Type
		}
		d.addEdge(&b, ln)
	}
	b.WriteString("}\n")
	d.dot = b.String()
	return d
}

// key identifies a drawing by everything its SVG shows.
func (d *drawing) key() [32]byte {
	var b []byte
	field := func(s string) {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	flag := func(on bool) { b = strconv.AppendBool(b, on) }
	var addBox func(bx *box)
	addBox = func(bx *box) {
		for _, s := range [...]string{bx.name, bx.id, bx.class, bx.title, bx.href} {
			field(s)
		}
		for _, s := range bx.lines {
			field(s)
		}
		flag(bx.root)
		flag(bx.dashed)
		b = strconv.AppendInt(b, int64(bx.cols), 10)
		for _, c := range bx.cells {
			addBox(c)
		}
		b = append(b, ';')
	}
	field(d.dot)
	for _, bx := range d.order {
		addBox(bx)
	}
	for _, ln := range d.edges {
		for _, s := range [...]string{ln.from, ln.to, ln.id, ln.class, ln.title, ln.label} {
			field(s)
		}
		flag(ln.dashed)
		flag(ln.invisible)
	}
	return sha256.Sum256(b)
}

// addEdge writes an edge in the DOT text and keeps it, in the same order.
func (d *drawing) addEdge(b *strings.Builder, ln *line) {
	d.edges = append(d.edges, ln)
	b.WriteString("  " + ln.from + " -> " + ln.to)
	switch {
	case ln.invisible:
		b.WriteString(" [style=invis, constraint=true]")
	case ln.label != "" && !d.straight:
		// Straight edges' labels are drawn at their middle, not placed
		// by Graphviz.
		b.WriteString(" [label=" + quote(ln.label) + "]")
	}
	b.WriteString(";\n")
}

// writeColumns puts items in one column per depth, chained in order by
// invisible edges.
func (d *drawing) writeColumns(b *strings.Builder, items []item) {
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
			d.addEdge(b, &line{from: columns[i-1][0], to: col[0], invisible: true})
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
	id    string // bundle-<i>
	name  string // in the DOT text
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
		b.name = "b" + strconv.Itoa(len(out))
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

// inches writes a length in points as the inches DOT sizes are in.
func inches(points float64) string {
	return strconv.FormatFloat(points/72, 'f', 3, 64)
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
