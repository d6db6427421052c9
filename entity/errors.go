package entity

// ValidationError is a violation of one of Backstage's entity rules. Its
// Error text is exactly the text Backstage produces for the same violation,
// so it can be shown to users and stored in status items unchanged.
type ValidationError struct {
	// Field names the offending field the way the rule reports it: a JSON
	// pointer such as "/spec/owner" for schema rules ("" for the root), a
	// dotted path such as "metadata.name" or "labels.team" for format rules,
	// or a root key for the unknown-field rule.
	Field string
	// Message is the full error text.
	Message string
}

// Error returns Backstage's text for the violation.
func (e *ValidationError) Error() string { return e.Message }
