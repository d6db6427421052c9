package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// Include directives: an object whose only key is one of these is replaced
// by what the directive reads.
const (
	directiveFile    = "$file"
	directiveEnv     = "$env"
	directiveInclude = "$include"
)

// transformer resolves directives and ${VAR} substitutions in a tree read
// from one file, as Backstage's config loader does before merging.
type transformer struct {
	env lookupFunc
	// chain holds the files being included, to stop include cycles.
	chain []includedFile
}

// includedFile is a file in the include chain.
type includedFile struct {
	abs  string // absolute, for comparison
	path string // as shown in messages
}

// transform returns n with directives and substitutions applied. dir is
// the directory of the file n was read from; path is n's key path. keep is
// false when the value is dropped (an unset variable).
func (t *transformer) transform(n *node, path, dir string) (out *node, keep bool, err error) {
	switch n.kind {
	case kindString:
		s, ok := substitute(n.text, t.env)
		if !ok {
			return nil, false, nil
		}
		c := *n
		c.text = s
		return &c, true, nil
	case kindList:
		c := *n
		c.items = make([]*node, 0, len(n.items))
		for i, item := range n.items {
			v, ok, err := t.transform(item, itemPath(path, i), dir)
			if err != nil {
				return nil, false, err
			}
			if ok {
				c.items = append(c.items, v)
			}
		}
		return &c, true, nil
	case kindObject:
		if key := directiveKey(n); key != "" {
			return t.directive(n, key, path, dir)
		}
		c := newObject(n.pos)
		for _, k := range n.keys {
			v, ok, err := t.transform(n.fields[k], childPath(path, k), dir)
			if err != nil {
				return nil, false, err
			}
			if ok {
				c.set(k, v)
			}
		}
		return c, true, nil
	}
	return n, true, nil
}

// directiveKey returns the first include directive among n's keys, or "".
func directiveKey(n *node) string {
	for _, k := range n.keys {
		if k == directiveFile || k == directiveEnv || k == directiveInclude {
			return k
		}
	}
	return ""
}

func (t *transformer) directive(n *node, key, path, dir string) (*node, bool, error) {
	fail := func(format string, args ...any) (*node, bool, error) {
		return nil, false, &Error{Pos: n.pos, Key: path, Message: fmt.Sprintf(format, args...)}
	}
	if len(n.keys) != 1 {
		return fail("include key %s should not have adjacent keys", key)
	}
	arg := n.fields[key]
	if arg.kind != kindString {
		return fail("%s include value is not a string", key)
	}
	value, ok := substitute(arg.text, t.env)
	if !ok {
		return fail("%s substitution value was undefined", key)
	}
	switch key {
	case directiveFile:
		b, err := os.ReadFile(resolvePath(dir, value))
		if err != nil {
			return fail("failed to read file %s, %v", value, err)
		}
		text := strings.TrimRightFunc(string(b), unicode.IsSpace)
		return &node{kind: kindString, text: text, pos: n.pos}, true, nil
	case directiveEnv:
		v, ok := t.env(value)
		if !ok {
			return nil, false, nil
		}
		return &node{kind: kindString, text: v, pos: n.pos}, true, nil
	}
	return t.include(n, value, path, dir)
}

// include reads "file[#a.b]" relative to dir and transforms the selected
// value relative to the included file's own directory.
func (t *transformer) include(n *node, value, path, dir string) (*node, bool, error) {
	fail := func(format string, args ...any) (*node, bool, error) {
		return nil, false, &Error{Pos: n.pos, Key: path, Message: fmt.Sprintf(format, args...)}
	}
	file, sub, _ := strings.Cut(value, "#")
	switch filepath.Ext(file) {
	case ".yaml", ".yml", ".json":
	default:
		return fail("no configuration parser available for included file %s", file)
	}
	full := resolvePath(dir, file)
	abs, err := filepath.Abs(full)
	if err != nil {
		return fail("failed to resolve included file %s, %v", file, err)
	}
	for i, f := range t.chain {
		if f.abs == abs {
			var cycle []string
			for _, c := range t.chain[i:] {
				cycle = append(cycle, c.path)
			}
			return fail("include cycle: %s", strings.Join(append(cycle, full), " -> "))
		}
	}
	data, err := os.ReadFile(full)
	if err != nil {
		return fail("failed to read included file %s, %v", file, err)
	}
	v, err := parseYAML(data, full)
	if err != nil {
		return fail("failed to parse included file %s, %v", file, err)
	}
	if sub != "" {
		parts := strings.Split(sub, ".")
		for i, part := range parts {
			if v == nil || v.kind != kindObject {
				return fail("value at '%s' in included file %s is not an object", strings.Join(parts[:i], "."), file)
			}
			v = v.fields[part]
		}
	}
	if v == nil {
		return nil, false, nil
	}
	// The inserted value sits where the directive was written; its members
	// keep their places in the included file.
	root := *v
	root.pos = n.pos
	t.chain = append(t.chain, includedFile{abs: abs, path: full})
	defer func() { t.chain = t.chain[:len(t.chain)-1] }()
	return t.transform(&root, path, filepath.Dir(full))
}

// resolvePath resolves p against dir unless it is absolute.
func resolvePath(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}
