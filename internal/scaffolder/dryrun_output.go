package scaffolder

// dryRunOutput makes up the output of an action skipped in a dry run from
// its output schema, as Backstage does: each property's first example, or
// a value of its type ('<example>', 0, false, []).
func dryRunOutput(schema map[string]any) map[string]any {
	out := map[string]any{}
	props, _ := schema["properties"].(map[string]any)
	for name, p := range props {
		ps, _ := p.(map[string]any)
		if ex, ok := ps["examples"].([]any); ok && len(ex) > 0 {
			out[name] = ex[0]
			continue
		}
		typ := ps["type"]
		if list, ok := typ.([]any); ok && len(list) > 0 {
			typ = list[0]
		}
		switch typ {
		case "number", "integer":
			out[name] = 0
		case "boolean":
			out[name] = false
		case "array":
			out[name] = []any{}
		default:
			out[name] = "<example>"
		}
	}
	return out
}
