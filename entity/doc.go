// Package entity is Callboard's public model of catalog entities: the
// Backstage envelope (apiVersion, kind, metadata, spec, relations, status),
// entity references, relation and annotation names, and the validation rules
// Backstage applies to them. It is pure data: no I/O.
package entity
