package graph

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/callboard/callboard/entity"
)

// Params is what to draw, as the query string of the graph tab and of
// /catalog-graph holds it, with Backstage's catalog graph parameter names:
// rootEntityRefs[], selectedRelations[] (or relations[]), selectedKinds[]
// (or kinds[]), maxDepth, direction, unidirectional and mergeRelations;
// view=blast-radius is Callboard's.
type Params struct {
	Roots []string // canonical refs
	// Relations are the relation types to follow; empty follows all.
	Relations []string
	// Kinds keeps only entities of these kinds (lower-case); empty keeps
	// all. Roots are always kept.
	Kinds []string
	// MaxDepth is how many relations away from a root to go; Unlimited
	// for no limit (MaxNodes still applies).
	MaxDepth int
	// Direction is the layout: LR, RL, TB or BT.
	Direction string
	// Unidirectional does not walk back along the reverse of the relation
	// an entity was reached by: from a component to its owner, it does not
	// go on to everything else the owner owns.
	Unidirectional bool
	// MergeRelations draws a relation and its reverse (dependsOn and
	// dependencyOf) as one edge.
	MergeRelations bool
	// BlastRadius shows what depends on the root instead.
	BlastRadius bool
}

// Unlimited is MaxDepth without a limit.
const Unlimited = -1

// Directions are the layouts, in the order the form offers them.
var Directions = []struct{ Value, Label string }{
	{"LR", "Left to right"},
	{"RL", "Right to left"},
	{"TB", "Top to bottom"},
	{"BT", "Bottom to top"},
}

// DefaultParams are the parameters of a first visit.
func DefaultParams() Params {
	return Params{MaxDepth: 1, Direction: "LR", Unidirectional: true, MergeRelations: true}
}

// Query parameter names.
const (
	paramRoots          = "rootEntityRefs[]"
	paramRelations      = "selectedRelations[]"
	paramKinds          = "selectedKinds[]"
	paramMaxDepth       = "maxDepth"
	paramDirection      = "direction"
	paramUnidirectional = "unidirectional"
	paramMerge          = "mergeRelations"
	paramView           = "view"
	viewBlastRadius     = "blast-radius"
)

// maxListParams bounds the values of one list parameter.
const maxListParams = 50

// ParseParams reads parameters from a query string, starting from the
// defaults. No selected relations follows them all, no selected kinds
// keeps them all. Values it cannot read are ignored rather than refused,
// so an old bookmark still opens.
func ParseParams(q url.Values) Params {
	p := DefaultParams()
	for _, key := range []string{paramRoots, "rootEntityRefs", "rootEntityRef"} {
		for _, s := range limit(q[key]) {
			for _, part := range strings.Split(s, ",") {
				if len(p.Roots) >= maxListParams {
					break
				}
				if ref, err := entity.ParseRef(strings.TrimSpace(part), entity.RefDefaults{Kind: "component"}); err == nil {
					p.Roots = appendNew(p.Roots, ref.String())
				}
			}
		}
	}
	for _, key := range []string{paramRelations, "relations[]", "relations"} {
		for _, s := range limit(q[key]) {
			if s = strings.TrimSpace(s); s != "" {
				p.Relations = appendNew(p.Relations, s)
			}
		}
	}
	for _, key := range []string{paramKinds, "kinds[]", "kinds"} {
		for _, s := range limit(q[key]) {
			if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
				p.Kinds = appendNew(p.Kinds, s)
			}
		}
	}
	p.BlastRadius = q.Get(paramView) == viewBlastRadius
	p.MaxDepth = p.defaultDepth()
	switch d := strings.TrimSpace(q.Get(paramMaxDepth)); strings.ToLower(d) {
	case "":
	case "∞", "inf", "infinity", "unlimited":
		p.MaxDepth = Unlimited
	default:
		if n, err := strconv.Atoi(d); err == nil {
			p.MaxDepth = max(1, min(n, MaxDepthChoice))
			if n > MaxDepthChoice {
				p.MaxDepth = Unlimited
			}
		}
	}
	if d := strings.ToUpper(q.Get(paramDirection)); slices.ContainsFunc(Directions, func(x struct{ Value, Label string }) bool { return x.Value == d }) {
		p.Direction = d
	}
	if v, ok := lastBool(q[paramUnidirectional]); ok {
		p.Unidirectional = v
	}
	if v, ok := lastBool(q[paramMerge]); ok {
		p.MergeRelations = v
	}
	return p
}

// defaultDepth is how deep a view goes unless told: one step for the
// neighbourhood, everything for the blast radius, which is about what
// breaks transitively.
func (p Params) defaultDepth() int {
	if p.BlastRadius {
		return Unlimited
	}
	return 1
}

// MaxDepthChoice is the largest finite depth the form offers.
const MaxDepthChoice = 5

func limit(vals []string) []string { return vals[:min(len(vals), maxListParams)] }

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// lastBool reads a checkbox that follows a hidden "false": the last value
// wins.
func lastBool(vals []string) (bool, bool) {
	if len(vals) == 0 {
		return false, false
	}
	b, err := strconv.ParseBool(vals[len(vals)-1])
	return b, err == nil
}

// Values writes p as a query string; withRoots includes the roots (the
// standalone page needs them, the entity tab has its entity).
func (p Params) Values(withRoots bool) url.Values {
	v := url.Values{}
	if withRoots {
		for _, r := range p.Roots {
			v.Add(paramRoots, r)
		}
	}
	for _, r := range p.Relations {
		v.Add(paramRelations, r)
	}
	for _, k := range p.Kinds {
		v.Add(paramKinds, k)
	}
	d := DefaultParams()
	if p.MaxDepth != p.defaultDepth() {
		v.Set(paramMaxDepth, depthText(p.MaxDepth))
	}
	if p.Direction != d.Direction {
		v.Set(paramDirection, p.Direction)
	}
	if p.Unidirectional != d.Unidirectional {
		v.Set(paramUnidirectional, strconv.FormatBool(p.Unidirectional))
	}
	if p.MergeRelations != d.MergeRelations {
		v.Set(paramMerge, strconv.FormatBool(p.MergeRelations))
	}
	if p.BlastRadius {
		v.Set(paramView, viewBlastRadius)
	}
	return v
}

func depthText(d int) string {
	if d == Unlimited {
		return "∞"
	}
	return strconv.Itoa(d)
}

// follows reports whether the walk follows relation type t.
func (p Params) follows(t string) bool {
	return len(p.Relations) == 0 || slices.Contains(p.Relations, t)
}

// keepsKind reports whether entities of kind k are drawn.
func (p Params) keepsKind(k string) bool {
	return len(p.Kinds) == 0 || slices.Contains(p.Kinds, strings.ToLower(k))
}
