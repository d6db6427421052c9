package bench

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/callboard/callboard/entity"
)

// org is the plan of an organisation: every entity's name and the links
// between entities, fixed before any file is written so that every
// reference points at an entity that exists.
type org struct {
	rng *rand.Rand

	domains, systems, components, apis, resources, groups, users []string

	groupParent   []int   // index of the parent group, -1 for the root
	groupChildren [][]int // reverse of groupParent
	departments   []int   // groups directly under the root
	teams         []int   // groups that own software and have members

	systemDomain  []int
	systemOwner   []int
	compType      []string
	compSystem    []int // -1 when the component is in no system
	compOwner     []int
	compProvides  [][]int
	apiProvider   []int
	apiType       []string
	apiLifecycle  []string
	resourceType  []string
	resourceOwner []int
}

// planOrg splits n entities over the kinds (about 1% Domains, 3% Systems,
// 15% APIs, 6% Resources, 5% Groups, 25% Users, the rest Components, one
// root Location) and names and links them.
func planOrg(rng *rand.Rand, n int) *org {
	share := func(pct int) int { return max(1, n*pct/100) }
	o := &org{rng: rng}
	nDomains, nSystems, nAPIs, nResources, nGroups, nUsers := share(1), share(3), share(15), share(6), share(5), share(25)
	nComponents := max(1, n-1-nDomains-nSystems-nAPIs-nResources-nGroups-nUsers)

	o.planGroups(nGroups)
	for i := range nUsers {
		o.users = append(o.users, fmt.Sprintf("%s.%s-%d", pick(rng, firstNames), pick(rng, lastNames), i+1))
	}
	for i := range nDomains {
		o.domains = append(o.domains, fmt.Sprintf("%s-domain-%d", pick(rng, nouns), i+1))
	}
	for i := range nSystems {
		o.systems = append(o.systems, fmt.Sprintf("%s-%s-%d", pick(rng, adjectives), pick(rng, nouns), i+1))
		o.systemDomain = append(o.systemDomain, rng.IntN(nDomains))
		o.systemOwner = append(o.systemOwner, pick(rng, o.teams))
	}
	for i := range nResources {
		t := pick(rng, resourceTypes)
		o.resources = append(o.resources, fmt.Sprintf("%s-%s-%d", pick(rng, nouns), t, i+1))
		o.resourceType = append(o.resourceType, t)
		o.resourceOwner = append(o.resourceOwner, pick(rng, o.teams))
	}
	var services []int
	for i := range nComponents {
		o.components = append(o.components, fmt.Sprintf("%s-%s-%d", pick(rng, adjectives), pick(rng, nouns), i+1))
		t := weighted(rng, []string{"service", "website", "library"}, []int{50, 20, 30})
		if t == "service" {
			services = append(services, i)
		}
		o.compType = append(o.compType, t)
		sys := -1
		if rng.IntN(10) > 0 {
			sys = rng.IntN(nSystems)
		}
		o.compSystem = append(o.compSystem, sys)
		owner := pick(rng, o.teams)
		if sys >= 0 && rng.IntN(4) > 0 {
			owner = o.systemOwner[sys] // most components belong to their system's team
		}
		o.compOwner = append(o.compOwner, owner)
	}
	o.compProvides = make([][]int, nComponents)
	if len(services) == 0 {
		services = []int{0}
	}
	for i := range nAPIs {
		t := weighted(rng, []string{"openapi", "grpc", "graphql", "asyncapi"}, []int{55, 20, 10, 15})
		o.apis = append(o.apis, fmt.Sprintf("%s-%s-api-%d", pick(rng, nouns), t, i+1))
		o.apiType = append(o.apiType, t)
		o.apiLifecycle = append(o.apiLifecycle, weighted(rng, []string{"production", "experimental", "deprecated"}, []int{70, 20, 10}))
		p := pick(rng, services)
		o.apiProvider = append(o.apiProvider, p)
		o.compProvides[p] = append(o.compProvides[p], i)
	}
	return o
}

// planGroups builds a hierarchy: one organisation at the root, about a
// tenth of the groups as departments under it, the rest teams under a
// department.
func (o *org) planGroups(n int) {
	rng := o.rng
	nDepartments := 0
	if n > 1 {
		nDepartments = max(1, (n-1)/10)
	}
	o.groupChildren = make([][]int, n)
	for i := range n {
		parent := -1
		switch {
		case i == 0:
			o.groups = append(o.groups, "acme")
		case i <= nDepartments:
			parent = 0
			o.departments = append(o.departments, i)
			o.groups = append(o.groups, fmt.Sprintf("dept-%s-%d", pick(rng, nouns), i))
		default:
			parent = o.departments[rng.IntN(len(o.departments))]
			o.teams = append(o.teams, i)
			o.groups = append(o.groups, fmt.Sprintf("team-%s-%s-%d", pick(rng, adjectives), pick(rng, nouns), i))
		}
		o.groupParent = append(o.groupParent, parent)
		if parent >= 0 {
			o.groupChildren[parent] = append(o.groupChildren[parent], i)
		}
	}
	if len(o.departments) == 0 {
		o.departments = []int{0}
	}
	if len(o.teams) == 0 {
		o.teams = o.departments
	}
}

