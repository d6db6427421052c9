package entity

// The schemas below restate Backstage's entity JSON schemas (Entity,
// EntityMeta, EntityEnvelope, common and one per built-in kind) as Go
// values for the evaluator in schema.go. Properties are listed in the
// order of the upstream schemas because that order decides which error is
// reported first. A test checks them against the upstream schema files.

func object(required []string, props ...property) *schema {
	return &schema{types: []string{"object"}, required: required, props: props}
}

func prop(name string, s *schema) property { return property{name: name, schema: s} }

func arrayOf(items *schema) *schema { return &schema{types: []string{"array"}, items: items} }

func str() *schema { return &schema{types: []string{"string"}} }

// nonEmpty is a string with minLength 1.
func nonEmpty() *schema { return &schema{types: []string{"string"}, minLength: 1} }

func enumOf(values ...string) *schema { return &schema{enum: values} }

// singleLine matches ^.+$ without flags: JavaScript's "." matches anything
// but line terminators.
var singleLine = &pattern{source: "^.+$", match: func(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		switch r {
		case '\n', '\r', '\u2028', '\u2029':
			return false
		}
	}
	return true
}}

// word matches ^\w+$.
var word = &pattern{source: `^\w+$`, match: func(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '_' {
			return false
		}
	}
	return true
}}

// stringMap is the labels and annotations shape: every key matching ^.+$
// must have a string value.
func stringMap() *schema {
	return &schema{types: []string{"object"}, patterns: []patternProperty{{pattern: singleLine, schema: str()}}}
}

var entityMetaSchema = object([]string{"name"},
	prop("uid", nonEmpty()),
	prop("etag", nonEmpty()),
	prop("name", nonEmpty()),
	prop("namespace", nonEmpty()),
	prop("title", nonEmpty()),
	prop("description", str()),
	prop("labels", stringMap()),
	prop("annotations", stringMap()),
	prop("tags", arrayOf(nonEmpty())),
	prop("links", arrayOf(object([]string{"url"},
		prop("url", nonEmpty()),
		prop("title", nonEmpty()),
		prop("icon", nonEmpty()),
		prop("type", nonEmpty()),
	))),
)

var commonReferenceSchema = closed(object([]string{"kind", "namespace", "name"},
	prop("kind", nonEmpty()),
	prop("namespace", nonEmpty()),
	prop("name", nonEmpty()),
))

var commonRelationSchema = closed(object([]string{"type", "targetRef"},
	prop("type", &schema{types: []string{"string"}, minLength: 1, pattern: word}),
	prop("target", commonReferenceSchema),
	prop("targetRef", nonEmpty()),
))

var commonStatusSchema = object([]string{},
	prop("items", arrayOf(object([]string{"type", "level", "message"},
		prop("type", nonEmpty()),
		prop("level", &schema{types: []string{"string"}, enum: []string{"info", "warning", "error"}}),
		prop("message", str()),
		prop("error", object([]string{"name", "message"},
			prop("name", nonEmpty()),
			prop("message", str()),
			prop("code", str()),
			prop("stack", str()),
		)),
	))),
)

func closed(s *schema) *schema {
	s.closed = true
	return s
}

// entitySchema is Entity.schema.json: the envelope every entity must match.
var entitySchema = closed(object([]string{"apiVersion", "kind", "metadata"},
	prop("apiVersion", nonEmpty()),
	prop("kind", nonEmpty()),
	prop("metadata", entityMetaSchema),
	prop("spec", &schema{types: []string{"object"}}),
	prop("relations", arrayOf(commonRelationSchema)),
	prop("status", commonStatusSchema),
))

// envelopeSchema is EntityEnvelope.schema.json: just enough to name the
// entity.
var envelopeSchema = object([]string{"apiVersion", "kind", "metadata"},
	prop("apiVersion", nonEmpty()),
	prop("kind", nonEmpty()),
	prop("metadata", object([]string{"name"},
		prop("name", nonEmpty()),
		prop("namespace", nonEmpty()),
	)),
)

var (
	backstageAPIVersions = []string{"backstage.io/v1alpha1", "backstage.io/v1beta1"}
	templateAPIVersions  = []string{"scaffolder.backstage.io/v1beta3"}
)

// kindSchema builds a kind schema: the entity schema, plus a required spec
// and the kind's apiVersion and kind values.
func kindSchema(apiVersions []string, kind string, spec *schema) *schema {
	return &schema{allOf: []*schema{
		entitySchema,
		object([]string{"spec"},
			prop("apiVersion", enumOf(apiVersions...)),
			prop("kind", enumOf(kind)),
			prop("spec", spec),
		),
	}}
}

