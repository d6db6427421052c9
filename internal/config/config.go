package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
)

// knownSections are sections that Callboard subsystems decode themselves
// with (*Config).Decode, so Load does not warn about their keys: a
// top-level section or a dotted key path below a typed one. Add a section
// here when the subsystem that reads it lands.
var knownSections = []string{
	"plugins",                  // plugin.Registrar.DecodeConfig reads plugins.<id>
	"auth",                     // internal/auth: providers, session, token expiration
	"backend.auth",             // internal/auth: externalAccess, keys, the default auth policy
	"permission",               // internal/permission: enabled, admins, rules
	"audit",                    // internal/audit: clientIpHeader, sinks
	"integrations",             // internal/integration: the forge integrations
	"app.title",                // internal/app: the product name shown by the web UI
	"scaffolder",               // internal/scaffolder: workers, limits, default author, environment
	"techdocs",                 // internal/techdocs: builder, publisher, cache, mermaid
	"search",                   // internal/search: engine, synonyms, collator schedules
	"backend.workingDirectory", // internal/scaffolder: where task workspaces live
}

// isKnownSection reports whether path lies in one of knownSections.
func isKnownSection(path string) bool {
	for _, s := range knownSections {
		if rest, ok := strings.CutPrefix(path, s); ok && (rest == "" || rest[0] == '.' || rest[0] == '[') {
			return true
		}
	}
	return false
}

// readingAlias is the top-level section accepted as backend.reading.
const readingAlias = "reading"

// Config is Callboard's configuration. The typed fields are the keys
// Callboard itself reads; to add one, add a field with a `config:"key"`
// tag (options: required, oneof=a|b) and a doc comment, and give it a
// default in defaults if it needs one. A Config is not modified after Load
// and is safe for concurrent use.
type Config struct {
	Backend Backend `config:"backend"`
	Catalog Catalog `config:"catalog"`

	// root is the merged tree, for Decode and Redacted.
	root *node
}

// defaults returns the configuration of an empty app-config.yaml.
func defaults() Config {
	return Config{
		Backend: Backend{
			Listen:   Listen{Port: DefaultPort},
			BaseURL:  "http://localhost:7007",
			Database: Database{Client: sqliteClients[0], Connection: DefaultSQLiteFile},
		},
		Catalog: Catalog{
			OrphanStrategy:                  "delete",
			OrphanProviderStrategy:          "keep",
			DefaultLocationConflictStrategy: "reject",
			AllowedLocationTypes:            []string{"url"},
		},
	}
}

// Load reads the configuration files in order, later files overriding
// earlier ones, then applies APP_CONFIG_* environment overrides.
//
// env looks variables up for ${VAR} substitution, $env and the overrides;
// pass os.LookupEnv. The names of APP_CONFIG_* variables are taken from
// os.Environ and their values from env; LoadEnviron takes both from a list.
//
// Keys nothing reads are returned as warnings; type mistakes in keys
// Callboard reads are errors naming file, line, column and key.
func Load(files []string, env func(string) (string, bool)) (*Config, []Warning, error) {
	return load(files, env, overrideNames(os.Environ()))
}

// LoadEnviron is Load with the environment given as "NAME=value" entries,
// as os.Environ returns them.
func LoadEnviron(files []string, environ []string) (*Config, []Warning, error) {
	vars := make(map[string]string, len(environ))
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		vars[name] = value
	}
	lookup := func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
	return load(files, lookup, overrideNames(environ))
}

// overrideNames returns the APP_CONFIG_* names among "NAME=value" entries.
func overrideNames(environ []string) []string {
	var names []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, envPrefix) {
			names = append(names, name)
		}
	}
	return names
}

func load(files []string, env func(string) (string, bool), overrides []string) (*Config, []Warning, error) {
	var root *node
	for _, f := range files {
		n, err := readConfigFile(f, trimmed(env))
		if err != nil {
			return nil, nil, err
		}
		root = merge(root, n)
	}
	raw := func(name string) (string, bool) {
		if env == nil {
			return "", false
		}
		return env(name)
	}
	over, err := envOverrides(overrides, raw)
	if err != nil {
		return nil, nil, err
	}
	root = merge(root, over)
	if root == nil {
		root = newObject(Pos{})
	}
	stripNulls(root)

	cfg := defaults()
	cfg.root = root
	var warnings []Warning
	decodingAlias := false
	d := decoder{unknown: func(n *node, path string) {
		if isKnownSection(path) || topSection(path) == readingAlias && !decodingAlias {
			return
		}
		warnings = append(warnings, Warning{Pos: n.pos, Key: path, Message: fmt.Sprintf("unknown key %q is ignored", path)})
	}}
	d.decode(root, "", reflect.ValueOf(&cfg).Elem())
	if alias := root.fields[readingAlias]; alias != nil {
		var r Reading
		decodingAlias = true
		d.decode(alias, readingAlias, reflect.ValueOf(&r).Elem())
		cfg.Backend.Reading.Allow = append(cfg.Backend.Reading.Allow, r.Allow...)
	}
	if err := d.err(); err != nil {
		return nil, warnings, err
	}
	if root.lookup("catalog.rules") == nil {
		cfg.Catalog.Rules = DefaultRules()
	}
	return &cfg, warnings, nil
}

// readConfigFile parses one file and resolves its directives and
// substitutions relative to its directory.
func readConfigFile(file string, env lookupFunc) (*node, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	n, err := parseYAML(data, file)
	if err != nil {
		return nil, err
	}
	if n == nil || n.kind == kindNull {
		return nil, nil
	}
	if n.kind != kindObject {
		return nil, &Error{Pos: n.pos, Message: "expected an object at the top level, got " + n.describe()}
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	t := transformer{env: env, chain: []includedFile{{abs: abs, path: file}}}
	out, _, err := t.transform(n, "", filepath.Dir(file))
	return out, err
}

// topSection returns the first part of a key path.
func topSection(path string) string {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}

// Decode decodes the value at a dotted key path, such as
// "plugins.github", into v, which must be a non-nil pointer. Struct fields
// are matched as Config's are (a `config` tag, else the `json` tag's name,
// else the field name with a lower-case first letter); time.Duration
// fields accept every duration form. An absent key leaves v unchanged;
// keys without a field are ignored. Mistakes are *Error values naming
// file, line, column and key, joined.
func (c *Config) Decode(path string, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("config: Decode needs a non-nil pointer, got %T", v)
	}
	n := c.root.lookup(path)
	if n == nil {
		return nil
	}
	var d decoder
	d.decode(n, path, rv.Elem())
	return d.err()
}
