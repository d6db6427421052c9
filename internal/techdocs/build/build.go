package build

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/techdocs/markdown"
	"github.com/callboard/callboard/internal/techdocs/mkdocs"
)

// Options adjusts a build.
type Options struct {
	// SiteName is the site_name used when the source has no mkdocs.yml
	// (TechDocs writes a default one with the entity's title or name).
	SiteName string
	// RepoURL and EditURI are used when mkdocs.yml sets no repo_url or
	// edit_uri of its own (TechDocs derives them from the entity's source
	// location).
	RepoURL, EditURI string
	// Etag is recorded in techdocs_metadata.json (the commit or HTTP ETag
	// the source was read at).
	Etag string
	// Mermaid is the URL of the mermaid script (techdocs.mermaid.scriptUrl)
	// pages with diagrams load; "" shows mermaid as highlighted source.
	Mermaid string
	// Dot lays out dot fences; nil uses markdown.Graphviz. A process that
	// already lays out graphs with go-graphviz elsewhere must pass a
	// renderer that shares that engine's turns.
	Dot markdown.DotRenderer
	// Logger receives build warnings; nil discards them.
	Logger *slog.Logger
	// Workers bounds how many pages are rendered at once; 0 means
	// GOMAXPROCS.
	Workers int
}

// Result describes a finished build.
type Result struct {
	Pages int
	// Files are the files written, relative to the output directory,
	// slash-separated and sorted (the metadata's file list).
	Files    []string
	Warnings []string
	Metadata Metadata
}

// Metadata is techdocs_metadata.json.
type Metadata struct {
	SiteName        string   `json:"site_name"`
	SiteDescription string   `json:"site_description"`
	Etag            string   `json:"etag"`
	BuildTimestamp  int64    `json:"build_timestamp"`
	Files           []string `json:"files,omitempty"`
}

// Build builds the TechDocs site whose source (mkdocs.yml and docs_dir) is
// srcDir into outDir. outDir is created, or emptied as MkDocs does (dot
// files are kept); it must not hold the source.
func Build(ctx context.Context, srcDir, outDir string, o Options) (*Result, error) {
	start := time.Now()
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	src, err := filepath.Abs(srcDir)
	if err != nil {
		return nil, fmt.Errorf("source directory: %w", err)
	}
	out, err := filepath.Abs(outDir)
	if err != nil {
		return nil, fmt.Errorf("output directory: %w", err)
	}
	if st, err := os.Stat(src); err != nil || !st.IsDir() {
		return nil, problem.Input("source directory %s does not exist or is not a directory", srcDir)
	}
	cfg, cfgWarns, err := mkdocs.Load(src, mkdocs.Options{SiteName: o.SiteName, RepoURL: o.RepoURL, EditURI: o.EditURI})
	if err != nil {
		return nil, err
	}
	b := &builder{o: o, log: log, src: src, out: out, cfg: cfg}
	for _, w := range cfgWarns {
		b.warn(w.String())
	}
	for _, ext := range cfg.MarkdownExtensions {
		if !supportedExtension(ext.Name) {
			b.warn(fmt.Sprintf("%s: markdown extension %q is not supported by Callboard's builder; ignored", ext.At, ext.Name))
		}
	}
	if err := b.scan(); err != nil {
		return nil, err
	}
	if err := b.buildNav(); err != nil {
		return nil, err
	}
	b.gitTimes(ctx)
	b.md = markdown.New(b.markdownOptions())
	if err := prepareOutput(out, src, b.docs); err != nil {
		return nil, err
	}
	if err := b.renderAll(ctx); err != nil {
		return nil, err
	}
	b.resolveTitles()
	b.prepareNav()
	if err := b.writeAll(ctx); err != nil {
		return nil, err
	}
	res, err := b.finish()
	if err != nil {
		return nil, err
	}
	log.Info("techdocs site built", "pages", res.Pages, "files", len(res.Files), "warnings", len(res.Warnings), "duration", time.Since(start))
	return res, nil
}

