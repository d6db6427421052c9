package mkdocs

import (
	"fmt"
	"path"
	"slices"
	"strings"

	yaml "go.yaml.in/yaml/v4"
)

// allowedPlugins are the MkDocs plugins TechDocs keeps.
var allowedPlugins = []string{"techdocs-core", "search", "material/search", "redirects", "group", "material/group"}

// Snippets is the name of the pymdownx.snippets extension.
const Snippets = "pymdownx.snippets"

func (d *decoder) plugins(v *yaml.Node, file string) ([]Plugin, error) {
	list, err := d.namedList(v)
	if err != nil {
		return nil, err
	}
	var out []Plugin
	for _, n := range list {
		if !slices.Contains(allowedPlugins, n.name) && !slices.Contains(d.o.AdditionalPlugins, n.name) {
			d.warn(file, n.line, fmt.Sprintf("removed plugin %q: TechDocs does not allow it", n.name))
			continue
		}
		out = append(out, Plugin{Name: n.name, Options: n.options})
	}
	return out, nil
}

func (d *decoder) extensions(v *yaml.Node, file string) ([]Extension, error) {
	list, err := d.namedList(v)
	if err != nil {
		return nil, err
	}
	out := make([]Extension, 0, len(list))
	for _, n := range list {
		e := Extension{Name: n.name, Options: n.options, At: fmt.Sprintf("%s:%d", file, n.line)}
		if e.Name == Snippets {
			e.Options = d.restrictSnippets(e.Options, file, n.line)
		}
		out = append(out, e)
	}
	return out, nil
}

// restrictSnippets keeps pymdownx.snippets inside the source directory:
// base paths that leave it are dropped, downloads are turned off and
// restrict_base_path is forced on.
func (d *decoder) restrictSnippets(opts map[string]any, file string, line int) map[string]any {
	out := map[string]any{}
	for k, v := range opts {
		out[k] = v
	}
	var bases []string
	switch b := opts["base_path"].(type) {
	case nil:
	case string:
		bases = []string{b}
	case []any:
		for _, x := range b {
			if s, ok := x.(string); ok {
				bases = append(bases, s)
			}
		}
	}
	var kept []any
	for _, b := range bases {
		slash := strings.ReplaceAll(b, `\`, "/")
		clean := path.Clean(slash)
		if path.IsAbs(slash) || clean == ".." || strings.HasPrefix(clean, "../") || (len(slash) > 1 && slash[1] == ':') {
			d.warn(file, line, fmt.Sprintf("%s: removed base_path %q: it leaves the source directory", Snippets, b))
			continue
		}
		kept = append(kept, clean)
	}
	if len(kept) == 0 {
		kept = []any{"."}
	}
	out["base_path"] = kept
	if dl, _ := opts["url_download"].(bool); dl {
		d.warn(file, line, Snippets+": url_download is turned off: TechDocs builds never download snippets")
	}
	out["url_download"] = false
	out["restrict_base_path"] = true
	return out
}

// SnippetBasePaths returns the configured snippet base paths
// (slash-separated, relative to the source directory) and whether missing
// snippet files are errors (check_paths).
func (e Extension) SnippetBasePaths() (bases []string, checkPaths bool) {
	if b, ok := e.Options["base_path"].([]any); ok {
		for _, x := range b {
			if s, ok := x.(string); ok {
				bases = append(bases, s)
			}
		}
	}
	if len(bases) == 0 {
		bases = []string{"."}
	}
	checkPaths, _ = e.Options["check_paths"].(bool)
	return bases, checkPaths
}
