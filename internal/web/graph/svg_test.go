package graph

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/google/go-cmp/cmp"
)

// svgElement is the part of an SVG document the checks read.
type svgElement struct {
	XMLName xml.Name
	ID      string       `xml:"id,attr"`
	Class   string       `xml:"class,attr"`
	Href    string       `xml:"http://www.w3.org/1999/xlink href,attr"`
	Title   string       `xml:"http://www.w3.org/1999/xlink title,attr"`
	D       string       `xml:"d,attr"`
	Dash    string       `xml:"stroke-dasharray,attr"`
	Text    string       `xml:",chardata"`
	Kids    []svgElement `xml:",any"`
}

func (e svgElement) walk(fn func(e svgElement)) {
	fn(e)
	for _, k := range e.Kids {
		k.walk(fn)
	}
}

// forbidden must never be in a drawing inlined in a page.
var forbidden = regexp.MustCompile(`(?i)<script|\son[a-z]+=|\sstyle=|javascript:|<!DOCTYPE|<\?xml|<!--`)

// renderClean draws g from left to right with r and returns the SVG,
// parsed and as text, failing the test when it is not XML or holds
// anything forbidden.
func renderClean(t *testing.T, r *Renderer, g *Graph) (svgElement, []byte) {
	t.Helper()
	svg, err := r.Draw(context.Background(), g, "LR", testLink)
	if err != nil {
		t.Fatal(err)
	}
	if m := forbidden.Find(svg); m != nil {
		t.Errorf("SVG contains %q", m)
	}
	var root svgElement
	if err := xml.Unmarshal(svg, &root); err != nil {
		t.Fatalf("SVG is not XML: %v", err)
	}
	return root, svg
}

func TestSVG(t *testing.T) {
	p := DefaultParams()
	p.Roots = []string{"component:default/booking-service"}
	g, err := Build(context.Background(), harbour(t), p)
	if err != nil {
		t.Fatal(err)
	}
	g.Node("group:default/team-bookings").Name = `<script>alert("x")</script>`
	r := NewRenderer(0)
	root, svg := renderClean(t, r, g)
	if !bytes.HasPrefix(svg, []byte("<svg")) {
		t.Errorf("SVG starts with %q", svg[:min(len(svg), 40)])
	}
	var nodes, edgeIDs []string
	links := map[string]string{}
	var texts []string
	root.walk(func(e svgElement) {
		switch {
		case e.XMLName.Local == "g" && strings.HasPrefix(e.ID, "gnode-"):
			nodes = append(nodes, e.ID+" "+e.Class)
		case e.XMLName.Local == "g" && strings.HasPrefix(e.ID, "gedge-"):
			edgeIDs = append(edgeIDs, e.ID)
		case e.XMLName.Local == "a":
			links[e.Title] = e.Href
		case e.XMLName.Local == "text":
			texts = append(texts, e.Text)
		}
	})
	wantNodes := []string{
		"gnode-0 node kind-component root",
		"gnode-1 node kind-api",
		"gnode-2 node kind-component",
		"gnode-3 node kind-resource",
		"gnode-4 node kind-resource missing",
		"gnode-5 node kind-group",
		"gnode-6 node kind-system",
		"gnode-7 node kind-api",
	}
	sort.Strings(nodes)
	if diff := cmp.Diff(wantNodes, nodes); diff != "" {
		t.Errorf("nodes (-want +got):\n%s", diff)
	}
	if len(edgeIDs) != len(g.Edges) {
		t.Errorf("%d edges drawn, want %d", len(edgeIDs), len(g.Edges))
	}
	// Every entity in the catalog is a link to its page; the missing one
	// only has its tooltip.
	wantLinks := map[string]string{
		"resource:default/legacy-queue":     "",
		"component:default/booking-service": "/catalog/default/component/booking-service",
		"api:default/payments-api":          "/catalog/default/api/payments-api",
		"component:default/ops-console":     "/catalog/default/component/ops-console",
		"resource:default/bookings-db":      "/catalog/default/resource/bookings-db",
		"group:default/team-bookings":       "/catalog/default/group/team-bookings",
		"system:default/ferries":            "/catalog/default/system/ferries",
		"api:default/booking-api":           "/catalog/default/api/booking-api",
	}
	if diff := cmp.Diff(wantLinks, links); diff != "" {
		t.Errorf("links (-want +got):\n%s", diff)
	}
	if !strings.Contains(strings.Join(texts, "\n"), `<script>alert("x")</script>`) {
		t.Errorf("the group's name is not drawn as text: %q", texts)
	}

	again, err := r.Draw(context.Background(), g, "LR", testLink)
	if err != nil || !bytes.Equal(again, svg) {
		t.Fatalf("second drawing differs (err %v)", err)
	}
	if layouts, hits := r.Stats(); layouts != 1 || hits != 1 {
		t.Errorf("layouts, hits = %d, %d; want 1, 1", layouts, hits)
	}
}

