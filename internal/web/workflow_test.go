package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/scaffolder"
)

// cell is where a node sits: its column and row in units of boxes.
type cell struct{ Col, Row int }

// cells reads the drawing's grid back from the pixel positions.
func cells(d *workflowDrawing) map[string]cell {
	out := map[string]cell{}
	for _, n := range d.Nodes {
		out[n.ID] = cell{(n.X - wfMargin) / (wfNodeW + wfColGap), (n.Y - wfMargin) / (wfNodeH + wfRowGap)}
	}
	return out
}

// edgeList writes the drawn edges as from>to, dashed ones from~>to.
func edgeList(d *workflowDrawing) []string {
	var out []string
	for _, e := range d.Edges {
		arrow := ">"
		if e.Dashed {
			arrow = "~>"
		}
		out = append(out, e.From+arrow+e.To)
	}
	return out
}

func nodes(ids ...string) []scaffolder.GraphNode {
	var out []scaffolder.GraphNode
	for _, id := range ids {
		n := scaffolder.GraphNode{ID: id, Action: "debug:log"}
		if of, ok := strings.CutPrefix(id, "undo-"); ok {
			n.OnFailureOf = of
		}
		out = append(out, n)
	}
	return out
}

func edges(pairs ...string) []scaffolder.GraphEdge {
	var out []scaffolder.GraphEdge
	for _, p := range pairs {
		from, to, _ := strings.Cut(p, ">")
		out = append(out, scaffolder.GraphEdge{From: from, To: to})
	}
	return out
}

func TestDrawWorkflowLayout(t *testing.T) {
	tests := []struct {
		name      string
		graph     scaffolder.Graph
		cells     map[string]cell
		edges     []string
		label     string
		wantW     int
		wantH     int
		checkSize bool
	}{
		{
			name:  "a sequence is one row",
			graph: scaffolder.Graph{Nodes: nodes("a", "b", "c"), Edges: edges("a>b", "b>c")},
			cells: map[string]cell{"a": {0, 0}, "b": {1, 0}, "c": {2, 0}},
			edges: []string{"a>b", "b>c"},
			label: "Workflow of 3 steps in 3 stages",
			wantW: 3*wfNodeW + 2*wfColGap + 2*wfMargin, wantH: wfNodeH + 2*wfMargin, checkSize: true,
		},
		{
			name:  "a diamond: the join goes after its longest path, siblings in written order",
			graph: scaffolder.Graph{Nodes: nodes("start", "left", "deep", "right", "join"), Edges: edges("start>left", "left>deep", "start>right", "deep>join", "right>join")},
			cells: map[string]cell{"start": {0, 0}, "left": {1, 0}, "right": {1, 1}, "deep": {2, 0}, "join": {3, 0}},
			edges: []string{"start>left", "start>right", "left>deep", "deep>join", "right>join"},
			label: "Workflow of 5 steps in 4 stages",
		},
		{
			name:  "independent steps share the first column",
			graph: scaffolder.Graph{Nodes: nodes("x", "y")},
			cells: map[string]cell{"x": {0, 0}, "y": {0, 1}},
			label: "Workflow of 2 steps in 1 stage",
			wantW: wfNodeW + 2*wfMargin, wantH: 2*wfNodeH + wfRowGap + 2*wfMargin, checkSize: true,
		},
		{
			name:  "onFailure steps hang under their step, dashed",
			graph: scaffolder.Graph{Nodes: nodes("a", "b", "undo-b", "c"), Edges: edges("a>b", "b>c", "b>undo-b")},
			cells: map[string]cell{"a": {0, 0}, "b": {1, 0}, "undo-b": {1, 1}, "c": {2, 0}},
			edges: []string{"a>b", "b~>undo-b", "b>c"},
			label: "Workflow of 3 steps in 3 stages",
		},
		{
			name:  "an onFailure step without its edge still hangs from its step",
			graph: scaffolder.Graph{Nodes: nodes("a", "undo-a")},
			cells: map[string]cell{"a": {0, 0}, "undo-a": {0, 1}},
			edges: []string{"a~>undo-a"},
			label: "Workflow of 1 step in 1 stage",
		},
		{
			name:  "edges to unknown steps, self edges and repeats are dropped",
			graph: scaffolder.Graph{Nodes: nodes("a", "b"), Edges: edges("a>b", "a>b", "b>b", "ghost>a", "a>ghost")},
			cells: map[string]cell{"a": {0, 0}, "b": {1, 0}},
			edges: []string{"a>b"},
			label: "Workflow of 2 steps in 2 stages",
		},
		{
			name:  "steps on a cycle go last",
			graph: scaffolder.Graph{Nodes: nodes("a", "b", "c"), Edges: edges("a>b", "b>c", "c>b")},
			cells: map[string]cell{"a": {0, 0}, "b": {1, 0}, "c": {1, 1}},
			edges: []string{"a>b", "b>c", "c>b"},
			label: "Workflow of 3 steps in 2 stages",
		},
		{
			name:  "an onFailure step of an unknown step gets a column of its own",
			graph: scaffolder.Graph{Nodes: nodes("a", "undo-zz")},
			cells: map[string]cell{"a": {0, 0}, "undo-zz": {1, 0}},
			label: "Workflow of 1 step in 2 stages",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := drawWorkflow(&tt.graph, true)
			if diff := cmp.Diff(tt.cells, cells(d)); diff != "" {
				t.Errorf("cells (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.edges, edgeList(d)); diff != "" {
				t.Errorf("edges (-want +got):\n%s", diff)
			}
			if d.Label != tt.label {
				t.Errorf("label = %q, want %q", d.Label, tt.label)
			}
			if tt.checkSize && (d.Width != tt.wantW || d.Height != tt.wantH) {
				t.Errorf("size = %dx%d, want %dx%d", d.Width, d.Height, tt.wantW, tt.wantH)
			}
			for _, n := range d.Nodes {
				if want := strings.HasPrefix(n.ID, "undo-"); n.Compensation != want {
					t.Errorf("%s: compensation = %v", n.ID, n.Compensation)
				}
			}
		})
	}
	if drawWorkflow(nil, true) != nil || drawWorkflow(&scaffolder.Graph{}, false) != nil {
		t.Error("an empty graph draws something")
	}
}

