package apidoc

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"strconv"
	"strings"
)

// Definition types, as in an API entity's spec.type.
const (
	OpenAPI  = "openapi"
	AsyncAPI = "asyncapi"
	GraphQL  = "graphql"
	GRPC     = "grpc"
)

// ErrUnsupported is returned for a definition type Render does not know;
// the caller shows the raw definition alone.
var ErrUnsupported = errors.New("this type of definition is shown as text only")

// Error is a definition that could not be read: the message says what is
// wrong and, when known, where.
type Error struct {
	Message string
	Line    int // 1-based; 0 when unknown
	Column  int
}

func (e *Error) Error() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("%s at line %d, column %d", e.Message, e.Line, e.Column)
	case e.Line > 0:
		return fmt.Sprintf("%s at line %d", e.Message, e.Line)
	}
	return e.Message
}

// Supported reports whether Render knows the definition type kind.
func Supported(kind string) bool {
	switch strings.ToLower(kind) {
	case OpenAPI, AsyncAPI, GraphQL, GRPC:
		return true
	}
	return false
}

// Render renders definition, of the API type kind (openapi, asyncapi,
// graphql or grpc, any case), as HTML. OpenAPI 3.x and Swagger 2.0 are
// told apart by their version field, AsyncAPI 2.x and 3.x likewise. A
// definition that cannot be read returns an *Error (or ErrUnsupported for
// other kinds) and no HTML; the caller then shows the error beside the raw
// definition.
func Render(kind, definition string) (template.HTML, error) {
	if len(definition) > maxDefinitionBytes {
		return "", errTooLarge
	}
	var (
		page string
		data any
		err  error
	)
	b := newBudget()
	switch strings.ToLower(kind) {
	case OpenAPI:
		page = "openapi"
		data, err = buildOpenAPI(definition, b)
	case AsyncAPI:
		page = "asyncapi"
		data, err = buildAsyncAPI(definition, b)
	case GraphQL:
		page = "graphql"
		data, err = buildGraphQL(definition, b)
	case GRPC:
		page = "proto"
		data, err = buildProto(definition, b)
	default:
		return "", ErrUnsupported
	}
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, page, data); err != nil {
		return "", fmt.Errorf("render %s definition: %w", kind, err)
	}
	return template.HTML(buf.String()), nil
}

//go:embed templates/*.html
var templateFS embed.FS

// templates holds one template per definition type and shared partials.
var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"lower": strings.ToLower,
	"link":  newLink,
	"depthClass": func(d int) string {
		return "apidoc-depth-" + strconv.Itoa(min(d, maxSchemaDepth))
	},
}).ParseFS(templateFS, "templates/*.html"))

// budget bounds what a rendering produces: rows, and bytes of text, so
// that a definition made of shared anchors or deeply nested references
// cannot produce an unbounded page. When it runs out, schemas are shown by
// name only, descriptions as short plain text, and the page says so.
type budget struct {
	left      int // rows
	bytes     int
	exhausted bool
	// mdLeft is how many more bytes of Markdown may be converted; md
	// remembers what it converted, since descriptions repeat.
	mdLeft int
	mdDone map[string]template.HTML
}

// Limits of one rendering: far more than the largest real-world
// definitions need.
const (
	maxRows          = 20000
	maxOutputBytes   = 16 << 20
	maxMarkdownTotal = 4 << 20
)

func newBudget() *budget {
	return &budget{left: maxRows, bytes: maxOutputBytes, mdLeft: maxMarkdownTotal, mdDone: map[string]template.HTML{}}
}

// take spends one row; false once the budget is gone.
func (b *budget) take() bool {
	if b.left <= 0 || b.bytes <= 0 {
		b.exhausted = true
		return false
	}
	b.left--
	return true
}

// spend charges n bytes of output; false when they are not left.
func (b *budget) spend(n int) bool {
	if n > b.bytes {
		b.exhausted = true
		return false
	}
	b.bytes -= n
	return true
}

// md renders a description as Markdown. Past the rendering's allowances a
// description is shown as short escaped text.
func (b *budget) md(src string) template.HTML {
	if src == "" {
		return ""
	}
	h, ok := b.mdDone[src]
	if !ok {
		if len(src) <= b.mdLeft {
			b.mdLeft -= len(src)
			h = Markdown(src)
		} else {
			b.exhausted = true
			h = shortText(src)
		}
		b.mdDone[src] = h
	}
	if !b.spend(len(h)) {
		return shortText(src)
	}
	return h
}

// shortText is a description cut to one short paragraph of plain text.
func shortText(src string) template.HTML {
	return template.HTML("<p>" + template.HTMLEscapeString(compact(src)) + "</p>")
}

// truncatedNote is shown when the budget ran out.
const truncatedNote = "This definition is very large: some schemas are shown by name only. The raw definition has everything."
