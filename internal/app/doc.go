// Package app is Callboard's composition root: it opens the database, builds
// every subsystem with its dependencies passed explicitly, registers the
// built-in parts and the compiled-in plugins through one plugin.Registrar,
// and runs the HTTP server and the background loops until the context ends.
// It is the only package that imports all the others.
package app
