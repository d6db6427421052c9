package actions

// The input and output schemas are JSON Schemas written as decoded JSON
// (map[string]any, []any, string, bool), which is what the engine
// compiles and GET /v2/actions serves. These small constructors keep them
// readable.

// props is a schema's "properties".
type props map[string]any

// object is a JSON Schema object with the given properties, the required
// ones listed.
func object(p props, required ...string) map[string]any {
	s := map[string]any{"type": "object", "properties": map[string]any(p)}
	if len(required) > 0 {
		req := make([]any, len(required))
		for i, r := range required {
			req[i] = r
		}
		s["required"] = req
	}
	return s
}

// typed is a property of a JSON type with a title and description.
func typed(typ, title, description string) map[string]any {
	return map[string]any{"type": typ, "title": title, "description": description}
}

func stringProp(title, description string) map[string]any {
	return typed("string", title, description)
}

func boolProp(title, description string) map[string]any {
	return typed("boolean", title, description)
}

func numberProp(title, description string) map[string]any {
	return typed("number", title, description)
}

func objectProp(title, description string) map[string]any {
	return typed("object", title, description)
}

// arrayProp is an array property whose items follow items.
func arrayProp(title, description string, items map[string]any) map[string]any {
	s := typed("array", title, description)
	s["items"] = items
	return s
}

// oneOf accepts any of the alternatives, as templateFileExtension (a
// string or true) and listWorkspace (true or a mode) do.
func oneOf(title, description string, alternatives ...map[string]any) map[string]any {
	alts := make([]any, len(alternatives))
	for i, a := range alternatives {
		alts[i] = a
	}
	return map[string]any{"title": title, "description": description, "oneOf": alts}
}

// enum is a string property limited to values.
func enum(values ...string) map[string]any {
	vs := make([]any, len(values))
	for i, v := range values {
		vs[i] = v
	}
	return map[string]any{"type": "string", "enum": vs}
}

// Inputs shared by several actions.

func tokenProp() map[string]any {
	return stringProp("Token", "An optional token for reading the source. Callboard reads with the credentials of the integration configured for the URL's host, so this is accepted for compatibility with Backstage templates.")
}

func urlProp(what string) map[string]any {
	return stringProp("Fetch URL", "Where to read the "+what+" from: a path relative to the template's directory (./skeleton), or an absolute URL of a directory or file on a host with a configured integration.")
}

func valuesProp() map[string]any {
	return objectProp("Template Values", "Values the templates see as ${{ values.<name> }} (or {{ cookiecutter.<name> }} with cookiecutterCompat).")
}

func cookiecutterProp() map[string]any {
	return boolProp("Cookiecutter compatibility", "Render with {{ }} delimiters, make the values available as cookiecutter.<name>, and add Jinja2 helpers such as jsonify, for skeletons written for cookiecutter.")
}

func replaceProp() map[string]any {
	return boolProp("Replace files", "Overwrite files that already exist in the workspace. Without it, existing files are kept.")
}

func trimBlocksProp() map[string]any {
	return boolProp("Trim blocks", "Remove the first newline after a block tag ({% ... %}).")
}

func lstripBlocksProp() map[string]any {
	return boolProp("Lstrip blocks", "Strip spaces and tabs from the start of a line up to a block tag.")
}
