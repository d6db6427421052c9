package markdown

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSanitize(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"script element", "<script>alert(1)</script>\n\nok\n", "\n<p>ok</p>\n"},
		{"inline script", "a <script>alert(1)</script> b\n", "<p>a  b</p>\n"},
		{"event handler", "<img src=\"x.png\" onerror=\"alert(1)\">\n", "<img src=\"x.png\">\n"},
		{"javascript link in HTML", "<a href=\"javascript:alert(1)\">x</a>\n", "<p>x</p>\n"},
		{"javascript link in Markdown", "[x](javascript:alert(1))\n", "<p>x</p>\n"},
		{"entity-encoded scheme", "<a href=\"jav&#x09;ascript:alert(1)\">x</a>\n", "<p>x</p>\n"},
		{"data URL image", "![x](data:image/svg+xml;base64,PHN2Zz4=)\n", "<p><img alt=\"x\"></p>\n"},
		{"style element and attribute", "<style>body{}</style><p style=\"color:red\">x</p>\n", "<p>x</p>\n"},
		{"iframe", "<iframe src=\"https://evil.example\"></iframe>\n", "\n"},
		{"form and button", "<form action=\"/x\"><button>go</button><input type=\"text\" name=\"q\"></form>\n", "go<input name=\"q\">\n"},
		{"svg script", "<svg><script>alert(1)</script><a xlink:href=\"javascript:alert(1)\"><text>t</text></a></svg>\n", "<p><svg><text>t</text></svg></p>\n"},
		{"svg with a web link", "<svg><a xlink:href=\"https://example.com/\"><text x=\"1\">t</text></a></svg>\n", "<p><svg><a xlink:href=\"https://example.com/\"><text x=\"1\">t</text></a></svg></p>\n"},
		{"attribute list cannot add handlers", "Text\n{: onclick=\"alert(1)\" .ok }\n", "<p class=\"ok\">Text</p>\n"},
		{"allowed HTML stays", "<details open><summary>S</summary><kbd>Ctrl</kbd> <mark>m</mark></details>\n", "<details open=\"\"><summary>S</summary><kbd>Ctrl</kbd> <mark>m</mark></details>\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := render(t, Options{}, tt.src, nil)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("HTML (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDot(t *testing.T) {
	r := New(Options{Dot: Graphviz{}})
	res, err := r.Render(context.Background(), Page{Name: "p.md", Source: []byte("```dot\ndigraph G { a -> b [URL=\"javascript:alert(1)\"] }\n```\n\n```graphviz\nnot a graph {\n```\n")})
	if err != nil {
		t.Fatal(err)
	}
	html := string(res.HTML)
	for _, want := range []string{`<div class="graphviz"><svg `, `<title>a-&gt;b</title>`, `<ellipse `, `language-graphviz highlight`} {
		if !strings.Contains(html, want) {
			t.Errorf("missing %q in\n%s", want, html)
		}
	}
	if strings.Contains(html, "javascript") {
		t.Errorf("script URL kept:\n%s", html)
	}
	if len(res.Warnings) != 1 || !strings.HasPrefix(res.Warnings[0], "p.md:5: dot diagram: graphviz layout failed") {
		t.Errorf("warnings %q", res.Warnings)
	}
}

// svgRenderer is a DotRenderer that returns a fixed drawing.
type svgRenderer string

func (s svgRenderer) SVG(ctx context.Context, dot string) ([]byte, error) { return []byte(s), nil }

func TestDotRendererIsSanitised(t *testing.T) {
	r := New(Options{Dot: svgRenderer(`<svg onload="alert(1)"><g><script>x</script><text>ok</text></g></svg>`)})
	res, err := r.Render(context.Background(), Page{Name: "p.md", Source: []byte("```dot\ndigraph{}\n```\n")})
	if err != nil {
		t.Fatal(err)
	}
	if want := "<div class=\"graphviz\"><svg><g><text>ok</text></g></svg></div>\n"; string(res.HTML) != want {
		t.Errorf("got %q, want %q", res.HTML, want)
	}
}
