// Package httpapi is Callboard's JSON REST surface: Backstage's catalog API
// under /api/catalog, Callboard's additions to it, and the health endpoints.
// It is thin on purpose: each handler decodes the request, calls a catalog
// service and encodes the answer; errors are classified by the services and
// mapped to Backstage's error body in one place (errors.go). routes.go lists
// every route.
package httpapi
