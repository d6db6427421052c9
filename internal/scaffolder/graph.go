package scaffolder

import (
	"context"
	"fmt"
	"time"
)

// Graph is a workflow drawn as steps and the edges between them, from
// the very definition the runner follows.
type Graph struct {
	Nodes []GraphNode `json:"nodes"`
	Edges []GraphEdge `json:"edges"`
}

// GraphNode is one step.
type GraphNode struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Action string `json:"action"`
	// If is the step's condition as written; "" for none.
	If string `json:"if,omitempty"`
	// Each: the step fans out; Parallel: its iterations run at once.
	Each     bool `json:"each,omitempty"`
	Parallel bool `json:"parallel,omitempty"`
	// OnFailureOf names the step this compensation step belongs to; ""
	// for a step of the workflow itself.
	OnFailureOf string `json:"onFailureOf,omitempty"`
	// Status is the step's status in a task; "" before it ran or in a
	// template's graph.
	Status Status `json:"status,omitempty"`
	// Attempts counts the ended attempts of the step.
	Attempts  int       `json:"attempts,omitempty"`
	StartedAt time.Time `json:"startedAt,omitzero"`
	EndedAt   time.Time `json:"endedAt,omitzero"`
	Error     string    `json:"error,omitempty"`
}

// GraphEdge says To needs From.
type GraphEdge struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// TemplateGraph draws a template's steps before anything runs.
func TemplateGraph(t *Template) *Graph {
	return stepGraph(t.Steps)
}

// stepGraph draws steps and their compensation steps.
func stepGraph(steps []Step) *Graph {
	g := &Graph{Nodes: []GraphNode{}, Edges: []GraphEdge{}}
	for _, s := range steps {
		g.Nodes = append(g.Nodes, graphNode(s, ""))
		for _, n := range s.Needs {
			g.Edges = append(g.Edges, GraphEdge{From: n, To: s.ID})
		}
		prev := s.ID
		for _, c := range s.OnFailure {
			g.Nodes = append(g.Nodes, graphNode(c, s.ID))
			g.Edges = append(g.Edges, GraphEdge{From: prev, To: c.ID})
			prev = c.ID
		}
	}
	return g
}

func graphNode(s Step, of string) GraphNode {
	n := GraphNode{ID: s.ID, Name: s.Name, Action: s.Action, Each: s.HasEach(), Parallel: s.Flow.Parallel, OnFailureOf: of}
	switch c := s.If.(type) {
	case string:
		n.If = c
	case bool:
		n.If = fmt.Sprint(c)
	}
	return n
}

// TaskGraph draws a task's steps with each one's status.
func (e *Engine) TaskGraph(ctx context.Context, id string) (*Graph, error) {
	spec, byID, err := e.taskSteps(ctx, id)
	if err != nil {
		return nil, err
	}
	g := stepGraph(spec.Steps)
	history, err := e.store.StepHistory(ctx, id)
	if err != nil {
		return nil, err
	}
	attempts := map[string]int{}
	for _, h := range history {
		attempts[h.StepID]++
	}
	for i := range g.Nodes {
		n := &g.Nodes[i]
		n.Attempts = attempts[n.ID]
		st, ok := byID[n.ID]
		if !ok {
			continue
		}
		n.Status, n.StartedAt, n.EndedAt, n.Error = st.Status, st.StartedAt, st.EndedAt, st.Error
	}
	return g, nil
}

// StepHistory returns every ended attempt of every step of a task,
// oldest first.
func (e *Engine) StepHistory(ctx context.Context, id string) ([]StepState, error) {
	if _, err := e.Task(ctx, id); err != nil {
		return nil, err
	}
	return e.store.StepHistory(ctx, id)
}
