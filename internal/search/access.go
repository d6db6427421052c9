package search

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/callboard/callboard/internal/problem"
)

// Access is what a caller may find: every document, none, or those whose
// entity meets a condition. It comes from the caller's catalog.entity.read
// decision (ALLOW, DENY, CONDITIONAL), which Backstage applies to every
// document type through the document's authorization.resourceRef.
type Access struct {
	// Deny hides every document.
	Deny bool
	// Cond, when set, keeps the documents whose entity meets it; nil
	// (without Deny) shows everything.
	Cond *Condition
	// Check decides, for resource refs, which ones the caller may see; it
	// is required when Cond has a rule engines cannot express
	// (Cond.Opaque), and applied to what the engine returns.
	Check func(ctx context.Context, refs []string) (map[string]bool, error)
}

// AccessAll shows every document.
var AccessAll = Access{}

// Condition is a permission condition about the entity behind a
// document: exactly one of AllOf, AnyOf, Not or a rule is set.
type Condition struct {
	AllOf []Condition
	AnyOf []Condition
	Not   *Condition
	// Rule is RuleOwner, RuleKind or RuleOpaque.
	Rule string
	// Values are the rule's parameters, lower-cased: owner refs for
	// RuleOwner, kinds for RuleKind.
	Values []string
}

// Rules engines express in their queries; any other rule of the catalog
// is RuleOpaque and checked after the query.
const (
	// RuleOwner holds when one of the entity's owners is among Values
	// (the catalog's IS_ENTITY_OWNER).
	RuleOwner = "owner"
	// RuleKind holds when the entity's kind is among Values
	// (IS_ENTITY_KIND).
	RuleKind = "kind"
	// RuleOpaque is a rule only Access.Check can decide.
	RuleOpaque = "opaque"
)

// Opaque reports whether c has a rule engines cannot express.
func (c *Condition) Opaque() bool {
	if c == nil {
		return false
	}
	if c.Rule == RuleOpaque {
		return true
	}
	for i := range c.AllOf {
		if c.AllOf[i].Opaque() {
			return true
		}
	}
	for i := range c.AnyOf {
		if c.AnyOf[i].Opaque() {
			return true
		}
	}
	return c.Not.Opaque()
}

// Relaxed returns c with every opaque rule replaced by what keeps all
// documents it might allow: true where it grants access, false under an
// odd number of negations. Engines run the relaxed condition; what they
// return is then checked exactly with Access.Check. The result is nil
// when it holds for every document; an empty AnyOf holds for none.
func (c *Condition) Relaxed() *Condition {
	r, v := c.relax(false)
	switch v {
	case relaxTrue:
		return nil
	case relaxFalse:
		return &Condition{AnyOf: []Condition{}}
	}
	return r
}

// Outcomes of relax: a condition to evaluate, or a constant.
const (
	relaxExpr = iota
	relaxTrue
	relaxFalse
)

// relax returns the relaxed condition (for relaxExpr) or the constant it
// reduced to; neg says an odd number of negations is above c.
func (c *Condition) relax(neg bool) (*Condition, int) {
	switch {
	case c.AllOf != nil || c.AnyOf != nil:
		items, all := c.AllOf, true
		if c.AnyOf != nil {
			items, all = c.AnyOf, false
		}
		// For allOf a false child decides and true children drop out;
		// for anyOf the other way round.
		decides, drops := relaxFalse, relaxTrue
		if !all {
			decides, drops = relaxTrue, relaxFalse
		}
		var kept []Condition
		for i := range items {
			r, v := items[i].relax(neg)
			switch v {
			case decides:
				return nil, decides
			case drops:
				continue
			}
			kept = append(kept, *r)
		}
		switch {
		case len(kept) == 0:
			return nil, drops
		case len(kept) == 1:
			return &kept[0], relaxExpr
		case all:
			return &Condition{AllOf: kept}, relaxExpr
		}
		return &Condition{AnyOf: kept}, relaxExpr
	case c.Not != nil:
		r, v := c.Not.relax(!neg)
		switch v {
		case relaxTrue:
			return nil, relaxFalse
		case relaxFalse:
			return nil, relaxTrue
		}
		return &Condition{Not: r}, relaxExpr
	case c.Rule == RuleOpaque:
		if neg {
			return nil, relaxFalse
		}
		return nil, relaxTrue
	}
	cp := *c
	return &cp, relaxExpr
}

