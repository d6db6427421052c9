// Package form turns one page of a software template's parameters (a
// JSON Schema whose properties carry react-jsonschema-form's ui:* keys, as
// Backstage writes them) into accessible HTML fields, and reads a
// submitted form back into typed JSON values.
//
// Everything happens on the server: conditional fields (dependencies,
// oneOf, anyOf, allOf and if/then/else) are resolved from the current
// values each time the page renders, so the form works without
// JavaScript. Backstage's field extensions are rendered as plain controls:
// entity pickers as text inputs offered a bounded <datalist> of catalog
// entities, RepoUrlPicker as host, owner and repository inputs producing
// "host?owner=x&repo=y", and Secret as a password input whose value is
// returned apart from the values and never written back into a page.
//
// Fields follow ui:order; without it, the required properties come first
// in their listed order, then the others by name (the catalog keeps
// entities as JSON objects and does not preserve the order their keys
// were written in), and a field a condition brings in follows the field
// that controls it.
//
// The package knows nothing of the catalog or the scaffolder: entity
// suggestions come through the Entities interface, and validation errors
// (from the scaffolder's schema validation) come in as Problems, which
// the page shows beside the fields they concern.
package form
