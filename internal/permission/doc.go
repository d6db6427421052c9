// Package permission decides what a caller may do, with Backstage's
// permission model: named permissions (catalog.entity.read,
// scaffolder.task.create, ...) of type basic or resource, and decisions
// ALLOW, DENY or CONDITIONAL, where a conditional decision carries criteria
// (allOf / anyOf / not over rules such as IS_ENTITY_OWNER) that the
// resource's owner turns into a query filter or checks against one
// resource.
//
// The policy comes from the permission section of app-config.yaml: an
// ordered list of rules, the first that matches deciding, with a
// documented default when none does. Rules match permissions by name or
// glob, action, resource type, users, groups and a CEL expression over the
// user and the permission; every expression is compiled when the policy
// is built, so a mistake is a configuration error naming its rule.
//
// Callboard is secure by default: unlike Backstage, permission.enabled
// defaults to true.
package permission
