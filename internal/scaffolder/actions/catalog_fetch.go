package actions

import (
	"context"
	"fmt"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

type catalogFetchInput struct {
	EntityRef        string   `json:"entityRef"`
	EntityRefs       []string `json:"entityRefs"`
	Optional         bool     `json:"optional"`
	DefaultKind      string   `json:"defaultKind"`
	DefaultNamespace string   `json:"defaultNamespace"`
}

func catalogFetch(get EntityGetter) *action {
	return &action{
		info: plugin.ActionInfo{
			ID:             "catalog:fetch",
			Description:    "Returns entities from the software catalog by their refs.",
			SupportsDryRun: true,
			Input: object(props{
				"entityRef":        stringProp("Entity reference", "The ref of the entity to fetch, output as entity."),
				"entityRefs":       arrayProp("Entity references", "The refs of entities to fetch, output as entities in the same order.", map[string]any{"type": "string"}),
				"optional":         boolProp("Optional", "Output null for entities that do not exist, instead of failing the step."),
				"defaultKind":      stringProp("Default kind", "The kind of refs that name none."),
				"defaultNamespace": stringProp("Default namespace", "The namespace of refs that name none. Defaults to default."),
			}),
			Output: object(props{
				"entity":   map[string]any{"type": []any{"object", "null"}, "title": "Entity", "description": "The entity named by entityRef (null when it does not exist and the step is optional)."},
				"entities": arrayProp("Entities", "The entities named by entityRefs, in order (null for those that do not exist when the step is optional).", map[string]any{"type": []any{"object", "null"}}),
			}),
			Examples: []plugin.ActionExample{
				{
					Description: "Fetch the owner chosen on the form.",
					Example: `steps:
  - id: fetch
    name: Fetch owner
    action: catalog:fetch
    input:
      entityRef: ${{ parameters.owner }}
      defaultKind: group
`,
				},
				{
					Description: "Fetch several entities, tolerating missing ones.",
					Example: `steps:
  - id: fetch-many
    name: Fetch systems
    action: catalog:fetch
    input:
      entityRefs:
        - system:default/payments
        - system:default/ledger
      optional: true
`,
				},
			},
		},
		run: func(ctx context.Context, ac *plugin.ActionContext) error {
			return runCatalogFetch(ctx, ac, get)
		},
	}
}

func runCatalogFetch(ctx context.Context, ac *plugin.ActionContext, get EntityGetter) error {
	in, err := decodeInput[catalogFetchInput]("catalog:fetch", ac)
	if err != nil {
		return err
	}
	if in.EntityRef == "" && in.EntityRefs == nil {
		if in.Optional {
			return nil
		}
		return problem.Input("Missing entity reference or references")
	}
	if get == nil {
		return problem.New(problem.NotImplementedError, "catalog:fetch: no catalog is configured for the scaffolder")
	}
	defaults := entity.RefDefaults{Kind: in.DefaultKind, Namespace: in.DefaultNamespace}
	fetch := func(field, raw string) (map[string]any, error) {
		ref, err := entity.ParseRef(raw, defaults)
		if err != nil {
			return nil, problem.Input("input %s: %v", field, err)
		}
		e, err := get.Entity(ctx, ref)
		if err != nil {
			return nil, fmt.Errorf("catalog:fetch: %s: %w", raw, err)
		}
		if e == nil && !in.Optional {
			return nil, problem.NotFound("Entity %s not found", raw)
		}
		return e, nil
	}
	if in.EntityRef != "" {
		e, err := fetch("entityRef", in.EntityRef)
		if err != nil {
			return err
		}
		output(ac, "entity", nullable(e))
	}
	if in.EntityRefs != nil {
		list := make([]any, len(in.EntityRefs))
		for i, raw := range in.EntityRefs {
			e, err := fetch(fmt.Sprintf("entityRefs[%d]", i), raw)
			if err != nil {
				return err
			}
			list[i] = nullable(e)
		}
		output(ac, "entities", list)
	}
	return nil
}

// nullable turns a missing entity into an untyped nil, so that it is
// JSON null rather than an empty object.
func nullable(e map[string]any) any {
	if e == nil {
		return nil
	}
	return e
}
