// Package plugin is Callboard's public SDK: the Plugin and Registrar types
// every compiled-in plugin uses, and one file per extension contract. Plugins
// import only this package and package entity.
package plugin
