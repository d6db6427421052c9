package permission

import "slices"

// Permission types.
const (
	TypeBasic    = "basic"
	TypeResource = "resource"
)

// Actions a permission may name in its attributes.
const (
	ActionCreate = "create"
	ActionRead   = "read"
	ActionUpdate = "update"
	ActionDelete = "delete"
)

// Permission is one permission as Backstage describes it on the wire.
type Permission struct {
	Name string
	// Type is TypeBasic or TypeResource.
	Type string
	// Action is create, read, update or delete; "" when it names none.
	Action string
	// ResourceType is set for resource permissions (catalog-entity, ...).
	ResourceType string
}

// IsResource reports whether the permission is checked against a resource.
func (p Permission) IsResource() bool { return p.Type == TypeResource }

// Result is the outcome of a decision.
type Result string

// Results, spelled as on the wire.
const (
	Allow       Result = "ALLOW"
	Deny        Result = "DENY"
	Conditional Result = "CONDITIONAL"
)

// Decision is the answer to one authorization question.
type Decision struct {
	Result Result
	// Conditions are set for Conditional: the resource must meet them.
	Conditions *Criteria
	// PluginID and ResourceType name the owner of the conditions'
	// rules, for Conditional.
	PluginID     string
	ResourceType string
	// Rule names what decided: a configured rule's name, or one of the
	// Rule* constants for the built-in outcomes.
	Rule string
}

// Names of the built-in outcomes, reported in Decision.Rule.
const (
	RuleDisabled          = "(permission.enabled is false)"
	RuleService           = "(service principal)"
	RuleServiceRestricted = "(service access restrictions)"
	RuleAnonymous         = "(default: not signed in)"
	RuleDefaultUser       = "(default: signed-in users)"
	RuleDefaultAdmin      = "(default: admins)"
	RuleDefaultNotAdmin   = "(default: admins only)"
	RuleDefaultUnknown    = "(default: unknown permission)"
)

// User is who a decision is for: a signed-in user or guest (Ref and
// Ownership), a service (Service), or nobody (all empty).
type User struct {
	// Ref is the user's canonical entity ref, user:default/jane.
	Ref string
	// Ownership holds the refs the user owns through: the user and
	// every group reached through membership, transitively.
	Ownership []string
	// Service is a service principal's subject (external:ci).
	Service string
	// Restrictions limit a service's token; nil means none.
	Restrictions []Restriction
}

// Restriction limits an external-access token to one plugin and,
// optionally, some of its permissions or actions (Backstage's
// accessRestrictions).
type Restriction struct {
	Plugin      string
	Permissions []string
	Actions     []string
}

// signedIn reports whether u is a user or guest.
func (u User) signedIn() bool { return u.Ref != "" }

// owns reports whether ref is among the user's ownership refs.
func (u User) owns(ref string) bool { return ref == u.Ref || slices.Contains(u.Ownership, ref) }
