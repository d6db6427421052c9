package mkdocs

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v4"

	"github.com/callboard/callboard/internal/problem"
)

// allowedKeys are the top-level keys TechDocs keeps; every other key is
// removed before MkDocs runs.
var allowedKeys = []string{
	"site_name", "site_url", "site_description", "site_author", "repo_url", "repo_name", "edit_uri",
	"edit_uri_template", "docs_dir", "site_dir", "nav", "exclude_docs", "not_in_nav", "theme", "plugins",
	"markdown_extensions", "extra", "extra_css", "use_directory_urls", "strict", "dev_addr", "watch",
	"copyright", "remote_branch", "remote_name", "validation", "google_analytics",
}

// maxValues bounds how many values one configuration may expand to
// through aliases.
const maxValues = 100_000

// decoder turns a configuration tree into a Config.
type decoder struct {
	t      *tree
	o      Options
	warns  []Warning
	values int
}

func decode(t *tree, main string, o Options) (*Config, []Warning, error) {
	d := &decoder{t: t, o: o}
	c := &Config{File: main, UseDirectoryURLs: true, Lines: map[string]string{}}
	seen := map[string]bool{}
	root := t.root
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		file := t.files[k.Value]
		if file == "" {
			file = main
		}
		at := fmt.Sprintf("%s:%d", file, k.Line)
		if !slices.Contains(allowedKeys, k.Value) && !slices.Contains(o.AdditionalKeys, k.Value) {
			d.warn(file, k.Line, fmt.Sprintf("removed %q: TechDocs does not allow this setting in mkdocs.yml", k.Value))
			continue
		}
		seen[k.Value] = true
		c.Lines[k.Value] = at
		if k.Value == "nav" {
			c.NavLine = k.Line
		}
		if err := d.field(c, k.Value, v, file); err != nil {
			return nil, nil, problem.Input("%s: %s: %v", at, k.Value, err).WithCause(err)
		}
	}
	if !seen["site_name"] || strings.TrimSpace(c.SiteName) == "" {
		return nil, nil, problem.Input("%s: site_name is required", main)
	}
	if !seen["docs_dir"] {
		c.DocsDir = "docs"
	}
	if c.RepoURL == "" && o.RepoURL != "" {
		c.RepoURL = o.RepoURL
	}
	editSet := seen["edit_uri"] || seen["edit_uri_template"]
	if !editSet && o.EditURI != "" {
		c.EditURI = withSlash(o.EditURI)
		editSet = true
	}
	c.setRepoDefaults(editSet)
	if _, ok := c.Plugin("techdocs-core"); !ok {
		c.Plugins = append(c.Plugins, Plugin{Name: "techdocs-core"})
	}
	return c, d.warns, nil
}

func (d *decoder) warn(file string, line int, msg string) {
	d.warns = append(d.warns, Warning{File: file, Line: line, Message: msg})
}

// field decodes one allowed top-level setting.
func (d *decoder) field(c *Config, key string, v *yaml.Node, file string) error {
	var err error
	switch key {
	case "site_name":
		c.SiteName, err = scalarString(v)
	case "site_url":
		c.SiteURL, err = scalarString(v)
	case "site_description":
		c.SiteDescription, err = scalarString(v)
	case "site_author":
		c.SiteAuthor, err = scalarString(v)
	case "copyright":
		c.Copyright, err = scalarString(v)
	case "repo_url":
		c.RepoURL, err = scalarString(v)
	case "repo_name":
		c.RepoName, err = scalarString(v)
	case "edit_uri":
		c.EditURI, err = scalarString(v)
		c.EditURI = withSlash(c.EditURI)
	case "edit_uri_template":
		c.EditURITemplate, err = scalarString(v)
	case "docs_dir":
		c.DocsDir, err = docsDir(v)
	case "use_directory_urls":
		c.UseDirectoryURLs, err = scalarBool(v)
	case "nav":
		c.Nav, err = d.nav(v, file)
	case "theme":
		c.Theme, err = d.theme(v)
	case "plugins":
		c.Plugins, err = d.plugins(v, file)
	case "markdown_extensions":
		c.MarkdownExtensions, err = d.extensions(v, file)
	case "extra":
		var val any
		val, err = d.value(v, 0)
		if err == nil && val != nil {
			m, ok := val.(map[string]any)
			if !ok {
				return fmt.Errorf("expected a mapping")
			}
			c.Extra = m
		}
	case "extra_css":
		c.ExtraCSS, err = d.stringList(v)
	}
	// The remaining allowed keys (site_dir, strict, watch, ...) concern how
	// MkDocs runs, not what it builds; they are kept out of the way.
	return err
}

