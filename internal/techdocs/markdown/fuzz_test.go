package markdown

import (
	"context"
	"strings"
	"testing"
)

// FuzzBlocks feeds the admonition, details, tabbed and attribute-list
// parsers arbitrary nesting. Raw HTML is taken out of the input so that
// the output's containers must balance.
func FuzzBlocks(f *testing.F) {
	seeds := []string{
		"!!! note \"T\"\n    body\n\n    !!! tip\n        inner\n",
		"??? a b \"T\"\n    x\n???+ c\n    y\n",
		"=== \"A\"\n    a\n=== \"B\"\n    === \"C\"\n        c\n===! \"D\"\n    d\n",
		"- item\n\n    !!! note\n        in a list\n\n> [!NOTE]\n> alert\n",
		"# H {: #x .y }\n\npara\n{: .p }\n\n[l](u){: .c }\n\n*[H]: h\n",
		"!!! note\n\t\tbody with tabs\n  !!! x\n    ```\n    code\n",
		"=== \"\"\n\n===+!\"x\"\n    y\n",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	r := New(Options{})
	f.Fuzz(func(t *testing.T, src string) {
		src = strings.ReplaceAll(src, "<", " ")
		res, err := r.Render(context.Background(), Page{Name: "f.md", Source: []byte(src)})
		if err != nil {
			t.Fatal(err)
		}
		html := string(res.HTML)
		for _, tag := range []string{"div", "details"} {
			if open, closed := strings.Count(html, "<"+tag), strings.Count(html, "</"+tag+">"); open != closed {
				t.Fatalf("%d <%s> but %d </%s> in\n%s\nfrom %q", open, tag, closed, tag, html, src)
			}
		}
		if strings.Contains(html, "<script") {
			t.Fatalf("script in output: %s", html)
		}
	})
}
