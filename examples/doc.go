// Package examples holds Callboard's demo organisation: app-config.yaml and
// the Tidewater Ferries catalog under catalog/. It has no code; its tests
// check that every demo file is valid Backstage YAML that Callboard loads.
package examples
