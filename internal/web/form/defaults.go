package form

import (
	"encoding/json"
	"maps"
)

// Defaults returns values with each field of the page that has no value
// set to its default (schema "default"; objects get an object holding
// their properties' defaults), the page's conditions resolved with the
// defaults in place, as react-jsonschema-form fills a form before it is
// shown. values is not modified.
func (f *Form) Defaults(values map[string]any, choices map[string]int) map[string]any {
	r := newResolver(f.schema, choices)
	out := maps.Clone(values)
	if out == nil {
		out = map[string]any{}
	}
	// A default can switch a condition on, whose fields have defaults of
	// their own: a few passes reach them.
	for range 3 {
		out = fillDefaults(r, f.schema, out, Path{})
	}
	return out
}

// fillDefaults sets the missing properties of the object v (schema s, at
// p) to their defaults.
func fillDefaults(r *resolver, s Schema, v map[string]any, at Path) map[string]any {
	res := r.object(s, v, at)
	out := maps.Clone(v)
	if out == nil {
		out = map[string]any{}
	}
	props := obj(res.schema, "properties")
	for _, name := range sortedKeys(props) {
		ps, ok := props[name].(map[string]any)
		if !ok {
			continue
		}
		ps = deref(r.root, ps)
		if str(ps, "backstage:featureFlag") != "" {
			continue
		}
		cur, has := out[name]
		if !has || cur == nil {
			if d := defaultValue(r, ps, at.child(name)); d != nil {
				out[name] = d
			}
			continue
		}
		if m, ok := cur.(map[string]any); ok && typeOf(ps) == "object" {
			out[name] = fillDefaults(r, ps, m, at.child(name))
		}
	}
	return out
}

// defaultValue is what a field starts with; nil for none. Secrets have
// none: a value the user did not type is not a secret of theirs.
func defaultValue(r *resolver, s Schema, at Path) any {
	if str(s, "ui:field") == "Secret" {
		return nil
	}
	if d, ok := s["default"]; ok {
		return copyValue(d)
	}
	switch typeOf(s) {
	case "object":
		if str(s, "ui:widget") != "hidden" {
			return fillDefaults(r, s, map[string]any{}, at)
		}
	case "boolean":
		// A checkbox left unticked is sent as false: start from there.
		if w := str(s, "ui:widget"); w != "radio" && w != "select" && w != "hidden" {
			return false
		}
	}
	return nil
}

// copyValue deep-copies decoded JSON data, so defaults in the schema are
// never shared with values.
func copyValue(v any) any {
	switch x := v.(type) {
	case map[string]any, []any:
		b, err := json.Marshal(x)
		if err != nil {
			return nil
		}
		var out any
		if json.Unmarshal(b, &out) != nil {
			return nil
		}
		return out
	}
	return v
}