// docsDir checks that docs_dir is a relative path inside the source
// directory.
func docsDir(v *yaml.Node) (string, error) {
	s, err := scalarString(v)
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", fmt.Errorf("must not be empty")
	}
	slash := strings.ReplaceAll(s, `\`, "/")
	if path.IsAbs(slash) || (len(slash) > 1 && slash[1] == ':') {
		return "", fmt.Errorf("%q must be a relative path inside the source directory", s)
	}
	clean := path.Clean(slash)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("%q leaves the source directory", s)
	}
	return clean, nil
}

func (d *decoder) theme(v *yaml.Node) (map[string]any, error) {
	val, err := d.value(v, 0)
	if err != nil {
		return nil, err
	}
	switch t := val.(type) {
	case nil:
		return nil, nil
	case string:
		return map[string]any{"name": t}, nil
	case map[string]any:
		return t, nil
	}
	return nil, fmt.Errorf("expected a theme name or a mapping")
}

func (d *decoder) stringList(v *yaml.Node) ([]string, error) {
	v = deref(v)
	if isNull(v) {
		return nil, nil
	}
	if v.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("expected a list")
	}
	var out []string
	for _, item := range v.Content {
		s, err := scalarString(item)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", item.Line, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// named is one entry of plugins or markdown_extensions: a name with its
// options.
type named struct {
	name    string
	options map[string]any
	line    int
}

// namedList decodes the list form ("- name" or "- name: {options}") and
// the mapping form ("name: {options}") MkDocs accepts for plugins and
// markdown_extensions.
func (d *decoder) namedList(v *yaml.Node) ([]named, error) {
	v = deref(v)
	if isNull(v) {
		return nil, nil
	}
	entry := func(k, val *yaml.Node) (named, error) {
		n := named{name: k.Value, line: k.Line}
		opts, err := d.value(val, 0)
		if err != nil {
			return n, err
		}
		switch o := opts.(type) {
		case nil:
		case map[string]any:
			n.options = o
		default:
			return n, fmt.Errorf("line %d: the options of %q must be a mapping", k.Line, k.Value)
		}
		return n, nil
	}
	var out []named
	switch v.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(v.Content); i += 2 {
			n, err := entry(v.Content[i], v.Content[i+1])
			if err != nil {
				return nil, err
			}
			out = append(out, n)
		}
	case yaml.SequenceNode:
		for _, item := range v.Content {
			item = deref(item)
			switch {
			case item.Kind == yaml.ScalarNode:
				out = append(out, named{name: item.Value, line: item.Line})
			case item.Kind == yaml.MappingNode && len(item.Content) == 2:
				n, err := entry(item.Content[0], item.Content[1])
				if err != nil {
					return nil, err
				}
				out = append(out, n)
			default:
				return nil, fmt.Errorf("line %d: expected a name or a mapping of one name to its options", item.Line)
			}
		}
	default:
		return nil, fmt.Errorf("expected a list")
	}
	return out, nil
}

// value converts a YAML node to plain Go values: nil, bool, int, float64,
// string, []any and map[string]any.
func (d *decoder) value(v *yaml.Node, depth int) (any, error) {
	d.values++
	if d.values > maxValues {
		return nil, fmt.Errorf("more than %d values (an alias loop?)", maxValues)
	}
	if depth > 64 {
		return nil, fmt.Errorf("nested more than 64 levels deep")
	}
	v = deref(v)
	if v.ShortTag() == "!ENV" {
		s, ok := envDefault(v)
		if !ok {
			return nil, nil
		}
		return s, nil
	}
	switch v.Kind {
	case yaml.ScalarNode:
		return scalarValue(v), nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(v.Content))
		for _, item := range v.Content {
			x, err := d.value(item, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(v.Content)/2)
		for i := 0; i+1 < len(v.Content); i += 2 {
			k := deref(v.Content[i])
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a key must be a plain string", k.Line)
			}
			x, err := d.value(v.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			out[k.Value] = x
		}
		return out, nil
	}
	return nil, fmt.Errorf("line %d: unsupported YAML value", v.Line)
}

// scalarValue types a scalar as YAML 1.2 does. Python tags such as
// !!python/name:... have no meaning outside MkDocs and become strings.
func scalarValue(v *yaml.Node) any {
	switch v.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		if b, err := strconv.ParseBool(v.Value); err == nil {
			return b
		}
	case "!!int":
		if i, err := strconv.Atoi(v.Value); err == nil {
			return i
		}
	case "!!float":
		if f, err := strconv.ParseFloat(v.Value, 64); err == nil {
			return f
		}
	}
	return v.Value
}

// envDefault is the default of an !ENV tag: the last item of a list of
// two or more. The builder's environment is never read.
func envDefault(v *yaml.Node) (string, bool) {
	if v.Kind == yaml.SequenceNode && len(v.Content) >= 2 {
		last := deref(v.Content[len(v.Content)-1])
		if last.Kind == yaml.ScalarNode && last.ShortTag() != "!!null" {
			return last.Value, true
		}
	}
	return "", false
}

// deref follows aliases.
func deref(v *yaml.Node) *yaml.Node {
	for i := 0; v.Kind == yaml.AliasNode && v.Alias != nil && i < 100; i++ {
		v = v.Alias
	}
	return v
}

func isNull(v *yaml.Node) bool {
	return v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null"
}

// scalarString reads a string setting; null is the empty string.
func scalarString(v *yaml.Node) (string, error) {
	v = deref(v)
	if v.ShortTag() == "!ENV" {
		s, _ := envDefault(v)
		return s, nil
	}
	if v.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("expected a string")
	}
	if isNull(v) {
		return "", nil
	}
	return v.Value, nil
}

func scalarBool(v *yaml.Node) (bool, error) {
	v = deref(v)
	if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!bool" {
		if b, err := strconv.ParseBool(v.Value); err == nil {
			return b, nil
		}
	}
	return false, fmt.Errorf("expected true or false")
}

// withSlash ends a non-empty edit_uri with "/" unless it carries a query or
// fragment, as MkDocs does.
func withSlash(s string) string {
	if s == "" || strings.HasSuffix(s, "/") || strings.ContainsAny(s, "?#") {
		return s
	}
	return s + "/"
}
