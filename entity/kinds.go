package entity

import "slices"

// ValidateKind validates an entity of a built-in kind against its kind
// schema, as Backstage's BuiltinKindsEntityProcessor (Component, API,
// Resource, Group, Location, User, System, Domain with apiVersion
// backstage.io/v1alpha1 or v1beta1) and ScaffolderEntitiesProcessor
// (Template with scaffolder.backstage.io/v1beta3) do.
//
// It returns ok=false with no error when the entity is not of a built-in
// kind and apiVersion ("not mine": another processor may know it). Any
// other schema violation returns ok=true and a *ValidationError with ajv's
// text for the first fault, as Backstage prints it, e.g. "/spec must have
// required property 'owner' - missingProperty: owner".
//
// Like a stock Backstage installation, which runs BuiltinKindsEntityProcessor
// rather than the experimental catalog model layers, this does not know the
// AiResource kind (ok=false) and validates APIs of type mcp-server against
// the ordinary API schema, which requires spec.definition.
func ValidateKind(e *Entity) (ok bool, err error) {
	return validateKindDoc(e.view(false))
}

// validateKindDoc is ValidateKind over the document form of an entity.
func validateKindDoc(doc map[string]any) (ok bool, err error) {
	kind, _ := doc["kind"].(string)
	apiVersion, _ := doc["apiVersion"].(string)
	for _, k := range kindSchemas {
		// With a non-empty string kind and apiVersion, a mismatch can only
		// produce enum errors there, so the schema is not the entity's
		// whatever else is wrong: skip validating it.
		if kind != "" && apiVersion != "" && (kind != k.kind || !slices.Contains(k.apiVersions, apiVersion)) {
			continue
		}
		errs := k.schema.validate(doc, newInstancePath(), nil)
		if len(errs) == 0 {
			return true, nil
		}
		if notMine(errs) {
			continue
		}
		return true, &ValidationError{Field: errs[0].path, Message: errs[0].textWithParams()}
	}
	return false, nil
}

// kindSchemas are tried in the order of Backstage's processors.
var kindSchemas = []struct {
	kind        string
	apiVersions []string
	schema      *schema
}{
	{"API", backstageAPIVersions, apiSchema},
	{"Component", backstageAPIVersions, componentSchema},
	{"Resource", backstageAPIVersions, resourceSchema},
	{"Group", backstageAPIVersions, groupSchema},
	{"Location", backstageAPIVersions, locationSchema},
	{"User", backstageAPIVersions, userSchema},
	{"System", backstageAPIVersions, systemSchema},
	{"Domain", backstageAPIVersions, domainSchema},
	{"Template", templateAPIVersions, templateSchema},
}

// notMine is Backstage's soft-failure rule: when every error about kind or
// apiVersion is an enum mismatch (and there is at least one), the schema
// does not apply to the entity, whatever else is wrong with it.
func notMine(errs []schemaError) bool {
	found := false
	for _, e := range errs {
		if e.path != "/kind" && e.path != "/apiVersion" {
			continue
		}
		if e.keyword != "enum" {
			return false
		}
		found = true
	}
	return found
}