func profileSchema() *schema {
	return object(nil,
		prop("displayName", nonEmpty()),
		prop("email", nonEmpty()),
		prop("picture", nonEmpty()),
	)
}

var componentSchema = kindSchema(backstageAPIVersions, "Component", object([]string{"type", "lifecycle", "owner"},
	prop("type", nonEmpty()),
	prop("lifecycle", nonEmpty()),
	prop("owner", nonEmpty()),
	prop("system", nonEmpty()),
	prop("subcomponentOf", nonEmpty()),
	prop("providesApis", arrayOf(nonEmpty())),
	prop("consumesApis", arrayOf(nonEmpty())),
	prop("dependsOn", arrayOf(nonEmpty())),
))

var apiSchema = kindSchema(backstageAPIVersions, "API", object([]string{"type", "lifecycle", "owner", "definition"},
	prop("type", nonEmpty()),
	prop("lifecycle", nonEmpty()),
	prop("owner", nonEmpty()),
	prop("system", nonEmpty()),
	prop("definition", nonEmpty()),
))

var resourceSchema = kindSchema(backstageAPIVersions, "Resource", object([]string{"type", "owner"},
	prop("type", nonEmpty()),
	prop("owner", nonEmpty()),
	prop("dependsOn", arrayOf(nonEmpty())),
	prop("system", nonEmpty()),
))

var groupSchema = kindSchema(backstageAPIVersions, "Group", object([]string{"type", "children"},
	prop("type", nonEmpty()),
	prop("profile", profileSchema()),
	prop("parent", nonEmpty()),
	prop("children", arrayOf(nonEmpty())),
	prop("members", arrayOf(nonEmpty())),
))

var locationSchema = kindSchema(backstageAPIVersions, "Location", object([]string{},
	prop("type", nonEmpty()),
	prop("target", nonEmpty()),
	prop("targets", arrayOf(nonEmpty())),
	prop("presence", &schema{types: []string{"string"}, enum: []string{"required", "optional"}}),
))

var userSchema = kindSchema(backstageAPIVersions, "User", object([]string{"memberOf"},
	prop("profile", profileSchema()),
	prop("memberOf", arrayOf(nonEmpty())),
))

var systemSchema = kindSchema(backstageAPIVersions, "System", object([]string{"owner"},
	prop("owner", nonEmpty()),
	prop("domain", nonEmpty()),
	prop("type", nonEmpty()),
))

var domainSchema = kindSchema(backstageAPIVersions, "Domain", object([]string{"owner"},
	prop("owner", nonEmpty()),
	prop("subdomainOf", nonEmpty()),
	prop("type", nonEmpty()),
))

// templateSchema is scaffolder-common's Template.v1beta3.schema.json.
var templateSchema = func() *schema {
	permissions := object(nil, prop("tags", arrayOf(str())))
	stringOrBool := &schema{types: []string{"string", "boolean"}}
	decorators := arrayOf(object(nil,
		prop("id", str()),
		prop("input", object(nil)),
	))
	output := object(nil,
		prop("links", arrayOf(object([]string{},
			prop("if", stringOrBool),
			prop("url", nonEmpty()),
			prop("entityRef", nonEmpty()),
			prop("title", nonEmpty()),
			prop("icon", nonEmpty()),
		))),
		prop("text", arrayOf(object([]string{},
			prop("if", stringOrBool),
			prop("title", nonEmpty()),
			prop("icon", nonEmpty()),
			prop("content", str()),
		))),
	)
	output.additional = str()
	return kindSchema(templateAPIVersions, "Template", object([]string{"type", "steps"},
		prop("type", nonEmpty()),
		prop("owner", nonEmpty()),
		prop("lifecycle", nonEmpty()),
		prop("parameters", &schema{oneOf: []*schema{
			object(nil, prop("backstage:permissions", permissions)),
			arrayOf(object(nil, prop("backstage:permissions", permissions))),
		}}),
		prop("secrets", object(nil, prop("schema", object(nil)))),
		prop("presentation", object(nil,
			prop("buttonLabels", object(nil,
				prop("backButtonText", str()),
				prop("createButtonText", str()),
				prop("reviewButtonText", str()),
			)),
		)),
		prop("EXPERIMENTAL_recovery", object(nil, prop("EXPERIMENTAL_strategy", str()))),
		prop("formDecorators", decorators),
		prop("EXPERIMENTAL_formDecorators", decorators),
		prop("steps", arrayOf(object([]string{"action"},
			prop("id", str()),
			prop("name", str()),
			prop("action", str()),
			prop("input", object(nil)),
			prop("if", stringOrBool),
			prop("backstage:permissions", permissions),
		))),
		prop("output", output),
	))
}()
