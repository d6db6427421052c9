package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder"
	"github.com/callboard/callboard/plugin"
)

// EntityTemplates finds the templates whose spec.entityFilter matches an
// entity: its day-2 actions. *scaffolder.Engine implements it; it reads
// with the caller's permissions (the identity in ctx).
type EntityTemplates interface {
	TemplatesFor(ctx context.Context, ent map[string]any) ([]*scaffolder.Template, error)
}

var _ EntityTemplates = (*scaffolder.Engine)(nil)

// cardActions is the ID of the entity actions card.
const cardActions = "actions"

// entityActionsCard lists, on an entity's overview, the templates that
// act on it, each a link to its form with the entity filled in. It hides
// itself when none applies.
type entityActionsCard struct {
	s         *site
	templates EntityTemplates
}

var _ plugin.EntityCard = entityActionsCard{}

// entityAction is one template of the card.
type entityAction struct {
	Title, Description, Href string
}

func (entityActionsCard) ID() string                    { return cardActions }
func (entityActionsCard) Title() string                 { return "Actions" }
func (entityActionsCard) AppliesTo(*entity.Entity) bool { return true }

func (c entityActionsCard) Render(ctx context.Context, v *plugin.EntityView) (template.HTML, error) {
	b, err := json.Marshal(v.Entity)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", v.Ref, err)
	}
	var ent map[string]any
	if err := json.Unmarshal(b, &ent); err != nil {
		return "", fmt.Errorf("decode %s: %w", v.Ref, err)
	}
	list, err := c.templates.TemplatesFor(ctx, ent)
	if err != nil {
		return "", err
	}
	if len(list) == 0 {
		return "", nil
	}
	actions := make([]entityAction, 0, len(list))
	for _, t := range list {
		actions = append(actions, entityAction{
			Title:       t.DisplayTitle(),
			Description: markdownSummary(t.Description),
			Href:        actionHref(t, v.Ref.String()),
		})
	}
	return c.s.fragment("card-entity-actions", actions)
}

// actionHref is the form of template t acting on the entity ref.
func actionHref(t *scaffolder.Template, ref string) string {
	ns := t.Namespace
	if ns == "" {
		ns = entity.DefaultNamespace
	}
	return "/create/templates/" + url.PathEscape(ns) + "/" + url.PathEscape(t.Name) + "?" + url.Values{"entityRef": {ref}}.Encode()
}

// entityRefParam reads the entity a form acts on: "" for none, or a full
// entity ref, returned in its canonical form.
func entityRefParam(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	r, err := entity.ParseRef(s, entity.RefDefaults{})
	if err != nil || r.Kind == "" {
		return "", problem.Input("entityRef %q is not an entity ref such as component:default/name.", s)
	}
	return r.String(), nil
}
