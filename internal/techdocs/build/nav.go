package build

import (
	"path"
	"strings"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/techdocs/mkdocs"
)

// navNode is an entry of the site nav: a page, a link or a section.
type navNode struct {
	// title is the nav's title; empty for a page means the page's own.
	title    string
	page     *page
	url      string
	children []*navNode
	section  bool
	// label and href are the escaped title and root-relative link; first
	// is a section's first page.
	label, href string
	first       *page
}

// buildNav resolves the nav of mkdocs.yml against the pages, or builds
// one from the folder structure, and links pages to their neighbours.
func (b *builder) buildNav() error {
	if b.cfg.Nav != nil {
		nodes, err := b.navFromConfig(b.cfg.Nav)
		if err != nil {
			return err
		}
		b.nav = nodes
	} else {
		b.nav = b.navFromFiles()
	}
	seen := map[*page]bool{}
	var walk func(nodes []*navNode, anc []*navNode)
	walk = func(nodes []*navNode, anc []*navNode) {
		for _, n := range nodes {
			switch {
			case n.section:
				walk(n.children, append(anc[:len(anc):len(anc)], n))
			case n.page != nil && !seen[n.page]:
				seen[n.page] = true
				n.page.ancestors = anc
				if n.title != "" && n.page.navTitle == "" {
					n.page.navTitle = n.title
				}
				b.order = append(b.order, n.page)
			}
		}
	}
	walk(b.nav, nil)
	for i, p := range b.order {
		if i > 0 {
			p.prev = b.order[i-1]
		}
		if i+1 < len(b.order) {
			p.next = b.order[i+1]
		}
	}
	return nil
}

func (b *builder) navFromConfig(items []mkdocs.NavItem) ([]*navNode, error) {
	out := make([]*navNode, 0, len(items))
	for _, it := range items {
		switch {
		case it.Section:
			children, err := b.navFromConfig(it.Children)
			if err != nil {
				return nil, err
			}
			out = append(out, &navNode{title: it.Title, section: true, children: children})
		case it.URL != "":
			title := it.Title
			if title == "" {
				title = it.URL
			}
			out = append(out, &navNode{title: title, url: it.URL})
		case b.bySrc[it.Path] != nil:
			out = append(out, &navNode{title: it.Title, page: b.bySrc[it.Path]})
		case b.isFile[it.Path]:
			// A file that is not a page: a link to it, as MkDocs makes.
			title := it.Title
			if title == "" {
				title = path.Base(it.Path)
			}
			out = append(out, &navNode{title: title, url: it.Path})
		default:
			return nil, problem.Input("%s: nav: %q does not exist in docs_dir %q", it.At, it.Path, b.cfg.DocsDir)
		}
	}
	return out, nil
}

// navFromFiles nests the pages by folder, as MkDocs does without a nav.
func (b *builder) navFromFiles() []*navNode {
	root := &navNode{section: true}
	sections := map[string]*navNode{"": root}
	var section func(dir string) *navNode
	section = func(dir string) *navNode {
		if s, ok := sections[dir]; ok {
			return s
		}
		parentDir := path.Dir(dir)
		if parentDir == "." {
			parentDir = ""
		}
		parent := section(parentDir)
		s := &navNode{title: dirTitle(path.Base(dir)), section: true}
		parent.children = append(parent.children, s)
		sections[dir] = s
		return s
	}
	for _, p := range b.pages {
		dir := path.Dir(p.src)
		if dir == "." {
			dir = ""
		}
		s := section(dir)
		s.children = append(s.children, &navNode{page: p})
	}
	return root.children
}

// dirTitle is MkDocs' title for a folder or file name: separators become
// spaces, and an all-lower-case name is capitalised.
func dirTitle(name string) string {
	t := strings.NewReplacer("-", " ", "_", " ").Replace(name)
	if strings.ToLower(t) == t && t != "" {
		t = strings.ToUpper(t[:1]) + t[1:]
	}
	return t
}

// resolveTitles gives every page its title: the nav's, the front matter's,
// the level-1 heading that opens it, "Home" for the home page, else one
// made from the file name.
func (b *builder) resolveTitles() {
	for _, p := range b.pages {
		switch meta, _ := p.res.Meta["title"].(string); {
		case p.navTitle != "":
			p.title = p.navTitle
		case meta != "":
			p.title = meta
		case p.res.Title != "":
			p.title = p.res.Title
		case p.src == "index.md" || p.src == "README.md":
			p.title = "Home"
		case isIndex(p.src):
			p.title = "Index"
		default:
			p.title = dirTitle(strings.TrimSuffix(path.Base(p.src), path.Ext(p.src)))
		}
	}
}
