package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
)

// The catalog's permission rules, named as Backstage's catalog names them.
// A conditional decision about catalog-entity resources is a tree of these
// (criteria), which the catalog either turns into a Predicate for its
// queries (ConditionsPredicate) or checks against one entity
// (MatchEntity), as Backstage's rules do with toQuery and apply.
const (
	PermissionRuleIsEntityOwner = "IS_ENTITY_OWNER"
	PermissionRuleIsEntityKind  = "IS_ENTITY_KIND"
	PermissionRuleHasAnnotation = "HAS_ANNOTATION"
	PermissionRuleHasLabel      = "HAS_LABEL"
	PermissionRuleHasMetadata   = "HAS_METADATA"
	PermissionRuleHasSpec       = "HAS_SPEC"
)

// PermissionRule describes a rule for the permission metadata endpoint.
type PermissionRule struct {
	Name         string          `json:"name"`
	Description  string          `json:"description"`
	ResourceType string          `json:"resourceType"`
	ParamsSchema json.RawMessage `json:"paramsSchema"`
}

// keyValueSchema is the parameters of the has* rules: a field name and
// an optional value.
func keyValueSchema(key, keyDoc string) json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{"` + key + `":{"type":"string","description":"` + keyDoc +
		`"},"value":{"type":"string","description":"Value the field must have; any value when absent"}},"required":["` + key +
		`"],"additionalProperties":false,"$schema":"http://json-schema.org/draft-07/schema#"}`)
}

// PermissionRules lists the catalog's permission rules.
func PermissionRules() []PermissionRule {
	return []PermissionRule{
		{PermissionRuleHasAnnotation, "Entities that have the given annotation, with the given value if one is set", ResourceTypeEntity,
			keyValueSchema("annotation", "Name of the annotation")},
		{PermissionRuleHasLabel, "Entities that have the given label, with the given value if one is set", ResourceTypeEntity,
			keyValueSchema("label", "Name of the label")},
		{PermissionRuleHasMetadata, "Entities that have the given field under metadata, with the given value if one is set", ResourceTypeEntity,
			keyValueSchema("key", "Path of the field below metadata")},
		{PermissionRuleHasSpec, "Entities that have the given field under spec, with the given value if one is set", ResourceTypeEntity,
			keyValueSchema("key", "Path of the field below spec")},
		{PermissionRuleIsEntityKind, "Entities of one of the given kinds", ResourceTypeEntity,
			json.RawMessage(`{"type":"object","properties":{"kinds":{"type":"array","items":{"type":"string"},"description":"Kinds to match, any one of them"}},"required":["kinds"],"additionalProperties":false,"$schema":"http://json-schema.org/draft-07/schema#"}`)},
		{PermissionRuleIsEntityOwner, "Entities owned (an ownedBy relation) by one of the given refs", ResourceTypeEntity,
			json.RawMessage(`{"type":"object","properties":{"claims":{"type":"array","items":{"type":"string"},"description":"Entity refs of owners, typically the user's ownership refs"}},"required":["claims"],"additionalProperties":false,"$schema":"http://json-schema.org/draft-07/schema#"}`)},
	}
}

// MatchNothing returns a predicate no entity matches: a reader restricted
// by it sees an empty catalog, which is how a DENY on reads looks.
func MatchNothing() *Predicate { return &Predicate{Op: OpAny} }

// permissionCriteria is the wire form of a permission criteria node.
type permissionCriteria struct {
	AllOf        []json.RawMessage          `json:"allOf"`
	AnyOf        []json.RawMessage          `json:"anyOf"`
	Not          json.RawMessage            `json:"not"`
	Rule         string                     `json:"rule"`
	ResourceType string                     `json:"resourceType"`
	Params       map[string]json.RawMessage `json:"params"`
}

// ConditionsPredicate turns the criteria of a conditional decision about
// catalog entities (Backstage's wire form: allOf / anyOf / not over the
// catalog's rules) into a Predicate over the search table, as Backstage's
// rules' toQuery do: IS_ENTITY_OWNER is relations.ownedby in the claims,
// IS_ENTITY_KIND kind in the kinds, HAS_ANNOTATION / HAS_LABEL /
// HAS_METADATA / HAS_SPEC the key metadata.annotations.<a>,
// metadata.labels.<l>, metadata.<k> or spec.<k> with the value, or
// present when no value is given. Keys and values compare
// case-insensitively, like every filter. Malformed criteria, unknown rules
// and bad parameters are InputErrors.
func ConditionsPredicate(raw json.RawMessage) (*Predicate, error) {
	p, err := criteriaPredicate(raw, "conditions")
	if err != nil {
		return nil, err
	}
	return &p, nil
}

func criteriaPredicate(raw json.RawMessage, path string) (Predicate, error) {
	var c permissionCriteria
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil || dec.More() {
		return Predicate{}, problem.Input("Invalid permission criteria at %s: expected an object with allOf, anyOf, not or rule", path)
	}
	forms := 0
	for _, set := range []bool{c.AllOf != nil, c.AnyOf != nil, c.Not != nil, c.Rule != ""} {
		if set {
			forms++
		}
	}
	if forms != 1 {
		return Predicate{}, problem.Input("Invalid permission criteria at %s: expected exactly one of allOf, anyOf, not or rule", path)
	}
	switch {
	case c.AllOf != nil || c.AnyOf != nil:
		op, items, name := OpAll, c.AllOf, "allOf"
		if c.AnyOf != nil {
			op, items, name = OpAny, c.AnyOf, "anyOf"
		}
		if len(items) == 0 {
			return Predicate{}, problem.Input("Invalid permission criteria at %s: %s must not be empty", path, name)
		}
		children := make([]Predicate, len(items))
		for i, item := range items {
			child, err := criteriaPredicate(item, fmt.Sprintf("%s.%s[%d]", path, name, i))
			if err != nil {
				return Predicate{}, err
			}
			children[i] = child
		}
		return Predicate{Op: op, Children: children}, nil
	case c.Not != nil:
		child, err := criteriaPredicate(c.Not, path+".not")
		if err != nil {
			return Predicate{}, err
		}
		return Predicate{Op: OpNot, Children: []Predicate{child}}, nil
	}
	if c.ResourceType != ResourceTypeEntity {
		return Predicate{}, problem.Input("Invalid permission criteria at %s: rule %s is for resource type %q, not %q", path, c.Rule, ResourceTypeEntity, c.ResourceType)
	}
	return rulePredicate(c.Rule, c.Params, path)
}

