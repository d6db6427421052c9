package actions

import (
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder/nunjucks"
	"github.com/callboard/callboard/plugin"
)

// templateInput is the input of the templating actions; each uses a
// subset.
type templateInput struct {
	URL                   string         `json:"url"`
	SourcePath            string         `json:"sourcePath"`
	TargetPath            string         `json:"targetPath"`
	Values                map[string]any `json:"values"`
	CopyWithoutTemplating []string       `json:"copyWithoutTemplating"`
	CopyWithoutRender     []string       `json:"copyWithoutRender"`
	CookiecutterCompat    bool           `json:"cookiecutterCompat"`
	TemplateFileExtension any            `json:"templateFileExtension"`
	Replace               bool           `json:"replace"`
	TrimBlocks            bool           `json:"trimBlocks"`
	LstripBlocks          bool           `json:"lstripBlocks"`
}

// decodeTemplateInput decodes the input, keeping values exactly as the
// engine rendered them.
func decodeTemplateInput(id string, ac *plugin.ActionContext) (templateInput, error) {
	in, err := decodeInput[templateInput](id, ac)
	if err != nil {
		return in, err
	}
	if v, ok := ac.Input["values"].(map[string]any); ok {
		in.Values = v
	}
	if in.Values == nil {
		in.Values = map[string]any{}
	}
	return in, nil
}

// renderOptions say how a skeleton becomes files.
type renderOptions struct {
	values                   map[string]any
	cookiecutter             bool
	trimBlocks, lstripBlocks bool
	// copyOnly are the copyWithoutTemplating globs, relative to the
	// skeleton's root.
	copyOnly []string
	// extension is templateFileExtension with its dot; "" renders every
	// file.
	extension string
	replace   bool
}

// options checks the copy and extension inputs the way Backstage does
// and returns the render options.
func (in templateInput) options() (renderOptions, error) {
	o := renderOptions{
		values:       in.Values,
		cookiecutter: in.CookiecutterCompat,
		trimBlocks:   in.TrimBlocks,
		lstripBlocks: in.LstripBlocks,
		replace:      in.Replace,
	}
	if in.CopyWithoutRender != nil && in.CopyWithoutTemplating != nil {
		return o, problem.Input("Fetch action input copyWithoutRender and copyWithoutTemplating can not be used at the same time")
	}
	field, patterns := "copyWithoutTemplating", in.CopyWithoutTemplating
	if in.CopyWithoutRender != nil {
		field, patterns = "copyWithoutRender", in.CopyWithoutRender
	}
	switch ext := in.TemplateFileExtension.(type) {
	case nil, bool:
		if ext == true {
			o.extension = ".njk"
		}
	case string:
		if ext != "" && !strings.HasPrefix(ext, ".") {
			ext = "." + ext
		}
		o.extension = ext
	default:
		return o, problem.Input("input templateFileExtension must be a string or true")
	}
	if o.extension != "" && (patterns != nil || in.CookiecutterCompat) {
		return o, problem.Input("Fetch action input extension incompatible with copyWithoutRender/copyWithoutTemplating and cookiecutterCompat")
	}
	for i, p := range patterns {
		p = strings.TrimPrefix(path.Clean(p), "./")
		if !doublestar.ValidatePattern(p) {
			return o, problem.Input("input %s[%d] is %q, which is not a valid glob pattern", field, i, patterns[i])
		}
		o.copyOnly = append(o.copyOnly, p)
	}
	return o, nil
}

// copiedAsIs reports whether a skeleton path matches copyWithoutTemplating:
// the path itself or one of its parent directories matches a glob.
func (o *renderOptions) copiedAsIs(p string) bool {
	for _, g := range o.copyOnly {
		for q := p; q != "."; q = path.Dir(q) {
			if ok, _ := doublestar.Match(g, q); ok {
				return true
			}
		}
	}
	return false
}

// renderer renders skeleton paths and files with one template Env.
type renderer struct {
	env  *nunjucks.Env
	ctx  map[string]any
	tags []string // the delimiters that open template syntax
}

func newRenderer(filters map[string]nunjucks.Filter, o *renderOptions) *renderer {
	opts := nunjucks.Options{TrimBlocks: o.trimBlocks, LstripBlocks: o.lstripBlocks, Filters: filters}
	r := &renderer{ctx: map[string]any{"values": o.values}, tags: []string{"${{", "{%", "{#"}}
	if o.cookiecutter {
		opts.VariableStart, opts.VariableEnd, opts.JinjaCompat = "{{", "}}", true
		r.ctx = map[string]any{"cookiecutter": o.values}
		r.tags[0] = "{{"
	}
	r.env = nunjucks.New(opts)
	return r
}

// render renders src unless it holds no template syntax at all, which is
// most paths and many files.
func (r *renderer) render(name, src string) (string, error) {
	for _, t := range r.tags {
		if strings.Contains(src, t) {
			out, err := r.env.RenderString(name, src, r.ctx)
			if err != nil {
				return "", problem.Input("rendering %v", err).WithCause(err)
			}
			return out, nil
		}
	}
	return src, nil
}

