// Package nunjucks is Callboard's `${{ }}` template engine: a closed,
// Nunjucks-compatible interpreter for the expressions and statements that
// Backstage software templates use (step inputs, `if`, `each`, outputs and
// the skeleton files of fetch:template).
//
// Templates are lexed, parsed into a small tree and interpreted over
// JSON-like Go values (map[string]any, []any, string, float64, int, bool,
// nil). Nothing reaches the file system, the network or Go reflection on
// arbitrary types, and every render is bounded by Options.MaxSteps and
// Options.MaxOutput.
//
// Values print the way JavaScript prints them, because Nunjucks runs on
// JavaScript: true and false, arrays joined with commas, undefined and null
// as nothing, objects as [object Object], and whole numbers without ".0".
package nunjucks
