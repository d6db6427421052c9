// Package bench measures Callboard's catalog the way the issue states its
// performance targets: it generates a synthetic organisation as YAML files,
// runs the real `callboard serve` on it as a child process, and times cold
// ingestion, queries over HTTP, a second pass over unchanged input and a
// restart. cmd/callboard-bench is its command line.
package bench
