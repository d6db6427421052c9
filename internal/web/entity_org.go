package web

import (
	"context"
	"fmt"
	"html/template"
	"slices"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/plugin"
)

// Cards of Group and User pages: profile, members, groups, ownership.

func isKind(e *entity.Entity, kinds ...string) bool {
	return slices.ContainsFunc(kinds, func(k string) bool { return strings.EqualFold(e.Kind, k) })
}

// relationTargets are the entity's relation targets of one type, sorted.
func relationTargets(e *entity.Entity, typ string) []string {
	var out []string
	for _, r := range e.Relations {
		if r.Type == typ && !slices.Contains(out, r.TargetRef) {
			out = append(out, r.TargetRef)
		}
	}
	slices.Sort(out)
	return out
}

// catalogOf is the portal's own reader behind a view: the built-in cards
// need more of the catalog than plugin.EntityReader offers.
func catalogOf(v *plugin.EntityView) (CatalogReader, error) {
	er, ok := v.Catalog.(entityReader)
	if !ok {
		return nil, fmt.Errorf("the page's catalog reader is not the portal's")
	}
	return er.cat, nil
}

// profileCard is a user's or group's profile.
type profileCard struct{ s *site }

func (profileCard) ID() string    { return cardProfile }
func (profileCard) Title() string { return "Profile" }
func (profileCard) AppliesTo(e *entity.Entity) bool {
	return isKind(e, "user", "group") && (profileField(e, "email") != "" || profileField(e, "displayName") != "")
}

type profileData struct {
	Initials    string
	DisplayName string
	Email       pageLink
}

func (c profileCard) Render(_ context.Context, v *plugin.EntityView) (template.HTML, error) {
	e := v.Entity
	d := profileData{DisplayName: displayName(e)}
	for _, w := range strings.Fields(d.DisplayName) {
		if len([]rune(d.Initials)) < 2 {
			d.Initials += strings.ToUpper(string([]rune(w)[:1]))
		}
	}
	if mail := profileField(e, "email"); mail != "" {
		d.Email = linkOut(mail, "mailto:"+mail, true)
	}
	return c.s.fragment("card-profile", d)
}

// memberRow is a person or group listed on a card.
type memberRow struct {
	Link    refLink
	Name    string
	Detail  string
	Missing bool
}

// membersShown bounds the people a card lists.
const membersShown = 100

// listEntities reads refs and lists them with a detail per entity.
func listEntities(ctx context.Context, v *plugin.EntityView, refs []string, detail func(*entity.Entity) string) ([]memberRow, error) {
	ents, err := v.Catalog.EntitiesByRefs(ctx, refs)
	if err != nil {
		return nil, err
	}
	out := make([]memberRow, len(refs))
	for i, ref := range refs {
		out[i] = memberRow{Link: linkTo(ref, "")}
		if e := ents[i]; e != nil {
			out[i].Name = displayName(e)
			out[i].Detail = detail(e)
		} else {
			out[i].Missing = true
		}
	}
	return out, nil
}

// membersCard lists a group's members.
type membersCard struct{ s *site }

func (membersCard) ID() string    { return cardMembers }
func (membersCard) Title() string { return "Members" }
func (membersCard) AppliesTo(e *entity.Entity) bool {
	return isKind(e, "group")
}

type membersData struct {
	Members []memberRow
	More    int
	TabURL  string
}

func (c membersCard) Render(ctx context.Context, v *plugin.EntityView) (template.HTML, error) {
	refs := relationTargets(v.Entity, entity.RelationHasMember)
	d := membersData{TabURL: v.Path + "/relations"}
	if len(refs) > membersShown {
		d.More = len(refs) - membersShown
		refs = refs[:membersShown]
	}
	var err error
	d.Members, err = listEntities(ctx, v, refs, func(e *entity.Entity) string { return profileField(e, "email") })
	if err != nil {
		return "", err
	}
	return c.s.fragment("card-members", d)
}

// groupsCard is a group's parent and children, or a user's groups.
type groupsCard struct{ s *site }

func (groupsCard) ID() string { return cardGroups }
func (groupsCard) Title() string {
	return "Groups"
}
func (groupsCard) AppliesTo(e *entity.Entity) bool { return isKind(e, "group", "user") }

type groupsData struct {
	Sections []groupSection
}

type groupSection struct {
	Label string
	Rows  []memberRow
	More  int
	Empty string
}