// builder holds one build.
type builder struct {
	o   Options
	log *slog.Logger
	// src, out and docs are absolute.
	src, out, docs string
	cfg            *mkdocs.Config
	md             *markdown.Renderer

	pages  []*page // in MkDocs' file order
	bySrc  map[string]*page
	assets []string // slash paths relative to docs
	isFile map[string]bool
	// folders maps a folder ("" or "a/") to its index page.
	folders map[string]*page
	nav     []*navNode
	// prune lists only the sections around each page in its nav.
	prune bool
	// order is the pages of the nav, in order, for previous/next.
	order []*page

	warnings []string
	written  []string
}

func (b *builder) warn(msg string) {
	b.warnings = append(b.warnings, msg)
	b.log.Warn("techdocs build warning", "warning", msg)
}

func (b *builder) workers() int {
	if b.o.Workers > 0 {
		return b.o.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// supportedExtension lists the markdown extensions whose behaviour this
// builder provides (mostly always on, as mkdocs-techdocs-core enables
// them).
func supportedExtension(name string) bool {
	switch name {
	case "admonition", "toc", "tables", "fenced_code", "footnotes", "def_list", "abbr", "attr_list", "codehilite",
		"meta", "extra", "pymdownx.details", "pymdownx.emoji", "pymdownx.superfences", "pymdownx.highlight",
		"pymdownx.extra", "pymdownx.tabbed", "pymdownx.tasklist", "pymdownx.magiclink", "pymdownx.snippets":
		return true
	}
	return false
}

func (b *builder) markdownOptions() markdown.Options {
	mo := markdown.Options{Mermaid: b.o.Mermaid != "", Dot: b.o.Dot}
	if mo.Dot == nil {
		mo.Dot = markdown.Graphviz{}
	}
	if ext, ok := b.cfg.Extension(mkdocs.Snippets); ok {
		bases, check := ext.SnippetBasePaths()
		sn := &markdown.Snippets{Root: b.src, CheckPaths: check}
		for _, base := range bases {
			sn.Bases = append(sn.Bases, filepath.Join(b.src, filepath.FromSlash(base)))
		}
		mo.Snippets = sn
	}
	return mo
}

// goUnlessDone runs fn on g, unless ctx (g's) is done by the time a
// worker is free: once one task fails, those still waiting skip their
// work.
func goUnlessDone(ctx context.Context, g *errgroup.Group, fn func() error) {
	g.Go(func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return fn()
	})
}

// renderAll renders every page's Markdown on a bounded pool.
func (b *builder) renderAll(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(b.workers())
	for _, p := range b.pages {
		goUnlessDone(ctx, g, func() error { return b.render(ctx, p) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for _, p := range b.pages {
		for _, w := range p.res.Warnings {
			b.warn(w)
		}
	}
	return nil
}

func (b *builder) render(ctx context.Context, p *page) error {
	data, err := os.ReadFile(filepath.Join(b.docs, filepath.FromSlash(p.src)))
	if err != nil {
		return fmt.Errorf("read %s: %w", b.name(p.src), err)
	}
	res, err := b.md.Render(ctx, markdown.Page{Name: b.name(p.src), Source: data, Link: b.linker(p)})
	if err != nil {
		return err
	}
	p.res = res
	return nil
}

// name is how messages name a file of docs_dir: relative to the source
// directory.
func (b *builder) name(src string) string {
	if b.cfg.DocsDir == "." {
		return src
	}
	return b.cfg.DocsDir + "/" + src
}

// writeAll writes the pages and copies the assets on a bounded pool.
func (b *builder) writeAll(ctx context.Context) error {
	// Folders are made once, before the files, rather than by each write.
	dirs := map[string]bool{}
	for _, p := range b.pages {
		dirs[path.Dir(p.out)] = true
	}
	for _, a := range b.assets {
		dirs[path.Dir(a)] = true
	}
	for d := range dirs {
		if err := os.MkdirAll(filepath.Join(b.out, filepath.FromSlash(d)), 0o755); err != nil {
			return fmt.Errorf("write site: %w", err)
		}
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(b.workers())
	for _, p := range b.pages {
		goUnlessDone(ctx, g, func() error { return b.writePage(p) })
	}
	for _, a := range b.assets {
		goUnlessDone(ctx, g, func() error {
			return copyFile(filepath.Join(b.docs, filepath.FromSlash(a)), filepath.Join(b.out, filepath.FromSlash(a)))
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for _, p := range b.pages {
		b.written = append(b.written, p.out)
	}
	b.written = append(b.written, b.assets...)
	return nil
}
