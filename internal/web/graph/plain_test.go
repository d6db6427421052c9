package graph

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParsePlain(t *testing.T) {
	text := `graph 1 2 1.5
node n0 0.5 1 1 0.5 "component\nA b" rounded,filled box #8a94a1 #ffffff
node "n 1" 1.5 0.25 0.75 0.5 <<b>B</b>> solid box black lightgrey
edge n0 "n 1" 4 0.5 0.75 0.6 0.6 1 0.5 1.25 0.5 "uses \"it\"" 1 0.6 solid black
edge n0 n0 1 0 0 dashed black
 invis black
stop
`
	got, err := parsePlain([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	want := &plainLayout{
		width: 144, height: 108,
		nodes: map[string]rect{"n0": {36, 72, 72, 36}, "n 1": {108, 18, 54, 36}},
		edges: []plainEdge{
			{from: "n0", to: "n 1", points: []point{{36, 54}, {43.2, 43.2}, {72, 36}, {90, 36}}, label: &point{72, 43.2}},
			{from: "n0", to: "n0", points: []point{{0, 0}}},
		},
	}
	approx := cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-9 })
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(plainLayout{}, rect{}, plainEdge{}, point{}), approx); diff != "" {
		t.Errorf("layout (-want +got):\n%s", diff)
	}
}

func TestParsePlainErrors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"graph 1 2 1\n", "ends before its stop line"},
		{"stop\n", "no graph line"},
		{"graph 1 2\nstop\n", "line 1: graph has 3 fields"},
		{"graph 1 2 x\nstop\n", `line 1: "x" is not a coordinate`},
		{"graph 1 2 NaN\nstop\n", `"NaN" is not a coordinate`},
		{"graph 1 2 1\nnode a 1 2 3\nstop\n", "line 2: node has 5 fields"},
		{"graph 1 2 1\nedge a b 3 1 2 solid black\nstop\n", `line 2: edge has "3" points and 8 fields`},
		{"graph 1 2 1\nedge a b -1 solid black\nstop\n", `edge has "-1" points`},
		{"graph 1 2 1\nnode \"a 1 1 1 1\nstop\n", "line 2: unclosed quoted string"},
		{"graph 1 2 1\nnode <a 1 1 1 1\nstop\n", "line 2: unclosed HTML-like string"},
		{"graph 1 2 1\nsubgraph x\nstop\n", `line 2: unknown statement "subgraph"`},
	} {
		_, err := parsePlain([]byte(c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parsePlain(%q): err = %v, want %q", c.text, err, c.want)
		}
	}
}

// TestPlainFromGraphviz reads what Graphviz writes for a drawing in each
// direction: every box, inside the drawing, and every edge.
func TestPlainFromGraphviz(t *testing.T) {
	p := DefaultParams()
	p.Roots = []string{"component:default/booking-service"}
	g, err := Build(context.Background(), harbour(t), p)
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range Directions {
		t.Run(dir.Value, func(t *testing.T) { testPlainFromGraphviz(t, g.drawing(dir.Value, testLink)) })
	}
}

func testPlainFromGraphviz(t *testing.T, d *drawing) {
	plain, err := run(context.Background(), formatPlain, d.dot)
	if err != nil {
		t.Fatal(err)
	}
	l, err := parsePlain(plain)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.nodes) != len(d.order) || len(l.edges) != len(d.edges) {
		t.Errorf("%d nodes and %d edges laid out, want %d and %d", len(l.nodes), len(l.edges), len(d.order), len(d.edges))
	}
	for _, e := range l.edges {
		if len(e.points)%3 != 1 || e.label == nil {
			t.Errorf("edge %s -> %s: %d points, label %v", e.from, e.to, len(e.points), e.label)
		}
	}
	for name, r := range l.nodes {
		if r.x-r.w/2 < -0.01 || r.y-r.h/2 < -0.01 || r.x+r.w/2 > l.width+0.01 || r.y+r.h/2 > l.height+0.01 {
			t.Errorf("node %s %v outside the drawing %vx%v", name, r, l.width, l.height)
		}
	}
}

func FuzzParsePlain(f *testing.F) {
	f.Add([]byte("graph 1 2 1.5\nnode n0 0.5 1 1 0.5 \"a\\nb\" filled box black white\nedge n0 n0 4 0 0 1 1 2 2 3 3 x 1 1 solid black\nstop\n"))
	f.Add([]byte("graph 1 1 1\n invis black\nstop\n"))
	f.Add([]byte("graph 1 1 1\nnode <a<b>> 1 1 1 1\nstop\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		l, err := parsePlain(text)
		if err != nil {
			return
		}
		finite := func(vs ...float64) bool {
			for _, v := range vs {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return false
				}
			}
			return true
		}
		if !finite(l.width, l.height) {
			t.Errorf("size %v x %v", l.width, l.height)
		}
		for _, r := range l.nodes {
			if !finite(r.x, r.y, r.w, r.h) {
				t.Errorf("node %v", r)
			}
		}
		for _, e := range l.edges {
			for _, p := range e.points {
				if !finite(p.x, p.y) {
					t.Errorf("edge point %v", p)
				}
			}
		}
	})
}