// planned is one entry to write.
type planned struct {
	from string // the skeleton path, for messages
	to   string // the output path relative to the workspace
	dir  bool
	link string
	mode fs.FileMode
	// data is the content to write; source reads it at write time for
	// files copied as they are.
	data   []byte
	source *node
	how    string // "templated" or "copied", for the log
}

// plan decides every output path and renders every templated file before
// anything is written, so a bad path or template fails the step with the
// workspace untouched. dest is the output directory relative to the
// workspace.
func plan(t *tree, src source, dest string, o *renderOptions, r *renderer) ([]planned, error) {
	var out []planned
	for i := range t.nodes {
		n := &t.nodes[i]
		name := src.name(n.path)
		templated := false
		target := n.path
		if o.extension != "" {
			if !n.dir && n.link == "" && strings.HasSuffix(target, o.extension) && len(target) > len(o.extension) {
				templated = true
				target = strings.TrimSuffix(target, o.extension)
			}
		} else {
			templated = !o.copiedAsIs(n.path)
		}
		// Paths are rendered even for files copied as they are.
		rendered, err := r.render(name+" (path)", target)
		if err != nil {
			return nil, err
		}
		if skipped(rendered) {
			continue
		}
		rel, err := childPath(filepath.FromSlash(dest), filepath.FromSlash(rendered), fmt.Sprintf("the path of skeleton file %q", name))
		if err != nil {
			return nil, err
		}
		if rel == "." {
			continue
		}
		p := planned{from: name, to: joinRel(dest, rel), dir: n.dir, link: n.link, mode: n.mode, source: n, how: "copied"}
		if !n.dir && n.link == "" && templated {
			data, err := n.content()
			if err != nil {
				return nil, fmt.Errorf("reading skeleton file %s: %w", name, err)
			}
			p.data, p.source = data, nil
			if !isBinary(data) {
				s, err := r.render(name, string(data))
				if err != nil {
					return nil, err
				}
				p.data, p.how = []byte(s), "templated"
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// skipped reports whether a rendered path drops its entry, as Backstage
// decides: it is empty, absolute, or has an empty segment.
func skipped(p string) bool {
	return p == "" || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.Contains(p, "//")
}

// writePlan writes the planned entries into the workspace. An entry whose
// path exists already is kept unless replace is set.
func writePlan(root *os.Root, dest string, entries []planned, replace bool, log *slog.Logger) (written, kept int, err error) {
	// Directories known to exist, so that each is created once.
	made := map[string]bool{}
	mkdir := func(dir string) error {
		if made[dir] {
			return nil
		}
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		for d := dir; d != "." && !made[d]; d = path.Dir(d) {
			made[d] = true
		}
		return nil
	}
	if err := mkdir(dest); err != nil {
		return 0, 0, err
	}
	for _, e := range entries {
		if e.dir {
			if err := mkdir(e.to); err != nil {
				return written, kept, fmt.Errorf("creating %s: %w", e.to, err)
			}
			continue
		}
		if err := mkdir(path.Dir(e.to)); err != nil {
			return written, kept, fmt.Errorf("creating the directory of %s: %w", e.to, err)
		}
		wrote := false
		switch {
		case e.link != "":
			var there bool
			if there, err = exists(root, e.to); err == nil && (replace || !there) {
				err, wrote = writeLink(root, e.to, e.link), true
			}
		default:
			data := e.data
			if e.source != nil {
				if data, err = e.source.content(); err != nil {
					return written, kept, fmt.Errorf("reading skeleton file %s: %w", e.from, err)
				}
			}
			wrote, err = createFile(root, e.to, data, e.mode, replace)
		}
		if err != nil {
			return written, kept, fmt.Errorf("writing %s: %w", e.to, err)
		}
		if !wrote {
			kept++
			log.Debug("Keeping existing file " + e.to)
			continue
		}
		written++
		log.Debug("Wrote "+e.to, "from", e.from, "how", e.how, "mode", fmt.Sprintf("%#o", e.mode))
	}
	return written, kept, nil
}

// name is how messages and template errors name a skeleton file.
func (s source) name(p string) string {
	if s.url != "" {
		return strings.TrimSuffix(s.url, "/") + "/" + p
	}
	return path.Join(filepath.ToSlash(s.input), p)
}

// targetInsideSource refuses an output directory inside the source
// directory on disk, whose files would be templated into themselves.
func targetInsideSource(src source, workspace, dest, targetInput string) error {
	if src.url != "" {
		return nil
	}
	srcAbs := filepath.Join(src.dir, filepath.FromSlash(src.rel))
	destAbs := filepath.Join(workspace, filepath.FromSlash(dest))
	if rel, err := filepath.Rel(srcAbs, destAbs); err == nil && (rel == "." || filepath.IsLocal(rel)) {
		return problem.Input("input \"targetPath\" %q is inside the %s being templated (%q)", targetInput, src.field, src.input)
	}
	return nil
}
