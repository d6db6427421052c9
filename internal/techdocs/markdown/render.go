package markdown

import (
	"strconv"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// blockRenderer writes this package's nodes as MkDocs' extensions do.
type blockRenderer struct{}

func (blockRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(KindAdmonition, renderAdmonition)
	reg.Register(KindTabSet, renderTabSet)
	reg.Register(KindTab, renderTab)
	reg.Register(kindAbbr, renderAbbr)
	reg.Register(kindAbbrDef, renderNothing)
	reg.Register(kindDot, renderDot)
	reg.Register(kindPermalink, renderPermalink)
}

func writeEscaped(w util.BufWriter, s string) {
	_, _ = w.Write(util.EscapeHTML([]byte(s)))
}

// closeWith writes the end tag of a container the walk is leaving.
func closeWith(w util.BufWriter, endTag string) (ast.WalkStatus, error) {
	_, _ = w.WriteString(endTag)
	return ast.WalkContinue, nil
}

func renderAdmonition(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*Admonition)
	classes := strings.Join(n.Classes, " ")
	if n.Collapsible {
		if !entering {
			return closeWith(w, "</details>\n")
		}
		_, _ = w.WriteString(`<details class="`)
		writeEscaped(w, classes)
		_, _ = w.WriteString(`"`)
		if n.Open {
			_, _ = w.WriteString(` open`)
		}
		_, _ = w.WriteString(">\n<summary>")
		writeEscaped(w, n.Title)
		_, _ = w.WriteString("</summary>\n")
		return ast.WalkContinue, nil
	}
	if !entering {
		return closeWith(w, "</div>\n")
	}
	_, _ = w.WriteString(`<div class="admonition`)
	if classes != "" {
		_, _ = w.WriteString(" ")
		writeEscaped(w, classes)
	}
	_, _ = w.WriteString("\">\n")
	if !n.NoTitle {
		_, _ = w.WriteString(`<p class="admonition-title">`)
		writeEscaped(w, n.Title)
		_, _ = w.WriteString("</p>\n")
	}
	return ast.WalkContinue, nil
}

func renderTabSet(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*TabSet)
	if !entering {
		return closeWith(w, "</div>\n")
	}
	_, _ = w.WriteString(`<div class="tabbed-set" data-tabs="`)
	_, _ = w.WriteString(strconv.Itoa(n.Number) + ":" + strconv.Itoa(n.ChildCount()))
	_, _ = w.WriteString("\">")
	return ast.WalkContinue, nil
}

func renderTab(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*Tab)
	if !entering {
		return closeWith(w, "</div>\n")
	}
	set := strconv.Itoa(n.Set)
	id := "__tabbed_" + set + "_" + strconv.Itoa(n.Index)
	_, _ = w.WriteString(`<input`)
	if n.Checked {
		_, _ = w.WriteString(` checked="checked"`)
	}
	_, _ = w.WriteString(` id="` + id + `" name="__tabbed_` + set + `" type="radio"><label for="` + id + `">`)
	writeEscaped(w, n.Title)
	_, _ = w.WriteString("</label><div class=\"tabbed-content\">\n")
	return ast.WalkContinue, nil
}

func renderNothing(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	return ast.WalkSkipChildren, nil
}
