package catalog

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/callboard/callboard/plugin"
)

// Rule is one entry of catalog.rules: entities of the Allow kinds may come
// from the Locations it names.
type Rule struct {
	Allow []RuleKind
	// Locations limits the rule to origin locations; nil means any
	// location, an empty non-nil slice means none.
	Locations []RuleLocation
}

// RuleKind matches an entity kind, case-insensitively, and, when SpecType
// is set, its spec.type, also case-insensitively. The kind "*" matches
// every kind (a Callboard addition; to Backstage it is a kind no entity
// has).
type RuleKind struct {
	Kind     string
	SpecType string
}

// RuleLocation matches a location of Type: by Exact target, by Pattern (a
// case-insensitive glob where "*" stays within a path segment, "**" crosses
// them and dot-files match), or any target of the type when both are empty.
type RuleLocation struct {
	Type    string
	Exact   string
	Pattern string
}

// Rules decides which kinds of entity a location may bring into the catalog
// (Backstage's catalog.rules). A nil *Rules applies the default rules.
type Rules struct {
	rules []Rule
}

// DefaultRules is what applies when catalog.rules is not configured.
var DefaultRules = []Rule{{Allow: []RuleKind{{Kind: "Component"}, {Kind: "API"}, {Kind: "Location"}}}}

// NewRules builds the rules from the global catalog.rules (DefaultRules when
// global is nil) and the rules of configured locations, keyed by the
// resolved location ref "<type>:<target>"; each of those applies only to
// entities originating at exactly that location.
func NewRules(global []Rule, perLocation map[string][]Rule) (*Rules, error) {
	if global == nil {
		global = DefaultRules
	}
	out := &Rules{}
	for i, r := range global {
		for j, l := range r.Locations {
			if l.Exact != "" && l.Pattern != "" {
				return nil, fmt.Errorf("catalog.rules[%d].locations[%d]: exact and pattern cannot both be set", i, j)
			}
			if l.Pattern != "" && !doublestar.ValidatePattern(strings.ToLower(l.Pattern)) {
				return nil, fmt.Errorf("catalog.rules[%d].locations[%d]: invalid pattern %q", i, j, l.Pattern)
			}
		}
		if err := checkKinds(r.Allow); err != nil {
			return nil, fmt.Errorf("catalog.rules[%d]: %w", i, err)
		}
		out.rules = append(out.rules, r)
	}
	for ref, rules := range perLocation {
		typ, target, ok := strings.Cut(ref, ":")
		if !ok || typ == "" || target == "" {
			return nil, fmt.Errorf("catalog location rules: invalid location ref %q", ref)
		}
		for _, r := range rules {
			if err := checkKinds(r.Allow); err != nil {
				return nil, fmt.Errorf("catalog location %s rules: %w", ref, err)
			}
			out.rules = append(out.rules, Rule{Allow: r.Allow, Locations: []RuleLocation{{Type: typ, Exact: target}}})
		}
	}
	return out, nil
}

func checkKinds(kinds []RuleKind) error {
	for _, k := range kinds {
		if k.Kind == "" {
			return fmt.Errorf("allow entry without a kind")
		}
	}
	return nil
}

// IsAllowed reports whether an entity emitted by processing may be kept when
// its parent originated at origin.
func (r *Rules) IsAllowed(e map[string]any, origin plugin.Location) bool {
	rules := DefaultRules
	if r != nil {
		rules = r.rules
	}
	kind, _ := e["kind"].(string)
	var specType string
	if spec, ok := e["spec"].(map[string]any); ok {
		specType, _ = spec["type"].(string)
	}
	for _, rule := range rules {
		if matchLocation(rule.Locations, origin) && matchKind(rule.Allow, kind, specType) {
			return true
		}
	}
	return false
}

func matchLocation(ms []RuleLocation, loc plugin.Location) bool {
	if ms == nil {
		return true
	}
	for _, m := range ms {
		if m.Type != loc.Type {
			continue
		}
		if m.Exact != "" && m.Exact != loc.Target {
			continue
		}
		if m.Pattern != "" {
			ok, err := doublestar.Match(strings.ToLower(m.Pattern), strings.ToLower(loc.Target))
			if err != nil || !ok {
				continue
			}
		}
		return true
	}
	return false
}

func matchKind(ms []RuleKind, kind, specType string) bool {
	for _, m := range ms {
		if m.Kind != "*" && !strings.EqualFold(m.Kind, kind) {
			continue
		}
		if m.SpecType != "" && !strings.EqualFold(m.SpecType, specType) {
			continue
		}
		return true
	}
	return false
}

// fingerprint describes the rules in a stable form: the rules are
// alternatives, so their order does not matter and is not kept.
func (r *Rules) fingerprint() string {
	rules := DefaultRules
	if r != nil {
		rules = r.rules
	}
	parts := make([]string, len(rules))
	for i, rule := range rules {
		b, _ := json.Marshal(rule) // plain strings and slices: cannot fail
		parts[i] = string(b)
	}
	slices.Sort(parts)
	return strings.Join(parts, "\n")
}
