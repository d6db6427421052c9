package graph

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// plainLayout is Graphviz's plain output read back, in points with y
// growing upwards from the bottom left corner, as Graphviz has it.
type plainLayout struct {
	width, height float64
	// nodes are the boxes' centres and sizes by node name.
	nodes map[string]rect
	// edges are in Graphviz's order: by tail node, then as written.
	edges []plainEdge
}

type rect struct{ x, y, w, h float64 }

type point struct{ x, y float64 }

// plainEdge is an edge Graphviz routed: the control points of its
// B-spline, from its tail to where its arrowhead starts, and where its
// label goes.
type plainEdge struct {
	from, to string
	points   []point
	label    *point
}

// pointsPerInch converts plain's inches to SVG points.
const pointsPerInch = 72

// parsePlain reads Graphviz's plain output:
//
//	graph scale width height
//	node name x y width height label style shape color fillcolor
//	edge tail head n x1 y1 ... xn yn [label xl yl] style color
//	stop
//
// with lengths in inches and strings quoted when they need to be.
func parsePlain(text []byte) (*plainLayout, error) {
	l := &plainLayout{nodes: map[string]rect{}}
	seenGraph := false
	for n := 1; len(text) > 0; n++ {
		var lineText []byte
		lineText, text, _ = bytes.Cut(text, []byte("\n"))
		if bytes.HasPrefix(lineText, []byte(" ")) {
			// The style and colour of an edge Graphviz did not route
			// (splines=""), written without the edge.
			continue
		}
		f, err := plainFields(lineText)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if len(f) == 0 {
			continue
		}
		nums := func(fields []string) ([]float64, error) {
			out := make([]float64, len(fields))
			for i, s := range fields {
				v, err := strconv.ParseFloat(s, 64)
				if err != nil || v != v || v > 1e6 || v < -1e6 {
					return nil, fmt.Errorf("line %d: %q is not a coordinate", n, s)
				}
				out[i] = v * pointsPerInch
			}
			return out, nil
		}
		switch f[0] {
		case "graph":
			if len(f) != 4 {
				return nil, fmt.Errorf("line %d: graph has %d fields, want 4", n, len(f))
			}
			v, err := nums(f[2:4])
			if err != nil {
				return nil, err
			}
			l.width, l.height, seenGraph = v[0], v[1], true
		case "node":
			if len(f) < 6 {
				return nil, fmt.Errorf("line %d: node has %d fields, want at least 6", n, len(f))
			}
			v, err := nums(f[2:6])
			if err != nil {
				return nil, err
			}
			l.nodes[f[1]] = rect{v[0], v[1], v[2], v[3]}
		case "edge":
			if len(f) < 4 {
				return nil, fmt.Errorf("line %d: edge has %d fields, want at least 4", n, len(f))
			}
			count, err := strconv.Atoi(f[3])
			if err != nil || count < 0 || 4+2*count > len(f) {
				return nil, fmt.Errorf("line %d: edge has %q points and %d fields", n, f[3], len(f))
			}
			v, err := nums(f[4 : 4+2*count])
			if err != nil {
				return nil, err
			}
			e := plainEdge{from: f[1], to: f[2], points: make([]point, count)}
			for i := range e.points {
				e.points[i] = point{v[2*i], v[2*i+1]}
			}
			// What follows is "style color", or "label x y style color".
			if rest := f[4+2*count:]; len(rest) == 5 {
				lp, err := nums(rest[1:3])
				if err != nil {
					return nil, err
				}
				e.label = &point{lp[0], lp[1]}
			}
			l.edges = append(l.edges, e)
		case "stop":
			if !seenGraph {
				return nil, errors.New("no graph line")
			}
			return l, nil
		default:
			return nil, fmt.Errorf("line %d: unknown statement %q", n, f[0])
		}
	}
	return nil, errors.New("the layout ends before its stop line")
}

// plainFields splits a line of plain output at spaces, reading quoted
// strings ("a \"b\"") and HTML-like ones (<a <b>>) as one field each.
func plainFields(line []byte) ([]string, error) {
	var out []string
	for i := 0; i < len(line); {
		switch c := line[i]; {
		case c == ' ' || c == '\r' || c == '\t':
			i++
		case c == '"':
			var b []byte
			j := i + 1
			for ; j < len(line) && line[j] != '"'; j++ {
				if line[j] == '\\' && j+1 < len(line) {
					j++
				}
				b = append(b, line[j])
			}
			if j == len(line) {
				return nil, errors.New("unclosed quoted string")
			}
			out = append(out, string(b))
			i = j + 1
		case c == '<':
			depth, j := 0, i
			for ; j < len(line); j++ {
				if line[j] == '<' {
					depth++
				} else if line[j] == '>' {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			if j == len(line) {
				return nil, errors.New("unclosed HTML-like string")
			}
			out = append(out, string(line[i+1:j]))
			i = j + 1
		default:
			j := i
			for j < len(line) && line[j] != ' ' {
				j++
			}
			out = append(out, string(line[i:j]))
			i = j
		}
	}
	return out, nil
}
