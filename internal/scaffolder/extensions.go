package scaffolder

import "sort"

// Extensions describes the filters and globals templates may use beyond
// Nunjucks' own, in the shape of Backstage's templating-extensions
// endpoint.
type Extensions struct {
	Filters map[string]ExtensionDoc `json:"filters"`
	Globals struct {
		Functions map[string]ExtensionDoc `json:"functions"`
		Values    map[string]GlobalValue  `json:"values"`
	} `json:"globals"`
}

// ExtensionDoc documents a filter or global function.
type ExtensionDoc struct {
	Description string         `json:"description,omitempty"`
	Schema      map[string]any `json:"schema,omitempty"`
	Examples    []UsageExample `json:"examples,omitempty"`
}

// UsageExample is one documented use.
type UsageExample struct {
	Description string `json:"description,omitempty"`
	Example     string `json:"example"`
	Notes       string `json:"notes,omitempty"`
}

// GlobalValue is a global value templates can read.
type GlobalValue struct {
	Description string `json:"description,omitempty"`
	Value       any    `json:"value"`
}

// knownExtensions documents the filters and functions Callboard provides.
var knownExtensions = map[string]ExtensionDoc{
	"parseRepoUrl": {
		Description: "Parses a repository string from RepoUrlPicker (host?owner=o&repo=r) into its parts; the host must match an integration.",
		Schema: map[string]any{
			"input":  map[string]any{"type": "string"},
			"output": map[string]any{"type": "object", "properties": map[string]any{"host": map[string]any{"type": "string"}, "owner": map[string]any{"type": "string"}, "repo": map[string]any{"type": "string"}, "organization": map[string]any{"type": "string"}, "workspace": map[string]any{"type": "string"}, "project": map[string]any{"type": "string"}}},
		},
		Examples: []UsageExample{{Example: "${{ parameters.repoUrl | parseRepoUrl }}"}},
	},
	"parseEntityRef": {
		Description: "Parses an entity ref into kind, namespace and name, with optional defaultKind and defaultNamespace.",
		Schema: map[string]any{
			"input":     map[string]any{"type": "string"},
			"arguments": []any{map[string]any{"type": "object", "properties": map[string]any{"defaultKind": map[string]any{"type": "string"}, "defaultNamespace": map[string]any{"type": "string"}}}},
			"output":    map[string]any{"type": "object", "properties": map[string]any{"kind": map[string]any{"type": "string"}, "namespace": map[string]any{"type": "string"}, "name": map[string]any{"type": "string"}}},
		},
		Examples: []UsageExample{{Example: "${{ parameters.owner | parseEntityRef({ defaultKind: 'group' }) }}"}},
	},
	"pick": {
		Description: "Returns one property of an object.",
		Schema:      map[string]any{"input": map[string]any{"type": "object"}, "arguments": []any{map[string]any{"type": "string"}}},
		Examples:    []UsageExample{{Example: "${{ parameters.owner | parseEntityRef | pick('name') }}"}},
	},
	"projectSlug": {
		Description: "Returns owner/repo of a repository string.",
		Schema:      map[string]any{"input": map[string]any{"type": "string"}, "output": map[string]any{"type": "string"}},
		Examples:    []UsageExample{{Example: "${{ parameters.repoUrl | projectSlug }}"}},
	},
	"always": {
		Description: "True: a step whose if calls always() runs even after an earlier step failed.",
		Schema:      map[string]any{"output": map[string]any{"type": "boolean"}},
		Examples:    []UsageExample{{Example: "if: ${{ always() }}"}},
	},
	"failure": {
		Description: "True when an earlier step of the task failed: a step whose if calls failure() runs only then.",
		Schema:      map[string]any{"output": map[string]any{"type": "boolean"}},
		Examples:    []UsageExample{{Example: "if: ${{ failure() }}"}},
	},
}

// TemplatingExtensions lists the additional filters and the global
// functions of the template engine.
func (e *Engine) TemplatingExtensions() Extensions {
	var x Extensions
	x.Filters = map[string]ExtensionDoc{}
	names := make([]string, 0, len(e.filters))
	for name := range e.filters {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		x.Filters[name] = knownExtensions[name]
	}
	x.Globals.Functions = map[string]ExtensionDoc{"always": knownExtensions["always"], "failure": knownExtensions["failure"]}
	x.Globals.Values = map[string]GlobalValue{}
	return x
}
