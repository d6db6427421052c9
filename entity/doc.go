// Package entity is Callboard's public model of catalog entities: the
// Backstage envelope (apiVersion, kind, metadata, spec, relations, status),
// entity references, relation and annotation names, and the validation rules
// Backstage applies to them. It is pure data: no I/O.
//
// Validation follows Backstage's order, and every error text is
// Backstage's own:
//
//   - ValidateEnvelope before any processing;
//   - EnforcePolicies after preprocessing: the envelope schema, the default
//     namespace, no foreign root fields, and the field format rules; it
//     returns the typed *Entity;
//   - ValidateKind for the built-in kinds, which reports "not mine" for kinds
//     it does not know.
//
// FromMap and (*Entity).ToMap convert between the typed entity and the
// decoded document form that readers and the store use.
package entity
