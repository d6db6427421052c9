package mkdocs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	yaml "go.yaml.in/yaml/v4"

	"github.com/callboard/callboard/internal/problem"
)

// configNames are the file names MkDocs reads, in TechDocs' order of
// preference.
var configNames = []string{"mkdocs.yaml", "mkdocs.yml"}

// maxInherit bounds INHERIT chains; a longer one is almost surely a loop.
const maxInherit = 10

// maxConfigBytes bounds a configuration file.
const maxConfigBytes = 4 << 20

// Load reads and sanitises the MkDocs configuration of the source
// directory srcDir. Without a configuration file it returns TechDocs'
// default one.
func Load(srcDir string, o Options) (*Config, []Warning, error) {
	var found []string
	for _, name := range configNames {
		st, err := os.Lstat(filepath.Join(srcDir, name))
		if err == nil && (st.Mode().IsRegular() || st.Mode()&fs.ModeSymlink != 0) {
			found = append(found, name)
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("read mkdocs configuration: %w", err)
		}
	}
	if len(found) == 0 {
		return Default(o), nil, nil
	}
	var warns []Warning
	if len(found) > 1 {
		warns = append(warns, Warning{File: found[0], Message: "both mkdocs.yaml and mkdocs.yml exist; using mkdocs.yaml"})
	}
	l := &loader{read: dirReader(srcDir)}
	t, err := l.tree(found[0], 0)
	if err != nil {
		return nil, nil, err
	}
	c, more, err := decode(t, found[0], o)
	return c, append(warns, more...), err
}

// Parse sanitises the configuration in data, read from file. INHERIT is
// an error here, as there is no directory to read the parent from.
func Parse(file string, data []byte, o Options) (*Config, []Warning, error) {
	l := &loader{read: func(name string) ([]byte, error) {
		if name == file {
			return data, nil
		}
		return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
	}}
	t, err := l.tree(file, 0)
	if err != nil {
		return nil, nil, err
	}
	return decode(t, file, o)
}

// Default returns the configuration TechDocs writes for a source without
// one.
func Default(o Options) *Config {
	name := o.SiteName
	if name == "" {
		name = DefaultSiteName
	}
	c := &Config{SiteName: name, DocsDir: "docs", UseDirectoryURLs: true, Plugins: []Plugin{{Name: "techdocs-core"}}, Lines: map[string]string{}}
	c.RepoURL = o.RepoURL
	if o.EditURI != "" {
		c.EditURI = withSlash(o.EditURI)
	}
	c.setRepoDefaults(o.EditURI != "")
	return c
}

// dirReader reads configuration files inside dir, refusing any that
// leaves it, through ".." or a symbolic link.
func dirReader(dir string) func(name string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		root, err := filepath.EvalSymlinks(dir)
		if err != nil {
			return nil, fmt.Errorf("read mkdocs configuration: %w", err)
		}
		real, err := filepath.EvalSymlinks(filepath.Join(root, filepath.FromSlash(name)))
		if err != nil {
			return nil, fmt.Errorf("read mkdocs configuration %s: %w", name, err)
		}
		if !Inside(root, real) {
			return nil, problem.Input("%s: the file leaves the source directory", name)
		}
		f, err := os.Open(real)
		if err != nil {
			return nil, fmt.Errorf("read mkdocs configuration %s: %w", name, err)
		}
		defer func() { _ = f.Close() }()
		data, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
		if err != nil {
			return nil, fmt.Errorf("read mkdocs configuration %s: %w", name, err)
		}
		if len(data) > maxConfigBytes {
			return nil, problem.Input("%s: larger than %d bytes", name, maxConfigBytes)
		}
		return data, nil
	}
}

