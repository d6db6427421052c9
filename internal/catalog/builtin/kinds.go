package builtin

import (
	"context"
	"slices"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/plugin"
)

// KindsProcessor is Backstage's BuiltinKindsEntityProcessor: it sorts the
// reference lists of the built-in kinds (so that reordering a list does not
// change the entity), recognises and validates the built-in kinds, and
// emits the relations their spec fields describe, each in both directions.
type KindsProcessor struct{}

var (
	_ plugin.PreProcessor  = (*KindsProcessor)(nil)
	_ plugin.KindValidator = (*KindsProcessor)(nil)
	_ plugin.PostProcessor = (*KindsProcessor)(nil)

	_ plugin.DeterministicProcessor = (*KindsProcessor)(nil)
)

// Name returns Backstage's name for the processor.
func (*KindsProcessor) Name() string { return "BuiltinKindsEntityProcessor" }

// Fingerprint is empty: the processor has no configuration.
func (*KindsProcessor) Fingerprint() string { return "" }

// sortedSpecLists are the spec lists kept sorted.
var sortedSpecLists = []string{"providesApis", "consumesApis", "dependsOn", "dependencyOf", "memberOf", "children", "members"}

// PreProcessEntity sorts the reference lists of a built-in kind's spec.
// Only lists made entirely of strings are sorted, and data is copied, not
// changed.
func (*KindsProcessor) PreProcessEntity(_ context.Context, data map[string]any, _ plugin.Location, _ plugin.Emitter, _ plugin.Cache) (map[string]any, error) {
	kind, _ := data["kind"].(string)
	spec, ok := data["spec"].(map[string]any)
	if !ok || kindRelations[kind] == nil {
		return data, nil
	}
	var newSpec map[string]any
	for _, key := range sortedSpecLists {
		list, ok := spec[key].([]any)
		if !ok || !unsortedStrings(list) {
			continue
		}
		sorted := slices.Clone(list)
		slices.SortStableFunc(sorted, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
		if newSpec == nil {
			newSpec = make(map[string]any, len(spec))
			for k, v := range spec {
				newSpec[k] = v
			}
		}
		newSpec[key] = sorted
	}
	if newSpec == nil {
		return data, nil
	}
	out := make(map[string]any, len(data))
	for k, v := range data {
		out[k] = v
	}
	out["spec"] = newSpec
	return out, nil
}

// unsortedStrings reports whether list holds only strings and is not in
// order.
func unsortedStrings(list []any) bool {
	unsorted := false
	for i, v := range list {
		s, ok := v.(string)
		if !ok {
			return false
		}
		if i > 0 && s < list[i-1].(string) {
			unsorted = true
		}
	}
	return unsorted
}

// ValidateEntityKind accepts the built-in kinds when they are valid.
func (*KindsProcessor) ValidateEntityKind(e *entity.Entity) (bool, error) {
	return entity.ValidateKind(e)
}

// relationField is a spec field holding references to other entities.
type relationField struct {
	field       string
	defaultKind string // "" when the reference must name its kind
	forward     string
	reverse     string
}

var kindRelations = map[string][]relationField{
	"Component": {
		{"owner", "Group", entity.RelationOwnedBy, entity.RelationOwnerOf},
		{"subcomponentOf", "Component", entity.RelationPartOf, entity.RelationHasPart},
		{"providesApis", "API", entity.RelationProvidesAPI, entity.RelationAPIProvidedBy},
		{"consumesApis", "API", entity.RelationConsumesAPI, entity.RelationAPIConsumedBy},
		{"dependsOn", "", entity.RelationDependsOn, entity.RelationDependencyOf},
		{"dependencyOf", "", entity.RelationDependencyOf, entity.RelationDependsOn},
		{"system", "System", entity.RelationPartOf, entity.RelationHasPart},
	},
	"API": {
		{"owner", "Group", entity.RelationOwnedBy, entity.RelationOwnerOf},
		{"system", "System", entity.RelationPartOf, entity.RelationHasPart},
	},
	"Resource": {
		{"owner", "Group", entity.RelationOwnedBy, entity.RelationOwnerOf},
		{"dependsOn", "", entity.RelationDependsOn, entity.RelationDependencyOf},
		{"dependencyOf", "", entity.RelationDependencyOf, entity.RelationDependsOn},
		{"system", "System", entity.RelationPartOf, entity.RelationHasPart},
	},
	"System": {
		{"owner", "Group", entity.RelationOwnedBy, entity.RelationOwnerOf},
		{"domain", "Domain", entity.RelationPartOf, entity.RelationHasPart},
	},
	"Domain": {
		{"owner", "Group", entity.RelationOwnedBy, entity.RelationOwnerOf},
		{"subdomainOf", "Domain", entity.RelationPartOf, entity.RelationHasPart},
	},
	"User": {
		{"memberOf", "Group", entity.RelationMemberOf, entity.RelationHasMember},
	},
	"Group": {
		{"parent", "Group", entity.RelationChildOf, entity.RelationParentOf},
		{"children", "Group", entity.RelationParentOf, entity.RelationChildOf},
		{"members", "User", entity.RelationHasMember, entity.RelationMemberOf},
	},
	// Backstage's ScaffolderEntitiesProcessor; Templates are built in here.
	"Template": {
		{"owner", "Group", entity.RelationOwnedBy, entity.RelationOwnerOf},
	},
}

// PostProcessEntity emits the relations of the entity's spec. References
// default to the field's kind and the entity's namespace; a reference that
// does not parse fails the entity.
func (*KindsProcessor) PostProcessEntity(_ context.Context, e *entity.Entity, _ plugin.Location, emit plugin.Emitter, _ plugin.Cache) error {
	fields := kindRelations[e.Kind]
	if len(fields) == 0 {
		return nil
	}
	self := e.Ref()
	emitOne := func(f relationField, t string) error {
		target, err := entity.ParseRef(t, entity.RefDefaults{Kind: f.defaultKind, Namespace: self.Namespace})
		if err != nil {
			return err
		}
		emit.Relation(plugin.RelationEdge{Source: self, Type: f.forward, Target: target})
		emit.Relation(plugin.RelationEdge{Source: target, Type: f.reverse, Target: self})
		return nil
	}
	for _, f := range fields {
		switch v := e.Spec[f.field].(type) {
		case string:
			if err := emitOne(f, v); err != nil {
				return err
			}
		case []any:
			for _, t := range v {
				if s, ok := t.(string); ok {
					if err := emitOne(f, s); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}
