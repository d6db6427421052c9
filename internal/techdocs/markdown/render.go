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

func renderAdmonition(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*Admonition)
	classes := strings.Join(n.Classes, " ")
	if n.Collapsible {
		if !entering {
			_, _ = w.WriteString("</details>\n")
			return ast.WalkContinue, nil
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
		_, _ = w.WriteString("</div>\n")
		return ast.WalkContinue, nil
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
		_, _ = w.WriteString("</div>\n")
		return ast.WalkContinue, nil
	}
	_, _ = w.WriteString(`<div class="tabbed-set" data-tabs="`)
	_, _ = w.WriteString(strconv.Itoa(n.Number) + ":" + strconv.Itoa(n.ChildCount()))
	_, _ = w.WriteString("\">")
	return ast.WalkContinue, nil
}

func renderTab(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*Tab)
	if !entering {
		_, _ = w.WriteString("</div>\n")
		return ast.WalkContinue, nil
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
