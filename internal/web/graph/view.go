package graph

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/plugin"
)

// Service renders the graph tab of entity pages and the standalone graph
// page.
type Service struct {
	r   *Renderer
	log *slog.Logger
}

// New returns a Service drawing with r.
func New(r *Renderer, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{r: r, log: log}
}

// TabID is the graph tab's path segment.
const TabID = "graph"

// Tab is the graph tab of every entity page.
func (s *Service) Tab() plugin.EntityTab { return tab{s} }

type tab struct{ s *Service }

var _ plugin.EntityTab = tab{}

func (tab) ID() string                    { return TabID }
func (tab) Title() string                 { return "Graph" }
func (tab) AppliesTo(*entity.Entity) bool { return true }

// Render draws the entity's neighbourhood or blast radius as the tab's
// query string asks.
func (t tab) Render(ctx context.Context, v *plugin.EntityView) (template.HTML, error) {
	p := ParseParams(v.Query)
	p.Roots = []string{v.Ref.String()}
	d := &view{
		Heading:   "Dependency graph",
		Level:     2,
		Action:    v.Path + "/" + TabID,
		Params:    p,
		OpenURL:   withQuery(PagePath, p.Values(true)),
		RootLabel: v.Ref.String(),
	}
	if p.BlastRadius {
		d.Heading = "Blast radius"
	}
	return t.s.render(ctx, d, v.Catalog, v.Link, v.Entity)
}

// PagePath is the standalone graph page's path.
const PagePath = "/catalog-graph"

// Page renders /catalog-graph from its query string: its title and body,
// which holds the page's h1.
func (s *Service) Page(ctx context.Context, q url.Values, cat plugin.EntityReader, link func(string) string) (string, template.HTML, error) {
	p := ParseParams(q)
	d := &view{
		Heading:    "Catalog graph",
		Level:      1,
		Standalone: true,
		Action:     PagePath,
		Params:     p,
		RootInput:  strings.Join(p.Roots, ", "),
	}
	if p.BlastRadius {
		d.Heading = "Blast radius"
	}
	if len(p.Roots) == 0 {
		body, err := s.execute(d)
		return d.Heading, body, err
	}
	var first *entity.Entity
	if ents, err := cat.EntitiesByRefs(ctx, p.Roots[:1]); err == nil && len(ents) == 1 {
		first = ents[0]
	}
	body, err := s.render(ctx, d, cat, link, first)
	return d.Heading, body, err
}

// view is what the template shows.
type view struct {
	Heading string
	// Level is the heading level: 1 on the page, 2 in a tab.
	Level      int
	Standalone bool
	Action     string
	Params     Params
	RootInput  string
	RootLabel  string
	OpenURL    string

	Views      []choice
	Relations  []choice
	Kinds      []choice
	Depths     []choice
	Directions []choice

	Graph          *Graph
	SVG            template.HTML
	LayoutErr      string
	Legend         []legendItem
	RelationLegend []legendItem
	Rows           []row
	// Drawn is how many of the rows are drawn (a blast radius lists more
	// than it draws).
	Drawn int
}

// choice is a form option or a link between views.
type choice struct {
	Value, Label, Href string
	On                 bool
}

type legendItem struct {
	Kind, Class string
	Count       int
}

// row is one entity in the table under the drawing.
type row struct {
	Ref, Kind, Name, Href string
	Depth                 int
	ViaRef, ViaHref       string
	ViaType               string
	Missing, Root         bool
}

func (s *Service) render(ctx context.Context, d *view, cat plugin.EntityReader, link func(string) string, root *entity.Entity) (template.HTML, error) {
	p := d.Params
	var (
		g   *Graph
		err error
	)
	if p.BlastRadius {
		g, err = BlastRadius(ctx, cat, p.Roots[0], p.MaxDepth)
	} else {
		g, err = Build(ctx, cat, p)
	}
	if err != nil {
		return "", err
	}
	d.Graph = g
	d.fillChoices(root)
	drawn := g
	if p.BlastRadius && len(g.Nodes) > MaxNodes {
		drawn = g.firstNodes(MaxNodes)
	}
	d.Drawn = len(drawn.Nodes)
	svg, err := s.r.Draw(ctx, drawn, p.Direction, link)
	switch {
	case err == nil:
		d.SVG = template.HTML(svg) // writeSVG escapes all text it writes
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "", err
	default:
		s.log.ErrorContext(ctx, "graph layout failed", "roots", strings.Join(p.Roots, ","), "error", err)
		d.LayoutErr = "The graph could not be drawn; the entities it holds are listed below."
	}
	d.Legend = legend(drawn)
	d.RelationLegend = relationLegend(drawn)
	for _, n := range g.Nodes {
		r := row{Ref: n.Ref, Kind: n.Kind, Name: n.Name, Depth: n.Depth, ViaType: n.ViaType, Missing: n.Missing, Root: n.Root}
		if !n.Missing {
			r.Href = link(n.Ref)
		}
		if n.ViaRef != "" {
			r.ViaRef, r.ViaHref = n.ViaRef, link(n.ViaRef)
		}
		d.Rows = append(d.Rows, r)
	}
	return s.execute(d)
}

