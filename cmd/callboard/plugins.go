package main

import "github.com/callboard/callboard/plugin"

// plugins lists the plugins compiled into this binary. To add one, import
// it and append it here. The built-in catalog processors are registered by
// internal/app through the same plugin.Registrar.
func plugins() []plugin.Plugin {
	return nil
}
