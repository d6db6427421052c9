// Package config loads Callboard's configuration from Backstage-style
// app-config.yaml files: several files merged in order, APP_CONFIG_*
// environment overrides, ${VAR} substitution and the $env, $file and
// $include directives. Every value keeps the file, line and column it came
// from, so a mistake is reported where it was made.
//
// The keys Callboard uses are decoded into typed structs (Config); the
// merged tree is kept so that subsystems and plugins can decode their own
// sections with (*Config).Decode. Keys nobody reads produce warnings, not
// errors, because Backstage configurations carry sections for plugins
// Callboard may not have.
package config