func (o *org) group(i int) obj {
	typ := "team"
	switch {
	case o.groupParent[i] < 0:
		typ = "organization"
	case o.groupParent[i] == 0:
		typ = "department"
	}
	title := titleCase(o.groups[i])
	spec := obj{{"type", typ}}
	if p := o.groupParent[i]; p >= 0 {
		spec = append(spec, field{"parent", o.groups[p]})
	}
	children := make([]string, 0, len(o.groupChildren[i]))
	for _, c := range o.groupChildren[i] {
		children = append(children, o.groups[c])
	}
	spec = append(spec,
		field{"children", children},
		field{"profile", obj{{"displayName", title}, {"email", o.groups[i] + "@acme.example"}}},
	)
	meta := obj{{"name", o.groups[i]}, {"title", title}, {"description", "The " + title + " " + typ + "."}}
	if typ == "team" {
		meta = append(meta, field{"annotations", obj{{"github.com/team-slug", "acme/" + o.groups[i]}}})
	}
	return envelope("Group", meta, spec)
}

func (o *org) user(i int) obj {
	name := o.users[i]
	first, rest, _ := strings.Cut(name, ".")
	last, _, _ := strings.Cut(rest, "-")
	display := titleCase(first) + " " + titleCase(last)
	member := []string{o.groups[pick(o.rng, o.teams)]}
	if o.rng.IntN(3) == 0 {
		if g := o.groups[pick(o.rng, o.teams)]; g != member[0] {
			member = append(member, g)
		}
	}
	meta := obj{
		{"name", name},
		{"annotations", obj{{"github.com/user-login", strings.ReplaceAll(name, ".", "-")}}},
	}
	spec := obj{
		{"profile", obj{{"displayName", display}, {"email", strings.ReplaceAll(name, "-", "") + "@acme.example"}}},
		{"memberOf", member},
	}
	return envelope("User", meta, spec)
}

func (o *org) domain(i int) obj {
	title := titleCase(strings.TrimSuffix(o.domains[i], fmt.Sprintf("-%d", i+1)))
	meta := obj{{"name", o.domains[i]}, {"title", title}, {"description", "Everything about " + strings.ToLower(title) + "."}}
	spec := obj{{"owner", o.groups[pick(o.rng, o.departments)]}}
	return envelope("Domain", meta, spec)
}

func (o *org) system(i int) obj {
	meta := obj{
		{"name", o.systems[i]},
		{"description", "The " + titleCase(o.systems[i]) + " system."},
		{"tags", o.tags()},
	}
	spec := obj{
		{"owner", o.groups[o.systemOwner[i]]},
		{"domain", o.domains[o.systemDomain[i]]},
		{"type", pick(o.rng, systemTypes)},
	}
	return envelope("System", meta, spec)
}

func (o *org) resource(i int) obj {
	meta := obj{
		{"name", o.resources[i]},
		{"description", "A " + o.resourceType[i] + " for " + titleCase(o.resources[i]) + "."},
	}
	spec := obj{
		{"type", o.resourceType[i]},
		{"owner", o.groups[o.resourceOwner[i]]},
		{"system", o.systems[o.rng.IntN(len(o.systems))]},
	}
	if i > 0 && o.rng.IntN(5) == 0 {
		spec = append(spec, field{"dependsOn", []string{"resource:" + o.resources[o.rng.IntN(i)]}})
	}
	return envelope("Resource", meta, spec)
}

func (o *org) api(i int) obj {
	name := o.apis[i]
	provider := o.apiProvider[i]
	meta := obj{
		{"name", name},
		{"title", titleCase(name)},
		{"description", "The " + o.apiType[i] + " API of " + o.components[provider] + "."},
		{"tags", []string{o.apiType[i]}},
	}
	spec := obj{
		{"type", o.apiType[i]},
		{"lifecycle", o.apiLifecycle[i]},
		{"owner", o.groups[o.compOwner[provider]]},
	}
	if s := o.compSystem[provider]; s >= 0 {
		spec = append(spec, field{"system", o.systems[s]})
	}
	spec = append(spec, field{"definition", apiDefinition(o.apiType[i], name, i)})
	return envelope("API", meta, spec)
}

