package scaffolder

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// parseEntityFilter reads spec.entityFilter: a map of dotted entity
// paths to a value or a list of values, or a list of such maps of which
// any may match.
func parseEntityFilter(v any) ([]map[string]any, error) {
	var list []any
	switch x := v.(type) {
	case map[string]any:
		list = []any{x}
	case []any:
		list = x
	default:
		return nil, fmt.Errorf("entityFilter must be an object such as {kind: Component, spec.type: service} or a list of them")
	}
	out := make([]map[string]any, 0, len(list))
	for i, it := range list {
		m, ok := it.(map[string]any)
		if !ok || len(m) == 0 {
			return nil, fmt.Errorf("entityFilter[%d] must be a non-empty object", i)
		}
		for k, val := range m {
			switch vv := val.(type) {
			case string, bool, float64, int:
			case []any:
				for _, e := range vv {
					if _, ok := e.(string); !ok {
						return nil, fmt.Errorf("entityFilter[%d].%s: a list of values must hold strings", i, k)
					}
				}
			default:
				return nil, fmt.Errorf("entityFilter[%d].%s must be a value or a list of values", i, k)
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// MatchEntityFilter reports whether an entity (JSON-decoded) matches any
// of the filters: every key of one filter names a path whose value (or
// one of whose values) equals the filter's value, or one of its values,
// ignoring case.
func MatchEntityFilter(filters []map[string]any, ent map[string]any) bool {
	for _, f := range filters {
		if matchOne(f, ent) {
			return true
		}
	}
	return false
}

func matchOne(f map[string]any, ent map[string]any) bool {
	for key, want := range f {
		got, ok := EntityValue(ent, key)
		if !ok || !valueMatches(got, want) {
			return false
		}
	}
	return true
}

// EntityValue finds a dotted path (metadata.annotations.backstage.io/techdocs-ref)
// in an entity (JSON-decoded), for entity filters.
func EntityValue(ent map[string]any, path string) (any, bool) {
	return lookupPath(ent, strings.Split(path, "."))
}

// lookupPath finds a dotted path in nested maps; keys holding dots
// themselves (annotations such as backstage.io/techdocs-ref) are found by
// trying the longest joined key first.
func lookupPath(v any, parts []string) (any, bool) {
	if len(parts) == 0 {
		return v, true
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	for n := len(parts); n >= 1; n-- {
		key := strings.Join(parts[:n], ".")
		child, ok := m[key]
		if !ok {
			continue
		}
		if got, ok := lookupPath(child, parts[n:]); ok {
			return got, true
		}
	}
	return nil, false
}

func valueMatches(got, want any) bool {
	wants := []string{}
	switch w := want.(type) {
	case []any:
		for _, e := range w {
			wants = append(wants, fmt.Sprint(e))
		}
	default:
		wants = append(wants, fmt.Sprint(w))
	}
	gots := []string{}
	switch g := got.(type) {
	case []any:
		for _, e := range g {
			gots = append(gots, fmt.Sprint(e))
		}
	case map[string]any, nil:
		return false
	default:
		gots = append(gots, fmt.Sprint(g))
	}
	return slices.ContainsFunc(gots, func(g string) bool {
		return slices.ContainsFunc(wants, func(w string) bool { return strings.EqualFold(g, w) })
	})
}

// AppliesTo reports whether a template's spec.entityFilter matches an
// entity (JSON-decoded): the template is a day-2 action of that entity.
// A template without entityFilter applies to no entity.
func (t *Template) AppliesTo(ent map[string]any) bool {
	return len(t.EntityFilter) > 0 && MatchEntityFilter(t.EntityFilter, ent)
}

// TemplatesFor returns the templates the caller may see whose
// entityFilter matches the entity, sorted by title.
func (e *Engine) TemplatesFor(ctx context.Context, ent map[string]any) ([]*Template, error) {
	all, err := e.Templates(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Template
	for _, t := range all {
		if t.AppliesTo(ent) {
			out = append(out, t)
		}
	}
	return out, nil
}
