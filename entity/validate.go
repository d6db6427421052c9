package entity

// ValidateEnvelope is Backstage's validateEntityEnvelope, the check an
// entity must pass before any processing: apiVersion and kind are non-empty
// strings, metadata is an object whose name is a non-empty string and
// whose namespace, if present, is a non-empty string. Other keys are not
// looked at (spec is checked by EnforcePolicies).
//
// The error is a *ValidationError with ajv's text for the first fault, as
// Backstage prints it, e.g. "<root> must have required property 'kind' -
// missingProperty: kind".
func ValidateEnvelope(data map[string]any) error {
	if data == nil {
		data = map[string]any{}
	}
	errs := envelopeSchema.validate(data, newInstancePath(), nil)
	if len(errs) == 0 {
		return nil
	}
	return &ValidationError{Field: errs[0].path, Message: errs[0].textWithParams()}
}

// EnforcePolicies applies Backstage's default entity policies in their
// order and returns the typed entity:
//
//  1. SchemaValidEntityPolicy: the entity matches Entity.schema.json
//     ("Malformed envelope, /metadata/name must be string");
//  2. DefaultNamespaceEntityPolicy: metadata.namespace defaults to "default";
//  3. NoForeignRootFieldsEntityPolicy: only apiVersion, kind, metadata and
//     spec at the root ("Unknown field relations");
//  4. FieldFormatEntityPolicy: the format rules of names, namespaces,
//     labels, annotations, tags and links.
//
// The error is a *ValidationError with Backstage's text. data is not
// modified; the entity shares nothing with it.
func EnforcePolicies(data map[string]any) (*Entity, error) {
	n, err := normalize(data)
	if err != nil {
		return nil, &ValidationError{Message: "Malformed envelope, " + err.Error()}
	}
	doc, _ := n.(map[string]any)
	if doc == nil {
		doc = map[string]any{}
	}
	if errs := entitySchema.validate(doc, newInstancePath(), nil); len(errs) > 0 {
		return nil, &ValidationError{Field: errs[0].path, Message: "Malformed envelope, " + errs[0].text()}
	}
	meta := doc["metadata"].(map[string]any) // the schema guarantees an object
	if ns, _ := meta["namespace"].(string); ns == "" {
		meta["namespace"] = DefaultNamespace
	}
	for _, k := range sortedKeys(doc) {
		switch k {
		case "apiVersion", "kind", "metadata", "spec":
		default:
			return nil, &ValidationError{Field: k, Message: "Unknown field " + k}
		}
	}
	if err := enforceFieldFormat(doc); err != nil {
		return nil, err
	}
	return decodeEntity(doc)
}

// FromMap converts a decoded document into an Entity without validating it;
// fields with a typed Go form must have the matching JSON type. The entity
// shares nothing with data. Values are normalised as encoding/json would
// decode them: numbers become float64, maps map[string]any, and so on.
func FromMap(data map[string]any) (*Entity, error) {
	return fromMap(data)
}