func (o *org) component(i int) obj {
	rng := o.rng
	name := o.components[i]
	annotations := obj{{"github.com/project-slug", "acme/" + name}}
	if rng.IntN(5) == 0 {
		annotations = append(annotations, field{"backstage.io/techdocs-ref", "dir:."})
	}
	if o.compType[i] == "service" && rng.IntN(3) == 0 {
		annotations = append(annotations, field{"pagerduty.com/service-id", fmt.Sprintf("P%06X", rng.IntN(1<<24))})
	}
	links := []obj{{{"url", "https://github.com/acme/" + name}, {"title", "Repository"}, {"icon", "github"}}}
	if o.compType[i] != "library" {
		links = append(links, obj{{"url", "https://grafana.acme.example/d/" + name}, {"title", "Dashboard"}, {"icon", "dashboard"}})
	}
	meta := obj{
		{"name", name},
		{"description", fmt.Sprintf("A %s that handles %s for the %s team.", o.compType[i], strings.SplitN(name, "-", 3)[1], o.groups[o.compOwner[i]])},
		{"labels", obj{{"tier", fmt.Sprintf("tier-%d", 1+rng.IntN(3))}}},
		{"annotations", annotations},
	}
	if tags := o.tags(); len(tags) > 0 {
		meta = append(meta, field{"tags", tags})
	}
	meta = append(meta, field{"links", links})
	spec := obj{
		{"type", o.compType[i]},
		{"lifecycle", weighted(rng, []string{"production", "experimental", "deprecated"}, []int{60, 25, 15})},
		{"owner", o.groups[o.compOwner[i]]},
	}
	if s := o.compSystem[i]; s >= 0 {
		spec = append(spec, field{"system", o.systems[s]})
	}
	if ps := o.compProvides[i]; len(ps) > 0 {
		provides := make([]string, len(ps))
		for k, a := range ps {
			provides[k] = o.apis[a]
		}
		spec = append(spec, field{"providesApis", provides})
	}
	if o.compType[i] != "library" {
		if consumes := o.distinct(rng.IntN(4), len(o.apis), func(k int) string { return o.apis[k] }); len(consumes) > 0 {
			spec = append(spec, field{"consumesApis", consumes})
		}
	}
	deps := o.distinct(rng.IntN(4), len(o.components)+len(o.resources), func(k int) string {
		if k < len(o.components) {
			return "component:" + o.components[k]
		}
		return "resource:" + o.resources[k-len(o.components)]
	})
	deps = slices.DeleteFunc(deps, func(d string) bool { return d == "component:"+name })
	if len(deps) > 0 {
		spec = append(spec, field{"dependsOn", deps})
	}
	return envelope("Component", meta, spec)
}

// tags returns zero to three distinct tags.
func (o *org) tags() []string {
	return o.distinct(o.rng.IntN(4), len(tagWords), func(k int) string { return tagWords[k] })
}

// distinct draws up to n distinct indexes below limit and names them.
func (o *org) distinct(n, limit int, name func(int) string) []string {
	var out []string
	for range n {
		s := name(o.rng.IntN(limit))
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// sample fills the lookup lists of sum.
func (o *org) sample(rng *rand.Rand, sum *Summary) {
	kinds := []struct {
		kind  string
		names []string
	}{
		{"component", o.components}, {"component", o.components}, {"component", o.components},
		{"api", o.apis}, {"user", o.users}, {"group", o.groups},
		{"system", o.systems}, {"resource", o.resources}, {"domain", o.domains},
	}
	draw := func(k int) entity.Ref {
		s := kinds[k%len(kinds)]
		return entity.Ref{Kind: s.kind, Namespace: entity.DefaultNamespace, Name: pick(rng, s.names)}
	}
	for k := range 100 {
		sum.Names = append(sum.Names, draw(k))
	}
	for k := range 20 {
		sum.Refs = append(sum.Refs, draw(k).String())
	}
	for _, k := range rng.Perm(len(nouns))[:5] {
		sum.FullTextTerms = append(sum.FullTextTerms, nouns[k])
	}
}

func envelope(kind string, meta, spec obj) obj {
	return obj{{"apiVersion", "backstage.io/v1alpha1"}, {"kind", kind}, {"metadata", meta}, {"spec", spec}}
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// weighted picks one of xs with the given relative weights.
func weighted(rng *rand.Rand, xs []string, weights []int) string {
	total := 0
	for _, w := range weights {
		total += w
	}
	r := rng.IntN(total)
	for i, w := range weights {
		if r < w {
			return xs[i]
		}
		r -= w
	}
	return xs[len(xs)-1]
}

// titleCase turns "team-amber-ledger-12" into "Team Amber Ledger 12".
func titleCase(s string) string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '.' })
	for i, p := range parts {
		parts[i] = strings.ToUpper(p[:1]) + p[1:]
	}
	return strings.Join(parts, " ")
}
