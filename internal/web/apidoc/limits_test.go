package apidoc

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// aliasBomb is an OpenAPI definition whose schemas share anchors, so that
// expanding it would produce 10^9 properties with a long description each.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("openapi: 3.0.0\ninfo: {title: bomb, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n")
	b.WriteString("    L0: &l0\n      type: object\n      description: &d \"" + strings.Repeat("long text ", 2000) + "\"\n")
	b.WriteString("      default: &v [" + strings.Repeat("\"value\", ", 500) + "\"end\"]\n")
	b.WriteString("      properties: {a: {type: string, description: *d, default: *v}}\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "    L%d: &l%d\n      type: object\n      description: *d\n      properties: {", i, i)
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "p%d: *l%d", j, i-1)
		}
		b.WriteString("}\n")
	}
	b.WriteString("    Top:\n      type: object\n      properties: {x: *l9, y: *l9}\n")
	return b.String()
}

func TestRenderBoundsSharedAnchors(t *testing.T) {
	start := time.Now()
	html, err := Render(OpenAPI, aliasBomb())
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("rendering took %v", d)
	}
	if len(html) > 32<<20 {
		t.Errorf("rendering is %d MiB", len(html)>>20)
	}
	if !strings.Contains(string(html), truncatedNote) {
		t.Error("the page does not say the rendering was cut short")
	}
}

func TestRenderCycles(t *testing.T) {
	def := `openapi: 3.0.0
info: {title: cycles, version: '1'}
paths:
  /nodes:
    get:
      responses:
        '200':
          $ref: '#/components/responses/Loop'
components:
  responses:
    Loop: {$ref: '#/components/responses/Loop2'}
    Loop2: {$ref: '#/components/responses/Loop'}
  schemas:
    Node:
      type: object
      properties:
        next: {$ref: '#/components/schemas/Node'}
        children: {type: array, items: {$ref: '#/components/schemas/Node'}}
        self: {$ref: '#/components/schemas/Self'}
    Self: {$ref: '#/components/schemas/Self'}
    Elsewhere: {$ref: 'other.yaml#/Node'}
`
	html, err := Render(OpenAPI, def)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"refers back to", "other.yaml#/Node (not resolved)"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("missing %q", want)
		}
	}
}

func TestCompact(t *testing.T) {
	long := strings.Repeat("é", maxInlineValue)
	for _, c := range []struct {
		in   any
		want string
	}{
		{"plain", "plain"},
		{float64(3), "3"},
		{[]any{"a", true, nil}, `[ "a", true, null ]`},
		{long, strings.Repeat("é", maxInlineValue/2) + "…"},
	} {
		if got := compact(c.in); got != c.want {
			t.Errorf("compact(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestHighlight(t *testing.T) {
	h := string(Highlight(OpenAPI, "openapi: 3.0.0 # a <b> comment\ninfo: {title: x}\n"))
	for _, want := range []string{`<pre class="apidoc-raw hl">`, `id="apidoc-L2"`, `href="#apidoc-L1"`, `class="hl-nt"`, `&lt;b&gt;`} {
		if !strings.Contains(h, want) {
			t.Errorf("missing %q in %s", want, h)
		}
	}
	if strings.Contains(h, "style=") {
		t.Errorf("inline style (the page's policy forbids it): %s", h)
	}
	big := strings.Repeat("a: <b>\n", maxHighlightBytes/7+1)
	if h := string(Highlight(OpenAPI, big)); strings.Contains(h, "hl-") || !strings.HasPrefix(h, `<pre class="apidoc-raw"><code>a: &lt;b&gt;`) {
		t.Errorf("a large definition is not shown as plain text: %.100s", h)
	}
	for kind, lang := range map[string]string{"openapi": "YAML", "asyncapi": "YAML", "graphql": "GraphQL", "grpc": "Protocol Buffers", "trpc": "text"} {
		if got := Language(kind, "a: b"); got != lang {
			t.Errorf("Language(%q) = %q, want %q", kind, got, lang)
		}
	}
	if got := Language("openapi", ` {"openapi": "3.0.0"}`); got != "JSON" {
		t.Errorf("JSON definition: %q", got)
	}
}
