package markdown

import (
	"regexp"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Node kinds of this package's container blocks.
var (
	KindAdmonition = ast.NewNodeKind("Admonition")
	KindTab        = ast.NewNodeKind("Tab")
	KindTabSet     = ast.NewNodeKind("TabSet")
)

// Admonition is a call-out ("!!! note") or, when Collapsible, a
// pymdownx.details block ("??? note").
type Admonition struct {
	ast.BaseBlock
	// Classes are the words after the marker: the type, then modifiers
	// such as "inline end".
	Classes []string
	// Title is shown above the body; NoTitle is set for an explicit "".
	Title       string
	NoTitle     bool
	Collapsible bool
	Open        bool
}

// Kind implements ast.Node.
func (*Admonition) Kind() ast.NodeKind { return KindAdmonition }

// Dump implements ast.Node.
func (n *Admonition) Dump(src []byte, level int) {
	ast.DumpHelper(n, src, level, map[string]string{"Classes": strings.Join(n.Classes, " "), "Title": n.Title}, nil)
}

// Tab is one tab of a tabbed set ("=== "Title"").
type Tab struct {
	ast.BaseBlock
	Title    string
	Selected bool
	// NewSet starts a new set even right after another tab ("===!").
	NewSet bool
	// Set and Index number the tab within the page, once grouped.
	Set, Index int
	Checked    bool
}

// Kind implements ast.Node.
func (*Tab) Kind() ast.NodeKind { return KindTab }

// Dump implements ast.Node.
func (n *Tab) Dump(src []byte, level int) {
	ast.DumpHelper(n, src, level, map[string]string{"Title": n.Title}, nil)
}

// TabSet groups consecutive tabs.
type TabSet struct {
	ast.BaseBlock
	Number int
}

// Kind implements ast.Node.
func (*TabSet) Kind() ast.NodeKind { return KindTabSet }

// Dump implements ast.Node.
func (n *TabSet) Dump(src []byte, level int) { ast.DumpHelper(n, src, level, nil, nil) }

type containerKind int

const (
	admonitionKind containerKind = iota
	detailsKind
	tabKind
)

var (
	// "!!! type [modifiers] ["title"]" — Python-Markdown's admonition.
	admonitionRE = regexp.MustCompile(`^!!![ \t]*([\w-]+(?:[ \t]+[\w-]+)*)(?:[ \t]+"(.*)")?[ \t]*$`)
	// "???[+] [type [modifiers]] ["title"]" — pymdownx.details.
	detailsRE = regexp.MustCompile(`^\?\?\?(\+)?[ \t]*([\w-]+(?:[ \t]+[\w-]+)*)?(?:[ \t]*"(.*)")?[ \t]*$`)
	// "===[+!] "title"" — pymdownx.tabbed.
	tabRE = regexp.MustCompile(`^===([+!]{0,2})[ \t]+"(.*)"[ \t]*$`)
)

// containerParser parses the blocks whose first line is a marker and
// whose body is indented by four spaces.
type containerParser struct{ kind containerKind }

var _ parser.BlockParser = containerParser{}

func (p containerParser) Trigger() []byte {
	switch p.kind {
	case detailsKind:
		return []byte{'?'}
	case tabKind:
		return []byte{'='}
	}
	return []byte{'!'}
}

// header parses a marker line.
func (p containerParser) header(line string) ast.Node {
	switch p.kind {
	case admonitionKind:
		m := admonitionRE.FindStringSubmatch(line)
		if m == nil {
			return nil
		}
		n := &Admonition{Classes: strings.Fields(strings.ToLower(m[1]))}
		n.setTitle(line, m[2], strings.Contains(line, `"`))
		return n
	case detailsKind:
		m := detailsRE.FindStringSubmatch(line)
		if m == nil || (m[2] == "" && !strings.Contains(line, `"`)) {
			return nil
		}
		n := &Admonition{Classes: strings.Fields(strings.ToLower(m[2])), Collapsible: true, Open: m[1] == "+"}
		n.setTitle(line, m[3], strings.Contains(line, `"`))
		return n
	default:
		m := tabRE.FindStringSubmatch(line)
		if m == nil {
			return nil
		}
		return &Tab{Title: m[2], Selected: strings.Contains(m[1], "+"), NewSet: strings.Contains(m[1], "!")}
	}
}

// setTitle applies a quoted title, or the capitalised type without one.
func (n *Admonition) setTitle(line, title string, quoted bool) {
	switch {
	case quoted && title == "":
		n.NoTitle = !n.Collapsible
		if n.Collapsible {
			n.Title = defaultTitle(n.Classes)
		}
	case quoted:
		n.Title = title
	default:
		n.Title = defaultTitle(n.Classes)
	}
}

func defaultTitle(classes []string) string {
	if len(classes) == 0 || classes[0] == "" {
		return "Details"
	}
	return strings.ToUpper(classes[0][:1]) + classes[0][1:]
}

func (p containerParser) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	line, seg := reader.PeekLine()
	indent, pos := util.IndentWidth(line, reader.LineOffset())
	if indent > 3 {
		return nil, parser.NoChildren
	}
	n := p.header(strings.TrimRight(string(line[pos:]), "\r\n"))
	if n == nil {
		return nil, parser.NoChildren
	}
	reader.Advance(seg.Len() - 1)
	return n, parser.NoChildren
}

// Continue keeps lines indented by four or more columns (with the
// indentation removed) and blank lines.
func (p containerParser) Continue(node ast.Node, reader text.Reader, pc parser.Context) parser.State {
	line, _ := reader.PeekLine()
	if util.IsBlank(line) {
		reader.AdvanceToEOL()
		return parser.Continue | parser.HasChildren
	}
	indent, _ := util.IndentWidth(line, reader.LineOffset())
	if indent < 4 {
		return parser.Close
	}
	pos, padding := util.IndentPosition(line, reader.LineOffset(), 4)
	reader.AdvanceAndSetPadding(pos, padding)
	return parser.Continue | parser.HasChildren
}

func (p containerParser) Close(node ast.Node, reader text.Reader, pc parser.Context) {}

func (p containerParser) CanInterruptParagraph() bool { return true }

func (p containerParser) CanAcceptIndentedLine() bool { return false }

// tabSetTransformer groups consecutive tabs into sets and numbers them.
type tabSetTransformer struct{}

func (tabSetTransformer) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	var tabs []*Tab
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if t, ok := n.(*Tab); ok && entering {
			tabs = append(tabs, t)
		}
		return ast.WalkContinue, nil
	})
	sets := 0
	for _, t := range tabs {
		if t.Parent() == nil || t.Set != 0 {
			continue
		}
		sets++
		set := &TabSet{Number: sets}
		parent := t.Parent()
		parent.InsertBefore(parent, t, set)
		var members []*Tab
		for cur := ast.Node(t); cur != nil; {
			tab, ok := cur.(*Tab)
			if !ok || (len(members) > 0 && tab.NewSet) {
				break
			}
			next := cur.NextSibling()
			parent.RemoveChild(parent, cur)
			set.AppendChild(set, cur)
			members = append(members, tab)
			cur = next
		}
		checked := 0
		for i, m := range members {
			m.Set, m.Index = sets, i+1
			if m.Selected && checked == 0 {
				checked = i + 1
			}
		}
		if checked == 0 {
			checked = 1
		}
		members[checked-1].Checked = true
	}
}