// Matches evaluates c on a document's Auth. Opaque rules count as true,
// so Matches is meant for relaxed conditions (Relaxed); tests use it as
// the reference the engines' queries must agree with.
func (c *Condition) Matches(a *Auth) bool {
	switch {
	case c.AllOf != nil:
		for i := range c.AllOf {
			if !c.AllOf[i].Matches(a) {
				return false
			}
		}
		return true
	case c.AnyOf != nil:
		for i := range c.AnyOf {
			if c.AnyOf[i].Matches(a) {
				return true
			}
		}
		return false
	case c.Not != nil:
		return !c.Not.Matches(a)
	case c.Rule == RuleOwner:
		for _, o := range a.Owners {
			if contains(c.Values, strings.ToLower(o)) {
				return true
			}
		}
		return false
	case c.Rule == RuleKind:
		return contains(c.Values, strings.ToLower(a.Kind))
	}
	return true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Catalog permission rules as Backstage names them.
const (
	criteriaOwner = "IS_ENTITY_OWNER"
	criteriaKind  = "IS_ENTITY_KIND"
)

// ParseCriteria reads the conditions of a CONDITIONAL decision about
// catalog entities in Backstage's wire form ({"allOf"|"anyOf": [...]},
// {"not": ...}, {"rule", "resourceType", "params"}) into a Condition.
// IS_ENTITY_OWNER and IS_ENTITY_KIND become rules engines run; every
// other rule of catalog-entity is opaque. Malformed criteria are
// InputErrors.
func ParseCriteria(raw json.RawMessage) (*Condition, error) {
	c, err := parseCriteria(raw, "conditions")
	if err != nil {
		return nil, err
	}
	return &c, nil
}

type criteriaNode struct {
	AllOf        []json.RawMessage          `json:"allOf"`
	AnyOf        []json.RawMessage          `json:"anyOf"`
	Not          json.RawMessage            `json:"not"`
	Rule         string                     `json:"rule"`
	ResourceType string                     `json:"resourceType"`
	Params       map[string]json.RawMessage `json:"params"`
}

func parseCriteria(raw json.RawMessage, path string) (Condition, error) {
	var n criteriaNode
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&n); err != nil || dec.More() {
		return Condition{}, problem.Input("Invalid permission criteria at %s: expected an object with allOf, anyOf, not or rule", path)
	}
	forms := 0
	for _, set := range []bool{n.AllOf != nil, n.AnyOf != nil, n.Not != nil, n.Rule != ""} {
		if set {
			forms++
		}
	}
	if forms != 1 {
		return Condition{}, problem.Input("Invalid permission criteria at %s: expected exactly one of allOf, anyOf, not or rule", path)
	}
	switch {
	case n.AllOf != nil || n.AnyOf != nil:
		items, name := n.AllOf, "allOf"
		if n.AnyOf != nil {
			items, name = n.AnyOf, "anyOf"
		}
		if len(items) == 0 {
			return Condition{}, problem.Input("Invalid permission criteria at %s: %s must not be empty", path, name)
		}
		list := make([]Condition, len(items))
		for i, it := range items {
			c, err := parseCriteria(it, fmt.Sprintf("%s.%s[%d]", path, name, i))
			if err != nil {
				return Condition{}, err
			}
			list[i] = c
		}
		if n.AllOf != nil {
			return Condition{AllOf: list}, nil
		}
		return Condition{AnyOf: list}, nil
	case n.Not != nil:
		c, err := parseCriteria(n.Not, path+".not")
		if err != nil {
			return Condition{}, err
		}
		return Condition{Not: &c}, nil
	}
	if n.ResourceType != "catalog-entity" {
		return Condition{}, problem.Input("Invalid permission criteria at %s: rule %s is for resource type %q, not %q", path, n.Rule, n.ResourceType, "catalog-entity")
	}
	name := ""
	rule := RuleOpaque
	switch n.Rule {
	case criteriaOwner:
		name, rule = "claims", RuleOwner
	case criteriaKind:
		name, rule = "kinds", RuleKind
	}
	if name == "" {
		return Condition{Rule: RuleOpaque}, nil
	}
	var values []string
	if err := json.Unmarshal(n.Params[name], &values); err != nil || values == nil {
		return Condition{}, problem.Input("Invalid parameters of %s at %s: %s must be an array of strings", n.Rule, path, name)
	}
	for i, v := range values {
		values[i] = strings.ToLower(v)
	}
	return Condition{Rule: rule, Values: values}, nil
}
