package trigger

import (
	"fmt"
	"strings"

	"github.com/callboard/callboard/internal/scaffolder"
)

// Filter matches entities: any of its alternatives, each a map of dotted
// entity paths to a value or a list of values that must all match. An
// empty Filter matches every entity. Paths are found as a template's
// spec.entityFilter finds them (scaffolder.EntityValue), but values
// compare differently: only kind ignores case here.
type Filter []map[string]any

// ParseFilter reads an entityFilter: a map, or a list of maps.
func ParseFilter(v any) (Filter, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return Filter{x}, nil
	case []any:
		f := make(Filter, 0, len(x))
		for i, item := range x {
			m, ok := item.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("[%d] must be an object of entity paths", i)
			}
			f = append(f, m)
		}
		return f, nil
	}
	return nil, fmt.Errorf("must be an object of entity paths or a list of them")
}

// Matches reports whether the entity (JSON-decoded) matches the filter.
func (f Filter) Matches(ent map[string]any) bool {
	if len(f) == 0 {
		return true
	}
	for _, alt := range f {
		if matchesAll(alt, ent) {
			return true
		}
	}
	return false
}

func matchesAll(conds map[string]any, ent map[string]any) bool {
	for path, want := range conds {
		got, ok := scaffolder.EntityValue(ent, path)
		if !ok || !valueMatches(strings.EqualFold(path, "kind"), got, want) {
			return false
		}
	}
	return true
}

// valueMatches compares an entity's value with a filter's value or list
// of values, as text; a list in the entity (tags) matches when any item
// does. Kinds compare case-insensitively.
func valueMatches(fold bool, got, want any) bool {
	if items, ok := got.([]any); ok {
		for _, item := range items {
			if valueMatches(fold, item, want) {
				return true
			}
		}
		return false
	}
	if wants, ok := want.([]any); ok {
		for _, w := range wants {
			if valueMatches(fold, got, w) {
				return true
			}
		}
		return false
	}
	g, w := text(got), text(want)
	if fold {
		return strings.EqualFold(g, w)
	}
	return g == w
}

func text(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}
