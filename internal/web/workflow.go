package web

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/callboard/callboard/internal/scaffolder"
)

// A workflow is drawn left to right as inline SVG, on the server: one
// column per layer of the step graph (a step's layer is the longest path
// of needs leading to it), steps of a layer in the order they are
// written, and each step's onFailure steps stacked under it with a dashed
// outline. The task page and the template form draw with the same
// function.

// Sizes of the drawing, in SVG user units (CSS pixels).
const (
	wfNodeW   = 176
	wfNodeH   = 60
	wfColGap  = 48
	wfRowGap  = 20
	wfMargin  = 8
	wfNameMax = 22
)

// workflowDrawing is a graph laid out for the page.
type workflowDrawing struct {
	Width, Height int
	Nodes         []drawnNode
	Edges         []drawnEdge
	// Label describes the drawing for assistive technology.
	Label string
	// Live: the drawing is a task's, whose approval steps may wait.
	Live bool
	// Waits are the approval steps, with whether each waits now, for the
	// notice that links to the inbox.
	Waits []drawnWait
}

// drawnNode is one step's box.
type drawnNode struct {
	ID     string
	Name   string
	Action string
	X, Y   int
	W, H   int
	// TextX is where the lines of text start, NameY, ActionY and StatusY
	// their baselines.
	TextX, NameY, ActionY, StatusY int
	// Status is the node's status ("open" before it ran); StatusLabel and
	// Icon show it.
	Status      string
	StatusLabel string
	Icon        string
	// Compensation marks an onFailure step, drawn dashed.
	Compensation bool
	// Approval marks an approval:request step.
	Approval bool
	// Tooltip is the full description of the step.
	Tooltip string
}

// drawnEdge is one arrow between steps.
type drawnEdge struct {
	From, To string
	Path     string
	Dashed   bool
}

// drawnWait is an approval step for the waiting notice.
type drawnWait struct {
	ID, Name string
	Waiting  bool
}

// approvalAction is the action whose waiting step links to the inbox.
const approvalAction = "approval:request"

// wfStatusLabel is how a node says its status; the script uses the same
// words (workflow.js).
func wfStatusLabel(status string, approval bool) string {
	switch scaffolder.Status(status) {
	case scaffolder.StatusOpen:
		return "Not started"
	case scaffolder.StatusProcessing:
		return "Running"
	case scaffolder.StatusWaiting:
		if approval {
			return "Waiting for approval"
		}
		return "Waiting"
	}
	return titleCase(status)
}

// wfStatusIcon is the glyph in front of a status.
func wfStatusIcon(status string) string {
	switch scaffolder.Status(status) {
	case scaffolder.StatusProcessing:
		return "▶"
	case scaffolder.StatusWaiting:
		return "‖"
	case scaffolder.StatusCompleted:
		return "✓"
	case scaffolder.StatusFailed:
		return "✕"
	case scaffolder.StatusSkipped:
		return "↷"
	case scaffolder.StatusCancelled:
		return "⊘"
	}
	return "○"
}

// drawWorkflow lays g out: a task's when live (each step shows its
// status; a step that has not run is open), else a template's. Edges
// naming unknown steps are left out, and steps on a cycle (which a
// checked template cannot have) go after the rest; nil or an empty graph
// draws nothing.
func drawWorkflow(g *scaffolder.Graph, live bool) *workflowDrawing {
	if g == nil || len(g.Nodes) == 0 {
		return nil
	}
	index := map[string]int{}
	for i, n := range g.Nodes {
		if _, dup := index[n.ID]; !dup {
			index[n.ID] = i
		}
	}
	layer := layers(g, index)

	// Columns of main steps, each followed by its onFailure steps.
	under := map[string][]int{}
	var orphans []int
	for i, n := range g.Nodes {
		if n.OnFailureOf == "" || index[n.ID] != i {
			continue
		}
		if p, ok := index[n.OnFailureOf]; ok && g.Nodes[p].OnFailureOf == "" {
			under[n.OnFailureOf] = append(under[n.OnFailureOf], i)
		} else {
			orphans = append(orphans, i)
		}
	}
	var cols [][]int
	for i, n := range g.Nodes {
		if n.OnFailureOf != "" || index[n.ID] != i {
			continue
		}
		l := layer[i]
		for len(cols) <= l {
			cols = append(cols, nil)
		}
		cols[l] = append(cols[l], i)
	}
	if len(orphans) > 0 {
		cols = append(cols, orphans)
	}

	d := &workflowDrawing{Live: live}
	pos := map[string][2]int{}
	place := func(i, x, y int) {
		n := g.Nodes[i]
		approval := n.Action == approvalAction
		dn := drawnNode{
			ID: n.ID, Name: clip(cmp.Or(n.Name, n.ID), wfNameMax), Action: clip(n.Action, wfNameMax+4),
			X: x, Y: y, W: wfNodeW, H: wfNodeH, TextX: x + 12, NameY: y + 20, ActionY: y + 36, StatusY: y + 52,
			Compensation: n.OnFailureOf != "", Approval: approval,
		}
		status := string(n.Status)
		if live {
			status = cmp.Or(status, string(scaffolder.StatusOpen))
			dn.StatusLabel, dn.Icon = wfStatusLabel(status, approval), wfStatusIcon(status)
		} else {
			// A template's steps have not run: the text sits lower, with
			// no status line.
			status = ""
			dn.NameY, dn.ActionY = y+26, y+44
		}
		dn.Status = cmp.Or(status, "plan")
		dn.Tooltip = nodeTooltip(n, dn.StatusLabel)
		d.Nodes = append(d.Nodes, dn)
		pos[n.ID] = [2]int{x, y}
		if approval && live {
			d.Waits = append(d.Waits, drawnWait{ID: n.ID, Name: cmp.Or(n.Name, n.ID), Waiting: status == string(scaffolder.StatusWaiting)})
		}
	}
	for c, col := range cols {
		x := wfMargin + c*(wfNodeW+wfColGap)
		y := wfMargin
		for _, i := range col {
			place(i, x, y)
			y += wfNodeH + wfRowGap
			for _, j := range under[g.Nodes[i].ID] {
				place(j, x, y)
				y += wfNodeH + wfRowGap
			}
		}
		d.Width = max(d.Width, x+wfNodeW+wfMargin)
		d.Height = max(d.Height, y-wfRowGap+wfMargin)
	}

	comp := func(id string) bool { return g.Nodes[index[id]].OnFailureOf != "" }
	linked := map[[2]string]bool{}
	for _, e := range g.Edges {
		a, okA := pos[e.From]
		b, okB := pos[e.To]
		if !okA || !okB || e.From == e.To || linked[[2]string{e.From, e.To}] {
			continue
		}
		linked[[2]string{e.From, e.To}] = true
		d.Edges = append(d.Edges, drawnEdge{From: e.From, To: e.To, Path: edgePath(a, b), Dashed: comp(e.From) || comp(e.To)})
	}
	// Every onFailure step hangs from its step, drawn or not as an edge.
	for id, list := range under {
		prev := id
		for _, j := range list {
			to := g.Nodes[j].ID
			if !linked[[2]string{id, to}] && !linked[[2]string{prev, to}] {
				d.Edges = append(d.Edges, drawnEdge{From: prev, To: to, Path: edgePath(pos[prev], pos[to]), Dashed: true})
			}
			prev = to
		}
	}
	slices.SortStableFunc(d.Edges, func(a, b drawnEdge) int {
		return cmp.Or(cmp.Compare(index[a.From], index[b.From]), cmp.Compare(index[a.To], index[b.To]))
	})
	main := 0
	for _, n := range g.Nodes {
		if n.OnFailureOf == "" {
			main++
		}
	}
	d.Label = fmt.Sprintf("Workflow of %d %s in %d %s", main, plural(main, "step", "steps"), len(cols), plural(len(cols), "stage", "stages"))
	return d
}

