package graph

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/plugin"
)

// Limits of one graph.
const (
	// MaxNodes bounds the entities a graph draws: Graphviz lays 200 nodes
	// out in well under the page's budget, and a larger drawing is no
	// longer readable anyway.
	MaxNodes = 200
	// MaxBlastNodes bounds the entities a blast radius lists; the first
	// MaxNodes of them, nearest first, are drawn.
	MaxBlastNodes = 1000
	// MaxEdges bounds the edges drawn.
	MaxEdges = 1000
	// readChunk is the most refs one read asks for (plugin.EntityReader
	// caps a read at 500).
	readChunk = 500
)

// Graph is a set of entities and the relations between them.
type Graph struct {
	Nodes []*Node // in the order the walk reached them; roots first
	Edges []Edge
	// Truncated says the walk stopped at its node limit with more to go.
	Truncated bool
	// EdgesTruncated says some edges were left out.
	EdgesTruncated bool
	index          map[string]*Node
}

// Node is one entity of a graph.
type Node struct {
	Ref   string // canonical
	Kind  string // as the entity spells it; from the ref when Missing
	Name  string // the entity's title or name
	Depth int    // relations away from the nearest root
	Root  bool
	// Missing says the catalog has no such entity, or the reader may not
	// see it.
	Missing bool
	// Via is how the walk reached the node: the node it came from and the
	// relation it followed (empty for roots).
	ViaRef, ViaType string
	entity          *entity.Entity
	seq             int // position in Nodes
}

// Edge is a relation from one node to another.
type Edge struct {
	From, To string // refs
	Type     string
	// Both says the edge stands for the relation and its reverse.
	Both bool
}

func newGraph() *Graph { return &Graph{index: map[string]*Node{}} }

// Node returns the node of ref, nil when not in the graph.
func (g *Graph) Node(ref string) *Node { return g.index[ref] }

func (g *Graph) add(n *Node) {
	n.seq = len(g.Nodes)
	g.index[n.Ref] = n
	g.Nodes = append(g.Nodes, n)
}

// reader is the catalog as the page's reader may see it.
type reader = plugin.EntityReader

// Build walks the catalog from p.Roots: level by level, following the
// relations p selects, up to p.MaxDepth and MaxNodes entities. A root
// that is not in the catalog is still drawn, marked missing.
func Build(ctx context.Context, cat reader, p Params) (*Graph, error) {
	return walk(ctx, cat, p.Roots, walkRules{
		follows:        p.follows,
		keepsKind:      p.keepsKind,
		maxDepth:       p.MaxDepth,
		maxNodes:       MaxNodes,
		unidirectional: p.Unidirectional,
	}, p.MergeRelations)
}

// BlastRelations are the relations the blast radius follows, from the
// entity that breaks to what breaks with it: whatever depends on it
// (dependencyOf), consumes it (apiConsumedBy), the APIs it provides
// (providesApi: they are served by it) and whatever it is part of
// (partOf: a broken component is a broken system). Ownership, membership
// and hierarchy do not propagate failure, so they are not followed.
var BlastRelations = []string{
	entity.RelationDependencyOf,
	entity.RelationAPIConsumedBy,
	entity.RelationProvidesAPI,
	entity.RelationPartOf,
}

// BlastRadius walks from root along BlastRelations, up to maxDepth and
// MaxBlastNodes entities.
func BlastRadius(ctx context.Context, cat reader, root string, maxDepth int) (*Graph, error) {
	follow := map[string]bool{}
	for _, r := range BlastRelations {
		follow[r] = true
	}
	return walk(ctx, cat, []string{root}, walkRules{
		follows:   func(t string) bool { return follow[t] },
		keepsKind: func(string) bool { return true },
		maxDepth:  maxDepth,
		maxNodes:  MaxBlastNodes,
	}, false)
}

type walkRules struct {
	follows        func(relationType string) bool
	keepsKind      func(kind string) bool
	maxDepth       int
	maxNodes       int
	unidirectional bool
}

