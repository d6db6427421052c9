package markdown

import (
	"bytes"
	"context"
	"fmt"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	emoji "github.com/yuin/goldmark-emoji"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	"go.abhg.dev/goldmark/frontmatter"
	"go.abhg.dev/goldmark/mermaid"
)

// DotRenderer lays a Graphviz DOT graph out as an inline <svg> element.
type DotRenderer interface {
	SVG(ctx context.Context, dot string) ([]byte, error)
}

// Options configures a Renderer for a whole site.
type Options struct {
	// Mermaid renders mermaid fences as <pre class="mermaid"> for a mermaid
	// script the page loads; without it they are shown as source.
	Mermaid bool
	// Dot lays out dot and graphviz fences; nil shows them as source.
	Dot DotRenderer
	// Snippets enables pymdownx.snippets; nil leaves "--8<--" lines as
	// written, as MkDocs does without the extension.
	Snippets *Snippets
}

// Page is one Markdown page to render.
type Page struct {
	// Name names the page in messages, such as "docs/guide/intro.md".
	Name   string
	Source []byte
	// Link maps a relative link or image destination to its URL in the
	// built site; ok is false for a target that does not exist, which is
	// reported as a warning and left as written. Nil leaves links alone.
	Link func(dest string) (url string, ok bool)
}

// Heading is a heading of a page, for its table of contents.
type Heading struct {
	Level int
	ID    string
	Title string
}

// Section is the text under one heading, for the search index.
type Section struct {
	ID, Title, Text string
}

// Result is a rendered page.
type Result struct {
	// HTML is the sanitised article body.
	HTML []byte
	// Title is the text of the first heading when it is a level-1 heading
	// opening the page, else empty.
	Title string
	// Meta is the page's front matter.
	Meta     map[string]any
	Headings []Heading
	// Text is the whole page as plain text; Sections splits it by heading.
	Text     string
	Sections []Section
	// Warnings name the page and line: broken links, failed diagrams,
	// missing snippets.
	Warnings []string
	// Mermaid is true when the page has mermaid diagrams to draw.
	Mermaid bool
}

// Renderer renders pages; it is safe for concurrent use.
type Renderer struct {
	o      Options
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// New returns a Renderer.
func New(o Options) *Renderer {
	exts := []goldmark.Extender{
		extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
		extension.Strikethrough,
		extension.Linkify,
		extension.TaskList,
		extension.Footnote,
		extension.DefinitionList,
		emoji.Emoji,
		&frontmatter.Extender{},
		blocks{},
	}
	if o.Mermaid {
		exts = append(exts, &mermaid.Extender{RenderMode: mermaid.RenderModeClient, NoScript: true})
	}
	md := goldmark.New(
		goldmark.WithExtensions(exts...),
		goldmark.WithRendererOptions(html.WithUnsafe()),
	)
	return &Renderer{o: o, md: md, policy: newPolicy()}
}

// blocks adds this package's parsers, transformers and renderers.
type blocks struct{}

func (blocks) Extend(md goldmark.Markdown) {
	md.Parser().AddOptions(
		parser.WithBlockParsers(
			util.Prioritized(containerParser{kind: admonitionKind}, 90),
			util.Prioritized(containerParser{kind: detailsKind}, 90),
			util.Prioritized(containerParser{kind: tabKind}, 90),
			util.Prioritized(abbrParser{}, 90),
		),
		parser.WithASTTransformers(
			util.Prioritized(attrListTransformer{}, 10),
			util.Prioritized(alertTransformer{}, 15),
			util.Prioritized(headingIDTransformer{}, 20),
			util.Prioritized(tabSetTransformer{}, 30),
			util.Prioritized(abbrTransformer{}, 40),
			util.Prioritized(linkTransformer{}, 50),
			util.Prioritized(dotTransformer{}, 60),
		),
	)
	md.Renderer().AddOptions(renderer.WithNodeRenderers(
		util.Prioritized(blockRenderer{}, 100),
		util.Prioritized(codeRenderer{}, 100),
	))
}

// stateKey holds the *state of the page being parsed.
var stateKey = parser.NewContextKey()

// state is what the transformers of one page share.
type state struct {
	ctx      context.Context
	page     *Page
	dot      DotRenderer
	source   []byte
	warnings []string
}

func (s *state) warnAt(offset int, format string, args ...any) {
	s.warnings = append(s.warnings, fmt.Sprintf("%s:%d: %s", s.page.Name, lineOf(s.source, offset), fmt.Sprintf(format, args...)))
}

func stateOf(pc parser.Context) *state {
	s, _ := pc.Get(stateKey).(*state)
	return s
}

// lineOf returns the 1-based line of a byte offset.
func lineOf(src []byte, offset int) int {
	if offset > len(src) {
		offset = len(src)
	}
	if offset < 0 {
		offset = 0
	}
	return bytes.Count(src[:offset], []byte{'\n'}) + 1
}

// Render renders one page.
func (r *Renderer) Render(ctx context.Context, p Page) (*Result, error) {
	src := p.Source
	st := &state{ctx: ctx, page: &p, dot: r.o.Dot}
	if r.o.Snippets != nil {
		var err error
		src, err = r.o.Snippets.expand(p.Name, src, &st.warnings)
		if err != nil {
			return nil, err
		}
	}
	st.source = src
	pc := parser.NewContext()
	pc.Set(stateKey, st)
	doc := r.md.Parser().Parse(text.NewReader(src), parser.WithContext(pc))
	res := &Result{}
	if fm := frontmatter.Get(pc); fm != nil {
		var meta map[string]any
		if err := fm.Decode(&meta); err != nil {
			st.warnings = append(st.warnings, fmt.Sprintf("%s:1: front matter: %v", p.Name, err))
		}
		res.Meta = meta
	}
	res.Headings, res.Title = headings(doc, src)
	res.Mermaid = hasKind(doc, mermaid.Kind)
	var buf bytes.Buffer
	if err := r.md.Renderer().Render(&buf, src, doc); err != nil {
		return nil, fmt.Errorf("render %s: %w", p.Name, err)
	}
	res.HTML = r.policy.SanitizeBytes(buf.Bytes())
	res.Text, res.Sections = searchText(res.HTML)
	res.Warnings = st.warnings
	return res, nil
}

// hasKind reports whether the tree holds a node of kind k.
func hasKind(doc ast.Node, k ast.NodeKind) bool {
	found := false
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering && n.Kind() == k {
			found = true
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	return found
}

// Sanitize passes an HTML fragment from the site's configuration (such as
// its copyright line) through the pages' allow-list.
func (r *Renderer) Sanitize(html string) string { return r.policy.Sanitize(html) }
