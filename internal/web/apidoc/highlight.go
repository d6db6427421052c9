package apidoc

import (
	"errors"
	"html/template"
	"strings"
	"time"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
)

// Bounds of highlighting: larger definitions, and any whose highlighting
// takes too long (chroma's lexers are regular expressions that can
// backtrack on hostile input), are shown as plain text, which costs
// nothing.
const (
	maxHighlightBytes = 512 << 10
	highlightBudget   = 300 * time.Millisecond
)

// LinePrefix starts the id of each line of a highlighted definition
// (apidoc-L12), so an error can link to the line it names.
const LinePrefix = "apidoc-L"

// highlighter writes token classes (hl-k, hl-s ...) and line numbers; the
// colours are ours, in the stylesheet, so no inline style is needed.
var highlighter = chromahtml.New(
	chromahtml.WithClasses(true),
	chromahtml.ClassPrefix("hl-"),
	chromahtml.WithPreWrapper(rawPre{}),
	chromahtml.WithLineNumbers(true),
	chromahtml.WithLinkableLineNumbers(true, LinePrefix),
)

// Language is the name of the language a definition of kind is written
// in, for labels: JSON, YAML, GraphQL, Protocol Buffers or text.
func Language(kind, definition string) string {
	switch strings.ToLower(kind) {
	case OpenAPI, AsyncAPI:
		if looksLikeJSON(definition) {
			return "JSON"
		}
		return "YAML"
	case GraphQL:
		return "GraphQL"
	case GRPC:
		return "Protocol Buffers"
	}
	return "text"
}

func looksLikeJSON(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[")
}

// rawPre wraps the highlighted lines in our own <pre>.
type rawPre struct{}

func (rawPre) Start(bool, string) string { return `<pre class="apidoc-raw hl"><code>` }
func (rawPre) End(bool) string           { return `</code></pre>` }

// Highlight returns the raw definition as a <pre> block with syntax
// classes and numbered lines; a definition too large to highlight cheaply
// is shown as plain text.
func Highlight(kind, definition string) template.HTML {
	var b strings.Builder
	if len(definition) > maxHighlightBytes || highlightInto(&b, kind, definition) != nil {
		return template.HTML(`<pre class="apidoc-raw"><code>` + template.HTMLEscapeString(definition) + `</code></pre>`)
	}
	return template.HTML(b.String())
}

func highlightInto(b *strings.Builder, kind, definition string) error {
	var lexer chroma.Lexer
	switch Language(kind, definition) {
	case "JSON":
		lexer = lexers.Get("json")
	case "YAML":
		lexer = lexers.Get("yaml")
	case "GraphQL":
		lexer = lexers.Get("graphql")
	case "Protocol Buffers":
		lexer = lexers.Get("protobuf")
	}
	if lexer == nil {
		lexer = lexers.Get("plaintext")
	}
	it, err := chroma.Coalesce(lexer).Tokenise(nil, definition)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(highlightBudget)
	late := false
	bounded := func() chroma.Token {
		if time.Now().After(deadline) {
			late = true
			return chroma.EOF
		}
		return it()
	}
	if err := highlighter.Format(b, styles.Fallback, bounded); err != nil {
		return err
	}
	if late {
		return errHighlightTooSlow
	}
	return nil
}

// errHighlightTooSlow abandons a highlighting that overran its budget.
var errHighlightTooSlow = errors.New("highlighting took too long")