// walk is a breadth-first walk: each level's entities are read in one
// round of by-ref lookups, and their relations name the next level.
func walk(ctx context.Context, cat reader, roots []string, rules walkRules, merge bool) (*Graph, error) {
	g := newGraph()
	for _, r := range roots {
		if g.Node(r) != nil || len(g.Nodes) >= rules.maxNodes {
			continue
		}
		g.add(&Node{Ref: r, Root: true})
	}
	level := g.Nodes
	for depth := 0; len(level) > 0; depth++ {
		if err := load(ctx, cat, level); err != nil {
			return nil, err
		}
		if rules.maxDepth != Unlimited && depth >= rules.maxDepth {
			break
		}
		var next []*Node
		for _, n := range level {
			if n.entity == nil {
				continue // missing: nothing to follow
			}
			for _, rel := range n.entity.Relations {
				if !rules.follows(rel.Type) || g.Node(rel.TargetRef) != nil {
					continue
				}
				if rules.unidirectional && n.ViaType != "" && entity.ReverseRelation[n.ViaType] == rel.Type {
					continue
				}
				if !rules.keepsKind(kindOfRef(rel.TargetRef)) {
					continue
				}
				if len(g.Nodes) >= rules.maxNodes {
					g.Truncated = true
					break
				}
				child := &Node{Ref: rel.TargetRef, Depth: depth + 1, ViaRef: n.Ref, ViaType: rel.Type}
				g.add(child)
				next = append(next, child)
			}
		}
		level = next
	}
	g.connect(rules.follows, merge)
	return g, nil
}

// load reads the entities of nodes, in chunks, and fills in their labels.
func load(ctx context.Context, cat reader, nodes []*Node) error {
	for start := 0; start < len(nodes); start += readChunk {
		chunk := nodes[start:min(start+readChunk, len(nodes))]
		refs := make([]string, len(chunk))
		for i, n := range chunk {
			refs[i] = n.Ref
		}
		ents, err := cat.EntitiesByRefs(ctx, refs)
		if err != nil {
			return fmt.Errorf("read graph entities: %w", err)
		}
		for i, n := range chunk {
			var e *entity.Entity
			if i < len(ents) {
				e = ents[i]
			}
			n.entity = e
			if e == nil {
				n.Missing = true
				n.Kind, n.Name = splitRef(n.Ref)
				continue
			}
			n.Kind = e.Kind
			n.Name = e.Metadata.Name
			if t := strings.TrimSpace(e.Metadata.Title); t != "" {
				n.Name = t
			}
			if ns := e.Metadata.Namespace; ns != "" && ns != entity.DefaultNamespace {
				n.Name = ns + "/" + n.Name
			}
		}
	}
	return nil
}

// connect adds the edges between the graph's nodes: every followed
// relation of a loaded entity whose target is in the graph. With merge, a
// relation and its reverse become one edge, drawn in the direction of
// the pair's forward type.
func (g *Graph) connect(follows func(string) bool, merge bool) {
	seen := map[Edge]bool{}
	for _, n := range g.Nodes {
		if n.entity == nil {
			continue
		}
		for _, rel := range n.entity.Relations {
			if !follows(rel.Type) || g.Node(rel.TargetRef) == nil || rel.TargetRef == n.Ref {
				continue
			}
			e := Edge{From: n.Ref, To: rel.TargetRef, Type: rel.Type}
			if merge {
				if rev, ok := entity.ReverseRelation[rel.Type]; ok {
					if !forward[rel.Type] {
						e = Edge{From: rel.TargetRef, To: n.Ref, Type: rev}
					}
					e.Both = true
				}
			}
			if seen[e] {
				continue
			}
			if len(g.Edges) >= MaxEdges {
				g.EdgesTruncated = true
				return
			}
			seen[e] = true
			g.Edges = append(g.Edges, e)
		}
	}
	// With merge, an edge is Both only when the reverse was followed too;
	// otherwise it stands for the one relation seen.
	if merge {
		for i, e := range g.Edges {
			g.Edges[i].Both = e.Both && follows(entity.ReverseRelation[e.Type]) && follows(e.Type)
		}
	}
	sort.SliceStable(g.Edges, func(i, j int) bool {
		a, b := g.Edges[i], g.Edges[j]
		if a.From != b.From {
			return g.index[a.From].seq < g.index[b.From].seq
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.To < b.To
	})
}

// forward are the relation types a merged edge is drawn as: from the
// entity that depends, consumes, provides, belongs or is owned, towards
// the other.
var forward = map[string]bool{
	entity.RelationOwnedBy:     true,
	entity.RelationConsumesAPI: true,
	entity.RelationProvidesAPI: true,
	entity.RelationDependsOn:   true,
	entity.RelationParentOf:    true,
	entity.RelationMemberOf:    true,
	entity.RelationPartOf:      true,
}

// kindOfRef is the kind part of a canonical ref.
func kindOfRef(ref string) string {
	k, _ := splitRef(ref)
	return k
}

// splitRef splits kind:namespace/name into the kind and the name (with
// the namespace when it is not the default).
func splitRef(ref string) (kind, name string) {
	r, err := entity.ParseRef(ref, entity.RefDefaults{})
	if err != nil {
		return "", ref
	}
	name = r.Name
	if r.Namespace != entity.DefaultNamespace {
		name = r.Namespace + "/" + name
	}
	return r.Kind, name
}
