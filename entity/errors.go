package entity

// ValidationError is a violation of one of Backstage's entity rules. Its
// Error text is exactly the text Backstage produces for the same violation,
// so it can be shown to users and stored in status items unchanged. Every
// error this package returns because of bad input is a *ValidationError, so
// callers can classify them all as input errors with errors.As.
type ValidationError struct {
	// Field names the offending field the way the rule reports it: a JSON
	// pointer such as "/spec/owner" for schema rules ("" for the root), a
	// dotted path such as "metadata.name" or "labels.team" for format rules,
	// a root key for the unknown-field rule, or "" when the error is not
	// about one field (entity and location references).
	Field string
	// Message is the full error text.
	Message string
}

// Error returns Backstage's text for the violation.
func (e *ValidationError) Error() string { return e.Message }
