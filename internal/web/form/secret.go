package form

// SecretFields returns the paths of the page's Secret fields in force for
// values, so a caller can tell which secrets the values stand for.
func (f *Form) SecretFields(values map[string]any, choices map[string]int) []Path {
	r := newResolver(f.schema, choices)
	var out []Path
	var walk func(s Schema, v map[string]any, at Path)
	walk = func(s Schema, v map[string]any, at Path) {
		res := r.object(s, v, at)
		props := obj(res.schema, "properties")
		for _, name := range propertyOrder(res.schema, res.order) {
			ps, ok := props[name].(map[string]any)
			if !ok {
				continue
			}
			ps = deref(r.root, ps)
			switch {
			case str(ps, "ui:field") == "Secret":
				out = append(out, at.child(name))
			case typeOf(ps) == "object":
				m, _ := v[name].(map[string]any)
				walk(ps, m, at.child(name))
			}
		}
	}
	walk(f.schema, values, Path{})
	return out
}
