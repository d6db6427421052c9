// Package web is Callboard's user interface: HTML pages rendered on the
// server from html/template, styled by our own stylesheet and improved by a
// small script of our own. Every page works without JavaScript; the script
// only enhances (filters and paging in place, slow parts loaded after the
// page, theme switching, confirmations, local times, "/" to search).
//
// Pages live at Backstage's addresses: / (home), /catalog (the table, its
// whole view in the query string, see catalog_view.go),
// /catalog/{namespace}/{kind}/{name}[/{tab}] (entity pages),
// /catalog-import (register), /catalog-unregister, /catalog-unprocessed,
// and pages other packages hand in (Options.Pages, e.g. /catalog-graph).
// Entity pages are a shell of tabs (plugin.EntityTab) whose Overview holds
// cards (plugin.EntityCard); the portal's own tabs and cards use the same
// contracts as plugins'.
//
// No page reads the whole catalog: each issues bounded, indexed queries.
// Parts that may be slow when not cached (facet and health counts) render
// only if ready within a small budget; otherwise the page carries a
// placeholder the script fills (parts.go), and the work goes on in the
// background for the next reader.
//
// Templates and static files are embedded with go:embed; in development
// mode (Options.Dev) they are read from disk on every request, so edits
// show on reload. Static files are served under a content hash
// (/static/app.<hash>.css) with a year-long immutable cache.
//
// Pages call the engines directly through small interfaces declared here,
// never the REST API, and read the catalog as the reader may see it
// (Options.ReaderFor). Handlers return errors; one adapter renders every
// error page with the status internal/problem assigns.
package web
