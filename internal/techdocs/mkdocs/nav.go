package mkdocs

import (
	"fmt"
	"net/url"
	"path"
	"strings"

	yaml "go.yaml.in/yaml/v4"
)

// maxNavDepth bounds how deeply sections nest.
const maxNavDepth = 32

// nav decodes the nav setting: a list whose entries are "page.md",
// "Title: page.md", "Title: https://..." or "Section: [entries]".
func (d *decoder) nav(v *yaml.Node, file string) ([]NavItem, error) {
	v = deref(v)
	if isNull(v) {
		return nil, nil
	}
	items, err := d.navList(v, file, 0)
	if err != nil {
		return nil, err
	}
	if items == nil {
		items = []NavItem{}
	}
	return items, nil
}

func (d *decoder) navList(v *yaml.Node, file string, depth int) ([]NavItem, error) {
	if depth > maxNavDepth {
		return nil, fmt.Errorf("line %d: sections nested more than %d levels deep", v.Line, maxNavDepth)
	}
	if v.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("line %d: expected a list of entries", v.Line)
	}
	var out []NavItem
	for _, item := range v.Content {
		item = deref(item)
		at := fmt.Sprintf("%s:%d", file, item.Line)
		switch item.Kind {
		case yaml.ScalarNode:
			if skipInclude(d, item, file) {
				continue
			}
			it, err := navTarget("", item)
			if err != nil {
				return nil, err
			}
			it.At = at
			out = append(out, it)
		case yaml.MappingNode:
			if len(item.Content) != 2 {
				return nil, fmt.Errorf("line %d: a nav entry must map one title to a page, a link or a list", item.Line)
			}
			k, val := deref(item.Content[0]), deref(item.Content[1])
			title := k.Value
			switch {
			case val.Kind == yaml.SequenceNode:
				children, err := d.navList(val, file, depth+1)
				if err != nil {
					return nil, err
				}
				out = append(out, NavItem{Title: title, Children: children, Section: true, At: at})
			case val.Kind == yaml.ScalarNode && !isNull(val):
				if skipInclude(d, val, file) {
					continue
				}
				it, err := navTarget(title, val)
				if err != nil {
					return nil, err
				}
				it.At = at
				out = append(out, it)
			default:
				return nil, fmt.Errorf("line %d: nav entry %q has no page, link or list", item.Line, title)
			}
		default:
			return nil, fmt.Errorf("line %d: expected a page, a link or a titled entry", item.Line)
		}
	}
	return out, nil
}

// skipInclude warns about monorepo !include entries, which Callboard's
// builder does not follow.
func skipInclude(d *decoder, v *yaml.Node, file string) bool {
	target, quoted := strings.CutPrefix(v.Value, "!include ")
	if v.ShortTag() != "!include" && !quoted {
		return false
	}
	d.warn(file, v.Line, fmt.Sprintf("nav: skipped !include %q: monorepo includes are not supported", strings.TrimSpace(target)))
	return true
}

// navTarget decodes the target of a nav entry: a URL (with a scheme, or an
// absolute path) is a link, anything else a file inside docs_dir.
func navTarget(title string, v *yaml.Node) (NavItem, error) {
	s := strings.TrimSpace(v.Value)
	if s == "" {
		return NavItem{}, fmt.Errorf("line %d: empty nav entry", v.Line)
	}
	if IsURL(s) {
		return NavItem{Title: title, URL: s}, nil
	}
	clean := path.Clean(strings.ReplaceAll(s, `\`, "/"))
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return NavItem{}, fmt.Errorf("line %d: nav entry %q leaves docs_dir", v.Line, s)
	}
	return NavItem{Title: title, Path: clean}, nil
}

// IsURL reports whether a link target is absolute: it has a scheme, or is
// a network path or an absolute path on the site's host.
func IsURL(s string) bool {
	if strings.HasPrefix(s, "/") {
		return true
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme != ""
}
