// Package nunjucks is Callboard's `${{ }}` template engine: a closed,
// Nunjucks-compatible interpreter for the expressions and statements that
// Backstage software templates use (step inputs, `if`, `each`, outputs and
// the skeleton files of fetch:template).
//
// Templates are lexed, parsed into a small tree (a Pratt-style expression
// parser with Nunjucks' precedence) and interpreted over JSON-like Go
// values (map[string]any, []any, string, float64, int, bool, nil). Nothing
// reaches the file system, the network or Go reflection on arbitrary types,
// and every render is bounded by Options.MaxSteps and Options.MaxOutput.
//
// Values print the way JavaScript prints them, because Nunjucks runs on
// JavaScript: true and false, arrays joined with commas, undefined and null
// as nothing, objects as [object Object], and whole numbers without ".0".
// Inside templates truthiness is JavaScript's (an empty list is true, as in
// Nunjucks); Truthy is Backstage's rule for step conditions, where an empty
// list is false.
//
// Where Go or safety forces a difference from Nunjucks 3:
//   - objects iterate (for loops, dump, items, urlencode) in key order,
//     since Go maps keep no insertion order;
//   - `{% for k in obj %}` with one variable walks the keys (Jinja's
//     behaviour) rather than nothing;
//   - an unknown filter or test is reported when it is reached while
//     rendering, not when parsing, so Check validates syntax only;
//   - braces are balanced inside `${{ }}`, so `${{ {a: {b: 1}} }}` works;
//   - with JinjaCompat, Python string methods (split, replace, strip ...)
//     win over the JavaScript ones of the same name, because templates
//     written for cookiecutter expect Python semantics;
//   - `{% call %}`, `{% include %}`, `{% extends %}`, `{% import %}`,
//     regular-expression literals and asynchronous tags are not supported.
package nunjucks