func TestDrawWorkflowStatus(t *testing.T) {
	g := &scaffolder.Graph{Nodes: []scaffolder.GraphNode{
		{ID: "a", Name: "A step with a name far too long for its box", Action: "debug:log", Status: scaffolder.StatusCompleted},
		{ID: "gate", Action: "approval:request", Status: scaffolder.StatusWaiting},
		{ID: "wait", Action: "wait:callback", Status: scaffolder.StatusWaiting},
		{ID: "later", Action: "debug:log"},
		{ID: "bad", Action: "debug:log", Status: scaffolder.StatusFailed, Attempts: 3, Error: "boom", If: "${{ parameters.go }}"},
	}}
	type view struct{ Name, Status, Label, Icon, Tooltip string }
	got := map[string]view{}
	for _, n := range drawWorkflow(g, true).Nodes {
		got[n.ID] = view{n.Name, n.Status, n.StatusLabel, n.Icon, n.Tooltip}
	}
	want := map[string]view{
		"a":     {"A step with a name fa…", "completed", "Completed", "✓", "A step with a name far too long for its box (debug:log): Completed"},
		"gate":  {"gate", "waiting", "Waiting for approval", "‖", "gate (approval:request): Waiting for approval"},
		"wait":  {"wait", "waiting", "Waiting", "‖", "wait (wait:callback): Waiting"},
		"later": {"later", "open", "Not started", "○", "later (debug:log): Not started"},
		"bad":   {"bad", "failed", "Failed", "✕", "bad (debug:log): Failed; if ${{ parameters.go }}; 3 attempts; boom"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("nodes (-want +got):\n%s", diff)
	}
	d := drawWorkflow(g, true)
	if diff := cmp.Diff([]drawnWait{{ID: "gate", Name: "gate", Waiting: true}}, d.Waits); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}

	// A template's drawing has no status.
	plan := drawWorkflow(g, false)
	for _, n := range plan.Nodes {
		if n.Status != "plan" || n.StatusLabel != "" || n.Icon != "" {
			t.Errorf("template node %s shows status %q %q", n.ID, n.Status, n.StatusLabel)
		}
	}
	if plan.Waits != nil || plan.Live {
		t.Errorf("a template's drawing waits: %+v", plan.Waits)
	}
}

// FuzzDrawWorkflow lays out arbitrary graphs: every step is drawn once,
// no two boxes overlap, every box is inside the drawing, and every edge
// joins two drawn steps.
func FuzzDrawWorkflow(f *testing.F) {
	f.Add([]byte{5, 0, 1, 1, 2, 0, 2})
	f.Add([]byte{3, 0, 0, 2, 1, 1, 2})
	f.Add([]byte{8, 7, 0, 3, 3, 1, 5, 5, 2, 6, 4})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		n := int(data[0]%12) + 1
		data = data[1:]
		g := &scaffolder.Graph{}
		for i := range n {
			node := scaffolder.GraphNode{ID: fmt.Sprintf("s%d", i), Action: "debug:log"}
			if i < len(data) && data[i]%4 == 3 && i > 0 {
				node.OnFailureOf = fmt.Sprintf("s%d", int(data[i])%i)
			}
			g.Nodes = append(g.Nodes, node)
		}
		for i := 0; i+1 < len(data); i += 2 {
			g.Edges = append(g.Edges, scaffolder.GraphEdge{From: fmt.Sprintf("s%d", int(data[i])%(n+1)), To: fmt.Sprintf("s%d", int(data[i+1])%(n+1))})
		}
		d := drawWorkflow(g, true)
		if len(d.Nodes) != n {
			t.Fatalf("%d nodes drawn of %d", len(d.Nodes), n)
		}
		drawn := map[string]bool{}
		for i, a := range d.Nodes {
			if drawn[a.ID] {
				t.Fatalf("%s drawn twice", a.ID)
			}
			drawn[a.ID] = true
			if a.X < 0 || a.Y < 0 || a.X+a.W > d.Width || a.Y+a.H > d.Height {
				t.Fatalf("%s at %d,%d is outside %dx%d", a.ID, a.X, a.Y, d.Width, d.Height)
			}
			for _, b := range d.Nodes[i+1:] {
				if a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H {
					t.Fatalf("%s and %s overlap", a.ID, b.ID)
				}
			}
		}
		for _, e := range d.Edges {
			if !drawn[e.From] || !drawn[e.To] || e.Path == "" {
				t.Fatalf("edge %s>%s joins no drawn steps", e.From, e.To)
			}
		}
	})
}