// Inside reports whether path is dir or below it; both must be clean and
// absolute (or both relative to the same place).
func Inside(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// tree is a parsed configuration after INHERIT: its top-level mapping and,
// for each top-level key, the file that defined it.
type tree struct {
	root  *yaml.Node
	files map[string]string
}

type loader struct {
	read func(name string) ([]byte, error)
}

// tree reads name (slash-separated, relative to the source directory) and
// the chain of files it inherits from.
func (l *loader) tree(name string, depth int) (*tree, error) {
	if depth > maxInherit {
		return nil, problem.Input("%s: INHERIT chain longer than %d files (a loop?)", name, maxInherit)
	}
	data, err := l.read(name)
	if err != nil {
		return nil, err
	}
	root, err := parseMapping(name, data)
	if err != nil {
		return nil, err
	}
	t := &tree{root: root, files: map[string]string{}}
	for i := 0; i+1 < len(root.Content); i += 2 {
		t.files[root.Content[i].Value] = name
	}
	at := -1
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "INHERIT" {
			at = i
		}
	}
	if at < 0 {
		return t, nil
	}
	key, val := root.Content[at], root.Content[at+1]
	root.Content = append(root.Content[:at:at], root.Content[at+2:]...)
	delete(t.files, "INHERIT")
	parentName, err := scalarString(val)
	if err != nil || parentName == "" {
		return nil, problem.Input("%s:%d: INHERIT must name a file", name, key.Line)
	}
	if filepath.IsAbs(parentName) || path.IsAbs(parentName) {
		return nil, problem.Input("%s:%d: INHERIT %q must be a path relative to the file", name, key.Line, parentName)
	}
	joined := path.Join(path.Dir(name), filepath.ToSlash(parentName))
	if joined == ".." || strings.HasPrefix(joined, "../") {
		return nil, problem.Input("%s:%d: INHERIT %q leaves the source directory", name, key.Line, parentName)
	}
	parent, err := l.tree(joined, depth+1)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, problem.Input("%s:%d: INHERIT %q: no such file", name, key.Line, parentName).WithCause(err)
		}
		return nil, err
	}
	for k, f := range t.files {
		parent.files[k] = f
	}
	parent.root = mergeMappings(parent.root, t.root)
	return parent, nil
}

// parseMapping parses a single YAML document whose root is a mapping (an
// empty document is an empty mapping).
func parseMapping(name string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}, nil
		}
		return nil, yamlError(name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, yamlError(name, err)
		}
		return nil, problem.Input("%s:%d: expected a single YAML document, found another", name, extra.Line)
	}
	root := &doc
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}, nil
		}
		root = doc.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, problem.Input("%s:%d: expected a mapping of settings at the top level", name, root.Line)
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i]
		if k.Kind != yaml.ScalarNode {
			return nil, problem.Input("%s:%d: a setting name must be a plain string", name, k.Line)
		}
		if first, ok := seen[k.Value]; ok {
			return nil, problem.Input("%s:%d: %s is already set at line %d", name, k.Line, k.Value, first)
		}
		seen[k.Value] = k.Line
	}
	return root, nil
}

// mergeMappings returns parent overridden by child: mappings present in
// both are merged recursively, any other value of child replaces parent's
// (MkDocs' INHERIT semantics).
func mergeMappings(parent, child *yaml.Node) *yaml.Node {
	out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: parent.Line, Column: parent.Column}
	childAt := map[string]int{}
	for i := 0; i+1 < len(child.Content); i += 2 {
		childAt[child.Content[i].Value] = i
	}
	used := map[string]bool{}
	for i := 0; i+1 < len(parent.Content); i += 2 {
		k, v := parent.Content[i], parent.Content[i+1]
		j, ok := childAt[k.Value]
		if !ok {
			out.Content = append(out.Content, k, v)
			continue
		}
		used[k.Value] = true
		ck, cv := child.Content[j], child.Content[j+1]
		if pv, cvr := deref(v), deref(cv); pv.Kind == yaml.MappingNode && cvr.Kind == yaml.MappingNode {
			out.Content = append(out.Content, ck, mergeMappings(pv, cvr))
		} else {
			out.Content = append(out.Content, ck, cv)
		}
	}
	for i := 0; i+1 < len(child.Content); i += 2 {
		if !used[child.Content[i].Value] {
			out.Content = append(out.Content, child.Content[i], child.Content[i+1])
		}
	}
	return out
}

// yamlError names the file and line of a YAML syntax error.
func yamlError(name string, err error) error {
	var le *yaml.LoadError
	if errors.As(err, &le) && le.Mark.Line > 0 {
		return problem.Input("%s:%d: %s", name, le.Mark.Line, le.Message).WithCause(err)
	}
	return problem.Input("%s: %v", name, err).WithCause(err)
}
