package web

import (
	"context"
	"html/template"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/plugin"
)

// The portal's own cards, by ID.
const (
	cardErrors    = "processing-errors"
	cardAbout     = "about"
	cardProfile   = "profile"
	cardRelations = "relations"
	cardLinks     = "links"
	cardMembers   = "members"
	cardGroups    = "groups"
	cardOwnership = "ownership"
)

// builtinCards are the portal's cards in the order the overview shows
// them; plugins' cards follow.
func (s *site) builtinCards() []plugin.EntityCard {
	return []plugin.EntityCard{
		errorsCard{s}, aboutCard{s}, profileCard{s}, membersCard{s}, groupsCard{s},
		ownershipCard{s}, relationsCard{s}, linksCard{s},
	}
}

var (
	_ plugin.EntityCard = errorsCard{}
	_ plugin.EntityCard = aboutCard{}
	_ plugin.EntityCard = relationsCard{}
	_ plugin.EntityCard = linksCard{}
)

// processingErrors are the errors the entity's latest processing
// recorded in its status, placed in the file they point at.
func processingErrors(e *entity.Entity) []errorView {
	if e.Status == nil {
		return nil
	}
	src := parseSource(e.Annotation(entity.AnnotationManagedByLocation))
	var out []errorView
	for _, it := range e.Status.Items {
		if it.Type != entity.StatusTypeProcessing || it.Error == nil {
			continue
		}
		out = append(out, viewError(*it.Error, src))
	}
	return out
}

// errorsCard lists the entity's processing errors, first on the overview.
type errorsCard struct{ s *site }

func (errorsCard) ID() string    { return cardErrors }
func (errorsCard) Title() string { return "Processing errors" }
func (errorsCard) AppliesTo(e *entity.Entity) bool {
	return len(processingErrors(e)) > 0
}

func (c errorsCard) Render(_ context.Context, v *plugin.EntityView) (template.HTML, error) {
	return c.s.fragment("card-errors", processingErrors(v.Entity))
}

// aboutCard is the entity's description and main facts.
type aboutCard struct{ s *site }

func (aboutCard) ID() string                    { return cardAbout }
func (aboutCard) Title() string                 { return "About" }
func (aboutCard) AppliesTo(*entity.Entity) bool { return true }

// aboutData is the about card.
type aboutData struct {
	Description template.HTML
	Fields      []aboutField
	Tags        []string
	Actions     []pageLink
}

// aboutField is one fact: a link, or text.
type aboutField struct {
	Label string
	Link  refLink
	Text  string
	// Code shows Text as code.
	Code bool
}

func (c aboutCard) Render(_ context.Context, v *plugin.EntityView) (template.HTML, error) {
	e := v.Entity
	d := aboutData{Tags: e.Metadata.Tags}
	if e.Metadata.Description != "" {
		html, err := renderMarkdown(e.Metadata.Description)
		if err != nil {
			return "", err
		}
		d.Description = html
	}
	add := func(label string, l refLink, ok bool) {
		if ok {
			d.Fields = append(d.Fields, aboutField{Label: label, Link: l})
		}
	}
	owner, ok := ownerLink(e)
	add("Owner", owner, ok)
	switch strings.ToLower(e.Kind) {
	case "component", "api", "resource":
		sys, ok := specRef(e, "system", "system")
		add("System", sys, ok)
	case "system":
		dom, ok := specRef(e, "domain", "domain")
		add("Domain", dom, ok)
	case "domain":
		sub, ok := specRef(e, "subdomainOf", "domain")
		add("Part of domain", sub, ok)
	}
	for _, f := range []struct{ key, label string }{{"type", "Type"}, {"lifecycle", "Lifecycle"}} {
		if s := specString(e, f.key); s != "" {
			d.Fields = append(d.Fields, aboutField{Label: f.label, Text: s})
		}
	}
	if ns := e.Metadata.Namespace; ns != "" && ns != entity.DefaultNamespace {
		d.Fields = append(d.Fields, aboutField{Label: "Namespace", Text: ns})
	}
	if strings.EqualFold(e.Kind, "location") {
		for _, t := range locationTargets(e) {
			d.Fields = append(d.Fields, aboutField{Label: "Target", Text: t, Code: true})
		}
	}
	d.Actions = sourceActions(e)
	return c.s.fragment("card-about", d)
}

