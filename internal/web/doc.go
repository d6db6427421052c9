// Package web is Callboard's user interface: HTML pages rendered on the
// server from html/template, styled by our own stylesheet and improved by a
// small script of our own. Every page works without JavaScript; the script
// only enhances (theme switching in place, confirmations, local times).
//
// Templates and static files are embedded with go:embed; in development
// mode (Options.Dev) they are read from disk on every request, so edits
// show on reload. Static files are served under a content hash
// (/static/app.<hash>.css) with a year-long immutable cache.
//
// Pages call the engines directly through small interfaces declared here,
// never the REST API. Handlers return errors; one adapter renders every
// error page with the status internal/problem assigns.
package web