// layers puts each main step in the column after the furthest step it
// needs (longest path layering); ties keep the written order.
func layers(g *scaffolder.Graph, index map[string]int) map[int]int {
	isMain := func(id string) bool {
		i, ok := index[id]
		return ok && g.Nodes[i].OnFailureOf == ""
	}
	preds := map[int][]int{}
	indeg := map[int]int{}
	seen := map[[2]string]bool{}
	for _, e := range g.Edges {
		if !isMain(e.From) || !isMain(e.To) || e.From == e.To || seen[[2]string{e.From, e.To}] {
			continue
		}
		seen[[2]string{e.From, e.To}] = true
		to := index[e.To]
		preds[to] = append(preds[to], index[e.From])
		indeg[to]++
	}
	succ := map[int][]int{}
	for to, ps := range preds {
		for _, p := range ps {
			succ[p] = append(succ[p], to)
		}
	}
	layer := map[int]int{}
	var queue []int
	for i, n := range g.Nodes {
		if n.OnFailureOf == "" && index[n.ID] == i && indeg[i] == 0 {
			queue = append(queue, i)
		}
	}
	done := map[int]bool{}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		done[i] = true
		for _, s := range succ[i] {
			layer[s] = max(layer[s], layer[i]+1)
			if indeg[s]--; indeg[s] == 0 {
				queue = append(queue, s)
			}
		}
	}
	// Steps on a cycle: one column after everything else.
	last := -1
	for i := range done {
		last = max(last, layer[i])
	}
	for i, n := range g.Nodes {
		if n.OnFailureOf == "" && index[n.ID] == i && !done[i] {
			layer[i] = last + 1
		}
	}
	return layer
}

// edgePath is the SVG path from box a to box b: a curve from a's right
// side to b's left side, or a straight line down when b is in a's
// column.
func edgePath(a, b [2]int) string {
	if a[0] == b[0] {
		x := a[0] + wfNodeW/2
		if b[1] > a[1] {
			return fmt.Sprintf("M%d %dV%d", x, a[1]+wfNodeH, b[1])
		}
		return fmt.Sprintf("M%d %dV%d", x, a[1], b[1]+wfNodeH)
	}
	x1, y1 := a[0]+wfNodeW, a[1]+wfNodeH/2
	x2, y2 := b[0], b[1]+wfNodeH/2
	if b[0] < a[0] {
		x1, x2 = a[0], b[0]+wfNodeW
	}
	mid := (x1 + x2) / 2
	return fmt.Sprintf("M%d %dC%d %d %d %d %d %d", x1, y1, mid, y1, mid, y2, x2, y2)
}

// nodeTooltip says everything about a step on hover.
func nodeTooltip(n scaffolder.GraphNode, status string) string {
	parts := []string{cmp.Or(n.Name, n.ID) + " (" + n.Action + ")"}
	if status != "" {
		parts[0] += ": " + status
	}
	if n.OnFailureOf != "" {
		parts = append(parts, "runs when "+n.OnFailureOf+" fails")
	}
	if n.If != "" {
		parts = append(parts, "if "+n.If)
	}
	if n.Each {
		if n.Parallel {
			parts = append(parts, "for each item, in parallel")
		} else {
			parts = append(parts, "for each item")
		}
	}
	if n.Attempts > 1 {
		parts = append(parts, fmt.Sprintf("%d attempts", n.Attempts))
	}
	if n.Error != "" {
		parts = append(parts, n.Error)
	}
	return strings.Join(parts, "; ")
}

// clip shortens s to n characters with an ellipsis.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