// rulePredicate is one rule's toQuery.
func rulePredicate(rule string, params map[string]json.RawMessage, path string) (Predicate, error) {
	bad := func(format string, args ...any) error {
		return problem.Input("Invalid parameters of %s at %s: "+format, append([]any{rule, path}, args...)...)
	}
	allowed := map[string][]string{
		PermissionRuleIsEntityOwner: {"claims"},
		PermissionRuleIsEntityKind:  {"kinds"},
		PermissionRuleHasAnnotation: {"annotation", "value"},
		PermissionRuleHasLabel:      {"label", "value"},
		PermissionRuleHasMetadata:   {"key", "value"},
		PermissionRuleHasSpec:       {"key", "value"},
	}[rule]
	if allowed == nil {
		return Predicate{}, problem.Input("Invalid permission criteria at %s: unknown rule %q for resource type %q", path, rule, ResourceTypeEntity)
	}
	for k := range params {
		if !containsString(allowed, k) {
			return Predicate{}, bad("unknown parameter %q", k)
		}
	}
	switch rule {
	case PermissionRuleIsEntityOwner, PermissionRuleIsEntityKind:
		name, key := "claims", "relations.ownedby"
		if rule == PermissionRuleIsEntityKind {
			name, key = "kinds", "kind"
		}
		var values []string
		if err := json.Unmarshal(params[name], &values); err != nil || values == nil {
			return Predicate{}, bad("%s must be an array of strings", name)
		}
		for i, v := range values {
			values[i] = strings.ToLower(v)
		}
		// What a user owns is a small part of the catalog: a store may
		// read the owned entities first rather than test every entity.
		return Predicate{Op: OpField, Key: key, Match: FieldMatch{Kind: MatchEq, Values: values, Selective: rule == PermissionRuleIsEntityOwner}}, nil
	}
	name, prefix := "key", "spec."
	switch rule {
	case PermissionRuleHasAnnotation:
		name, prefix = "annotation", "metadata.annotations."
	case PermissionRuleHasLabel:
		name, prefix = "label", "metadata.labels."
	case PermissionRuleHasMetadata:
		prefix = "metadata."
	}
	var field string
	if err := json.Unmarshal(params[name], &field); err != nil || field == "" {
		return Predicate{}, bad("%s must be a non-empty string", name)
	}
	key := strings.ToLower(prefix + field)
	raw, hasValue := params["value"]
	if !hasValue || string(raw) == "null" {
		return Predicate{Op: OpField, Key: key, Match: FieldMatch{Kind: MatchExists, Exists: true}}, nil
	}
	var value string
	if err := json.Unmarshal(raw, &value); err != nil {
		return Predicate{}, bad("value must be a string")
	}
	return fieldEq(key, strings.ToLower(value)), nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// MatchEntity reports whether a final entity (its stored JSON) matches p,
// evaluated in Go over the entity's search rows, so the answer is the one
// the database gives for the same predicate. A nil p matches.
func MatchEntity(p *Predicate, entityJSON json.RawMessage) (bool, error) {
	if p == nil {
		return true, nil
	}
	var e entity.Entity
	if err := json.Unmarshal(entityJSON, &e); err != nil {
		return false, fmt.Errorf("decode entity: %w", err)
	}
	rows, err := BuildSearchRows(&e)
	if err != nil {
		return false, err
	}
	values := make(map[string][]*string, len(rows))
	for _, r := range rows {
		values[r.Key] = append(values[r.Key], r.Value)
	}
	return matchRows(p, values)
}

func matchRows(p *Predicate, values map[string][]*string) (bool, error) {
	switch p.Op {
	case OpAll, OpAny, "":
		anyOf := p.Op == OpAny
		for i := range p.Children {
			ok, err := matchRows(&p.Children[i], values)
			if err != nil {
				return false, err
			}
			if ok == anyOf {
				return anyOf, nil
			}
		}
		return !anyOf, nil
	case OpNot:
		if len(p.Children) != 1 {
			return false, fmt.Errorf("predicate: $not needs exactly one child, has %d", len(p.Children))
		}
		ok, err := matchRows(&p.Children[0], values)
		return !ok, err
	case OpField:
		vs, present := values[p.Key]
		switch p.Match.Kind {
		case MatchExists:
			return present == p.Match.Exists, nil
		case MatchEq:
			for _, v := range vs {
				if v != nil && containsString(p.Match.Values, *v) {
					return true, nil
				}
			}
			return false, nil
		case MatchPrefix:
			if len(p.Match.Values) != 1 {
				return false, fmt.Errorf("predicate: prefix match on %q needs one value", p.Key)
			}
			for _, v := range vs {
				if v != nil && strings.HasPrefix(*v, p.Match.Values[0]) {
					return true, nil
				}
			}
			return false, nil
		}
		return false, fmt.Errorf("predicate: unknown match kind %q", p.Match.Kind)
	}
	return false, fmt.Errorf("predicate: unknown operator %q", p.Op)
}