// locationTargets are a Location's target and targets.
func locationTargets(e *entity.Entity) []string {
	var out []string
	if t := specString(e, "target"); t != "" {
		out = append(out, t)
	}
	if ts, ok := e.Spec["targets"].([]any); ok {
		for _, t := range ts {
			if s, ok := t.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// sourceActions are the "View source" and "Edit" links, from the
// view-url and edit-url annotations, else from the source or managing
// location when it is a URL. Links that are not http(s) are refused.
func sourceActions(e *entity.Entity) []pageLink {
	var out []pageLink
	view := e.Annotation(entity.AnnotationViewURL)
	if view == "" {
		for _, a := range []string{entity.AnnotationSourceLocation, entity.AnnotationManagedByLocation} {
			if typ, target, ok := strings.Cut(e.Annotation(a), ":"); ok && typ == "url" {
				view = target
				break
			}
		}
	}
	if view != "" {
		out = append(out, linkOut("View source", view, false))
	}
	if edit := e.Annotation(entity.AnnotationEditURL); edit != "" {
		out = append(out, linkOut("Edit", edit, false))
	}
	return out
}

// linksCard is metadata.links.
type linksCard struct{ s *site }

func (linksCard) ID() string    { return cardLinks }
func (linksCard) Title() string { return "Links" }
func (linksCard) AppliesTo(e *entity.Entity) bool {
	return len(e.Metadata.Links) > 0
}

func (c linksCard) Render(_ context.Context, v *plugin.EntityView) (template.HTML, error) {
	var links []pageLink
	for _, l := range v.Entity.Metadata.Links {
		links = append(links, linkOut(l.Title, l.URL, true))
	}
	return c.s.fragment("card-links", links)
}

// relationsCard summarises the relations by type; the relations tab has
// them all.
type relationsCard struct{ s *site }

func (relationsCard) ID() string    { return cardRelations }
func (relationsCard) Title() string { return "Relations" }
func (relationsCard) AppliesTo(e *entity.Entity) bool {
	for _, r := range e.Relations {
		if !summaryHidden[r.Type] {
			return true
		}
	}
	return false
}

// summaryHidden are relation types other cards show: the owner (About),
// members and groups (their own cards), and what a group owns.
var summaryHidden = map[string]bool{
	entity.RelationOwnedBy: true, entity.RelationOwnerOf: true,
	entity.RelationHasMember: true, entity.RelationMemberOf: true,
	entity.RelationParentOf: true, entity.RelationChildOf: true,
}

// relationsShown bounds the links per type on the card.
const relationsShown = 10

// relationSummary is one type of relation on the card.
type relationSummary struct {
	Label string
	Links []refLink
	More  int
}

type relationsCardData struct {
	Groups []relationSummary
	TabURL string
}

func (c relationsCard) Render(_ context.Context, v *plugin.EntityView) (template.HTML, error) {
	d := relationsCardData{TabURL: v.Path + "/relations"}
	for _, r := range sortedRelations(v.Entity.Relations) {
		if summaryHidden[r.Type] {
			continue
		}
		label := relationLabel(r.Type)
		if len(d.Groups) == 0 || d.Groups[len(d.Groups)-1].Label != label {
			d.Groups = append(d.Groups, relationSummary{Label: label})
		}
		g := &d.Groups[len(d.Groups)-1]
		if len(g.Links) == relationsShown {
			g.More++
			continue
		}
		g.Links = append(g.Links, linkTo(r.TargetRef, ""))
	}
	return c.s.fragment("card-relations", d)
}