func TestLayoutBadDOT(t *testing.T) {
	_, err := NewRenderer(-1).run(context.Background(), formatPlain, "digraph { a -> ")
	if !errors.Is(err, errLayout) {
		t.Fatalf("err = %v for broken DOT, want errLayout", err)
	}
}

// pair is a graph of two entities, a relation apart; n names them, so
// that each n is laid out anew.
func pair(n int) *Graph {
	g := newGraph()
	from, to := fmt.Sprintf("component:default/a%d", n), fmt.Sprintf("api:default/b%d", n)
	g.add(&Node{Ref: from, Kind: "Component", Name: "a", Root: true})
	g.add(&Node{Ref: to, Kind: "API", Name: "b", Depth: 1})
	g.Edges = []Edge{{From: from, To: to, Type: "consumesApi"}}
	return g
}

func TestSVGCacheBound(t *testing.T) {
	r := NewRenderer(1) // too small for any drawing
	for range 2 {
		if _, err := r.Draw(context.Background(), pair(0), "LR", testLink); err != nil {
			t.Fatal(err)
		}
	}
	if layouts, hits := r.Stats(); layouts != 2 || hits != 0 {
		t.Errorf("layouts, hits = %d, %d; want 2, 0", layouts, hits)
	}
}

func TestSVGWaitsForItsTurn(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := graphvizEngine(); err != nil {
		t.Fatal(err)
	}
	engine.turn <- struct{}{} // a layout in progress
	defer func() { <-engine.turn }()
	if _, err := NewRenderer(-1).Draw(ctx, pair(0), "LR", testLink); err != context.Canceled {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestSVGBundlesLeaves(t *testing.T) {
	c := bigGroup(150)
	p := DefaultParams()
	p.Roots = []string{"group:default/everyone"}
	g, err := Build(context.Background(), c, p)
	if err != nil {
		t.Fatal(err)
	}
	dot := g.drawing("LR", testLink).dot
	if n := strings.Count(dot, " -> ") - strings.Count(dot, "style=invis"); n != 1 {
		t.Errorf("%d edges in DOT, want 1 to the bundle", n)
	}
	root, svg := renderClean(t, NewRenderer(-1), g)
	links := map[string]bool{}
	root.walk(func(e svgElement) {
		if e.XMLName.Local == "a" && e.Href != "" {
			links[e.Href] = true
		}
	})
	// Every member is still a link of its own, and so is the group.
	if len(links) != 151 || !links["/catalog/default/user/u0149"] || !links["/catalog/default/group/everyone"] {
		t.Errorf("%d links; u0149 %v, group %v", len(links), links["/catalog/default/user/u0149"], links["/catalog/default/group/everyone"])
	}
	if !bytes.Contains(svg, []byte("memberOf ×150")) {
		t.Error("the bundle's edge does not say how many it stands for")
	}
}

func TestSVGSharesLayoutsUnderWay(t *testing.T) {
	if _, err := graphvizEngine(); err != nil {
		t.Fatal(err)
	}
	r := NewRenderer(-1) // no cache: only sharing can save a layout
	const n = 6
	errs := make(chan error, n)
	engine.turn <- struct{}{} // hold the engine so the first layout waits
	for range n {
		go func() {
			_, err := r.Draw(context.Background(), pair(0), "LR", testLink)
			errs <- err
		}()
	}
	time.Sleep(200 * time.Millisecond) // let every request arrive
	<-engine.turn
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if layouts, hits := r.Stats(); layouts != 1 || hits != n-1 {
		t.Errorf("layouts, hits = %d, %d; want 1, %d", layouts, hits, n-1)
	}
}

// TestSVGLargeDrawing checks the form of a drawing with too many edges to
// label: Graphviz routes no edge, every edge is a straight line, and every
// entity is still a link titled with its ref.
func TestSVGLargeDrawing(t *testing.T) {
	c := newFakeCatalog()
	c.add("group:default/platform", "")
	const services = 40
	for i := range services {
		ref := fmt.Sprintf("component:default/s%02d", i)
		c.add(ref, "")
		c.relate(ref, entity.RelationOwnedBy, "group:default/platform")
		if i > 0 {
			c.relate(ref, entity.RelationDependsOn, fmt.Sprintf("component:default/s%02d", i-1))
		}
	}
	c.relate("component:default/s00", entity.RelationDependsOn, "resource:default/gone")
	const members = 20 // leaves, drawn as one bundle
	for i := range members {
		ref := fmt.Sprintf("user:default/u%02d", i)
		c.add(ref, "")
		c.relate(ref, entity.RelationMemberOf, "group:default/platform")
	}
	p := DefaultParams()
	p.Roots = []string{"group:default/platform"}
	p.MaxDepth = Unlimited
	g, err := Build(context.Background(), c, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) != services+members+2 || len(g.Edges)-members <= maxLabelledEdges {
		t.Fatalf("%d nodes, %d edges: not a large drawing", len(g.Nodes), len(g.Edges))
	}
	dot := g.drawing("LR", testLink).dot
	dependency := fmt.Sprintf("  n%d -> n%d;", g.Node("component:default/s01").seq, g.Node("component:default/s00").seq)
	for _, want := range []string{"  n0 [", dependency, "  b0 -> n0;", `splines=""`, "constraint=false"} {
		if !strings.Contains(dot, want) {
			t.Errorf("DOT lacks %q", want)
		}
	}
	if strings.Contains(dot, "default/") {
		t.Error("DOT names nodes by ref")
	}
	root, _ := renderClean(t, NewRenderer(-1), g)
	links := map[string]string{}
	var edges, straight, dashed int
	root.walk(func(e svgElement) {
		switch {
		case e.XMLName.Local == "a" && e.Title != "":
			links[e.Title] = e.Href
		case e.XMLName.Local == "g" && strings.HasPrefix(e.ID, "gedge-"):
			edges++
			e.walk(func(k svgElement) {
				if k.XMLName.Local == "path" && strings.Count(k.D, "L") == 1 && !strings.Contains(k.D, "C") {
					straight++
				}
				if k.XMLName.Local == "path" && k.Dash != "" {
					dashed++
				}
			})
		}
	})
	// Every entity, bundled or not, is a link titled with its ref; the
	// missing one only has its title.
	for _, n := range g.Nodes {
		href, ok := links[n.Ref]
		if want := testLink(n.Ref); !ok || n.Missing && href != "" || !n.Missing && href != want {
			t.Errorf("link of %s: %q (drawn %v)", n.Ref, href, ok)
		}
	}
	if edges != len(g.Edges)-members || straight != edges {
		t.Errorf("%d edges drawn, %d of them straight; want %d, all straight", edges, straight, len(g.Edges)-members)
	}
	if dashed != 1 {
		t.Errorf("%d dashed edges, want the one to the missing entity", dashed)
	}
}

func TestNum(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", 1: "1", -1: "-1", 1.5: "1.5", 12.345: "12.35", -0.004: "0", -0.005: "-0.01",
		0.05: "0.05", 100.1: "100.1", 1234.999: "1235", -72.25: "-72.25",
	} {
		w := &svgWriter{}
		if got := string(w.num(v).buf); got != want {
			t.Errorf("num(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestSVGText(t *testing.T) {
	w := &svgWriter{}
	if got, want := string(w.text("a<b>&\"c'\x01\td").buf), "a&lt;b&gt;&amp;&quot;c&#39;\td"; got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
}

// onBorder says p is on r's border.
func onBorder(p point, r rect) bool {
	const eps = 1e-6
	inX := p.x >= r.x-r.w/2-eps && p.x <= r.x+r.w/2+eps
	inY := p.y >= r.y-r.h/2-eps && p.y <= r.y+r.h/2+eps
	edgeX := math.Abs(math.Abs(p.x-r.x)-r.w/2) < eps
	edgeY := math.Abs(math.Abs(p.y-r.y)-r.h/2) < eps
	return inX && inY && (edgeX || edgeY)
}

func TestStraightRoute(t *testing.T) {
	tail, head := rect{x: 0, y: 0, w: 80, h: 30}, rect{x: 200, y: 100, w: 60, h: 30}
	for _, offset := range []float64{0, 5, -5, 100} {
		r := straightRoute(tail, head, offset)
		if !onBorder(r.points[0], tail) || !onBorder(r.tip, head) {
			t.Errorf("offset %v: from %v to %v, not border to border", offset, r.points[0], r.tip)
		}
		if got := math.Hypot(r.tip.x-r.points[1].x, r.tip.y-r.points[1].y); math.Abs(got-arrowLength) > 1e-9 {
			t.Errorf("offset %v: arrowhead %v long", offset, got)
		}
	}
	// Edges between the same boxes are drawn apart, each way.
	a, b := straightRoute(tail, head, parallelGap/2), straightRoute(tail, head, -parallelGap/2)
	if math.Hypot(a.points[0].x-b.points[0].x, a.points[0].y-b.points[0].y) < parallelGap-1e-9 {
		t.Errorf("parallel edges start %v and %v", a.points[0], b.points[0])
	}
}

func TestSplineRoute(t *testing.T) {
	tail, head := rect{x: 0, y: 0, w: 40, h: 20}, rect{x: 100, y: 0, w: 40, h: 20}
	forward := []point{{20, 0}, {40, 0}, {60, 0}, {73, 0}}
	r := splineRoute(plainEdge{points: forward}, tail, head)
	if r.points[0] != (point{20, 0}) || r.tip != (point{80, 0}) {
		t.Errorf("forward spline: from %v, tip %v", r.points[0], r.tip)
	}
	// A spline written from the head end is drawn from the tail.
	backward := []point{{73, 0}, {60, 0}, {40, 0}, {20, 0}}
	r = splineRoute(plainEdge{points: backward}, tail, head)
	if r.points[0] != (point{20, 0}) || r.tip != (point{80, 0}) {
		t.Errorf("backward spline: from %v, tip %v", r.points[0], r.tip)
	}
	// A loop starts and ends on its box.
	loop := loopRoute(tail, 0)
	if !onBorder(loop.points[0], tail) || distance(loop.tip, tail) > 0.5 {
		t.Errorf("loop from %v to %v", loop.points[0], loop.tip)
	}
}

// TestSVGSelfLoop draws an entity related to itself, small and large.
func TestSVGSelfLoop(t *testing.T) {
	for _, n := range []int{2, maxLabelledEdges + 2} {
		g := newGraph()
		for i := range n {
			g.add(&Node{Ref: fmt.Sprintf("component:default/c%d", i), Kind: "Component", Name: fmt.Sprint(i), Root: i == 0})
		}
		for i := range n {
			g.Edges = append(g.Edges, Edge{From: g.Nodes[i].Ref, To: g.Nodes[(i+1)%n].Ref, Type: "dependsOn"})
		}
		g.Edges = append(g.Edges, Edge{From: g.Nodes[0].Ref, To: g.Nodes[0].Ref, Type: "dependsOn"})
		root, _ := renderClean(t, NewRenderer(-1), g)
		var edges int
		root.walk(func(e svgElement) {
			if e.XMLName.Local == "g" && strings.HasPrefix(e.ID, "gedge-") {
				edges++
			}
		})
		if edges != len(g.Edges) {
			t.Errorf("%d nodes: %d edges drawn, want %d", n, edges, len(g.Edges))
		}
	}
}

// TestBundleGrid checks a bundle's cells: inside its box, apart, each
// wide enough for its text.
func TestBundleGrid(t *testing.T) {
	p := DefaultParams()
	p.Roots = []string{"group:default/everyone"}
	g, err := Build(context.Background(), bigGroup(30), p)
	if err != nil {
		t.Fatal(err)
	}
	d := g.drawing("LR", testLink)
	var bx *box
	for _, b := range d.order {
		if b.name == "b0" {
			bx = b
		}
	}
	if bx == nil || len(bx.cells) != 30 {
		t.Fatalf("bundle %+v", bx)
	}
	w, h := bx.gridSize()
	widths := bx.columnWidths()
	rows := (len(bx.cells) + bx.cols - 1) / bx.cols
	if rows*2 > bx.cols+1 {
		t.Errorf("%d rows of %d columns: not wider than tall", rows, bx.cols)
	}
	sum := cellSpacing
	for _, cw := range widths {
		if cw < textWidth("u0000", nodeFont)+2*cellPadding {
			t.Errorf("column of width %v", cw)
		}
		sum += cw + cellSpacing
	}
	if w != sum || h != cellSpacing+float64(rows)*(cellHeight+cellSpacing) {
		t.Errorf("grid %v x %v for %d rows of widths %v", w, h, rows, widths)
	}
	if !strings.Contains(d.dot, "  b0 [label=\"\", fixedsize=true, width="+inches(w)+", height="+inches(h)+"];") {
		t.Errorf("the DOT text does not size the bundle:\n%s", d.dot)
	}
}

func TestTextWidth(t *testing.T) {
	if a, b := textWidth("iiii", 11), textWidth("MMMM", 11); a >= b {
		t.Errorf("iiii %v wide, MMMM %v", a, b)
	}
	if a, b := textWidth("service", 11), textWidth("service", 22); math.Abs(b-2*a) > 1e-9 {
		t.Errorf("11pt %v, 22pt %v", a, b)
	}
}

// TestDrawingKey checks that drawings share a cached SVG only when
// everything the SVG shows is the same.
func TestDrawingKey(t *testing.T) {
	p := DefaultParams()
	p.Roots = []string{"component:default/booking-service"}
	g, err := Build(context.Background(), harbour(t), p)
	if err != nil {
		t.Fatal(err)
	}
	key := g.drawing("LR", testLink).key()
	if again := g.drawing("LR", testLink).key(); again != key {
		t.Error("the same drawing has another key")
	}
	otherLink := func(ref string) string { return "/elsewhere" + testLink(ref) }
	for name, other := range map[string]*drawing{
		"direction": g.drawing("TB", testLink),
		"links":     g.drawing("LR", otherLink),
	} {
		if other.key() == key {
			t.Errorf("a drawing with other %s has the same key", name)
		}
	}
	g.Node("api:default/booking-api").Name = "Booking API v2"
	if g.drawing("LR", testLink).key() == key {
		t.Error("a drawing with another name has the same key")
	}
}

// TestDotSVG draws DOT written by others, as TechDocs' dot fences are,
// with Graphviz's own SVG: in this process and in a worker.
func TestDotSVG(t *testing.T) {
	for mode, r := range renderers(t) {
		t.Run(mode, func(t *testing.T) {
			const dot = `digraph { a [label="<b>"]; a -> b [label="uses"] }`
			svg, err := r.SVG(context.Background(), dot)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("&lt;b&gt;")) || !bytes.Contains(svg, []byte(">uses</text>")) {
				t.Errorf("SVG:\n%s", svg)
			}
			if m := forbidden.Find(svg); m != nil {
				t.Errorf("SVG contains %q", m)
			}
			again, err := r.SVG(context.Background(), dot)
			if err != nil || !bytes.Equal(again, svg) {
				t.Fatalf("second drawing differs (err %v)", err)
			}
			if layouts, hits := r.Stats(); layouts != 1 || hits != 1 {
				t.Errorf("layouts, hits = %d, %d; want 1, 1", layouts, hits)
			}
			if _, err := r.SVG(context.Background(), "digraph { a -> "); !errors.Is(err, errLayout) {
				t.Errorf("broken DOT: err = %v, want errLayout", err)
			}
		})
	}
}

func TestInlineSVG(t *testing.T) {
	for in, want := range map[string]string{
		"<?xml?>\n<!DOCTYPE svg>\n<!-- made by -->\n<svg><!-- n0 -->\n<g/><!-- e --><g/></svg>\n": "<svg><g/><g/></svg>\n",
		"<svg>plain</svg>":        "<svg>plain</svg>",
		"<svg><!-- unclosed <g/>": "<svg>",
	} {
		if got := string(inlineSVG([]byte(in))); got != want {
			t.Errorf("inlineSVG(%q) = %q, want %q", in, got, want)
		}
	}
}