func (c groupsCard) Render(ctx context.Context, v *plugin.EntityView) (template.HTML, error) {
	e := v.Entity
	var parts []struct{ label, rel, empty string }
	if isKind(e, "user") {
		parts = append(parts, struct{ label, rel, empty string }{"Member of", entity.RelationMemberOf, "Not a member of any group."})
	} else {
		parts = append(parts,
			struct{ label, rel, empty string }{"Parent group", entity.RelationChildOf, "No parent group."},
			struct{ label, rel, empty string }{"Child groups", entity.RelationParentOf, "No child groups."})
	}
	var d groupsData
	for _, p := range parts {
		refs := relationTargets(e, p.rel)
		sec := groupSection{Label: p.label, Empty: p.empty}
		if len(refs) > membersShown {
			sec.More = len(refs) - membersShown
			refs = refs[:membersShown]
		}
		rows, err := listEntities(ctx, v, refs, func(g *entity.Entity) string { return specString(g, "type") })
		if err != nil {
			return "", err
		}
		sec.Rows = rows
		d.Sections = append(d.Sections, sec)
	}
	return c.s.fragment("card-groups", d)
}

// ownershipCard lists what a group or user owns, grouped by kind.
type ownershipCard struct{ s *site }

func (ownershipCard) ID() string    { return cardOwnership }
func (ownershipCard) Title() string { return "Ownership" }
func (ownershipCard) AppliesTo(e *entity.Entity) bool {
	return isKind(e, "group", "user")
}

// Ownership card bounds.
const (
	ownedKindsShown   = 10
	ownedPerKindShown = 5
)

type ownershipData struct {
	Kinds []ownedKind
	Total int
	// TeamsURL lists what a user's groups own.
	TeamsURL string
}

type ownedKind struct {
	Kind     string
	Label    string
	Count    int
	Href     string
	Entities []refLink
}

func (c ownershipCard) Render(ctx context.Context, v *plugin.EntityView) (template.HTML, error) {
	cat, err := catalogOf(v)
	if err != nil {
		return "", err
	}
	owner := v.Ref.String()
	byOwner := fieldIn("relations.ownedby", []string{owner})
	// The catalog's kinds come from the cached kind facet; each kind's
	// share of the owner's entities is a count over the owner's search
	// rows, so a big catalog costs no more than a big owner.
	f, err := cat.Facets(ctx, catalog.FacetsRequest{Facets: []string{"kind"}})
	if err != nil {
		return "", err
	}
	var d ownershipData
	zero := 0
	for _, k := range f["kind"] {
		res, err := cat.QueryEntities(ctx, catalog.QueryRequest{Filter: catalog.AllOf(byOwner, fieldIn("kind", []string{k.Value})), Limit: &zero})
		if err != nil {
			return "", err
		}
		if res.TotalItems > 0 {
			d.Kinds = append(d.Kinds, ownedKind{Label: kindPlural(k.Value), Count: res.TotalItems, Kind: k.Value})
			d.Total += res.TotalItems
		}
	}
	slices.SortStableFunc(d.Kinds, func(a, b ownedKind) int { return b.Count - a.Count })
	if len(d.Kinds) > ownedKindsShown {
		d.Kinds = d.Kinds[:ownedKindsShown]
	}
	for i := range d.Kinds {
		k := &d.Kinds[i]
		view := catalogView{Kind: strings.ToLower(k.Kind), Sort: "name", Limit: defaultPageSize, Filters: map[string][]string{"owner": {owner}}}
		k.Href = view.URL()
		limit := ownedPerKindShown
		res, err := cat.QueryEntities(ctx, catalog.QueryRequest{
			Filter: catalog.AllOf(byOwner, fieldIn("kind", []string{k.Kind})),
			Order:  &catalog.Order{Field: "metadata.name"},
			Limit:  &limit,
		})
		if err != nil {
			return "", err
		}
		for _, raw := range res.Items {
			e, err := decodeSummary(raw)
			if err != nil {
				return "", err
			}
			k.Entities = append(k.Entities, refLink{Label: displayName(e), Href: refPath(e.Ref()), Ref: e.Ref().String()})
		}
	}
	if isKind(v.Entity, "user") {
		if groups := relationTargets(v.Entity, entity.RelationMemberOf); len(groups) > 0 && len(groups) <= maxFilterValues {
			d.TeamsURL = catalogView{Sort: "name", Limit: defaultPageSize, Filters: map[string][]string{"owner": groups}}.URL()
		}
	}
	return c.s.fragment("card-ownership", d)
}