func (s *Service) execute(d *view) (template.HTML, error) {
	if len(d.Views) == 0 {
		d.fillChoices(nil)
	}
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, "graph", d); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil
}

// withQuery is path with the query string q, if any.
func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// firstNodes is the subgraph of g's first n nodes, nearest first.
func (g *Graph) firstNodes(n int) *Graph {
	sub := newGraph()
	for _, node := range g.Nodes[:n] {
		sub.add(node)
	}
	for _, e := range g.Edges {
		if sub.Node(e.From) != nil && sub.Node(e.To) != nil {
			sub.Edges = append(sub.Edges, e)
		}
	}
	return sub
}

// knownRelations are the relation types the form offers, in pairs.
var knownRelations = []string{
	entity.RelationOwnedBy, entity.RelationOwnerOf,
	entity.RelationDependsOn, entity.RelationDependencyOf,
	entity.RelationProvidesAPI, entity.RelationAPIProvidedBy,
	entity.RelationConsumesAPI, entity.RelationAPIConsumedBy,
	entity.RelationPartOf, entity.RelationHasPart,
	entity.RelationParentOf, entity.RelationChildOf,
	entity.RelationMemberOf, entity.RelationHasMember,
}

// knownKinds are the kinds the form offers.
var knownKinds = []string{"component", "api", "resource", "system", "domain", "group", "user", "location", "template"}

func (d *view) fillChoices(root *entity.Entity) {
	p := d.Params
	link := func(q Params) string { return withQuery(d.Action, q.Values(d.Standalone)) }
	neighbourhood, blast := p, p
	neighbourhood.BlastRadius, blast.BlastRadius = false, true
	// Each view starts at its own depth.
	neighbourhood.MaxDepth, blast.MaxDepth = neighbourhood.defaultDepth(), blast.defaultDepth()
	d.Views = []choice{
		{Label: "Neighbourhood", Href: link(neighbourhood), On: !p.BlastRadius},
		{Label: "Blast radius", Href: link(blast), On: p.BlastRadius},
	}
	rels := slices.Clone(knownRelations)
	if root != nil {
		// Relation types plugins add show up on the entity itself.
		var extra []string
		for _, r := range root.Relations {
			if !slices.Contains(rels, r.Type) && !slices.Contains(extra, r.Type) {
				extra = append(extra, r.Type)
			}
		}
		sort.Strings(extra)
		rels = append(rels, extra...)
	}
	for _, r := range p.Relations {
		if !slices.Contains(rels, r) {
			rels = append(rels, r)
		}
	}
	d.Relations = nil
	for _, r := range rels {
		d.Relations = append(d.Relations, choice{Value: r, Label: r, On: p.follows(r)})
	}
	d.Kinds = nil
	for _, k := range knownKinds {
		d.Kinds = append(d.Kinds, choice{Value: k, Label: k, On: p.keepsKind(k)})
	}
	d.Depths = nil
	for depth := 1; depth <= MaxDepthChoice; depth++ {
		d.Depths = append(d.Depths, choice{Value: depthText(depth), Label: depthText(depth), On: p.MaxDepth == depth})
	}
	d.Depths = append(d.Depths, choice{Value: "∞", Label: "∞ (up to the node limit)", On: p.MaxDepth == Unlimited})
	d.Directions = nil
	for _, dir := range Directions {
		d.Directions = append(d.Directions, choice{Value: dir.Value, Label: dir.Label, On: p.Direction == dir.Value})
	}
}

// relationLegend counts the drawn relations per type.
func relationLegend(g *Graph) []legendItem {
	counts := map[string]int{}
	for _, e := range g.Edges {
		counts[e.Type]++
	}
	var out []legendItem
	for typ, n := range counts {
		out = append(out, legendItem{Kind: typ, Class: "rel-" + classPart(typ), Count: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}

// legend counts the drawn entities per kind.
func legend(g *Graph) []legendItem {
	counts := map[string]int{}
	for _, n := range g.Nodes {
		counts[strings.ToLower(n.Kind)]++
	}
	var out []legendItem
	for kind, n := range counts {
		out = append(out, legendItem{Kind: kind, Class: "kind-" + classPart(kind), Count: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}

//go:embed templates/*.html
var templateFS embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"maxNodes":       func() int { return MaxNodes },
	"maxBlastNodes":  func() int { return MaxBlastNodes },
	"blastRelations": func() []string { return BlastRelations },
}).ParseFS(templateFS, "templates/*.html"))
