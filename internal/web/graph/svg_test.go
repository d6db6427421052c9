package graph

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
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

// renderClean lays dot out with r and returns the SVG, parsed and as
// text, failing the test when it is not XML or holds anything forbidden.
func renderClean(t *testing.T, r *Renderer, dot string) (svgElement, []byte) {
	t.Helper()
	svg, err := r.SVG(context.Background(), dot)
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
	dot := g.DOT("LR", testLink)
	root, svg := renderClean(t, r, dot)
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
	sort.Strings(nodes) // Graphviz writes them in its own order
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

	again, err := r.SVG(context.Background(), dot)
	if err != nil || !bytes.Equal(again, svg) {
		t.Fatalf("second drawing differs (err %v)", err)
	}
	if layouts, hits := r.Stats(); layouts != 1 || hits != 1 {
		t.Errorf("layouts, hits = %d, %d; want 1, 1", layouts, hits)
	}
}

func TestSVGBadDOT(t *testing.T) {
	_, err := NewRenderer(-1).SVG(context.Background(), "digraph { a -> ")
	if err == nil {
		t.Fatal("no error for broken DOT")
	}
}

func TestSVGCacheBound(t *testing.T) {
	r := NewRenderer(1) // too small for any drawing
	for range 2 {
		if _, err := r.SVG(context.Background(), `digraph { a -> b }`); err != nil {
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
	if _, err := NewRenderer(-1).SVG(ctx, `digraph { a -> b }`); err != context.Canceled {
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
	dot := g.DOT("LR", testLink)
	if n := strings.Count(dot, " -> ") - strings.Count(dot, "style=invis"); n != 1 {
		t.Errorf("%d edges in DOT, want 1 to the bundle", n)
	}
	root, svg := renderClean(t, NewRenderer(-1), dot)
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
			_, err := r.SVG(context.Background(), `digraph { a -> b -> c -> a }`)
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

// TestSVGLargeDrawing checks the form of a drawing with too many edges to
// label: nodes named by position and drawn as plain boxes, each still a
// link titled with its ref, and every edge drawn.
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
	dot := g.DOT("LR", testLink)
	dependency := fmt.Sprintf("  n%d -> n%d [", g.Node("component:default/s01").seq, g.Node("component:default/s00").seq)
	for _, want := range []string{"  n0 [", dependency, `  "bundle-0" -> n0 [`, "node [style=filled]", `style="dashed"`} {
		if !strings.Contains(dot, want) {
			t.Errorf("DOT lacks %q", want)
		}
	}
	if strings.Contains(dot, `"component:default/s01" ->`) {
		t.Error("DOT names nodes by ref")
	}
	root, _ := renderClean(t, NewRenderer(-1), dot)
	links := map[string]string{}
	var edges, paths int
	root.walk(func(e svgElement) {
		switch {
		case e.XMLName.Local == "a" && e.Title != "":
			links[e.Title] = e.Href
		case e.XMLName.Local == "g" && strings.HasPrefix(e.ID, "gedge-"):
			edges++
		case e.XMLName.Local == "g" && strings.HasPrefix(e.ID, "gnode-"):
			e.walk(func(k svgElement) {
				if k.XMLName.Local == "path" {
					paths++
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
	if edges != len(g.Edges)-members {
		t.Errorf("%d edges drawn, want %d", edges, len(g.Edges)-members)
	}
	if paths != 0 {
		t.Errorf("%d nodes drawn as rounded paths, want plain boxes", paths)
	}
}
